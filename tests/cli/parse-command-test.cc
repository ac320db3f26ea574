/*
 * `sipsim parse` run as a user runs it: output and exit codes.
 */
#include <array>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace {

struct CommandRun
{
    std::string out;
    int exitCode = -1;
};

CommandRun
Sipsim(const std::string& args)
{
    CommandRun run;
    const std::string command = std::string(SIPSIM_BINARY) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
    {
        return run;
    }
    std::array<char, 4096> buf{};
    size_t n = 0;
    while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0)
    {
        run.out.append(buf.data(), n);
    }
    const int status = pclose(pipe);
    run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

std::string
Data(const std::string& file)
{
    return std::string(SIPSIM_TEST_DATA) + "/rfc4475/" + file;
}

TEST(ParseCommand, ValidMessagePrintsCanonicalFormAndExitsZero)
{
    const CommandRun r = Sipsim("parse " + Data("esc02.dat"));
    EXPECT_EQ(r.exitCode, 0) << r.out;
    EXPECT_EQ(r.out.rfind("RE%47IST%45R sip:registrar.example.com SIP/2.0\r\n", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\r\nContent-Length: 0\r\n\r\n"), std::string::npos); // "l:" expanded
}

TEST(ParseCommand, InvalidMessageNamesFaultAndAnswer)
{
    const CommandRun r = Sipsim("parse " + Data("badvers.dat"));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_EQ(r.out,
              Data("badvers.dat")
                  + ": error: unsupported SIP version: SIP/7.0 (a server answers 505 Version "
                    "Not Supported)\n");
}

TEST(ParseCommand, MixedFilesExitOneAndReportEach)
{
    const CommandRun r = Sipsim("parse " + Data("zeromf.dat") + " " + Data("badinv01.dat"));
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_NE(r.out.find("OPTIONS sip:"), std::string::npos);
    EXPECT_NE(r.out.find("badinv01.dat: error: Via: "), std::string::npos);
    EXPECT_NE(r.out.find("(a server answers 400 Bad Via)"), std::string::npos) << r.out;
}

TEST(ParseCommand, JsonOneObjectPerFile)
{
    const CommandRun r = Sipsim("parse --json " + Data("unreason.dat") + " "
                                + Data("mismatch02.dat") + " " + Data("bigcode.dat"));
    EXPECT_EQ(r.exitCode, 1);
    const std::string unreason = "{\"file\":\"" + Data("unreason.dat")
                                 + "\",\"valid\":true,\"kind\":\"response\",\"method\":\"INVITE\","
                                   "\"status\":200,\"error\":null,\"answer\":null}\n";
    EXPECT_NE(r.out.find(unreason), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"valid\":false,\"kind\":\"request\",\"method\":null,\"status\":null,"
                         "\"error\":\"CSeq: method does not match the Request-Line's unknown "
                         "method\",\"answer\":501}"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("\"valid\":false,\"kind\":\"response\""), std::string::npos);
    EXPECT_NE(r.out.find("\"answer\":null}"), std::string::npos);
}

TEST(ParseCommand, JsonEscapesControlOctets)
{
    const CommandRun r = Sipsim("parse --json " + Data("intmeth.dat"));
    EXPECT_EQ(r.exitCode, 0) << r.out;
    EXPECT_NE(r.out.find("\"method\":\"!interesting-Method0123456789_*+`.%indeed'~\""),
              std::string::npos)
        << r.out;
}

TEST(ParseCommand, UsageAndIoErrorsExitTwo)
{
    EXPECT_EQ(Sipsim("parse").exitCode, 2);
    EXPECT_EQ(Sipsim("parse --bogus x").exitCode, 2);
    const CommandRun missing = Sipsim("parse /nonexistent/file.sip");
    EXPECT_EQ(missing.exitCode, 2);
    EXPECT_NE(missing.out.find("/nonexistent/file.sip: error: cannot read"), std::string::npos);
    EXPECT_EQ(Sipsim("frobnicate").exitCode, 2);
    EXPECT_EQ(Sipsim("help").exitCode, 0);
}

TEST(ParseCommand, JsonStaysValidForAFileNameThatIsNotUtf8)
{
    // A file name with the bytes ED A0 80 (a UTF-16 surrogate, not UTF-8).
    const std::string name = ::testing::TempDir() + "bad\xed\xa0\x80.sip";
    std::ifstream in(Data("intmeth.dat"), std::ios::binary);
    std::ofstream(name, std::ios::binary) << in.rdbuf();
    const CommandRun r = Sipsim("parse --json '" + name + "'");
    std::remove(name.c_str());
    EXPECT_EQ(r.exitCode, 0) << r.out;
    const auto parsed = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(parsed.is_discarded()) << r.out;
    // Each byte of the bad sequence becomes U+FFFD.
    EXPECT_EQ(parsed["file"].get<std::string>(),
              ::testing::TempDir() + "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.sip");
    EXPECT_EQ(parsed["valid"], true);
}

TEST(ParseCommand, ReadsStandardInput)
{
    const CommandRun r = Sipsim("parse - < " + Data("noreason.dat"));
    EXPECT_EQ(r.exitCode, 0);
    EXPECT_EQ(r.out.rfind("SIP/2.0 100 \r\n", 0), 0u) << r.out;
}

} // namespace

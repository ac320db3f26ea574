/*
 * `sipsim validate` run as a user runs it: output and exit codes.
 */
#include <array>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace {

struct ValidateRun
{
    std::string out;
    int exitCode = -1;
};

ValidateRun
Validate(const std::string& args)
{
    ValidateRun run;
    const std::string command = std::string(SIPSIM_BINARY) + " validate " + args + " 2>&1";
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

const std::string kQuickstart = std::string(SIPSIM_SOURCE_DIR) + "/scenarios/quickstart.textproto";

/// A scenario file written for one test.
std::string
WriteScenario(const std::string& name, const std::string& text)
{
    const std::string path = "/tmp/sipsim-validate-" + std::to_string(getpid()) + "-" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

TEST(ValidateCommand, QuickstartIsOk)
{
    const auto r = Validate(kQuickstart);
    EXPECT_EQ(r.exitCode, 0) << r.out;
    EXPECT_EQ(r.out, kQuickstart
                         + ": ok (6 nodes, 5 links, 5 groups, 200 phones, 0 faults, "
                           "2 expectations)\n");
}

TEST(ValidateCommand, OverrideIsAppliedAndChecked)
{
    EXPECT_EQ(Validate(kQuickstart + " --set traffic.calls_per_second=40").exitCode, 0);
    const auto r = Validate(kQuickstart + " --set groups[0].phones.count=0");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(r.out, "--set groups[0].phones.count: a phone group needs count > 0\n");
}

TEST(ValidateCommand, BadOverrideExitsTwo)
{
    const auto r = Validate(kQuickstart + " --set traffic.calls_per_secnd=40");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(
        r.out,
        "--set traffic.calls_per_secnd: no field calls_per_secnd in sipsim.scenario.Traffic\n");
}

TEST(ValidateCommand, DiagnosticsArePositioned)
{
    const auto path
        = WriteScenario("bad.textproto", "duration_s: 60\n"
                                         "topology {\n"
                                         "  nodes { name: \"p\" role: PHONES domain: \"a\" }\n"
                                         "}\n"
                                         "groups {\n"
                                         "  node: \"nodeX\"\n"
                                         "  phones { count: 1 }\n"
                                         "}\n");
    const auto r = Validate(path);
    std::remove(path.c_str());
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(r.out, path + ":6:9: groups[0].node: unknown node 'nodeX' (not in topology.nodes)\n");
}

TEST(ValidateCommand, SyntaxErrorExitsTwo)
{
    const auto path = WriteScenario("syntax.textproto", "duration_s: 60\ntraffic {\n"
                                                        "    calls_per_secnd: 40\n}\n");
    const auto r = Validate(path);
    std::remove(path.c_str());
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(r.out.rfind(path + ":3:5: ", 0), 0u) << r.out;
}

TEST(ValidateCommand, UsageErrorsExitTwo)
{
    EXPECT_EQ(Validate("").exitCode, 2);
    EXPECT_EQ(Validate(kQuickstart + " --set").exitCode, 2);
    EXPECT_EQ(Validate(kQuickstart + " --frobnicate").exitCode, 2);
    const auto r = Validate("/nonexistent.textproto");
    EXPECT_EQ(r.exitCode, 2);
    EXPECT_EQ(r.out,
              "/nonexistent.textproto: cannot read the scenario: No such file or directory\n");
}

} // namespace

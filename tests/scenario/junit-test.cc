/*
 * Tier 3: the JUnit report of `sipsim run --junit`, validated against the JUnit schema that
 * Jenkins and GitLab read (tests/data/junit/junit.xsd) with libxml2, for a run whose
 * expectations hold, one where one is violated, an invalid scenario (exit 2: one <error>), a
 * scenario name with a control character, and a report folder that cannot be written (refused
 * before the run).
 */
#include "support/sipsim-command.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <memory>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;

/// Problems libxml2 reports while parsing and validating.
void
Collect(void* context, const char* format, ...)
{
    auto* out = static_cast<std::string*>(context);
    char buffer[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    *out += buffer;
}

/// "" when `file` is well-formed XML valid against the JUnit schema; else what is wrong.
std::string
SchemaProblems(const std::string& file)
{
    std::string problems;
    xmlSchemaParserCtxtPtr parser
        = xmlSchemaNewParserCtxt((kSource + "/tests/data/junit/junit.xsd").c_str());
    xmlSchemaSetParserErrors(parser, Collect, Collect, &problems);
    xmlSchemaPtr schema = xmlSchemaParse(parser);
    xmlSchemaFreeParserCtxt(parser);
    if (schema == nullptr)
    {
        return "the schema does not load: " + problems;
    }
    xmlSetGenericErrorFunc(&problems, Collect);
    xmlDocPtr doc = xmlReadFile(file.c_str(), nullptr, 0);
    if (doc == nullptr)
    {
        xmlSchemaFree(schema);
        return "not well-formed: " + problems;
    }
    xmlSchemaValidCtxtPtr valid = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidErrors(valid, Collect, Collect, &problems);
    const int verdict = xmlSchemaValidateDoc(valid, doc);
    xmlSchemaFreeValidCtxt(valid);
    xmlFreeDoc(doc);
    xmlSchemaFree(schema);
    return verdict == 0 ? std::string() : "invalid: " + problems;
}

std::string
Slurp(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Report
{
    int exit = -1;
    std::string output;
    std::string xml;
    std::string problems;
};

/// `sipsim run ARGS --junit <out>/junit.xml`, the report read and validated.
Report
RunWithJUnit(const std::string& args)
{
    static int n = 0;
    const fs::path out
        = fs::temp_directory_path()
          / ("sipsim-junit-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(out);
    const std::string junit = (out / "junit.xml").string();
    const auto r = sipsim::test::RunCommand(kSipsim, "run " + args + " --no-progress --out "
                                                         + out.string() + " --junit " + junit);
    Report report{r.exit, r.output, Slurp(junit), SchemaProblems(junit)};
    fs::remove_all(out);
    return report;
}

TEST(JUnitReport, TheSchemaCheckRefusesBrokenReports)
{
    const fs::path file
        = fs::temp_directory_path() / ("sipsim-junit-bad-" + std::to_string(::getpid()));
    // The old report: a <testsuite> root without errors, time or timestamp.
    std::ofstream(file) << "<?xml version=\"1.0\"?>\n<testsuite name=\"q\" tests=\"1\" "
                           "failures=\"0\"><testcase classname=\"q\" name=\"x\"/></testsuite>\n";
    EXPECT_NE(SchemaProblems(file.string()), "");
    // A control character, which no escaping makes well-formed XML 1.0.
    std::ofstream(file) << "<?xml version=\"1.0\"?>\n<testsuites name=\"a\x01\"/>\n";
    EXPECT_NE(SchemaProblems(file.string()).find("not well-formed"), std::string::npos);
    fs::remove(file);
}

TEST(JUnitReport, APassingRunIsValidWithItsProperties)
{
    const Report r = RunWithJUnit(kSource
                                  + "/scenarios/quickstart.textproto --set "
                                    "traffic.calls_per_second=0.5 --seed 3");
    EXPECT_EQ(r.exit, 0) << r.output;
    EXPECT_EQ(r.problems, "") << r.xml;
    EXPECT_NE(r.xml.find("<testsuite name=\"quickstart\" tests=\"2\" failures=\"0\" errors=\"0\""),
              std::string::npos)
        << r.xml;
    EXPECT_NE(r.xml.find("<property name=\"override\" value=\"traffic.calls_per_second=0.5\"/>"),
              std::string::npos);
    EXPECT_NE(r.xml.find("<property name=\"seed\" value=\"3\"/>"), std::string::npos);
    EXPECT_NE(r.xml.find("<property name=\"sipsim.version\""), std::string::npos);
    EXPECT_NE(r.xml.find("<system-out>no request times out</system-out>"), std::string::npos);
}

TEST(JUnitReport, AViolatedExpectationIsAFailureWithTheMeasuredValue)
{
    const Report r = RunWithJUnit(kSource
                                  + "/scenarios/quickstart.textproto --set "
                                    "groups[1].phones.user.do_not_disturb=true");
    EXPECT_EQ(r.exit, 1) << r.output;
    EXPECT_EQ(r.problems, "") << r.xml;
    EXPECT_NE(r.xml.find("failures=\"1\""), std::string::npos) << r.xml;
    EXPECT_NE(r.xml.find("<failure message=\"is "), std::string::npos) << r.xml;
    EXPECT_NE(r.xml.find("type=\"expectation\">completed_ratio &gt;= 0.85: is "), std::string::npos)
        << r.xml;
}

TEST(JUnitReport, AnInvalidScenarioIsOneError)
{
    const Report r
        = RunWithJUnit(kSource + "/tests/data/bad-scenarios/responder-status-2xx.textproto");
    EXPECT_EQ(r.exit, 2) << r.output;
    EXPECT_EQ(r.problems, "") << r.xml;
    EXPECT_NE(r.xml.find("tests=\"1\" failures=\"0\" errors=\"1\""), std::string::npos) << r.xml;
    EXPECT_NE(r.xml.find("<error message=\"the scenario is invalid (exit 2)\" "
                         "type=\"invalid-scenario\">"),
              std::string::npos)
        << r.xml;
    EXPECT_NE(r.xml.find("200 is not a final failure status"), std::string::npos) << r.xml;
}

TEST(JUnitReport, AControlCharacterInTheScenarioNameCannotBreakIt)
{
    const Report r
        = RunWithJUnit(kSource
                       + "/scenarios/quickstart.textproto --set traffic.calls_per_second=0.5"
                         " --set \"$(printf 'name=quick\\001start<&>')\"");
    EXPECT_EQ(r.exit, 0) << r.output;
    EXPECT_EQ(r.problems, "") << r.xml;
    EXPECT_NE(r.xml.find("name=\"quick\xef\xbf\xbdstart&lt;&amp;&gt;\""), std::string::npos)
        << r.xml;
}

TEST(JUnitReport, AFolderThatCannotHoldItIsRefusedBeforeTheRun)
{
    const fs::path file
        = fs::temp_directory_path() / ("sipsim-junit-file-" + std::to_string(::getpid()));
    std::ofstream(file) << "not a folder";
    const auto r = sipsim::test::RunCommand(
        kSipsim, "run " + kSource + "/scenarios/quickstart.textproto --no-progress --out "
                     + (file.string() + "-out") + " --junit " + (file / "junit.xml").string());
    fs::remove(file);
    EXPECT_EQ(r.exit, 2) << r.output;
    EXPECT_NE(r.output.find("cannot write the JUnit report"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(file.string() + "-out")) << "the run started";
}

} // namespace

/*
 * The sipsim command line as a user meets it (CLI11): help for every subcommand, --version,
 * and usage errors that name the argument, suggest the closest valid one and exit 2.
 */
#include "support/sipsim-command.h"

#include <gtest/gtest.h>
#include <string>

namespace {

using sipsim::test::CommandResult;

CommandResult
Sipsim(const std::string& args)
{
    return sipsim::test::RunCommand(SIPSIM_BINARY, args);
}

bool
Has(const CommandResult& r, const std::string& text)
{
    return r.output.find(text) != std::string::npos;
}

TEST(CommandLine, EverySubcommandHasHelpWithItsOptions)
{
    const CommandResult run = Sipsim("run --help");
    EXPECT_EQ(run.exit, 0) << run.output;
    for (const char* option :
         {"SCENARIO", "--set PATH=VALUE", "--seed N", "--run N", "--out DIR=sipsim-out", "--force",
          "--pcap", "--junit FILE", "--no-progress"})
    {
        EXPECT_TRUE(Has(run, option)) << option << "\n" << run.output;
    }
    for (const char* command :
         {"parse --help", "validate --help", "profile --help", "profile check --help",
          "profile doc --help", "attributes --help", "--help", "help"})
    {
        const CommandResult r = Sipsim(command);
        EXPECT_EQ(r.exit, 0) << command << "\n" << r.output;
        EXPECT_TRUE(Has(r, "Usage: sipsim")) << command << "\n" << r.output;
    }
}

TEST(CommandLine, TopLevelHelpListsTheCommandsAndEveryExitCode)
{
    const CommandResult r = Sipsim("--help");
    for (const char* text : {"parse", "profile", "validate", "run", "attributes", "  0 ", "  1 ",
                             "  2 ", "  3 ", "  130 "})
    {
        EXPECT_TRUE(Has(r, text)) << text << "\n" << r.output;
    }
}

TEST(CommandLine, VersionNamesTheCommitAndNs3)
{
    for (const char* flag : {"--version", "-V", "version"})
    {
        const CommandResult r = Sipsim(flag);
        EXPECT_EQ(r.exit, 0);
        EXPECT_EQ(r.output.rfind("sipsim " SIPSIM_VERSION " (commit ", 0), 0u) << r.output;
        EXPECT_TRUE(Has(r, ", ns-3 3.37)")) << r.output;
    }
}

TEST(CommandLine, AnUnknownOptionIsNamedWithTheClosestOne)
{
    // --outdir is not taken as --out (the old prefix bug).
    const CommandResult r = Sipsim("run scenarios/quickstart.textproto --outdir x");
    EXPECT_EQ(r.exit, 2);
    EXPECT_TRUE(Has(r, "--outdir")) << r.output;
    EXPECT_TRUE(Has(r, "did you mean --out?")) << r.output;
    const CommandResult pcap = Sipsim("run scenarios/quickstart.textproto --pcpa");
    EXPECT_EQ(pcap.exit, 2);
    EXPECT_TRUE(Has(pcap, "did you mean --pcap?")) << pcap.output;
    const CommandResult json = Sipsim("parse --jsn file.sip");
    EXPECT_EQ(json.exit, 2);
    EXPECT_TRUE(Has(json, "did you mean --json?")) << json.output;
}

TEST(CommandLine, AnUnknownCommandIsNamedWithTheClosestOne)
{
    const CommandResult r = Sipsim("valdate scenarios/quickstart.textproto");
    EXPECT_EQ(r.exit, 2);
    EXPECT_TRUE(Has(r, "unknown command 'valdate'")) << r.output;
    EXPECT_TRUE(Has(r, "did you mean validate?")) << r.output;
    const CommandResult far = Sipsim("frobnicate");
    EXPECT_EQ(far.exit, 2);
    EXPECT_FALSE(Has(far, "did you mean")) << far.output;
}

TEST(CommandLine, AMissingArgumentOrBadValueSaysWhich)
{
    const CommandResult run = Sipsim("run");
    EXPECT_EQ(run.exit, 2);
    EXPECT_TRUE(Has(run, "SCENARIO is required")) << run.output;
    const CommandResult seed = Sipsim("run scenarios/quickstart.textproto --seed -3");
    EXPECT_EQ(seed.exit, 2);
    EXPECT_TRUE(Has(seed, "--seed")) << seed.output;
    const CommandResult kind = Sipsim("attributes telephone");
    EXPECT_EQ(kind.exit, 2);
    EXPECT_TRUE(Has(kind, "telephone not in {phone,proxy,gateway,responder,queue}")) << kind.output;
    const CommandResult out = Sipsim("run scenarios/quickstart.textproto --out");
    EXPECT_EQ(out.exit, 2);
    EXPECT_TRUE(Has(out, "--out")) << out.output;
}

TEST(CommandLine, RepeatedSetsAreKeptInOrderWhereverTheyStand)
{
    // --set before the file, twice, in both spellings: the last one wins.
    const CommandResult r
        = Sipsim("validate --set duration_s=9 --set=duration_s=400 " SIPSIM_SOURCE_DIR
                 "/scenarios/quickstart.textproto");
    EXPECT_EQ(r.exit, 0) << r.output;
}

} // namespace

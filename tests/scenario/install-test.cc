/*
 * Tier 3: `cmake --install` puts a working sipsim and sipsim-analyze in a prefix: installed into
 * a temporary folder, they run from there, away from the source tree (the launcher finds
 * sipsim-core in libexec, the profiles come from share/sipsim/profiles, the analysis package
 * from share/sipsim/python).
 */
#include "support/sipsim-command.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

TEST(Install, SipsimAndSipsimAnalyzeRunFromThePrefix)
{
    const fs::path prefix
        = fs::temp_directory_path() / ("sipsim-install-" + std::to_string(::getpid()));
    fs::remove_all(prefix);
    const auto install = sipsim::test::RunCommand(
        "cmake", "--install " SIPSIM_BINARY_DIR " --prefix " + prefix.string());
    ASSERT_EQ(install.exit, 0) << install.output;
    // From a folder that is neither the source nor the build tree, without SIPSIM_PROFILE_PATH.
    const std::string run = "cd " + fs::temp_directory_path().string()
                            + " && env -u SIPSIM_PROFILE_PATH " + prefix.string() + "/bin/";
    const auto version = sipsim::test::RunCommand(run + "sipsim", "--version");
    EXPECT_EQ(version.exit, 0) << version.output;
    EXPECT_EQ(version.output.rfind("sipsim ", 0), 0u) << version.output;
    const auto validate = sipsim::test::RunCommand(
        run + "sipsim", "validate " SIPSIM_SOURCE_DIR "/scenarios/quickstart.textproto");
    EXPECT_EQ(validate.exit, 0) << validate.output;
    const auto profile = sipsim::test::RunCommand(run + "sipsim", "profile check cisco-sps");
    EXPECT_EQ(profile.exit, 0) << profile.output;
    EXPECT_NE(profile.output.find(prefix.string() + "/share/sipsim/profiles/cisco-sps.textproto"),
              std::string::npos)
        << profile.output;
    const auto analyze = sipsim::test::RunCommand(run + "sipsim-analyze", "--help");
    EXPECT_EQ(analyze.exit, 0) << analyze.output;
    EXPECT_NE(analyze.output.find("usage: sipsim-analyze"), std::string::npos) << analyze.output;
    fs::remove_all(prefix);
}

} // namespace

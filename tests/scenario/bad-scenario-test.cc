/*
 * Tier 3: the corpus of broken scenarios and DOT files (tests/data/bad-scenarios). For each
 * case, `sipsim validate` and `sipsim run` must both exit 2 and print the same diagnostics, the
 * ones in CASE.expected ("file:line:col: message"), never crash or hang. Oversized and endless
 * inputs (a 17 MiB file, /dev/zero) are made here rather than shipped.
 */
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kSipsim = SIPSIM_BINARY;
const fs::path kCorpus = fs::path(SIPSIM_SOURCE_DIR) / "tests/data/bad-scenarios";

struct Result
{
    int exit = -1;
    std::string err;
};

/// Runs sipsim in `dir` with a 60 s limit; stdout is dropped, stderr kept.
Result
Sipsim(const fs::path& dir, const std::string& arguments)
{
    const fs::path errFile
        = fs::temp_directory_path() / ("sipsim-bad-" + std::to_string(::getpid()));
    const std::string command = "cd '" + dir.string() + "' && timeout 60 " + kSipsim + " "
                                + arguments + " >/dev/null 2>'" + errFile.string() + "'";
    Result r;
    const int status = std::system(command.c_str());
    r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(errFile, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    r.err = text.str();
    fs::remove(errFile);
    return r;
}

std::vector<std::string>
Cases()
{
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(kCorpus))
    {
        const auto ext = entry.path().extension();
        if (ext == ".textproto" || ext == ".json")
        {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

/// Checks validate and run on one file of `dir`: exit 2 from both and the same diagnostics.
void
ExpectRefusedAlike(const fs::path& dir, const std::string& file, const std::string& expected)
{
    const fs::path out
        = fs::temp_directory_path() / ("sipsim-bad-out-" + std::to_string(::getpid()));
    fs::remove_all(out);
    const Result validate = Sipsim(dir, "validate " + file);
    const Result run = Sipsim(dir, "run " + file + " --no-progress --out " + out.string());
    EXPECT_EQ(validate.exit, 2) << validate.err;
    EXPECT_EQ(run.exit, 2) << run.err;
    EXPECT_EQ(validate.err, expected);
    EXPECT_EQ(run.err, validate.err) << "run and validate must refuse with the same message";
    EXPECT_FALSE(fs::exists(out / "trace.pb")) << "nothing runs";
    fs::remove_all(out);
}

class BadScenario : public ::testing::TestWithParam<std::string>
{};

TEST_P(BadScenario, ValidateAndRunRefuseItAlike)
{
    const std::string file = GetParam();
    const fs::path expectedFile = kCorpus / (fs::path(file).stem().string() + ".expected");
    ASSERT_TRUE(fs::exists(expectedFile)) << expectedFile << ": every case names its message";
    std::ifstream in(expectedFile);
    std::ostringstream expected;
    expected << in.rdbuf();
    ASSERT_FALSE(expected.str().empty());
    ExpectRefusedAlike(kCorpus, file, expected.str());
}

std::string
CaseName(const ::testing::TestParamInfo<std::string>& info)
{
    std::string name = info.param;
    for (char& c : name)
    {
        c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadScenario, ::testing::ValuesIn(Cases()), CaseName);

TEST(BadScenarioCorpus, HasAtLeastSixtyCases)
{
    EXPECT_GE(Cases().size(), 60u);
}

TEST(BadScenarioInput, AFileOverSixteenMebibytesIsRefusedUnread)
{
    const fs::path dir
        = fs::temp_directory_path() / ("sipsim-bad-big-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    {
        std::ofstream big(dir / "big.textproto", std::ios::binary);
        const std::string line = "# " + std::string(1021, 'x') + "\n";
        for (int i = 0; i < 17 * 1024; ++i)
        {
            big << line;
        }
    }
    ExpectRefusedAlike(dir, "big.textproto",
                       "big.textproto: larger than 16 MiB: not a scenario file\n");
    fs::remove_all(dir);
}

TEST(BadScenarioInput, AnEndlessDeviceIsReadNoFurtherThanTheLimit)
{
    ExpectRefusedAlike("/", "/dev/zero", "/dev/zero: larger than 16 MiB: not a scenario file\n");
}

TEST(BadScenarioInput, AMissingFileSaysWhy)
{
    ExpectRefusedAlike(kCorpus, "no-such-scenario.textproto",
                       "no-such-scenario.textproto: cannot read the scenario: No such file or "
                       "directory\n");
}

TEST(BadScenarioInput, ANonUtf8OverrideIsRefused)
{
    const std::string file = (kCorpus / "../../../scenarios/quickstart.textproto").string();
    // The shell of std::system is sh: the byte is written by printf.
    const Result v = Sipsim(kCorpus, "validate " + file + " --set \"$(printf 'name=caf\\351')\"");
    EXPECT_EQ(v.exit, 2) << v.err;
    EXPECT_EQ(v.err, "--set name: the value is not UTF-8\n");
}

} // namespace

/*
 * Tier 3: the compliance pages' "Exercised by" column is true. For every row of every
 * profile's vendor table that names a shipped scenario (ResponseRow.exercised_by), the test
 * runs it with its `--set`s and requires, in the trace, a message with the row's status sent
 * (or received) by the named node, and that node to carry the profile. For a received status
 * it also requires what the profile says the device does on receipt (ReceiptFor): a proxy
 * that forwards sends the status (or its forward_as) upstream in the same call; a retry
 * (credentials, Retry-After, Content-Length) sends the request again in the same call, or
 * takes the `otherwise` action; any other action is the user event that names the status
 * with the action's text. The pages are generated from the same profiles (docs/compliance/,
 * tools/gen-compliance.sh).
 */
#include "device-profile.pb.h"
#include "profile/device-profile.h"
#include "scenario.pb.h"
#include "support/sipsim-command.h"
#include "trace/trace-file.h"

#include <filesystem>
#include <fstream>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <iterator>
#include <ostream>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;

struct RowCase
{
    std::string profile;
    uint32_t code = 0;
    sipsim::profile::Exercise exercise;
};

/// ctest and gtest name a case by its row, not by its bytes.
void
PrintTo(const RowCase& c, std::ostream* os)
{
    *os << c.profile << " " << c.code << " at " << c.exercise.node() << " in "
        << c.exercise.scenario();
}

sipsim::profile::DeviceProfile
LoadProfile(const fs::path& file)
{
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    sipsim::profile::DeviceProfile p;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &p)) << file;
    return p;
}

std::vector<RowCase>
AllCases()
{
    std::vector<RowCase> cases;
    for (const char* name : {"cisco-sip-phone", "cisco-sps", "cpe-sip-gateway"})
    {
        const auto p = LoadProfile(kSource + "/profiles/" + name + ".textproto");
        for (const auto& row : p.rows())
        {
            for (const auto& e : row.exercised_by())
            {
                cases.push_back({name, row.code(), e});
            }
        }
    }
    return cases;
}

/// The profile a node of the scenario runs: its own, or its role's default.
std::string
ProfileOf(const sipsim::scenario::TopologyNode& node)
{
    if (!node.profile().empty())
    {
        return node.profile();
    }
    switch (node.role())
    {
        case sipsim::scenario::PHONES:
            return "cisco-sip-phone";
        case sipsim::scenario::PROXY:
            return "cisco-sps";
        case sipsim::scenario::GATEWAY:
            return "cpe-sip-gateway";
        default:
            return "";
    }
}

class ComplianceRow : public testing::TestWithParam<RowCase>
{};

TEST_P(ComplianceRow, ItsScenarioShowsIt)
{
    const RowCase& c = GetParam();
    static int n = 0;
    const fs::path out = fs::temp_directory_path()
                         / ("sipsim-row-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(out);
    std::string sets = " --set outputs.messages=true";
    for (const auto& s : c.exercise.set())
    {
        sets += " --set '" + s + "'";
    }
    const auto r
        = sipsim::test::RunCommand(kSipsim, "run " + kSource + "/scenarios/" + c.exercise.scenario()
                                                + " --no-progress --out " + out.string() + sets);
    ASSERT_TRUE(r.exit == 0 || r.exit == 1) << r.output;
    const auto trace = sipsim::trace::ReadTrace(out.string() + "/trace.pb");
    fs::remove_all(out);
    ASSERT_TRUE(trace.ok) << trace.error;
    sipsim::scenario::Scenario s;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(trace.header.effective_scenario_text(), &s));
    int node = -1;
    for (int i = 0; i < s.topology().nodes_size(); ++i)
    {
        if (s.topology().nodes(i).name() == c.exercise.node())
        {
            node = i;
            EXPECT_EQ(ProfileOf(s.topology().nodes(i)), c.profile)
                << "node " << c.exercise.node() << " does not run profile " << c.profile;
        }
    }
    ASSERT_GE(node, 0) << "no node " << c.exercise.node() << " in " << c.exercise.scenario();
    size_t seen = 0;
    std::set<std::string> calls; // Call-IDs of the messages that show the code
    int64_t first = -1;
    std::string method; // the CSeq method of the first one, and its number
    uint32_t cseq = 0;
    for (const auto& record : trace.records)
    {
        const auto& m = record.message();
        if (record.has_message() && m.node() == uint32_t(node) && m.status() == c.code
            && m.tx() == c.exercise.sends())
        {
            ++seen;
            calls.insert(m.call_id());
            if (first < 0)
            {
                first = m.time_ns();
                method = m.cseq_method();
                cseq = m.cseq();
            }
        }
    }
    ASSERT_GT(seen, 0u) << c.profile << " row " << c.code << ": " << c.exercise.node()
                        << (c.exercise.sends() ? " sends" : " receives") << " none in "
                        << c.exercise.scenario();
    if (c.exercise.sends())
    {
        return;
    }
    // What the device does on receipt, in the same calls.
    const auto p = LoadProfile(kSource + "/profiles/" + c.profile + ".textproto");
    const sipsim::profile::Receipt receipt = sipsim::profile::ReceiptFor(p, c.code);
    namespace pp = sipsim::profile;
    // A response with `status` sent on after the first receipt (forwarded upstream).
    const auto forwarded = [&](uint32_t status) {
        for (const auto& record : trace.records)
        {
            const auto& m = record.message();
            if (record.has_message() && m.node() == uint32_t(node) && m.tx() && m.time_ns() >= first
                && calls.count(m.call_id()) > 0 && m.status() == status && !m.retransmission())
            {
                return true;
            }
        }
        return false;
    };
    // The request that got it, sent again (a new CSeq) in the same call.
    const auto retried = [&]() {
        for (const auto& record : trace.records)
        {
            const auto& m = record.message();
            if (record.has_message() && m.node() == uint32_t(node) && m.tx() && m.time_ns() >= first
                && calls.count(m.call_id()) > 0 && m.method() == method && m.cseq() > cseq)
            {
                return true;
            }
        }
        return false;
    };
    // The user event that reports the status with the action's text.
    const auto event = [&](pp::ReceiptAction action) {
        const std::string text(pp::ActionText(action));
        for (const auto& record : trace.records)
        {
            if (record.has_user_event() && record.user_event().node() == uint32_t(node)
                && record.user_event().status() == c.code && record.user_event().action() == text)
            {
                return true;
            }
        }
        return false;
    };
    switch (receipt.action())
    {
        case pp::FORWARD:
            EXPECT_TRUE(forwarded(receipt.forward_as() != 0 ? receipt.forward_as() : c.code))
                << c.profile << " row " << c.code << ": " << c.exercise.node()
                << " does not forward it";
            break;
        case pp::RETRY_WITH_CREDENTIALS:
        case pp::RETRY_AFTER:
        case pp::RESEND_WITH_CONTENT_LENGTH:
            EXPECT_TRUE(retried() || event(receipt.otherwise().action()))
                << c.profile << " row " << c.code << ": " << c.exercise.node()
                << " neither sends the request again nor "
                << pp::ActionText(receipt.otherwise().action());
            break;
        case pp::NONE:
        case pp::RECEIPT_ACTION_UNSPECIFIED:
            break;
        default:
            EXPECT_TRUE(event(receipt.action()))
                << c.profile << " row " << c.code << ": no user event at " << c.exercise.node()
                << " with action '" << pp::ActionText(receipt.action()) << "'";
    }
}

INSTANTIATE_TEST_SUITE_P(Rows, ComplianceRow, testing::ValuesIn(AllCases()),
                         [](const testing::TestParamInfo<RowCase>& param) {
                             std::string name = param.param.profile + "_"
                                                + std::to_string(param.param.code) + "_"
                                                + param.param.exercise.node() + "_"
                                                + std::to_string(param.index);
                             for (char& ch : name)
                             {
                                 ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             }
                             return name;
                         });

/// The share of the vendor tables' rows that a shipped scenario exercises only grows: a row
/// that loses its scenario fails here.
TEST(ComplianceRows, ExercisedRowsDoNotShrink)
{
    size_t exercised = 0;
    size_t rows = 0;
    for (const char* name : {"cisco-sip-phone", "cisco-sps", "cpe-sip-gateway"})
    {
        const auto p = LoadProfile(kSource + "/profiles/" + name + ".textproto");
        for (const auto& row : p.rows())
        {
            ++rows;
            exercised += row.exercised_by_size() > 0 ? 1 : 0;
        }
    }
    EXPECT_GE(exercised, 75u) << "of " << rows << " rows";
}

} // namespace

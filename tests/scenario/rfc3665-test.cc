/*
 * Tier 3: the basic call flows of RFC 3665 as shipped scenarios (scenarios/rfc3665/). Each runs
 * with `sipsim run`, and the messages of its first call (sender, receiver, method or status,
 * read from the trace: a sent record and the matching received one) must be the RFC's figure.
 * Allowed variations are written down in scenarios/rfc3665/README.md.
 */
#include "scenario.pb.h"
#include "support/sipsim-command.h"
#include "trace/trace-file.h"

#include <filesystem>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;

/// "alice -> bob INVITE" for every message of the run's first call, in the order sent.
std::vector<std::string>
FirstCallLadder(const std::string& scenario)
{
    const fs::path out
        = fs::temp_directory_path() / ("sipsim-rfc3665-" + std::to_string(::getpid()));
    fs::remove_all(out);
    const auto r = sipsim::test::RunCommand(kSipsim, "run " + scenario + " --no-progress --out "
                                                         + out.string());
    EXPECT_EQ(r.exit, 0) << r.output;
    const auto trace = sipsim::trace::ReadTrace(out.string() + "/trace.pb");
    fs::remove_all(out);
    EXPECT_TRUE(trace.ok) << trace.error;
    if (!trace.ok || trace.records.empty())
    {
        return {};
    }
    // Node ids follow the topology's order (inline nodes).
    sipsim::scenario::Scenario s;
    google::protobuf::TextFormat::ParseFromString(trace.header.effective_scenario_text(), &s);
    const auto name = [&s](uint32_t node) {
        return node < static_cast<uint32_t>(s.topology().nodes_size())
                   ? s.topology().nodes(static_cast<int>(node)).name()
                   : "node" + std::to_string(node);
    };
    std::vector<const sipsim::trace::Message*> messages;
    std::string callId;
    for (const auto& record : trace.records)
    {
        if (record.has_message() && (callId.empty() || record.message().call_id() == callId))
        {
            callId = record.message().call_id();
            messages.push_back(&record.message());
        }
    }
    std::vector<bool> used(messages.size(), false);
    std::vector<std::string> ladder;
    for (size_t i = 0; i < messages.size(); ++i)
    {
        const auto& m = *messages[i];
        if (!m.tx())
        {
            continue;
        }
        std::string receiver = "?";
        for (size_t j = i + 1; j < messages.size(); ++j)
        {
            const auto& rx = *messages[j];
            if (!used[j] && !rx.tx() && rx.method() == m.method() && rx.status() == m.status()
                && rx.cseq() == m.cseq() && rx.cseq_method() == m.cseq_method())
            {
                used[j] = true;
                receiver = name(rx.node());
                break;
            }
        }
        ladder.push_back(name(m.node()) + " -> " + receiver + " "
                         + (m.method().empty() ? std::to_string(m.status()) : m.method()));
    }
    return ladder;
}

using Ladder = std::vector<std::string>;

// RFC 3665 3.1, Figure: F1 INVITE, F2 180, F3 200, F4 ACK, F5 BYE (from Bob), F6 200.
TEST(Rfc3665, DirectSessionEstablishment31)
{
    EXPECT_EQ(FirstCallLadder(kSource + "/scenarios/rfc3665/3.1-direct-session.textproto"),
              (Ladder{"alice -> bob INVITE", "bob -> alice 180", "bob -> alice 200",
                      "alice -> bob ACK", "bob -> alice BYE", "alice -> bob 200"}));
}

} // namespace

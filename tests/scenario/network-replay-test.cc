/*
 * Tier 3: run::ReplayNetwork on traces of shipped scenarios. The replay carries a run's UDP
 * messages over the run's own network without SIP: every datagram the run's stacks sent is
 * sent again, from the same node at the same time to the same peer, and arrives where the
 * run's did (a lossless scenario: every one, with the same octets in all). Bad traces are
 * reported, not replayed.
 */
#include "run/network-replay.h"
#include "run/scenario-runner.h"
#include "trace/trace-file.h"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <vector>

namespace {

using sipsim::run::ReplayNetwork;
using sipsim::run::ReplayResult;

const std::string kSource = SIPSIM_SOURCE_DIR;

std::string
TempDir(const std::string& name)
{
    const auto dir = std::filesystem::temp_directory_path() / ("sipsim-replay-" + name);
    std::filesystem::remove_all(dir);
    return dir.string();
}

/// Runs a shipped scenario with every SIP message in the trace; returns the trace's path.
std::string
RecordRun(const std::string& scenario, const std::string& dir)
{
    sipsim::run::RunOptions options;
    options.scenarioFile = kSource + "/scenarios/" + scenario + ".textproto";
    options.overrides = {"outputs.messages=true"};
    options.outDir = dir;
    options.progress = false;
    std::ostringstream out;
    std::ostringstream err;
    const int exit = sipsim::run::RunScenario(options, out, err);
    EXPECT_EQ(exit, sipsim::run::kOk) << out.str() << err.str();
    return dir + "/trace.pb";
}

/// UDP messages sent and received in a trace up to `untilNs`, and the received octets.
struct Counted
{
    uint64_t sent = 0;
    uint64_t received = 0;
    uint64_t receivedBytes = 0;
    std::vector<uint64_t> receivedByNode;
};

Counted
CountMessages(const std::string& path, int64_t untilNs)
{
    sipsim::trace::TraceReader reader;
    EXPECT_TRUE(reader.Open(path)) << reader.GetError();
    Counted c;
    sipsim::trace::Record record;
    while (reader.Next(&record))
    {
        if (!record.has_message() || record.message().transport() != sipsim::trace::UDP
            || record.message().time_ns() > untilNs)
        {
            continue;
        }
        if (record.message().tx())
        {
            ++c.sent;
        }
        else
        {
            ++c.received;
            c.receivedBytes += record.message().size();
            const uint32_t node = record.message().node();
            if (c.receivedByNode.size() <= node)
            {
                c.receivedByNode.resize(node + 1);
            }
            ++c.receivedByNode[node];
        }
    }
    EXPECT_FALSE(reader.IsError()) << reader.GetError();
    return c;
}

TEST(NetworkReplayTest, QuickstartDeliversEveryDatagramTheRunDelivered)
{
    const std::string trace = RecordRun("quickstart", TempDir("quickstart"));
    const Counted counted = CountMessages(trace, INT64_MAX);
    ASSERT_GT(counted.sent, 1000U); // registrations and a few minutes of calls

    ReplayResult r;
    std::string error;
    ASSERT_TRUE(ReplayNetwork(trace, -1, &r, &error)) << error;
    EXPECT_EQ(r.traceSent, counted.sent);
    EXPECT_EQ(r.traceReceived, counted.received);
    EXPECT_EQ(r.skipped, 0U);
    EXPECT_EQ(r.sent, counted.sent);
    // quickstart loses nothing: what the run's stacks received, the replay's sockets receive.
    EXPECT_EQ(r.received, counted.received);
    EXPECT_EQ(r.bytesReceived, counted.receivedBytes);
    std::vector<uint64_t> byNode = r.receivedByNode;
    byNode.resize(std::max(byNode.size(), counted.receivedByNode.size()));
    std::vector<uint64_t> expected = counted.receivedByNode;
    expected.resize(byNode.size());
    EXPECT_EQ(byNode, expected);
    EXPECT_EQ(r.endNs, 300'000'000'000); // quickstart's duration_s
    EXPECT_GT(r.wallSeconds, 0.0);
}

TEST(NetworkReplayTest, StopsAtTheTimeAsked)
{
    const std::string trace = RecordRun("quickstart", TempDir("until"));
    const int64_t until = 40'000'000'000;
    const Counted all = CountMessages(trace, INT64_MAX);
    const Counted first = CountMessages(trace, until);
    ASSERT_GT(first.sent, 0U);
    ASSERT_LT(first.sent, all.sent);

    ReplayResult r;
    std::string error;
    ASSERT_TRUE(ReplayNetwork(trace, until, &r, &error)) << error;
    EXPECT_EQ(r.traceSent, first.sent);
    EXPECT_EQ(r.sent, first.sent);
    EXPECT_EQ(r.endNs, until);
    // A message sent just before the stop may still be on its way.
    EXPECT_LE(r.received, first.sent);
    EXPECT_GE(r.received + 10, first.received);
}

TEST(NetworkReplayTest, LossyLinksLoseDatagramsInTheReplayToo)
{
    const std::string trace = RecordRun("lossy-access", TempDir("lossy"));
    ReplayResult r;
    std::string error;
    ASSERT_TRUE(ReplayNetwork(trace, -1, &r, &error)) << error;
    ASSERT_GT(r.sent, 100U);
    EXPECT_EQ(r.sent, r.traceSent);
    EXPECT_LT(r.received, r.sent);
}

TEST(NetworkReplayTest, AMissingTraceIsAnError)
{
    ReplayResult r;
    std::string error;
    EXPECT_FALSE(ReplayNetwork("/nonexistent/trace.pb", -1, &r, &error));
    EXPECT_NE(error.find("/nonexistent/trace.pb"), std::string::npos) << error;
}

/// A trace of the two-node scenario `scenarioText` with one message sent to `peer`.
std::string
WriteTrace(const std::string& dir, const std::string& scenarioText, const std::string& peer)
{
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/trace.pb";
    sipsim::trace::TraceWriter writer;
    sipsim::trace::Header header;
    header.set_effective_scenario_text(scenarioText);
    EXPECT_TRUE(writer.Open(path, header, false)) << writer.GetError();
    sipsim::trace::Record record;
    auto* m = record.mutable_message();
    m->set_time_ns(1'000'000);
    m->set_node(0);
    m->set_tx(true);
    m->set_transport(sipsim::trace::UDP);
    m->set_size(400);
    m->set_peer(peer);
    EXPECT_TRUE(writer.Write(record));
    EXPECT_TRUE(writer.Close(true, "end"));
    return path;
}

const char* const kTwoNodes = R"(
name: "two" duration_s: 1
topology {
  nodes { name: "a" role: PROXY domain: "a.example" }
  nodes { name: "b" role: PROXY domain: "b.example" }
  links { a: "a" b: "b" delay: "1ms" }
})";

TEST(NetworkReplayTest, ReplaysAHandWrittenTrace)
{
    const std::string trace = WriteTrace(TempDir("hand"), kTwoNodes, "UDP 10.1.1.2:5060");
    ReplayResult r;
    std::string error;
    ASSERT_TRUE(ReplayNetwork(trace, -1, &r, &error)) << error;
    EXPECT_EQ(r.sent, 1U);
    EXPECT_EQ(r.received, 1U);
    EXPECT_EQ(r.bytesReceived, 400U);
}

TEST(NetworkReplayTest, APeerThatIsNotAUdpAddressIsAnError)
{
    for (const char* peer : {"TCP 10.1.1.2:5060", "UDP 10.1.1:5060", "UDP 10.1.1.256:5060",
                             "UDP 10.1.1.2", "UDP 10.1.1.2:0", "UDP 10.1.1.2:5060x"})
    {
        const std::string trace = WriteTrace(TempDir("peer"), kTwoNodes, peer);
        ReplayResult r;
        std::string error;
        EXPECT_FALSE(ReplayNetwork(trace, -1, &r, &error)) << peer;
        EXPECT_NE(error.find(peer), std::string::npos) << error;
    }
}

TEST(NetworkReplayTest, AMessageFromANodeTheNetworkDoesNotHaveIsAnError)
{
    const std::string trace
        = WriteTrace(TempDir("nodes"), R"(name: "none" duration_s: 1)", "UDP 10.1.1.2:5060");
    ReplayResult r;
    std::string error;
    EXPECT_FALSE(ReplayNetwork(trace, -1, &r, &error));
    EXPECT_NE(error.find("sent by node 0"), std::string::npos) << error;
}

TEST(NetworkReplayTest, ATraceWhoseTopologyIsNotValidIsAnError)
{
    const std::string trace = WriteTrace(TempDir("topology"), R"(
name: "bad" duration_s: 1
topology {
  nodes { name: "a" role: PROXY domain: "a.example" }
  nodes { name: "b" role: PROXY domain: "b.example" }
})",
                                         "UDP 10.1.1.2:5060");
    ReplayResult r;
    std::string error;
    EXPECT_FALSE(ReplayNetwork(trace, -1, &r, &error));
    EXPECT_NE(error.find("topology"), std::string::npos) << error;
}

TEST(NetworkReplayTest, ATraceWhoseHeaderIsNotAScenarioIsAnError)
{
    const std::string trace
        = WriteTrace(TempDir("header"), "this is not { a scenario", "UDP 10.1.1.2:5060");
    ReplayResult r;
    std::string error;
    EXPECT_FALSE(ReplayNetwork(trace, -1, &r, &error));
    EXPECT_NE(error.find("effective_scenario_text"), std::string::npos) << error;
}

} // namespace

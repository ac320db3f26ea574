/*
 * Tier 3: every scenario field changes what a run shows. One test per field that no other
 * scenario-tier test exercises: it runs `sipsim run` on a shipped scenario as is and with the
 * field changed by `--set`, and checks the difference in the trace (message times and counts,
 * call records, samples, the header) or in the files and report a user reads. Exact where the
 * simulator makes it exact (timers, delays). The last test checks that every field of
 * scenario.proto is named by a scenario-tier test, so that a new field cannot arrive untested.
 */
#include "scenario.pb.h"
#include "support/sipsim-command.h"
#include "trace/trace-file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using sipsim::trace::CallRecord;
using sipsim::trace::Message;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;

/// What one run left: its trace, its printed report, its exit status and its folder's files.
struct RunResult
{
    int exit = -1;
    std::string output;
    sipsim::trace::TraceContents trace;
    std::string traceBytes; ///< trace.pb as written (gzip or not)
    std::string pcaps;      ///< every pcap file, concatenated

    std::vector<Message> Messages(const std::function<bool(const Message&)>& keep) const
    {
        std::vector<Message> out;
        for (const auto& r : trace.records)
        {
            if (r.has_message() && keep(r.message()))
            {
                out.push_back(r.message());
            }
        }
        return out;
    }

    std::vector<CallRecord> Calls() const
    {
        std::vector<CallRecord> out;
        for (const auto& r : trace.records)
        {
            if (r.has_call())
            {
                out.push_back(r.call());
            }
        }
        return out;
    }

    size_t CallsWithStatus(uint32_t status) const
    {
        const auto calls = Calls();
        return std::count_if(calls.begin(), calls.end(),
                             [status](const CallRecord& c) { return c.final_status() == status; });
    }

    /// Messages sent by node (method, or status when method is "").
    std::vector<Message> Sent(uint32_t node, const std::string& method, uint32_t status = 0) const
    {
        return Messages([&](const Message& m) {
            return m.tx() && m.node() == node && m.method() == method && m.status() == status;
        });
    }

    /// Seconds from the first message of `a` to the first of `b` (both must exist).
    static double Between(const std::vector<Message>& a, const std::vector<Message>& b)
    {
        EXPECT_FALSE(a.empty());
        EXPECT_FALSE(b.empty());
        if (a.empty() || b.empty())
        {
            return -1;
        }
        return double(b.front().time_ns() - a.front().time_ns()) / 1e9;
    }
};

std::string
Slurp(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

/**
 * Runs scenarios/NAME with outputs.messages on and the `--set`s given. It must run to its end:
 * exit 0, or 1 when a shipped expectation no longer holds with the field changed (the tests
 * check what they need themselves); expectExit 2 asks for a refusal instead.
 */
RunResult
RunScenario(const std::string& scenario, const std::string& sets = "", int expectExit = 0)
{
    static int n = 0;
    const fs::path out
        = fs::temp_directory_path()
          / ("sipsim-field-" + std::to_string(::getpid()) + "-" + std::to_string(++n));
    fs::remove_all(out);
    const auto r = sipsim::test::RunCommand(kSipsim, "run " + kSource + "/scenarios/" + scenario
                                                         + " --no-progress --out " + out.string()
                                                         + " --set outputs.messages=true " + sets);
    RunResult run;
    run.exit = r.exit;
    run.output = r.output;
    if (expectExit == 2)
    {
        EXPECT_EQ(r.exit, 2) << scenario << " " << sets << "\n" << r.output;
        return run;
    }
    EXPECT_TRUE(r.exit == 0 || r.exit == 1) << scenario << " " << sets << "\n" << r.output;
    const fs::path trace = fs::exists(out / "trace.pb.gz") ? out / "trace.pb.gz" : out / "trace.pb";
    run.trace = sipsim::trace::ReadTrace(trace.string());
    EXPECT_TRUE(run.trace.ok) << run.trace.error;
    run.traceBytes = Slurp(trace);
    for (const auto& entry : fs::directory_iterator(out))
    {
        if (entry.path().extension() == ".pcap")
        {
            run.pcaps += Slurp(entry.path());
        }
    }
    fs::remove_all(out);
    return run;
}

// Node ids follow the order of topology.nodes.
constexpr uint32_t kAlice = 0, kProxy1 = 1, kProxy2 = 2, kBob = 3; // rfc3665/3.x
constexpr uint32_t kRegBob = 0, kRegistrar = 1;                    // rfc3665/2.x

const std::string k38 = "rfc3665/3.8-no-answer.textproto";
const std::string k32 = "rfc3665/3.2-two-proxies.textproto";
const std::string k310 = "rfc3665/3.10-no-response.textproto";
const std::string k21 = "rfc3665/2.1-new-registration.textproto";

bool
IsRetransmission(const Message& m)
{
    return m.retransmission();
}

// --- Scenario ------------------------------------------------------------------------------------

TEST(FieldTable, DescriptionIsRecordedInTheTraceHeader)
{
    const auto base = RunScenario(k21);
    const auto changed = RunScenario(k21, "--set 'description=a description to find'");
    EXPECT_EQ(base.trace.header.effective_scenario_text().find("a description to find"),
              std::string::npos);
    EXPECT_NE(changed.trace.header.effective_scenario_text().find("a description to find"),
              std::string::npos);
}

// --- timers --------------------------------------------------------------------------------------

// timers.t1_s: Timer A starts at T1 (RFC 3261 17.1.1.2): Proxy 2's first INVITE retransmission
// to the silent Bob comes T1 after the INVITE.
TEST(FieldTable, TimersT1IsTheFirstRetransmissionInterval)
{
    const auto interval = [](const RunResult& run) {
        const auto sent = run.Sent(kProxy2, "INVITE");
        EXPECT_GE(sent.size(), 2u);
        return sent.size() < 2 ? -1.0 : double(sent[1].time_ns() - sent[0].time_ns()) / 1e9;
    };
    EXPECT_DOUBLE_EQ(interval(RunScenario(k310)), 0.5);
    EXPECT_DOUBLE_EQ(interval(RunScenario(k310, "--set timers.t1_s=0.25")), 0.25);
}

// timers.t2_s: a non-INVITE request's retransmission interval doubles up to T2 (17.1.2.2):
// Bob's REGISTER to a crashed registrar.
TEST(FieldTable, TimersT2CapsNonInviteRetransmissions)
{
    const auto longest = [](const RunResult& run) {
        const auto sent = run.Sent(kRegBob, "REGISTER");
        EXPECT_GE(sent.size(), 5u);
        int64_t most = 0;
        for (size_t i = 1; i < sent.size(); ++i)
        {
            most = std::max(most, sent[i].time_ns() - sent[i - 1].time_ns());
        }
        return double(most) / 1e9;
    };
    const std::string crash = "--set faults[0].at_s=0 --set faults[0].node_crash.node=registrar "
                              "--set expectations[0].op=GE";
    EXPECT_DOUBLE_EQ(longest(RunScenario(k21, crash)), 4.0);
    EXPECT_DOUBLE_EQ(longest(RunScenario(k21, crash + " --set timers.t2_s=2")), 2.0);
}

// timers.t4_s: a non-INVITE client transaction over UDP lingers T4 after its final response
// (Timer K, 17.1.2.2): the REGISTER transaction's outcome comes T4 after Bob received the 200.
TEST(FieldTable, TimersT4IsTimerK)
{
    const auto linger = [](const RunResult& run) {
        const auto ok = run.Messages(
            [](const Message& m) { return !m.tx() && m.node() == kRegBob && m.status() == 200; });
        int64_t ended = -1;
        for (const auto& r : run.trace.records)
        {
            if (r.has_transaction() && r.transaction().node() == kRegBob
                && r.transaction().status() == 200)
            {
                ended = r.transaction().time_ns();
            }
        }
        EXPECT_FALSE(ok.empty());
        return ok.empty() ? -1.0 : double(ended - ok.front().time_ns()) / 1e9;
    };
    EXPECT_DOUBLE_EQ(linger(RunScenario(k21)), 5.0);
    EXPECT_DOUBLE_EQ(linger(RunScenario(k21, "--set timers.t4_s=2")), 2.0);
}

// timers.invite_expires_s: the ringing callee's fail-safe (the profile's INVITE_EXPIRED
// response, 408 for cisco-sip-phone) comes this long after its 180.
TEST(FieldTable, TimersInviteExpiresIsTheCalleesFailSafe)
{
    const std::string noCancel = "--set groups[0].phones.user.cancel_after_s=0 "
                                 "--set expectations[0].status=408 --set duration_s=60";
    const auto ringing = [](const RunResult& run) {
        return RunResult::Between(run.Sent(kBob, "", 180), run.Sent(kBob, "", 408));
    };
    EXPECT_DOUBLE_EQ(ringing(RunScenario(k38, noCancel + " --set timers.invite_expires_s=20")), 20);
    EXPECT_DOUBLE_EQ(ringing(RunScenario(k38, noCancel + " --set timers.invite_expires_s=40")), 40);
}

// timers.timer_c_s: a proxy whose INVITE branch got a provisional response but no final one
// cancels it when Timer C fires (RFC 3261 16.8). The earlier phone profile has no fail-safe of
// its own, so nothing else ends the call first.
TEST(FieldTable, TimersTimerCMakesTheProxyCancel)
{
    const std::string sets = "--set groups[0].phones.user.cancel_after_s=0 "
                             "--set topology.nodes[3].profile=cisco-sip-phone-earlier "
                             "--set expectations[0].status=408 --set expectations[0].op=GE "
                             "--set expectations[0].value=0 --set duration_s=400";
    const auto cancelAfter = [](const RunResult& run) {
        // Timer C restarts on a provisional response (16.7 step 2): from Bob's 180 at Proxy 2.
        const auto ringing = run.Messages(
            [](const Message& m) { return !m.tx() && m.node() == kProxy2 && m.status() == 180; });
        return RunResult::Between(ringing, run.Sent(kProxy2, "CANCEL"));
    };
    EXPECT_DOUBLE_EQ(cancelAfter(RunScenario(k38, sets + " --set timers.timer_c_s=200")), 200);
    EXPECT_DOUBLE_EQ(cancelAfter(RunScenario(k38, sets + " --set timers.timer_c_s=300")), 300);
}

// --- topology ------------------------------------------------------------------------------------

// topology.nodes[i].profile: cisco-sip-phone ends an unanswered ringing INVITE 180 s after
// its 180 (its INVITE_EXPIRED row, 408); the earlier guide's phone has no such fail-safe, and
// the proxies' Timer C ends the call instead.
TEST(FieldTable, NodeProfileChoosesTheDeviceBehaviour)
{
    const std::string sets = "--set groups[0].phones.user.cancel_after_s=0 --set duration_s=400";
    const auto current = RunScenario(k38, sets);
    EXPECT_DOUBLE_EQ(RunResult::Between(current.Sent(kBob, "", 180), current.Sent(kBob, "", 408)),
                     180.0);
    EXPECT_EQ(RunScenario(k38, sets + " --set topology.nodes[3].profile=cisco-sip-phone-earlier")
                  .Sent(kBob, "", 408)
                  .size(),
              0u);
}

// topology.dot_file: the network comes from the DOT file named; the same scenario with a copy
// whose core links are 40 ms instead of 15 ms has a post-dial delay longer by about 4 x 25 ms
// (the INVITE and the 180 each cross two core links).
TEST(FieldTable, TopologyDotFileIsTheNetwork)
{
    std::string dot = Slurp(kSource + "/scenarios/dot-topology.dot");
    const auto at = dot.find("delay=\"15ms\"");
    ASSERT_NE(at, std::string::npos);
    dot.replace(at, 13, "delay=\"40ms\"");
    const fs::path slower
        = fs::temp_directory_path() / ("sipsim-slower-" + std::to_string(::getpid()) + ".dot");
    std::ofstream(slower) << dot;
    const auto meanPdd = [](const RunResult& run) {
        double sum = 0;
        size_t n = 0;
        for (const auto& c : run.Calls())
        {
            if (c.post_dial_delay_s() > 0 && c.callee().find("@b.example") != std::string::npos)
            {
                sum += c.post_dial_delay_s();
                ++n;
            }
        }
        EXPECT_GT(n, 5u);
        return n == 0 ? 0.0 : sum / double(n);
    };
    const double base = meanPdd(RunScenario("dot-topology.textproto"));
    const double slow = meanPdd(
        RunScenario("dot-topology.textproto", "--set topology.dot_file=" + slower.string()));
    fs::remove(slower);
    EXPECT_NEAR(slow - base, 0.100, 0.005);
}

// topology.links[i].queue_packets: on quickstart's phones-a LAN at 1 Mbps, 200 phones'
// registration burst at the start already costs retransmissions through the default queue;
// with a one-packet device queue most of the burst is dropped, and registrations fail.
TEST(FieldTable, LinkQueuePacketsBoundsTheLinkQueue)
{
    const std::string slow = "--set duration_s=40 --set topology.links[0].rate=1Mbps";
    const auto retransmitted
        = [](const RunResult& run) { return run.Messages(IsRetransmission).size(); };
    const auto failed = [](const RunResult& run) {
        return std::count_if(run.trace.records.begin(), run.trace.records.end(), [](const auto& r) {
            return r.has_registration() && !r.registration().ok();
        });
    };
    const auto roomy = RunScenario("quickstart.textproto", slow);
    const auto tight
        = RunScenario("quickstart.textproto", slow + " --set topology.links[0].queue_packets=1");
    EXPECT_GT(retransmitted(tight), 2 * retransmitted(roomy));
    EXPECT_EQ(failed(roomy), 0);
    EXPECT_GT(failed(tight), 20);
}

// topology.links[i].lan: a CSMA segment instead of a point-to-point link: the same delay and
// rate, another device model (its frames carry more overhead), so a message arrives later.
TEST(FieldTable, LinkLanMakesACsmaSegment)
{
    const auto transit = [](const RunResult& run) {
        const auto tx = run.Sent(kRegBob, "REGISTER");
        const auto rx = run.Messages([](const Message& m) {
            return !m.tx() && m.node() == kRegistrar && m.method() == "REGISTER";
        });
        return RunResult::Between(tx, rx);
    };
    const double p2p = transit(RunScenario(k21, "--set topology.links[0].rate=1Mbps"));
    const double lan = transit(
        RunScenario(k21, "--set topology.links[0].rate=1Mbps --set topology.links[0].lan=true"));
    EXPECT_GT(p2p, 0.010);
    EXPECT_NE(lan, p2p);
}

// --- groups --------------------------------------------------------------------------------------

// groups[i].attributes: any ns-3 attribute of the node's application, here the phone's
// RingTimeout: Bob refuses with 480 instead of ringing until Alice cancels.
TEST(FieldTable, GroupAttributesSetTheApplicationsAttributes)
{
    EXPECT_EQ(RunScenario(k38).Sent(kBob, "", 480).size(), 0u);
    const auto changed = RunScenario(
        k38, "--set groups[1].attributes[RingTimeout]=2s --set expectations[0].status=480");
    EXPECT_EQ(changed.Sent(kBob, "", 480).size(), 1u);
}

// groups[i].phones.user.cancel_after_s: the caller's CANCEL comes this long after its INVITE.
TEST(FieldTable, UserCancelAfterIsWhenTheCallerGivesUp)
{
    const auto cancel = [](const RunResult& run) {
        return RunResult::Between(run.Sent(kAlice, "INVITE"), run.Sent(kAlice, "CANCEL"));
    };
    EXPECT_DOUBLE_EQ(cancel(RunScenario(k38)), 5.0);
    EXPECT_DOUBLE_EQ(cancel(RunScenario(k38, "--set groups[0].phones.user.cancel_after_s=3")), 3.0);
}

/// Seconds from the ACK Bob receives to his BYE (his holding time) for each call of the run.
std::vector<double>
BobHolding(const RunResult& run)
{
    // The callee's holding time starts when the ACK confirms the call.
    const auto ok = run.Messages(
        [](const Message& m) { return !m.tx() && m.node() == kBob && m.method() == "ACK"; });
    const auto bye = run.Sent(kBob, "BYE");
    std::vector<double> out;
    for (size_t i = 0; i < std::min(ok.size(), bye.size()); ++i)
    {
        out.push_back(double(bye[i].time_ns() - ok[i].time_ns()) / 1e9);
    }
    EXPECT_FALSE(out.empty());
    return out;
}

// Distribution kinds, on the callee's holding time (constant 5 s in the scenario).
TEST(FieldTable, DistributionExponentialMean)
{
    for (const double h : BobHolding(RunScenario(k32)))
    {
        EXPECT_DOUBLE_EQ(h, 5.0);
    }
    const auto drawn = BobHolding(RunScenario(
        k32, "--set groups[1].phones.user.holding.exponential_mean=2 --set duration_s=120"));
    ASSERT_GE(drawn.size(), 3u);
    EXPECT_GT(std::set<double>(drawn.begin(), drawn.end()).size(), 1u) << "drawn, not constant";
}

TEST(FieldTable, DistributionLognormalAndItsSigma)
{
    const std::string base
        = "--set groups[1].phones.user.holding.lognormal.mu=1 --set duration_s=120";
    const auto narrow = BobHolding(
        RunScenario(k32, base + " --set groups[1].phones.user.holding.lognormal.sigma=0.001"));
    const auto wide = BobHolding(
        RunScenario(k32, base + " --set groups[1].phones.user.holding.lognormal.sigma=0.8"));
    ASSERT_GE(narrow.size(), 3u);
    ASSERT_GE(wide.size(), 3u);
    const auto spread = [](const std::vector<double>& v) {
        return *std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end());
    };
    for (const double h : narrow)
    {
        EXPECT_NEAR(h, 2.718, 0.05); // e^mu
    }
    EXPECT_GT(spread(wide), 10 * spread(narrow));
}

TEST(FieldTable, DistributionUniform)
{
    const auto drawn = BobHolding(
        RunScenario(k32, "--set groups[1].phones.user.holding.uniform.min=2 "
                         "--set groups[1].phones.user.holding.uniform.max=3 --set duration_s=120"));
    ASSERT_GE(drawn.size(), 3u);
    for (const double h : drawn)
    {
        EXPECT_GE(h, 2.0);
        EXPECT_LE(h, 3.0 + 1e-6);
    }
    EXPECT_GT(std::set<double>(drawn.begin(), drawn.end()).size(), 1u);
}

// groups[i].proxy.registrar_auth: the registrar challenges REGISTERs (401) or accepts them.
TEST(FieldTable, ProxyRegistrarAuthChallengesRegistrations)
{
    EXPECT_EQ(RunScenario(k21).Sent(kRegistrar, "", 401).size(), 1u);
    EXPECT_EQ(RunScenario(k21, "--set groups[1].proxy.registrar_auth=false")
                  .Sent(kRegistrar, "", 401)
                  .size(),
              0u);
}

// groups[i].proxy.routes[j].next_hop_node: Proxy 1 sends biloxi's requests through a third
// proxy (chicago) instead of straight to Proxy 2.
TEST(FieldTable, ProxyRouteNextHopChoosesThePath)
{
    const std::string chicago
        = "--set topology.nodes[4].name=chicago --set topology.nodes[4].role=PROXY "
          "--set topology.nodes[4].domain=chicago.example "
          "--set topology.links[3].a=proxy1 --set topology.links[3].b=chicago "
          "--set topology.links[3].delay=50ms --set topology.links[4].a=chicago "
          "--set topology.links[4].b=proxy2 --set topology.links[4].delay=50ms "
          "--set groups[4].node=chicago --set groups[4].proxy.redirect=false";
    const auto throughChicago = [](const RunResult& run) {
        return run.Messages([](const Message& m) { return m.node() == 4; }).size();
    };
    EXPECT_EQ(throughChicago(RunScenario(k32, chicago)), 0u);
    const auto routed
        = RunScenario(k32, chicago
                               + " --set groups[2].proxy.routes[0].domain=biloxi.example"
                                 " --set groups[2].proxy.routes[0].next_hop_node=chicago");
    EXPECT_GT(throughChicago(routed), 10u);
}

// --- capacity (scenarios/overload-503: the capacity fault at 4 s)
// ---------------------------------

const std::string kOverload = "overload-503.textproto";
const std::string kCap = "faults[0].capacity.capacity.";

double
PeakQueue(const RunResult& run)
{
    uint32_t peak = 0;
    for (const auto& r : run.trace.records)
    {
        // From the calls' start (5 s): the registrations at 0 s meet the 50-worker proxy
        // that the capacity fault replaces at 4 s.
        if (r.has_sample() && r.sample().name() == "proxy" && r.sample().time_ns() > 5'000'000'000)
        {
            peak = std::max(peak, r.sample().peak_queue_length());
        }
    }
    return peak;
}

TEST(FieldTable, CapacityQueueLimitBoundsTheQueue)
{
    const std::string drop = "--set " + kCap + "policy=NONE --set " + kCap
                             + "reject_threshold=0 "
                               "--set expectations[0].value=0";
    EXPECT_EQ(PeakQueue(RunScenario(kOverload, drop)), 50);
    EXPECT_EQ(PeakQueue(RunScenario(kOverload, drop + " --set " + kCap + "queue_limit=20")), 20);
}

TEST(FieldTable, CapacityPolicyAndRejectThresholdChooseThe503s)
{
    const auto rejected = [](const RunResult& run) { return run.CallsWithStatus(503); };
    const std::string anyCount = "--set expectations[0].value=0";
    const auto at10 = rejected(RunScenario(kOverload, anyCount));
    const auto at40
        = rejected(RunScenario(kOverload, anyCount + " --set " + kCap + "reject_threshold=40"));
    const auto none = rejected(RunScenario(
        kOverload, anyCount + " --set " + kCap + "policy=NONE --set " + kCap + "reject_threshold=0",
        1));
    EXPECT_GT(at10, 1000u);
    EXPECT_LT(at40, at10);
    EXPECT_EQ(none, 0u);
}

TEST(FieldTable, CapacityServiceTimesSetTheLoad)
{
    const auto rejected = [](const RunResult& run) { return run.CallsWithStatus(503); };
    const std::string anyCount = "--set expectations[0].value=0";
    const auto base = rejected(RunScenario(kOverload, anyCount));
    for (const std::string field : {"invite_time", "request_time", "response_time"})
    {
        const auto faster = rejected(
            RunScenario(kOverload, anyCount + " --set " + kCap + field + ".constant=0.0001"));
        EXPECT_LT(faster, base) << field;
    }
}

// capacity.retry_after_s: the Retry-After of the proxy's 503s, on the wire (pcap).
TEST(FieldTable, CapacityRetryAfterIsInThe503s)
{
    const std::string pcap = "--set outputs.pcap=true --set duration_s=12";
    EXPECT_NE(RunScenario(kOverload, pcap).pcaps.find("Retry-After: 1\r\n"), std::string::npos);
    EXPECT_NE(RunScenario(kOverload, pcap + " --set " + kCap + "retry_after_s=7")
                  .pcaps.find("Retry-After: 7\r\n"),
              std::string::npos);
}

// capacity.auth_time and retransmission_time: a one-worker proxy-a in quickstart, where phones
// register with digest (authentication checks) and some requests are retransmitted.
TEST(FieldTable, CapacityAuthAndRetransmissionTimesCostWork)
{
    const auto utilization = [](const RunResult& run) {
        double peak = 0;
        for (const auto& r : run.trace.records)
        {
            if (r.has_sample() && r.sample().name() == "proxy-a")
            {
                peak = std::max(peak, r.sample().mean_utilization());
            }
        }
        return peak;
    };
    const std::string cap = "--set duration_s=60 --set groups[2].proxy.capacity.workers=1 "
                            "--set groups[2].proxy.capacity.invite_time.constant=0.0001 "
                            "--set expectations[0].value=0";
    const double base = utilization(RunScenario("quickstart.textproto", cap));
    const double auth = utilization(RunScenario(
        "quickstart.textproto", cap + " --set groups[2].proxy.capacity.auth_time.constant=0.05"));
    EXPECT_GT(auth, base * 2);
    const std::string lossy
        = cap
          + " --set faults[0].at_s=0 --set faults[0].link_loss.link=phones-a-proxy-a "
            "--set faults[0].link_loss.rate=0.2 --set expectations[1].value=100";
    const double plain = utilization(RunScenario("quickstart.textproto", lossy));
    const double retrans = utilization(
        RunScenario("quickstart.textproto",
                    lossy + " --set groups[2].proxy.capacity.retransmission_time.constant=0.05"));
    EXPECT_GT(retrans, plain);
}

// --- gateway
// ---------------------------------------------------------------------------------------

const std::string kBlocking = "gateway-blocking.textproto";

TEST(FieldTable, GatewayFullStatusIsTheBlockingResponse)
{
    const std::string shorter = "--set duration_s=600 --set expectations[0].value=0 "
                                "--set expectations[1].value=0 --set expectations[0].op=GE "
                                "--set expectations[1].op=GE";
    const auto base = RunScenario(kBlocking, shorter);
    const auto busy = RunScenario(kBlocking, shorter + " --set groups[2].gateway.full_status=486");
    EXPECT_GT(base.CallsWithStatus(503), 20u);
    EXPECT_EQ(base.CallsWithStatus(486), 0u);
    EXPECT_EQ(busy.CallsWithStatus(503), 0u);
    EXPECT_GT(busy.CallsWithStatus(486), 20u);
}

TEST(FieldTable, GatewayPstnBusyProbabilityMakesBusyLines)
{
    const std::string shorter = "--set duration_s=600 --set expectations[0].value=0 "
                                "--set expectations[1].value=0 --set expectations[0].op=GE "
                                "--set expectations[1].op=GE";
    EXPECT_EQ(RunScenario(kBlocking, shorter).CallsWithStatus(486), 0u);
    EXPECT_GT(RunScenario(kBlocking, shorter
                                         + " --set groups[2].gateway.pstn_answer_probability=0.5"
                                           " --set groups[2].gateway.pstn_busy_probability=0.5")
                  .CallsWithStatus(486),
              50u);
}

// --- traffic (quickstart: 0.2 calls/s from 10 s)
// ---------------------------------------------------

const std::string kQuick = "quickstart.textproto";
const std::string kQuickShort = "--set duration_s=120 --set expectations[0].value=0";

TEST(FieldTable, TrafficBhcaPerUserSetsTheCallRate)
{
    const auto attempts = [](const RunResult& run) { return run.Calls().size(); };
    const std::string bhca
        = kQuickShort + " --set traffic.calls_per_second=0 --set traffic.bhca_per_user=";
    const auto low = attempts(RunScenario(kQuick, bhca + "2"));
    const auto high = attempts(RunScenario(kQuick, bhca + "20"));
    // 100 callers: 2 and 20 attempts per hour each, for 110 s: about 6 and 61.
    EXPECT_GT(low, 0u);
    EXPECT_GT(high, 5 * low);
}

TEST(FieldTable, TrafficStopEndsTheOfferedCalls)
{
    const auto last = [](const RunResult& run) {
        int64_t latest = 0;
        for (const auto& c : run.Calls())
        {
            latest = std::max(latest, c.invite_ns());
        }
        return double(latest) / 1e9;
    };
    EXPECT_GT(last(RunScenario(kQuick, kQuickShort)), 60);
    EXPECT_LE(last(RunScenario(kQuick, kQuickShort + " --set traffic.stop_s=50")), 50);
}

TEST(FieldTable, CalleesUnknownFractionCallsUsersNobodyHas)
{
    EXPECT_EQ(RunScenario(kQuick, kQuickShort).CallsWithStatus(404), 0u);
    EXPECT_GT(RunScenario(kQuick, kQuickShort + " --set traffic.callees.unknown_fraction=0.5")
                  .CallsWithStatus(404),
              3u);
}

// callees.pstn_fraction and pstn_gateway: the share of calls to PSTN numbers, through the
// named gateway (node gw-b, id 5).
TEST(FieldTable, CalleesPstnFractionAndGatewaySendCallsToTheGateway)
{
    const auto gatewayInvites = [](const RunResult& run) {
        return run
            .Messages(
                [](const Message& m) { return !m.tx() && m.node() == 5 && m.method() == "INVITE"; })
            .size();
    };
    const auto calls = [](const RunResult& run) { return run.Calls().size(); };
    const auto none = RunScenario(kQuick, kQuickShort + " --set traffic.callees.pstn_fraction=0");
    const auto all = RunScenario(kQuick, kQuickShort + " --set traffic.callees.pstn_fraction=1");
    EXPECT_EQ(gatewayInvites(none), 0u);
    EXPECT_GE(gatewayInvites(all), calls(all) - 1);
    RunScenario(kQuick, kQuickShort + " --set traffic.callees.pstn_gateway=proxy-b", 2);
}

// --- faults --------------------------------------------------------------------------------------

// faults[i].link_state: the link to Bob goes down at 0.5 s (after his registration): the
// call is never answered.
TEST(FieldTable, FaultLinkStateTakesALinkDown)
{
    const auto answered = [](const RunResult& run) { return run.Sent(kBob, "", 200).size(); };
    EXPECT_GT(answered(RunScenario(k32)), 0u);
    EXPECT_EQ(answered(RunScenario(k32,
                                   "--set faults[0].at_s=0.5 "
                                   "--set faults[0].link_state.link=proxy2-bob "
                                   "--set faults[0].link_state.up=false",
                                   1)),
              0u);
}

// --- outputs and expectations
// ----------------------------------------------------------------------

TEST(FieldTable, OutputsGzipCompressesTheTrace)
{
    const auto gzipped = [](const RunResult& run) {
        return run.traceBytes.size() > 2 && uint8_t(run.traceBytes[0]) == 0x1f
               && uint8_t(run.traceBytes[1]) == 0x8b;
    };
    EXPECT_FALSE(gzipped(RunScenario(k21)));
    const auto z = RunScenario(k21, "--set outputs.gzip=true");
    EXPECT_TRUE(gzipped(z));
    EXPECT_TRUE(z.trace.ok) << "the reader reads gzip too";
}

TEST(FieldTable, ExpectationDescriptionIsPrinted)
{
    EXPECT_EQ(RunScenario(k21).output.find("words for the verdict"), std::string::npos);
    EXPECT_NE(RunScenario(k21, "--set 'expectations[0].description=words for the verdict'")
                  .output.find("words for the verdict"),
              std::string::npos);
}

// --- every field is named by a test
// phones.outbound_proxies: rfc3665/3.4's Alice fails over from the dead proxy1 to proxy2 when
// Timer B fires; with the order reversed she reaches proxy2 at once.
TEST(FieldTable, PhonesOutboundProxiesAreTriedInOrder)
{
    const std::string k34 = "rfc3665/3.4-proxy-failure.textproto";
    constexpr uint32_t alice = 0;
    const auto toProxy1 = [](const Message& m) {
        return m.tx() && m.node() == alice && m.method() == "INVITE"
               && m.peer().find("10.1.2.2") != std::string::npos;
    };
    const RunResult inOrder = RunScenario(k34);
    const auto first = inOrder.Messages(toProxy1);
    ASSERT_EQ(first.size(), 7u); // the INVITE and six retransmissions, T1 = 0.5 s
    const auto failedOver = inOrder.Messages([](const Message& m) {
        return m.tx() && m.node() == alice && m.method() == "INVITE" && !m.retransmission()
               && m.peer().find("10.1.3.2") != std::string::npos;
    });
    ASSERT_FALSE(failedOver.empty());
    EXPECT_EQ(RunResult::Between(first, failedOver), 32.0); // Timer B = 64 T1
    const RunResult reversed
        = RunScenario(k34, "--set groups[0].phones.outbound_proxies[0]=proxy2 --set "
                           "groups[0].phones.outbound_proxies[1]=proxy1");
    EXPECT_TRUE(reversed.Messages(toProxy1).empty());
    EXPECT_EQ(reversed.CallsWithStatus(200), 1u);
}

// phones.delayed_offer: rfc3665/3.1's Alice sends her INVITE without SDP; Bob offers in the
// 200 and Alice answers in the ACK (RFC 3261 13.2.1, RFC 3264 4); the call completes as before.
TEST(FieldTable, PhonesDelayedOfferMovesTheSdpToThe200AndTheAck)
{
    const std::string k31 = "rfc3665/3.1-direct-session.textproto";
    const std::string pcap = "--set outputs.pcap=true ";
    // The head of the first message starting with `start` in a run's pcaps.
    const auto head = [](const RunResult& run, const std::string& start) {
        const size_t at = run.pcaps.find(start);
        return at == std::string::npos ? std::string()
                                       : run.pcaps.substr(at, run.pcaps.find("\r\n\r\n", at) - at);
    };
    const RunResult offer = RunScenario(k31, pcap);
    EXPECT_NE(
        head(offer, "INVITE sip:bob1@10.1.1.2 SIP/2.0\r\n").find("Content-Type: application/sdp"),
        std::string::npos);
    const std::string plainAck = head(offer, "ACK sip:bob1@10.1.1.2:5060 SIP/2.0\r\n");
    ASSERT_FALSE(plainAck.empty());
    EXPECT_EQ(plainAck.find("Content-Type:"), std::string::npos) << plainAck;
    const RunResult delayed = RunScenario(k31, pcap + "--set groups[0].phones.delayed_offer=true");
    // The INVITE has no body; the ACK carries the answer.
    const size_t invite = delayed.pcaps.find("INVITE sip:bob1@10.1.1.2 SIP/2.0\r\n");
    ASSERT_NE(invite, std::string::npos);
    const size_t inviteEnd = delayed.pcaps.find("\r\n\r\n", invite);
    const std::string inviteHead = delayed.pcaps.substr(invite, inviteEnd - invite);
    EXPECT_NE(inviteHead.find("Content-Length: 0"), std::string::npos) << inviteHead;
    EXPECT_EQ(inviteHead.find("Content-Type:"), std::string::npos) << inviteHead;
    const size_t ack = delayed.pcaps.find("ACK sip:bob1@10.1.1.2:5060 SIP/2.0\r\n");
    ASSERT_NE(ack, std::string::npos);
    const size_t ackEnd = delayed.pcaps.find("\r\n\r\n", ack);
    const std::string ackHead = delayed.pcaps.substr(ack, ackEnd - ack);
    EXPECT_NE(ackHead.find("Content-Type: application/sdp"), std::string::npos) << ackHead;
    EXPECT_EQ(delayed.pcaps.compare(ackEnd + 4, 4, "v=0\r"), 0);
    EXPECT_EQ(delayed.CallsWithStatus(200), offer.CallsWithStatus(200));
    EXPECT_GT(delayed.CallsWithStatus(200), 0u);
}

// groups[i].responder: the far end of far-end-responses answers with what the group says.
constexpr uint32_t kFar = 4;
const std::string kFarEnd = "far-end-responses.textproto";
const std::string kResponder = "groups[4].responder.";

TEST(FieldTable, ResponderStatusesAndDelay)
{
    const RunResult base = RunScenario(kFarEnd);
    const auto invites = base.Messages(
        [](const Message& m) { return !m.tx() && m.node() == kFar && m.method() == "INVITE"; });
    ASSERT_FALSE(invites.empty());
    // provisional, in order, at once; final_status final_delay_s (0.5 s) after the INVITE.
    EXPECT_EQ(RunResult::Between(invites, base.Sent(kFar, "", 181)), 0.0);
    EXPECT_EQ(RunResult::Between(invites, base.Sent(kFar, "", 182)), 0.0);
    EXPECT_EQ(RunResult::Between(invites, base.Sent(kFar, "", 183)), 0.0);
    EXPECT_EQ(RunResult::Between(invites, base.Sent(kFar, "", 604)), 0.5);
    EXPECT_GT(base.CallsWithStatus(604), 0u);

    const RunResult changed
        = RunScenario(kFarEnd, "--set " + kResponder + "final_status=410 --set " + kResponder
                                   + "final_delay_s=2 --set " + kResponder + "provisional[1]=180");
    const auto invites2 = changed.Messages(
        [](const Message& m) { return !m.tx() && m.node() == kFar && m.method() == "INVITE"; });
    EXPECT_TRUE(changed.Sent(kFar, "", 604).empty());
    EXPECT_TRUE(changed.Sent(kFar, "", 182).empty());
    EXPECT_EQ(RunResult::Between(invites2, changed.Sent(kFar, "", 180)), 0.0);
    EXPECT_EQ(RunResult::Between(invites2, changed.Sent(kFar, "", 410)), 2.0);
    EXPECT_GT(changed.CallsWithStatus(410), 0u);
}

// A caller who gives up before the final status: CANCEL, 200 and 487 (RFC 3261 9.2), and the
// final status is never sent.
TEST(FieldTable, ResponderAnswersACancelBeforeTheFinalStatus)
{
    const RunResult run = RunScenario(kFarEnd, "--set " + kResponder
                                                   + "final_delay_s=20 --set "
                                                     "groups[0].phones.user.cancel_after_s=1 "
                                                     "--set groups[3].gateway.pstn_call_rate=0");
    EXPECT_TRUE(run.Sent(kFar, "", 604).empty());
    const auto cancels = run.Messages(
        [](const Message& m) { return !m.tx() && m.node() == kFar && m.method() == "CANCEL"; });
    ASSERT_FALSE(cancels.empty());
    EXPECT_EQ(RunResult::Between(cancels, run.Sent(kFar, "", 487)), 0.0);
    EXPECT_GT(run.CallsWithStatus(487), 0u);
}

// responder.users: an INVITE without valid credentials gets 401 (RFC 3261 22.2); the gateway,
// whose password is in the table, answers the challenge and gets the final status; the
// phones, who are not, end with the 401.
TEST(FieldTable, ResponderUsersChallengeInvitesWith401)
{
    constexpr uint32_t gw = 3;
    const RunResult run = RunScenario(kFarEnd, "--set '" + kResponder
                                                   + "users[gw]=s3cret' --set "
                                                     "'groups[3].attributes[Password]=s3cret'");
    const auto challenges = run.Sent(kFar, "", 401);
    ASSERT_FALSE(challenges.empty());
    const auto gwInvites = run.Sent(gw, "INVITE");
    ASSERT_GE(gwInvites.size(), 2u);
    EXPECT_EQ(gwInvites[0].cseq(), 1u);
    EXPECT_EQ(gwInvites[1].cseq(), 2u); // with credentials
    EXPECT_EQ(gwInvites[0].call_id(), gwInvites[1].call_id());
    EXPECT_GT(run.CallsWithStatus(401), 0u); // the phones' calls
    EXPECT_GT(run.CallsWithStatus(604), 0u); // the gateway's
    EXPECT_TRUE(RunScenario(kFarEnd).Sent(kFar, "", 401).empty());
}

TEST(FieldTable, ResponderRetryAfterAndContactAreInTheFinalResponse)
{
    const std::string pcap = "--set outputs.pcap=true --set duration_s=5 ";
    const RunResult base = RunScenario(kFarEnd, pcap);
    EXPECT_EQ(base.pcaps.find("Retry-After:"), std::string::npos);
    const RunResult retry = RunScenario(kFarEnd, pcap + "--set " + kResponder + "retry_after_s=9");
    EXPECT_NE(retry.pcaps.find("SIP/2.0 604 Does Not Exist Anywhere\r\n"), std::string::npos);
    EXPECT_NE(retry.pcaps.find("Retry-After: 9\r\n"), std::string::npos);
    const RunResult moved
        = RunScenario(kFarEnd, pcap + "--set " + kResponder + "final_status=301 --set " + kResponder
                                   + "contact=sip:bob@192.0.2.7");
    EXPECT_NE(moved.pcaps.find("SIP/2.0 301 Moved Permanently\r\n"), std::string::npos);
    EXPECT_NE(moved.pcaps.find("Contact: <sip:bob@192.0.2.7>\r\n"), std::string::npos);
    // A Contact on a 4xx is refused, by validate as by run.
    RunScenario(kFarEnd, "--set " + kResponder + "contact=sip:bob@192.0.2.7", 2);
}

// ----------------------------------------------------------------

void
CollectFields(const google::protobuf::Descriptor* d,
              std::set<const google::protobuf::Descriptor*>* seen, std::vector<std::string>* out)
{
    if (!seen->insert(d).second)
    {
        return;
    }
    for (int i = 0; i < d->field_count(); ++i)
    {
        const auto* f = d->field(i);
        out->push_back(d->name() + "." + f->name());
        if (f->message_type() != nullptr && !f->is_map())
        {
            CollectFields(f->message_type(), seen, out);
        }
    }
}

/**
 * Every field of scenario.proto is named by a scenario-tier test (this folder's tests, which
 * run whole scenarios and check what the field changes): set by `--set`, or written in a
 * scenario the test writes. A new field without a test fails here.
 */
TEST(FieldTable, EveryScenarioFieldIsExercised)
{
    std::string corpus;
    for (const auto& entry : fs::directory_iterator(kSource + "/tests/scenario"))
    {
        if (entry.path().extension() == ".cc")
        {
            corpus += Slurp(entry.path());
        }
    }
    std::vector<std::string> fields;
    std::set<const google::protobuf::Descriptor*> seen;
    CollectFields(sipsim::scenario::Scenario::descriptor(), &seen, &fields);
    ASSERT_GT(fields.size(), 100u);
    for (const auto& qualified : fields)
    {
        const std::string name = qualified.substr(qualified.find('.') + 1);
        const bool named = corpus.find(name + "=") != std::string::npos
                           || corpus.find(name + ".") != std::string::npos
                           || corpus.find(name + "[") != std::string::npos
                           || corpus.find("\"" + name + "\"") != std::string::npos
                           || corpus.find(name + ":") != std::string::npos
                           || corpus.find(name + " {") != std::string::npos
                           || corpus.find("." + name) != std::string::npos;
        EXPECT_TRUE(named) << qualified << " is named by no scenario-tier test";
    }
}

} // namespace

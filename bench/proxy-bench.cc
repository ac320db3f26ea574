/*
 * The proxy's simulated SIP messages per wall-clock second (docs/performance.md, "Proxy
 * throughput").
 *
 * Three nodes in a line, 100 Mb/s, 5 ms links: alice (10.1.1.1, a UaHost UA whose outbound
 * proxy is the proxy) - proxy (10.1.1.2 | 10.1.2.1, a SipProxy with the cisco-sps profile,
 * Domains example.com, RecordRoute on) - bob (10.1.2.2, a UaHost UA bound in the proxy's
 * location service as bob@example.com). alice calls sip:bob@example.com `calls` times, one call
 * every 10 ms of simulated time; bob rings and answers at once; alice hangs up 1 s after the
 * answer. Every message of a call (INVITE, 100, 180, 200, ACK, BYE, 200) goes through the
 * proxy, which receives and sends each (the proxy's 100 Trying only goes out).
 *
 * The baseline, run in the same benchmark iteration, is the same two endpoints on the same
 * three-node line calling each other directly: no SipProxy, the middle node only routes IP,
 * alice calls sip:bob@10.1.2.2. The ratio proxied/direct wall time says what putting the proxy
 * in the path costs, and is steadier on a noisy machine than absolute rates.
 *
 * Wall time is that of Simulator::Run alone (topology set-up and teardown excluded). The
 * thread CPU time of the same runs gives a second ratio, proxied_over_direct_cpu, which other
 * processes on a shared machine do not inflate; the two runs alternate order per iteration.
 */
#include "node/sip-endpoint.h"
#include "node/sip-proxy-helper.h"
#include "node/sip-proxy.h"
#include "transport/sip-stack-helper.h"
#include "transport/sip-stack.h"
#include "ua/ua-host.h"
#include "ua/user-agent.h"

#include <benchmark/benchmark.h>
#include <chrono>
#include <ctime>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <string>

namespace {

using namespace sipsim;
using ns3::Seconds;
using ns3::Simulator;

constexpr double kCallInterval = 0.010; // seconds of simulated time between call attempts
constexpr double kHoldTime = 1.0;       // seconds from answer to BYE
constexpr double kDrain = 40.0;         // seconds after the last BYE: every transaction timer

/// 10.1.1.1 - 10.1.1.2 | 10.1.2.1 - 10.1.2.2: the middle node routes.
struct Line
{
    ns3::NodeContainer nodes;
    ns3::Ipv4InterfaceContainer left;
    ns3::Ipv4InterfaceContainer right;

    Line()
    {
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
        nodes.Create(3);
        ns3::PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        p2p.SetChannelAttribute("Delay", ns3::StringValue("5ms"));
        ns3::InternetStackHelper internet;
        internet.Install(nodes);
        ns3::Ipv4AddressHelper addresses;
        addresses.SetBase("10.1.1.0", "255.255.255.0");
        left = addresses.Assign(p2p.Install(nodes.Get(0), nodes.Get(1)));
        addresses.SetBase("10.1.2.0", "255.255.255.0");
        right = addresses.Assign(p2p.Install(nodes.Get(1), nodes.Get(2)));
        ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    }

    ns3::Ipv4Address Alice() const { return left.GetAddress(0); }

    ns3::Ipv4Address ProxyLeft() const { return left.GetAddress(1); }

    ns3::Ipv4Address Bob() const { return right.GetAddress(1); }
};

Peer
PeerOf(ns3::Ipv4Address address)
{
    Peer p;
    p.transport = TransportProtocol::Udp;
    p.address = address.Get();
    p.port = 5060;
    return p;
}

/// Callee rings and answers at once; caller hangs up kHoldTime after the answer.
class BenchUser : public UaListener
{
  public:
    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override
    {
        (void) invite;
        ua.Ring(call);
        ua.Answer(call);
    }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        if (caller)
        {
            Simulator::Schedule(Seconds(kHoldTime), [&ua, call]() { ua.Hangup(call); });
        }
    }

    void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote) override
    {
        (void) ua, (void) call, (void) byRemote;
        ++ended;
    }

    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override
    {
        (void) ua, (void) call, (void) status, (void) reason;
        ++failed;
    }

    bool caller = false;
    uint64_t ended = 0;
    uint64_t failed = 0;
};

/// CPU time of the calling thread: unlike wall time, not inflated by other processes' load.
double
ThreadCpuSeconds()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct RunResult
{
    double seconds = 0;         ///< wall time of Simulator::Run
    double cpuSeconds = 0;      ///< this thread's CPU time in Simulator::Run
    uint64_t callerEnded = 0;   ///< calls alice saw end
    uint64_t calleeEnded = 0;   ///< calls bob saw end
    uint64_t failed = 0;        ///< calls either side saw fail
    uint64_t proxyMessages = 0; ///< messages the proxy's stack received + sent (0 when direct)
};

/// One simulation of `calls` calls from alice to bob, through the proxy or direct.
RunResult
RunCalls(int64_t calls, bool proxied)
{
    RunResult result;
    {
        Line line;
        SipStackHelper stacks;
        ns3::Ptr<SipStack> aliceStack = stacks.Install(line.nodes.Get(0));
        ns3::Ptr<SipStack> bobStack = stacks.Install(line.nodes.Get(2));
        ns3::Ptr<SipStack> proxyStack;
        ns3::Ptr<SipProxy> proxy;
        if (proxied)
        {
            proxyStack = stacks.Install(line.nodes.Get(1));
            SipProxyHelper helper;
            helper.SetAttribute("Profile", ns3::StringValue("cisco-sps"));
            helper.SetAttribute("Domains", ns3::StringValue("example.com"));
            helper.SetAttribute("RecordRoute", ns3::BooleanValue(true));
            proxy = ns3::DynamicCast<SipProxy>(helper.Install(line.nodes.Get(1)).Get(0));
            // bob@example.com is at bob's UA (bound once the proxy has started).
            const std::string contact = "sip:bob@" + FormatIpv4(line.Bob().Get()) + ":5060";
            Simulator::Schedule(ns3::MilliSeconds(100), [proxy, contact]() {
                Binding binding;
                binding.contact = contact;
                binding.expiresAt = std::chrono::hours(24);
                proxy->GetCore()->GetLocations().Update("bob@example.com", binding);
            });
        }
        UaHost& aliceHost = SipEndpoint::Get(line.nodes.Get(0))->GetHost();
        UaHost& bobHost = SipEndpoint::Get(line.nodes.Get(2))->GetHost();
        BenchUser aliceUser;
        aliceUser.caller = true;
        BenchUser bobUser;
        UaConfig a;
        a.aor = "sip:alice@example.com";
        if (proxied)
        {
            a.outboundProxy = PeerOf(line.ProxyLeft());
        }
        UaConfig b;
        b.aor = "sip:bob@example.com";
        UserAgent* alice = aliceHost.AddUserAgent(a, &aliceUser);
        bobHost.AddUserAgent(b, &bobUser);
        const std::string target = proxied ? std::string("sip:bob@example.com")
                                           : "sip:bob@" + FormatIpv4(line.Bob().Get());
        for (int64_t i = 0; i < calls; ++i)
        {
            Simulator::Schedule(Seconds(1 + kCallInterval * static_cast<double>(i)),
                                [alice, &target]() { alice->MakeCall(target); });
        }
        Simulator::Stop(
            Seconds(1 + kCallInterval * static_cast<double>(calls) + kHoldTime + kDrain));
        const double c0 = ThreadCpuSeconds();
        const auto t0 = std::chrono::steady_clock::now();
        Simulator::Run();
        const auto t1 = std::chrono::steady_clock::now();
        result.cpuSeconds = ThreadCpuSeconds() - c0;
        result.seconds = std::chrono::duration<double>(t1 - t0).count();
        result.callerEnded = aliceUser.ended;
        result.calleeEnded = bobUser.ended;
        result.failed = aliceUser.failed + bobUser.failed;
        if (proxyStack)
        {
            const SipStackCounters& c = proxyStack->GetCounters();
            result.proxyMessages = c.udpMessagesReceived + c.udpMessagesSent + c.tcpMessagesReceived
                                   + c.tcpMessagesSent;
        }
        Simulator::Destroy();
    }
    return result;
}

bool
AllCompleted(const RunResult& r, int64_t calls)
{
    const auto n = static_cast<uint64_t>(calls);
    return r.callerEnded == n && r.calleeEnded == n && r.failed == 0;
}

/// Proxied and direct runs in the same iteration; reports both rates and the ratio.
void
ProxyThroughput(benchmark::State& state)
{
    const int64_t calls = state.range(0);
    double proxiedSeconds = 0;
    double directSeconds = 0;
    double proxiedCpu = 0;
    double directCpu = 0;
    uint64_t proxyMessages = 0;
    bool proxiedFirst = true;
    for (auto _ : state)
    {
        // Alternate the order, so that neither run always follows the other.
        RunResult proxied;
        RunResult direct;
        if (proxiedFirst)
        {
            proxied = RunCalls(calls, true);
            direct = RunCalls(calls, false);
        }
        else
        {
            direct = RunCalls(calls, false);
            proxied = RunCalls(calls, true);
        }
        proxiedFirst = !proxiedFirst;
        if (!AllCompleted(proxied, calls) || !AllCompleted(direct, calls))
        {
            const std::string error
                = "not every call completed: proxied " + std::to_string(proxied.callerEnded) + "/"
                  + std::to_string(proxied.calleeEnded) + " ended, "
                  + std::to_string(proxied.failed) + " failed; direct "
                  + std::to_string(direct.callerEnded) + "/" + std::to_string(direct.calleeEnded)
                  + " ended, " + std::to_string(direct.failed) + " failed";
            state.SkipWithError(error.c_str());
            return;
        }
        proxiedSeconds += proxied.seconds;
        directSeconds += direct.seconds;
        proxiedCpu += proxied.cpuSeconds;
        directCpu += direct.cpuSeconds;
        proxyMessages += proxied.proxyMessages;
    }
    const double total = static_cast<double>(calls) * static_cast<double>(state.iterations());
    state.counters["proxy_msgs_per_s"] = static_cast<double>(proxyMessages) / proxiedSeconds;
    state.counters["proxy_msgs_per_call"] = static_cast<double>(proxyMessages) / total;
    state.counters["proxied_calls_per_s"] = total / proxiedSeconds;
    state.counters["direct_calls_per_s"] = total / directSeconds;
    state.counters["proxied_over_direct_time"] = proxiedSeconds / directSeconds;
    state.counters["proxied_over_direct_cpu"] = proxiedCpu / directCpu;
    state.SetLabel("all " + std::to_string(calls) + " calls completed on both sides, both runs");
}

// Two iterations per repetition: one with each run first.
BENCHMARK(ProxyThroughput)->Arg(1000)->Iterations(2)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();

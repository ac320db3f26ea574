/*
 * Basic calls per wall-clock second on the two-UA topology over UDP (issue 3's figure for
 * docs/performance.md).
 *
 * Two nodes joined by a 100 Mb/s, 5 ms point-to-point link. alice calls bob `calls` times, one
 * call every 10 ms of simulated time; bob rings and answers at once; alice hangs up 1 s after
 * the answer. Each call is INVITE, 180, 200, ACK, BYE, 200: six datagrams.
 *
 * The baseline, run interleaved in the same benchmark, is the same simulation without SIP:
 * raw ns-3 UDP sockets exchanging the same six datagrams per call, with the same sizes and
 * the same timing, and no parsing. The ratio sipsim/baseline says what the SIP stack costs on
 * top of ns-3's own packet handling, and is stable on a noisy machine where absolute rates are
 * not.
 */
#include "transport/sip-stack-helper.h"
#include "transport/sip-stack.h"
#include "ua/ua-host.h"
#include "ua/user-agent.h"

#include <benchmark/benchmark.h>
#include <chrono>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

namespace {

using namespace sipsim;
using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Simulator;

constexpr double kCallInterval = 0.010; // seconds of simulated time between call attempts
constexpr double kHoldTime = 1.0;       // seconds from answer to BYE

struct Link
{
    ns3::NodeContainer nodes;
    ns3::Ipv4InterfaceContainer interfaces;

    Link()
    {
        nodes.Create(2);
        ns3::PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        p2p.SetChannelAttribute("Delay", ns3::StringValue("5ms"));
        ns3::NetDeviceContainer devices = p2p.Install(nodes);
        ns3::InternetStackHelper internet;
        internet.Install(nodes);
        ns3::Ipv4AddressHelper addresses;
        addresses.SetBase("10.1.1.0", "255.255.255.0");
        interfaces = addresses.Assign(devices);
    }
};

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

/// Sizes of the SIP messages of the first call, in the order alice's node saw them.
struct FirstCall
{
    std::string callId;
    std::vector<uint32_t> sizes;

    static void Record(FirstCall* self, const SipMessageTrace& t)
    {
        if (self->callId.empty())
        {
            self->callId = std::string(t.message->GetCallId());
        }
        if (t.message->GetCallId() == self->callId)
        {
            self->sizes.push_back(t.size);
        }
    }
};

/// One simulation of `calls` SIP calls; returns the number completed (both sides ended).
uint64_t
RunSipCalls(int64_t calls, FirstCall* first)
{
    uint64_t completed = 0;
    {
        Link link;
        SipStackHelper helper;
        ns3::Ptr<SipStack> aliceStack = helper.Install(link.nodes.Get(0));
        ns3::Ptr<SipStack> bobStack = helper.Install(link.nodes.Get(1));
        aliceStack->TraceConnectWithoutContext("Message",
                                               ns3::MakeBoundCallback(&FirstCall::Record, first));
        UaHost aliceHost(aliceStack->GetTransactionLayer(), aliceStack->GetTimerService(),
                         *aliceStack);
        UaHost bobHost(bobStack->GetTransactionLayer(), bobStack->GetTimerService(), *bobStack);
        BenchUser aliceUser;
        aliceUser.caller = true;
        BenchUser bobUser;
        UaConfig a;
        a.aor = "sip:alice@" + FormatIpv4(link.interfaces.GetAddress(0).Get());
        UaConfig b;
        b.aor = "sip:bob@" + FormatIpv4(link.interfaces.GetAddress(1).Get());
        UserAgent* alice = aliceHost.AddUserAgent(a, &aliceUser);
        bobHost.AddUserAgent(b, &bobUser);
        const std::string target = b.aor;
        for (int64_t i = 0; i < calls; ++i)
        {
            Simulator::Schedule(Seconds(1 + kCallInterval * static_cast<double>(i)),
                                [alice, &target]() { alice->MakeCall(target); });
        }
        Simulator::Run();
        completed = std::min(aliceUser.ended, bobUser.ended);
        Simulator::Destroy();
    }
    return completed;
}

/**
 * The same traffic as RunSipCalls without SIP: per call, six datagrams with the sizes of the
 * SIP messages (measured once), sent at the same simulated times over raw UDP sockets, and
 * received into a buffer (as the stack copies them) without parsing.
 */
class RawPeer
{
  public:
    RawPeer(ns3::Ptr<ns3::Node> node)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 5060));
        m_socket->SetRecvCallback(ns3::MakeCallback(&RawPeer::OnRead, this));
    }

    void Send(uint32_t size, ns3::Ipv4Address to)
    {
        m_buffer.assign(size, 'x');
        m_socket->SendTo(
            ns3::Create<ns3::Packet>(reinterpret_cast<const uint8_t*>(m_buffer.data()), size), 0,
            ns3::InetSocketAddress(to, 5060));
    }

    uint64_t received = 0;

  private:
    void OnRead(ns3::Ptr<ns3::Socket> socket)
    {
        ns3::Address from;
        while (ns3::Ptr<ns3::Packet> p = socket->RecvFrom(from))
        {
            m_buffer.resize(p->GetSize());
            p->CopyData(reinterpret_cast<uint8_t*>(m_buffer.data()), p->GetSize());
            ++received;
        }
    }

    ns3::Ptr<ns3::Socket> m_socket;
    std::string m_buffer;
};

uint64_t
RunRawCalls(int64_t calls, const std::vector<uint32_t>& sizes)
{
    uint64_t received = 0;
    {
        Link link;
        RawPeer alice(link.nodes.Get(0));
        RawPeer bob(link.nodes.Get(1));
        const ns3::Ipv4Address a = link.interfaces.GetAddress(0);
        const ns3::Ipv4Address b = link.interfaces.GetAddress(1);
        // The sizes of the six messages of a call in RunSipCalls.
        const uint32_t invite = sizes.at(0), ringing = sizes.at(1), ok = sizes.at(2),
                       ack = sizes.at(3), bye = sizes.at(4), byeOk = sizes.at(5);
        const double hop = 0.006; // one hop (5 ms + serialization), rounded: timing only
        for (int64_t i = 0; i < calls; ++i)
        {
            const double t = 1 + kCallInterval * static_cast<double>(i);
            Simulator::Schedule(Seconds(t), [&, b]() { alice.Send(invite, b); });
            Simulator::Schedule(Seconds(t + hop), [&, a]() { bob.Send(ringing, a); });
            Simulator::Schedule(Seconds(t + hop), [&, a]() { bob.Send(ok, a); });
            Simulator::Schedule(Seconds(t + 2 * hop), [&, b]() { alice.Send(ack, b); });
            Simulator::Schedule(Seconds(t + 2 * hop + kHoldTime), [&, b]() { alice.Send(bye, b); });
            Simulator::Schedule(Seconds(t + 3 * hop + kHoldTime), [&, a]() { bob.Send(byeOk, a); });
        }
        Simulator::Run();
        received = alice.received + bob.received;
        Simulator::Destroy();
    }
    return received;
}

/// sipsim and the raw baseline, interleaved per iteration; reports both rates and the ratio.
void
BasicCalls(benchmark::State& state)
{
    const int64_t calls = state.range(0);
    double sipSeconds = 0;
    double rawSeconds = 0;
    uint64_t completed = 0;
    for (auto _ : state)
    {
        FirstCall first;
        auto t0 = std::chrono::steady_clock::now();
        completed += RunSipCalls(calls, &first);
        auto t1 = std::chrono::steady_clock::now();
        if (first.sizes.size() != 6)
        {
            state.SkipWithError("the first call did not have six messages");
            return;
        }
        benchmark::DoNotOptimize(RunRawCalls(calls, first.sizes));
        auto t2 = std::chrono::steady_clock::now();
        sipSeconds += std::chrono::duration<double>(t1 - t0).count();
        rawSeconds += std::chrono::duration<double>(t2 - t1).count();
    }
    const double total = static_cast<double>(calls) * static_cast<double>(state.iterations());
    if (static_cast<double>(completed) != total)
    {
        state.SkipWithError("not every call completed");
        return;
    }
    state.counters["sip_calls_per_s"] = total / sipSeconds;
    state.counters["raw_calls_per_s"] = total / rawSeconds;
    state.counters["sip_over_raw_time"] = sipSeconds / rawSeconds;
}

BENCHMARK(BasicCalls)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();

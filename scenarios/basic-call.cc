/*
 * The default scenario until scenario files arrive (issue 6): two SIP phones on two ns-3 nodes
 * joined by a point-to-point link, alice calling bob over UDP. Prints the message ladder of
 * the first call (from the SipStack "Message" trace source) and a summary of all calls.
 *
 *   build/scenarios/sipsim-basic-call [--calls=N] [--loss=P] [--delay=5ms] [--rate=10Mbps]
 *                                     [--answerDelay=2s] [--holdTime=30s] [--pcap=PREFIX]
 *                                     [--seed=1] [--run=1]
 *
 * --loss drops each packet on the link with probability P (both directions), so that
 * retransmissions (Timers A, E, G and the 2xx retransmission of 13.3.1.4) and timeouts (408)
 * show. The run is deterministic for a given seed and run number.
 */
#include "transport/sip-stack-helper.h"
#include "transport/sip-stack.h"
#include "ua/ua-host.h"
#include "ua/user-agent.h"

#include <cstdio>
#include <map>
#include <ns3/core-module.h>
#include <ns3/error-model.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <string>

using namespace ns3;
using sipsim::CallHandle;
using sipsim::Direction;
using sipsim::SipMessageTrace;
using sipsim::UserAgent;

namespace {

/// Rings at once, answers after answerDelay; the caller hangs up holdTime after the answer.
class Phone : public sipsim::UaListener
{
  public:
    Time answerDelay;
    Time holdTime;
    bool caller = false;
    std::map<std::string, uint32_t> outcomes;

    void OnCallOffered(UserAgent& ua, CallHandle call, const sipsim::Message& invite) override
    {
        (void) invite;
        ua.Ring(call);
        Simulator::Schedule(answerDelay, [&ua, call]() { ua.Answer(call); });
    }

    void OnCallAnswered(UserAgent& ua, CallHandle call) override
    {
        if (caller)
        {
            Simulator::Schedule(holdTime, [&ua, call]() { ua.Hangup(call); });
        }
    }

    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override
    {
        (void) ua, (void) call;
        ++outcomes["failed " + std::to_string(status) + " " + std::string(reason)];
    }

    void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote) override
    {
        (void) ua, (void) call;
        ++outcomes[byRemote ? "completed (ended by the other side)" : "completed (hung up)"];
    }
};

/// Prints the messages of the first call as a two-column ladder.
struct Ladder
{
    std::string callId;
    uint32_t aliceNode = 0;

    static void Print(Ladder* self, const SipMessageTrace& t)
    {
        if (self->callId.empty())
        {
            self->callId = std::string(t.message->GetCallId());
        }
        if (t.message->GetCallId() != self->callId || t.direction != Direction::Tx)
        {
            return;
        }
        std::string label = t.message->IsRequest()
                                ? std::string(t.message->GetMethodName())
                                : std::to_string(t.message->GetStatusCode()) + " "
                                      + std::string(t.message->GetReasonPhrase());
        if (t.retransmission)
        {
            label += " (retransmission)";
        }
        const bool fromAlice = t.node == self->aliceNode;
        std::printf("%10.6f s  %-6s %s %-34s %s %s\n", Simulator::Now().GetSeconds(),
                    fromAlice ? "alice" : "", fromAlice ? "---" : "<--", label.c_str(),
                    fromAlice ? "-->" : "---", fromAlice ? "" : "bob");
    }
};

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t calls = 5;
    double loss = 0.0;
    std::string delay = "5ms";
    std::string rate = "10Mbps";
    Time answerDelay = Seconds(2);
    Time holdTime = Seconds(30);
    std::string pcap;
    uint32_t seed = 1;
    uint64_t run = 1;
    CommandLine cmd(__FILE__);
    cmd.AddValue("calls", "number of calls alice places, one every 10 s", calls);
    cmd.AddValue("loss", "packet loss probability on the link, each direction", loss);
    cmd.AddValue("delay", "one-way link delay", delay);
    cmd.AddValue("rate", "link data rate", rate);
    cmd.AddValue("answerDelay", "time from ringing to answer", answerDelay);
    cmd.AddValue("holdTime", "time from answer to hang-up", holdTime);
    cmd.AddValue("pcap", "write pcap files with this prefix (open them in Wireshark)", pcap);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run number", run);
    cmd.Parse(argc, argv);
    if (loss < 0 || loss > 1)
    {
        std::fprintf(stderr, "sipsim-basic-call: --loss must be within [0, 1], got %g\n", loss);
        return 2;
    }
    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(rate));
    p2p.SetChannelAttribute("Delay", StringValue(delay));
    NetDeviceContainer devices = p2p.Install(nodes);
    if (loss > 0)
    {
        for (uint32_t i = 0; i < 2; ++i)
        {
            Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
            em->SetUnit(RateErrorModel::ERROR_UNIT_PACKET);
            em->SetRate(loss);
            em->AssignStreams(static_cast<int64_t>(i));
            devices.Get(i)->SetAttribute("ReceiveErrorModel", PointerValue(em));
        }
    }
    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
    if (!pcap.empty())
    {
        p2p.EnablePcapAll(pcap);
    }

    sipsim::SipStackHelper helper;
    Ptr<sipsim::SipStack> aliceStack = helper.Install(nodes.Get(0));
    Ptr<sipsim::SipStack> bobStack = helper.Install(nodes.Get(1));
    Ladder ladder;
    ladder.aliceNode = nodes.Get(0)->GetId();
    for (const auto& stack : {aliceStack, bobStack})
    {
        stack->TraceConnectWithoutContext("Message", MakeBoundCallback(&Ladder::Print, &ladder));
    }
    sipsim::UaHost aliceHost(aliceStack->GetTransactionLayer(), aliceStack->GetTimerService(),
                             *aliceStack);
    sipsim::UaHost bobHost(bobStack->GetTransactionLayer(), bobStack->GetTimerService(), *bobStack);
    Phone alicePhone;
    alicePhone.caller = true;
    alicePhone.holdTime = holdTime;
    Phone bobPhone;
    bobPhone.answerDelay = answerDelay;
    sipsim::UaConfig a;
    a.aor = "sip:alice@" + sipsim::FormatIpv4(interfaces.GetAddress(0).Get());
    sipsim::UaConfig b;
    b.aor = "sip:bob@" + sipsim::FormatIpv4(interfaces.GetAddress(1).Get());
    UserAgent* alice = aliceHost.AddUserAgent(a, &alicePhone);
    bobHost.AddUserAgent(b, &bobPhone);

    std::printf("alice %s calls bob %s, %u call(s), link %s %s, loss %g\n\n"
                "ladder of the first call (messages as sent):\n",
                a.aor.c_str(), b.aor.c_str(), calls, rate.c_str(), delay.c_str(), loss);
    for (uint32_t i = 0; i < calls; ++i)
    {
        Simulator::Schedule(Seconds(1 + 10.0 * i),
                            [alice, target = b.aor]() { alice->MakeCall(target); });
    }
    Simulator::Run();

    std::printf("\ncalls placed by alice: %u\n", calls);
    for (const auto& [outcome, count] : alicePhone.outcomes)
    {
        std::printf("  %-40s %u\n", outcome.c_str(), count);
    }
    const sipsim::TransactionCounters& t = aliceStack->GetTransactionLayer().GetCounters();
    const sipsim::TransactionCounters& u = bobStack->GetTransactionLayer().GetCounters();
    std::printf("retransmissions sent: alice %lu, bob %lu; timeouts: alice %lu, bob %lu\n",
                static_cast<unsigned long>(t.retransmissionsSent),
                static_cast<unsigned long>(u.retransmissionsSent),
                static_cast<unsigned long>(t.timeouts), static_cast<unsigned long>(u.timeouts));
    std::printf("simulated time at the end: %.3f s\n", Simulator::Now().GetSeconds());
    Simulator::Destroy();
    return 0;
}

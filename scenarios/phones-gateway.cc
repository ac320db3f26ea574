/*
 * Phones and a gateway from their vendor profiles: a SipPhone application with many users on
 * one node calls PSTN numbers through a CPE SIP gateway with a few trunks, and another
 * SipPhone answers calls the PSTN places into SIP. Prints what the users experienced (tones,
 * notifications, outcomes by status), the gateway's blocking against the Erlang B formula, and
 * optionally the first device events.
 *
 *   build/scenarios/sipsim-phones-gateway [--users=200] [--channels=10] [--rate=0.15]
 *       [--holding=100] [--duration=7200] [--pstnRate=0] [--answerProbability=0.9]
 *       [--phoneProfile=cisco-sip-phone] [--gatewayProfile=cpe-sip-gateway] [--fullStatus=503]
 *       [--events=20] [--pcap=PREFIX] [--seed=1] [--run=1]
 *
 * Calls from the phones arrive as a Poisson process of rate --rate per second (from a random
 * idle user). Both parties of an answered call hang up after an exponential time of mean
 * --holding s (the caller's phone and the PSTN party at the gateway), so the call lasts the
 * shorter of the two, exponential with mean holding / 2; a trunk is also held while the PSTN
 * line alerts (0.5 s) and until it answers (3 s). The gateway is offered
 * A = rate * (3.5 + holding / 2) erlangs from SIP (plus the PSTN calls into SIP, --pstnRate,
 * 0 by default), and its blocking is compared with Erlang B(A, channels). The run is
 * deterministic for a seed and run number.
 */
#include "node/sip-gateway-helper.h"
#include "node/sip-gateway.h"
#include "node/sip-phone-helper.h"
#include "node/sip-phone.h"
#include "stats/queueing.h"
#include "transport/sip-stack-helper.h"

#include <cstdio>
#include <map>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <string>
#include <vector>

using namespace ns3;
using sipsim::DeviceEvent;
using sipsim::DeviceEventKind;

namespace {

struct Tally
{
    std::map<std::string, uint64_t> experiences; ///< "tone busy", "notification 404", ...
    std::map<uint16_t, uint64_t> clearedBy;      ///< calls ended without being established
    uint64_t placed = 0;
    uint64_t answered = 0;
    int printLimit = 0;

    void On(const DeviceEvent& e)
    {
        if (printLimit > 0)
        {
            --printLimit;
            std::printf("  %10.3f s  %s\n", Simulator::Now().GetSeconds(),
                        sipsim::FormatDeviceEvent(e).c_str());
        }
        switch (e.kind)
        {
            case DeviceEventKind::CallPlaced:
                ++placed;
                break;
            case DeviceEventKind::Answered:
                ++answered;
                break;
            case DeviceEventKind::Tone:
                ++experiences["tone " + std::string(sipsim::profile::ToneText(e.tone))];
                break;
            case DeviceEventKind::Notification:
                ++experiences["notification \"" + e.text + "\""];
                break;
            case DeviceEventKind::Cleared:
                if (e.status != 0)
                {
                    ++clearedBy[e.status];
                }
                break;
            default:
                break;
        }
    }
};

} // namespace

int
main(int argc, char** argv)
{
    uint32_t users = 200;
    uint32_t channels = 10;
    double rate = 0.15;
    double holding = 100;
    double duration = 7200;
    double pstnRate = 0;
    double answerProbability = 0.9;
    std::string phoneProfile = "cisco-sip-phone";
    std::string gatewayProfile = "cpe-sip-gateway";
    uint32_t fullStatus = 503;
    int events = 20;
    std::string pcap;
    uint32_t seed = 1;
    uint32_t run = 1;

    CommandLine cmd(__FILE__);
    cmd.AddValue("users", "phone users on the calling node", users);
    cmd.AddValue("channels", "gateway trunk channels", channels);
    cmd.AddValue("rate", "Poisson rate of calls from the phones to the PSTN (per s)", rate);
    cmd.AddValue("holding", "mean holding time (s, exponential)", holding);
    cmd.AddValue("duration", "simulated time (s)", duration);
    cmd.AddValue("pstnRate", "Poisson rate of PSTN calls into SIP (per s)", pstnRate);
    cmd.AddValue("answerProbability", "probability that a called phone user answers",
                 answerProbability);
    cmd.AddValue("phoneProfile", "phone behaviour profile (name or .textproto)", phoneProfile);
    cmd.AddValue("gatewayProfile", "gateway behaviour profile (name or .textproto)",
                 gatewayProfile);
    cmd.AddValue("fullStatus", "gateway's answer when every trunk is busy (503 or 486)",
                 fullStatus);
    cmd.AddValue("events", "print the first N device events", events);
    cmd.AddValue("pcap", "write pcap files with this prefix", pcap);
    cmd.AddValue("seed", "RngSeedManager seed", seed);
    cmd.AddValue("run", "RngSeedManager run number", run);
    cmd.Parse(argc, argv);
    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    // callers (10.1.1.1) - gateway (10.1.1.2 / 10.1.2.1) - answering phones (10.1.2.2)
    NodeContainer nodes;
    nodes.Create(3);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("2ms"));
    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper addresses;
    addresses.SetBase("10.1.1.0", "255.255.255.0");
    auto left = addresses.Assign(p2p.Install(nodes.Get(0), nodes.Get(1)));
    addresses.SetBase("10.1.2.0", "255.255.255.0");
    auto right = addresses.Assign(p2p.Install(nodes.Get(1), nodes.Get(2)));
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    if (!pcap.empty())
    {
        p2p.EnablePcapAll(pcap);
    }

    sipsim::SipStackHelper stacks;
    stacks.Install(nodes);
    const std::string gw = "10.1.1.2";

    sipsim::SipGatewayHelper gateways;
    gateways.SetAttribute("Profile", StringValue(gatewayProfile));
    gateways.SetAttribute("Aor", StringValue("sip:gw@" + gw));
    gateways.SetAttribute("Channels", UintegerValue(channels));
    gateways.SetAttribute("FullStatus", UintegerValue(fullStatus));
    gateways.SetAttribute("HoldingTime", StringValue("ns3::ExponentialRandomVariable[Mean="
                                                     + std::to_string(holding) + "]"));
    gateways.SetAttribute("PstnCallRate", DoubleValue(pstnRate));
    gateways.SetAttribute("PstnTargets",
                          StringValue("sip:dave@10.1.2.2,sip:erin@10.1.2.2,sip:frank@10.1.2.2"));
    auto gateway = DynamicCast<sipsim::SipGateway>(gateways.Install(nodes.Get(1)).Get(0));
    gateway->AssignStreams(1000);

    sipsim::SipPhoneHelper phones;
    phones.SetAttribute("Profile", StringValue(phoneProfile));
    phones.SetAttribute("HoldingTime", StringValue("ns3::ExponentialRandomVariable[Mean="
                                                   + std::to_string(holding) + "]"));
    phones.SetAttribute("AnswerProbability", DoubleValue(answerProbability));
    phones.SetAttribute("AnswerDelay", StringValue("ns3::UniformRandomVariable[Min=1|Max=8]"));
    phones.SetAttribute("CancelAfter", TimeValue(Seconds(60)));
    auto callers = DynamicCast<sipsim::SipPhone>(phones.Install(nodes.Get(0)).Get(0));
    auto answerers = DynamicCast<sipsim::SipPhone>(phones.Install(nodes.Get(2)).Get(0));
    for (uint32_t i = 0; i < users; ++i)
    {
        sipsim::PhoneUser user;
        user.aor = "sip:user" + std::to_string(i) + "@10.1.1.1";
        callers->AddUser(user);
    }
    for (const char* name : {"dave", "erin", "frank"})
    {
        sipsim::PhoneUser user;
        user.aor = std::string("sip:") + name + "@10.1.2.2";
        answerers->AddUser(user);
    }
    ApplicationContainer phoneApps(callers);
    phoneApps.Add(answerers);
    sipsim::SipPhoneHelper::AssignStreams(phoneApps, 1);

    Tally callerTally;
    Tally answererTally;
    callerTally.printLimit = events;
    callers->TraceConnectWithoutContext("DeviceEvent", MakeCallback(&Tally::On, &callerTally));
    answerers->TraceConnectWithoutContext("DeviceEvent", MakeCallback(&Tally::On, &answererTally));

    // Poisson arrivals: each takes a random idle user and dials a PSTN number.
    auto interArrival = CreateObject<ExponentialRandomVariable>();
    interArrival->SetAttribute("Mean", DoubleValue(1.0 / rate));
    interArrival->SetStream(2000);
    auto pick = CreateObject<UniformRandomVariable>();
    pick->SetStream(2001);
    uint64_t noIdleUser = 0;
    std::function<void()> arrive = [&]() {
        const auto start = pick->GetInteger(0, users - 1);
        for (uint32_t k = 0; k < users; ++k)
        {
            const uint32_t u = (start + k) % users;
            if (!callers->IsInCall(u))
            {
                callers->Call(u, "sip:555" + std::to_string(1000 + u) + "@" + gw);
                Simulator::Schedule(Seconds(interArrival->GetValue()), arrive);
                return;
            }
        }
        ++noIdleUser;
        Simulator::Schedule(Seconds(interArrival->GetValue()), arrive);
    };
    Simulator::Schedule(Seconds(interArrival->GetValue()), arrive);

    if (events > 0)
    {
        std::printf("First %d device events of the calling phones:\n", events);
    }
    Simulator::Stop(Seconds(duration));
    Simulator::Run();

    const auto& g = gateway->GetCounters();
    const double offered = rate * (3.5 + holding / 2);
    std::printf("\nCalls from %u phone users to the PSTN through %u trunks (%s, %s):\n", users,
                channels, phoneProfile.c_str(), gatewayProfile.c_str());
    std::printf("  placed %llu, answered %llu, arrivals with no idle user %llu\n",
                static_cast<unsigned long long>(callerTally.placed),
                static_cast<unsigned long long>(callerTally.answered),
                static_cast<unsigned long long>(noIdleUser));
    std::printf("  not established, by status:");
    for (const auto& [status, n] : callerTally.clearedBy)
    {
        std::printf(" %u x%llu", status, static_cast<unsigned long long>(n));
    }
    std::printf("\n  what the callers heard and saw:\n");
    for (const auto& [what, n] : callerTally.experiences)
    {
        std::printf("    %-40s %llu\n", what.c_str(), static_cast<unsigned long long>(n));
    }
    const double blocked = g.sipCallsOffered > 0 ? static_cast<double>(g.sipCallsRefusedFull)
                                                       / static_cast<double>(g.sipCallsOffered)
                                                 : 0.0;
    std::printf("Gateway: offered %llu SIP calls, refused full (%u) %llu: blocking %.4f; "
                "Erlang B(%.2f erlangs, %u trunks) = %.4f%s\n",
                static_cast<unsigned long long>(g.sipCallsOffered), fullStatus,
                static_cast<unsigned long long>(g.sipCallsRefusedFull), blocked, offered, channels,
                sipsim::stats::ErlangB(offered, channels),
                pstnRate > 0 ? " (PSTN calls into SIP add load on the same trunks)" : "");
    std::printf("PSTN into SIP: placed %llu, blocked %llu, answered %llu; the answering phones "
                "answered %llu\n",
                static_cast<unsigned long long>(g.pstnCallsPlaced),
                static_cast<unsigned long long>(g.pstnCallsBlocked),
                static_cast<unsigned long long>(g.pstnCallsAnswered),
                static_cast<unsigned long long>(answererTally.answered));
    Simulator::Destroy();
    return 0;
}

/*
 * Heap bytes per phone user: one node with a SipStack and one SipPhone, N users added
 * (AORs sip:uK@10.0.0.1), measured with mallinfo2() before and after. The baseline, in the
 * same process, is N bare UserAgents added directly to the UaHost of another node
 * (UaHost::AddUserAgent, AORs sip:bK@10.0.0.2): what a phone user costs on top of the UA it
 * is built on. Not a Google Benchmark: memory is measured once, not timed.
 *
 *   sipsim-phone-memory [N]     (default N = 20000)
 */
#include "node/sip-endpoint.h"
#include "node/sip-phone-helper.h"
#include "node/sip-phone.h"
#include "transport/sip-stack-helper.h"
#include "ua/ua-host.h"
#include "ua/user-agent.h"

#include <cstdio>
#include <cstdlib>
#include <malloc.h>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <string>

namespace {

using namespace sipsim;

/// Bytes in use on the heap (allocated chunks, mmapped ones included).
size_t
HeapInUse()
{
    const struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

} // namespace

int
main(int argc, char** argv)
{
    uint32_t n = 20000;
    if (argc > 1)
    {
        n = static_cast<uint32_t>(std::strtoul(argv[1], nullptr, 10));
        if (n == 0)
        {
            std::fprintf(stderr, "usage: %s [users > 0]\n", argv[0]);
            return 2;
        }
    }

    // 10.0.0.1 (phone node) - 10.0.0.2 (baseline node).
    ns3::NodeContainer nodes;
    nodes.Create(2);
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", ns3::StringValue("5ms"));
    ns3::NetDeviceContainer devices = p2p.Install(nodes);
    ns3::InternetStackHelper internet;
    internet.Install(nodes);
    ns3::Ipv4AddressHelper addresses;
    addresses.SetBase("10.0.0.0", "255.255.255.0");
    addresses.Assign(devices);
    SipStackHelper stacks;
    stacks.Install(nodes.Get(0));
    stacks.Install(nodes.Get(1));

    // Baseline: bare UserAgents on the second node's host.
    UaHost& bareHost = SipEndpoint::Get(nodes.Get(1))->GetHost();
    const size_t bareBefore = HeapInUse();
    for (uint32_t k = 0; k < n; ++k)
    {
        UaConfig config;
        config.aor = "sip:b" + std::to_string(k) + "@10.0.0.2";
        if (bareHost.AddUserAgent(std::move(config)) == nullptr)
        {
            std::fprintf(stderr, "cannot add bare UA %u\n", k);
            return 1;
        }
    }
    const size_t bareAfter = HeapInUse();

    // Phone users: one SipPhone (with its profile loaded and its endpoint created first, so
    // that only the users are measured).
    SipPhoneHelper helper;
    ns3::Ptr<SipPhone> phone = ns3::DynamicCast<SipPhone>(helper.Install(nodes.Get(0)).Get(0));
    phone->GetProfile();
    SipEndpoint::Get(nodes.Get(0));
    const size_t phoneBefore = HeapInUse();
    for (uint32_t k = 0; k < n; ++k)
    {
        PhoneUser user;
        user.aor = "sip:u" + std::to_string(k) + "@10.0.0.1";
        phone->AddUser(user);
    }
    const size_t phoneAfter = HeapInUse();
    if (phone->GetUserCount() != n
        || SipEndpoint::Get(nodes.Get(0))->GetHost().GetUserAgentCount() != n)
    {
        std::fprintf(stderr, "phone users not all created\n");
        return 1;
    }

    const double bare = static_cast<double>(bareAfter - bareBefore) / n;
    const double perPhoneUser = static_cast<double>(phoneAfter - phoneBefore) / n;
    std::printf("users                      %u\n", n);
    std::printf("bare UserAgent (UaHost)    %.1f bytes/user\n", bare);
    std::printf("SipPhone user              %.1f bytes/user\n", perPhoneUser);
    std::printf("phone user - bare UA       %.1f bytes/user\n", perPhoneUser - bare);
    std::printf("ratio phone/bare           %.3f\n", perPhoneUser / bare);
    std::printf("total phone users          %.1f MiB\n",
                static_cast<double>(phoneAfter - phoneBefore) / (1024.0 * 1024.0));

    phone = nullptr;
    ns3::Simulator::Destroy();
    return 0;
}

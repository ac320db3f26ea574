/*
 * Integration (tier 2): proxies with phones. Two domains, each with its SipProxy (cisco-sps)
 * as registrar with digest authentication; phones (SipPhone, cisco-sip-phone) register and
 * call across both proxies in series; a callee registered from two devices is reached by
 * parallel forking; a redirect server answers 302 with the registered contact.
 *
 *   alice (10.1.1.1) - proxy A (a.example, 10.1.1.2) - proxy B (b.example, 10.1.2.2)
 *                                                        |- bob's desk phone (10.1.3.2)
 *                                                        |- bob's mobile (10.1.4.2)
 */
#include "integration/node/phone-test-support.h"
#include "node/sip-proxy-helper.h"

#include <ns3/double.h>

namespace sipsim::test {
namespace {

using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

class TwoDomainTest : public TransportTest
{
  protected:
    void Build(const std::string& proxyBRedirect = "false")
    {
        nodes.Create(5);
        ns3::InternetStackHelper internet;
        internet.Install(nodes);
        ns3::PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", ns3::StringValue("100Mbps"));
        p2p.SetChannelAttribute("Delay", ns3::StringValue("5ms"));
        ns3::Ipv4AddressHelper addresses;
        const std::pair<int, int> links[] = {{0, 1}, {1, 2}, {2, 3}, {2, 4}};
        int subnet = 1;
        for (const auto& [a, b] : links)
        {
            const std::string base = "10.1." + std::to_string(subnet++) + ".0";
            addresses.SetBase(base.c_str(), "255.255.255.0");
            addresses.Assign(p2p.Install(nodes.Get(a), nodes.Get(b)));
        }
        ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
        SipStackHelper stacks;
        for (uint32_t i = 0; i < nodes.GetN(); ++i)
        {
            stacks_.push_back(stacks.Install(nodes.Get(i)));
            trace.Connect(stacks_.back());
        }

        SipProxyHelper proxies;
        proxies.SetAttribute("RegistrarAuthentication", ns3::BooleanValue(true));
        proxies.SetAttribute("Domains", ns3::StringValue("a.example"));
        proxies.SetAttribute("Users", ns3::StringValue("alice:alice-pw"));
        proxies.SetAttribute("Routes", ns3::StringValue("b.example=10.1.2.2"));
        proxyA = ns3::DynamicCast<SipProxy>(proxies.Install(nodes.Get(1)).Get(0));
        proxies.SetAttribute("Domains", ns3::StringValue("b.example"));
        proxies.SetAttribute("Users", ns3::StringValue("bob:bob-pw"));
        proxies.SetAttribute("Routes", ns3::StringValue("a.example=10.1.1.2"));
        proxies.SetAttribute("Redirect", ns3::StringValue(proxyBRedirect));
        proxyB = ns3::DynamicCast<SipProxy>(proxies.Install(nodes.Get(2)).Get(0));

        SipPhoneHelper phones;
        phones.SetAttribute("RegisterOnStart", ns3::BooleanValue(true));
        phones.SetAttribute("HoldingTime",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=10]"));
        alicePhone = AddPhone(phones, 0, "sip:alice@a.example", "alice-pw", "10.1.1.2");
        phones.SetAttribute("AnswerDelay",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=3]"));
        deskPhone = AddPhone(phones, 3, "sip:bob@b.example", "bob-pw", "10.1.2.2");
        phones.SetAttribute("AnswerDelay",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=1]"));
        mobilePhone = AddPhone(phones, 4, "sip:bob@b.example", "bob-pw", "10.1.2.2");
    }

    ns3::Ptr<SipPhone> AddPhone(SipPhoneHelper& helper, uint32_t node, const std::string& aor,
                                const std::string& password, const std::string& proxy)
    {
        auto phone = ns3::DynamicCast<SipPhone>(helper.Install(nodes.Get(node)).Get(0));
        events.Connect(phone);
        PhoneUser user;
        user.aor = aor;
        user.password = password;
        user.outboundProxy = PeerOf(ns3::Ipv4Address(proxy.c_str()));
        phone->AddUser(user);
        phone->AssignStreams(10 * node);
        return phone;
    }

    /// The events of one phone node (by its user's AOR and node), "Kind[ tone][ status]".
    std::vector<std::string> Of(const ns3::Ptr<SipPhone>& phone) const
    {
        std::vector<std::string> out;
        for (const auto& e : events.entries)
        {
            if (e.event.node == phone->GetNode()->GetId())
            {
                out.push_back(EventLog::Describe(e.event));
            }
        }
        return out;
    }

    std::vector<TracedMessage> Sent(uint32_t node, std::string_view method) const
    {
        return trace.Select(stacks_[node]->GetNodeId(), Direction::Tx,
                            [method](const TracedMessage& m) { return m.IsRequest(method); });
    }

    ns3::NodeContainer nodes;
    std::vector<ns3::Ptr<SipStack>> stacks_;
    ns3::Ptr<SipProxy> proxyA;
    ns3::Ptr<SipProxy> proxyB;
    ns3::Ptr<SipPhone> alicePhone;
    ns3::Ptr<SipPhone> deskPhone;
    ns3::Ptr<SipPhone> mobilePhone;
    EventLog events;
    TraceLog trace;
};

TEST_F(TwoDomainTest, PhonesRegisterWithDigestAndCallThroughTwoProxiesWithForking)
{
    Build();
    Simulator::Schedule(Seconds(5), [this]() { alicePhone->Call(0, "sip:bob@b.example"); });
    Simulator::Stop(Seconds(40));
    Simulator::Run();

    // Every phone registered after a 401 challenge (RFC 3261 10.3, 22).
    for (uint32_t node : {0u, 3u, 4u})
    {
        const auto registers = Sent(node, "REGISTER");
        ASSERT_EQ(registers.size(), 2u) << "node " << node;
        EXPECT_FALSE(registers[0].message.HasHeader(HeaderId::Authorization));
        EXPECT_TRUE(registers[1].message.HasHeader(HeaderId::Authorization));
    }
    EXPECT_EQ(
        proxyB->GetCore()->GetLocations().Lookup("bob@b.example", std::chrono::seconds(5)).size(),
        2u);

    // A forwards to B (its route for b.example), B forks to both of bob's contacts.
    const auto fromA = Sent(1, "INVITE");
    ASSERT_EQ(fromA.size(), 1u);
    EXPECT_EQ(FormatIpv4(fromA[0].remote.address), "10.1.2.2");
    const auto fromB = Sent(2, "INVITE");
    ASSERT_EQ(fromB.size(), 2u);
    EXPECT_EQ(proxyB->GetCore()->GetCounters().forks, 1u);
    // Record-Route of both proxies in the INVITE that reached bob.
    const std::string atBob = fromB[0].message.Serialize();
    EXPECT_NE(atBob.find("Record-Route: <sip:10.1.2.2"), std::string::npos) << atBob;
    EXPECT_NE(atBob.find("Record-Route: <sip:10.1.1.2"), std::string::npos) << atBob;

    // The mobile answers after 1 s and wins; the desk phone's ringing branch is CANCELled
    // (RFC 3261 16.7 step 10) and clears with 487.
    EXPECT_EQ(Of(mobilePhone),
              (std::vector<std::string>{"Registered 200", "Ringing", "Answered", "Cleared"}));
    EXPECT_EQ(Of(deskPhone),
              (std::vector<std::string>{"Registered 200", "Ringing", "Cleared 487"}));
    EXPECT_EQ(Sent(2, "CANCEL").size(), 1u);
    EXPECT_EQ(Of(alicePhone),
              (std::vector<std::string>{"Registered 200", "CallPlaced", "Tone ringback 180",
                                        "Answered", "Cleared"}));
    // The BYE follows the Record-Route through both proxies, 10 s after the answer.
    const auto bye = Sent(0, "BYE");
    ASSERT_EQ(bye.size(), 1u);
    EXPECT_EQ(Sent(1, "BYE").size(), 1u);
    EXPECT_EQ(Sent(2, "BYE").size(), 1u);
    const auto* answered = events.Find(DeviceEventKind::Answered);
    ASSERT_NE(answered, nullptr);
    EXPECT_GE(bye[0].at, answered->at + Seconds(10));
}

TEST_F(TwoDomainTest, RedirectServerAnswers300WithBothRegisteredContacts)
{
    Build("true");
    Simulator::Schedule(Seconds(5), [this]() { alicePhone->Call(0, "sip:bob@b.example"); });
    Simulator::Stop(Seconds(20));
    Simulator::Run();
    const auto redirects
        = trace.Select(stacks_[2]->GetNodeId(), Direction::Tx, [](const TracedMessage& m) {
              return m.IsResponse(300) || m.IsResponse(302);
          });
    ASSERT_EQ(redirects.size(), 1u);
    EXPECT_TRUE(Sent(2, "INVITE").empty()) << "a redirect server does not proxy";
    // The proxy in front forwards the redirect to alice (no recursion), whose phone clears
    // the call as its profile's default receipt says.
    const auto atAlice
        = trace.Select(stacks_[0]->GetNodeId(), Direction::Rx, [](const TracedMessage& m) {
              return m.IsResponse(300) || m.IsResponse(302);
          });
    ASSERT_EQ(atAlice.size(), 1u);
    const std::string text = atAlice[0].message.Serialize();
    EXPECT_NE(text.find("Contact: <sip:bob@10.1."), std::string::npos) << text;
}

} // namespace
} // namespace sipsim::test

/*
 * Shared pieces of the proxy tests: a scripted UAS on a raw UDP socket (answers each INVITE as
 * told, with any status, 1xx included) and the line topology alice - proxy - callee.
 */
#ifndef SIPSIM_TEST_PROXY_TEST_SUPPORT_H
#define SIPSIM_TEST_PROXY_TEST_SUPPORT_H

#include "integration/transport/transport-test-support.h"
#include "message/sip-parser.h"
#include "node/sip-endpoint.h"
#include "node/sip-proxy-helper.h"
#include "node/sip-proxy.h"
#include "ua/ua-host.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sipsim::test {

/**
 * A UAS on a raw UDP socket. To each INVITE it sends the scripted responses, `gap` apart
 * (the first at once); a 2xx carries a Contact and an SDP-less body. CANCEL and BYE get 200;
 * ACKs are recorded. With an empty script it never answers.
 */
class RawUas
{
  public:
    struct Step
    {
        uint16_t code;
        std::vector<std::pair<std::string, std::string>> headers;
    };

    std::vector<Step> script;
    ns3::Time gap = ns3::MilliSeconds(500);
    std::vector<Message> requests; ///< everything received, in order
    std::vector<ns3::Time> times;

    RawUas(ns3::Ptr<ns3::Node> node, uint16_t port)
        : m_port(port)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port));
        m_socket->SetRecvCallback(ns3::MakeCallback(&RawUas::OnRead, this));
    }

    size_t Count(std::string_view method) const
    {
        size_t n = 0;
        for (const auto& m : requests)
        {
            n += m.GetMethodName() == method ? 1 : 0;
        }
        return n;
    }

  private:
    void OnRead(ns3::Ptr<ns3::Socket> socket)
    {
        ns3::Address from;
        while (ns3::Ptr<ns3::Packet> p = socket->RecvFrom(from))
        {
            ParseResult parsed = Parse(PacketText(p));
            if (!parsed.Ok() || !parsed.GetMessage().IsRequest())
            {
                continue;
            }
            const Message request = parsed.GetMessage();
            requests.push_back(request);
            times.push_back(ns3::Simulator::Now());
            const std::string method(request.GetMethodName());
            if (method == "ACK")
            {
                continue;
            }
            if (method != "INVITE")
            {
                Send(BuildResponse(request, 200, {}, "uas"), from);
                if (method == "CANCEL")
                {
                    // RFC 3261 9.2: the INVITE it cancels gets 487 (same branch).
                    for (auto it = requests.rbegin(); it != requests.rend(); ++it)
                    {
                        if (it->GetMethodName() == "INVITE"
                            && it->GetTopVia()->Branch() == request.GetTopVia()->Branch())
                        {
                            Send(BuildResponse(*it, 487, {}, "uas"), from);
                            break;
                        }
                    }
                }
                continue;
            }
            ns3::Time at(0);
            for (const Step& step : script)
            {
                Message response = BuildResponse(request, step.code, {}, "uas");
                if (step.code >= 101 && step.code < 300)
                {
                    response.AddHeader(HeaderId::Contact,
                                       "<sip:uas@10.1.2.2:" + std::to_string(m_port) + ">");
                }
                for (const auto& [name, value] : step.headers)
                {
                    response.AddHeader(name, value);
                }
                ns3::Simulator::Schedule(at, &RawUas::Send, this, response, from);
                at += gap;
            }
        }
    }

    void Send(Message response, ns3::Address to)
    {
        m_socket->SendTo(MakePacket(response.Serialize()), 0, to);
    }

    uint16_t m_port;
    ns3::Ptr<ns3::Socket> m_socket;
};

/**
 * alice (10.1.1.1, a UA with the proxy as outbound proxy) - proxy (10.1.1.2 | 10.1.2.1, a
 * SipProxy serving example.com) - callee node (10.1.2.2: a RawUas on port 5070, bound in the
 * proxy's location service as bob@example.com). 100 Mb/s, 5 ms links.
 */
class ProxyLineTest : public TransportTest
{
  protected:
    void Build(const std::map<std::string, std::string>& attributes = {})
    {
        line = std::make_unique<Line>(3, "100Mbps", "5ms");
        SipStackHelper stacks;
        aliceStack = stacks.Install(line->nodes.Get(0));
        proxyStack = stacks.Install(line->nodes.Get(1));
        calleeStack = stacks.Install(line->nodes.Get(2));
        for (const auto& s : {aliceStack, proxyStack, calleeStack})
        {
            trace.Connect(s);
        }
        SipProxyHelper helper;
        helper.SetAttribute("Domains", ns3::StringValue("example.com"));
        for (const auto& [name, value] : attributes)
        {
            helper.SetAttribute(name, ns3::StringValue(value));
        }
        proxy = ns3::DynamicCast<SipProxy>(helper.Install(line->nodes.Get(1)).Get(0));
        proxy->TraceConnectWithoutContext("Generated",
                                          ns3::MakeCallback(&ProxyLineTest::OnGenerated, this));
        proxyPeer = PeerOf(proxyStack->GetLocalAddress());
        aliceHost = &SipEndpoint::Get(line->nodes.Get(0))->GetHost();
        UaConfig config;
        config.aor = "sip:alice@example.com";
        config.password = "alice-secret";
        config.outboundProxy = proxyPeer;
        config.registrar = proxyPeer;
        alice = aliceHost->AddUserAgent(config, &aliceEvents);
        ASSERT_NE(alice, nullptr);
        uas = std::make_unique<RawUas>(line->nodes.Get(2), 5070);
        // bob@example.com is at the raw UAS (bound once the proxy has started).
        ns3::Simulator::Schedule(ns3::MilliSeconds(100), [this]() {
            Binding binding;
            binding.contact = "sip:bob@10.1.2.2:5070";
            binding.expiresAt = std::chrono::hours(24);
            proxy->GetCore()->GetLocations().Update("bob@example.com", binding);
        });
    }

    void OnGenerated(const Message& request, const Message& response)
    {
        (void) request;
        generated.push_back({ns3::Simulator::Now(), response.GetStatusCode()});
    }

    /// Responses alice's node received with this code (any request).
    std::vector<TracedMessage> AliceGot(uint16_t code) const
    {
        return trace.Select(aliceStack->GetNodeId(), Direction::Rx,
                            [code](const TracedMessage& m) { return m.IsResponse(code); });
    }

    /// Responses the proxy sent with this code.
    std::vector<TracedMessage> ProxySent(uint16_t code) const
    {
        return trace.Select(proxyStack->GetNodeId(), Direction::Tx,
                            [code](const TracedMessage& m) { return m.IsResponse(code); });
    }

    /// A listener that records what alice's UA reports.
    struct Events : UaListener
    {
        std::vector<std::string> names;

        void OnCallProgress(UserAgent&, CallHandle, uint16_t code) override
        {
            names.push_back("progress " + std::to_string(code));
        }

        void OnCallAnswered(UserAgent& ua, CallHandle call) override
        {
            names.push_back("answered");
            ns3::Simulator::Schedule(ns3::Seconds(1), [&ua, call]() { ua.Hangup(call); });
        }

        void OnCallFailed(UserAgent&, CallHandle, uint16_t status, std::string_view) override
        {
            names.push_back("failed " + std::to_string(status));
        }

        void OnCallEnded(UserAgent&, CallHandle, bool) override { names.push_back("ended"); }

        void OnRegistered(UserAgent&, uint32_t) override { names.push_back("registered"); }

        void OnRegistrationFailed(UserAgent&, uint16_t status) override
        {
            names.push_back("registration-failed " + std::to_string(status));
        }
    };

    std::unique_ptr<Line> line;
    ns3::Ptr<SipStack> aliceStack;
    ns3::Ptr<SipStack> proxyStack;
    ns3::Ptr<SipStack> calleeStack;
    ns3::Ptr<SipProxy> proxy;
    Peer proxyPeer;
    UaHost* aliceHost = nullptr;
    UserAgent* alice = nullptr;
    Events aliceEvents;
    std::unique_ptr<RawUas> uas;
    TraceLog trace;
    std::vector<std::pair<ns3::Time, uint16_t>> generated;
};

} // namespace sipsim::test

#endif // SIPSIM_TEST_PROXY_TEST_SUPPORT_H

/*
 * Shared pieces of the phone tests: a recorder of DeviceEvents, a scripted far end (a UA on
 * another node that answers a phone's INVITE as a test says), and a two-node topology.
 */
#ifndef SIPSIM_TEST_PHONE_TEST_SUPPORT_H
#define SIPSIM_TEST_PHONE_TEST_SUPPORT_H

#include "integration/transport/transport-test-support.h"
#include "message/sip-parser.h"
#include "node/device-event.h"
#include "node/sip-endpoint.h"
#include "node/sip-phone-helper.h"
#include "node/sip-phone.h"
#include "ua/ua-host.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sipsim::test {

/// Every DeviceEvent of the phones it is connected to, with its time.
struct EventLog
{
    struct Entry
    {
        ns3::Time at;
        DeviceEvent event;
    };

    std::vector<Entry> entries;

    void Connect(const ns3::Ptr<ns3::Application>& app)
    {
        app->TraceConnectWithoutContext("DeviceEvent", ns3::MakeCallback(&EventLog::On, this));
    }

    void On(const DeviceEvent& event) { entries.push_back({ns3::Simulator::Now(), event}); }

    /// "Kind[ tone][ status]": "Tone busy 486", "Answered".
    static std::string Describe(const DeviceEvent& event)
    {
        std::string s(DeviceEventKindName(event.kind));
        if (event.tone != profile::TONE_UNSPECIFIED)
        {
            s += " " + std::string(profile::ToneText(event.tone));
        }
        if (event.status != 0)
        {
            s += " " + std::to_string(event.status);
        }
        return s;
    }

    /// Describe() of one user's events, in order.
    std::vector<std::string> Of(const std::string& user) const
    {
        std::vector<std::string> out;
        for (const auto& e : entries)
        {
            if (e.event.user == user)
            {
                out.push_back(Describe(e.event));
            }
        }
        return out;
    }

    const Entry* Find(DeviceEventKind kind, uint16_t status = 0) const
    {
        for (const auto& e : entries)
        {
            if (e.event.kind == kind && (status == 0 || e.event.status == status))
            {
                return &e;
            }
        }
        return nullptr;
    }
};

/**
 * The far end of a phone's calls: answers each INVITE with the next scripted final response
 * (status and extra headers), or, when the script is used up, rings and answers with 200.
 */
class FarEnd : public UaListener
{
  public:
    struct Step
    {
        uint16_t code = 200;
        std::vector<std::pair<std::string, std::string>> headers;
    };

    std::vector<Step> script;
    std::vector<Message> invites; ///< every INVITE received, as received
    std::vector<ns3::Time> inviteTimes;
    ns3::Time answerDelay = ns3::Seconds(0);
    std::vector<std::string> outcomes; ///< "answered", "ended-by-remote", "failed 408", ...

    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override
    {
        invites.push_back(invite);
        inviteTimes.push_back(ns3::Simulator::Now());
        if (m_next < script.size())
        {
            const Step step = script[m_next++];
            if (step.code != 200)
            {
                ua.Reject(call, step.code, {}, step.headers);
                return;
            }
        }
        ua.Ring(call);
        ns3::Simulator::Schedule(answerDelay, [&ua, call]() { ua.Answer(call, Sdp()); });
    }

    void OnCallAnswered(UserAgent&, CallHandle) override { outcomes.push_back("answered"); }

    void OnCallFailed(UserAgent&, CallHandle, uint16_t status, std::string_view) override
    {
        outcomes.push_back("failed " + std::to_string(status));
    }

    void OnCallEnded(UserAgent&, CallHandle, bool byRemote) override
    {
        outcomes.push_back(byRemote ? "ended-by-remote" : "ended");
    }

    static std::string Sdp()
    {
        return "v=0\r\no=- 7 1 IN IP4 10.1.1.2\r\ns=-\r\nc=IN IP4 10.1.1.2\r\nt=0 0\r\n"
               "m=audio 40000 RTP/AVP 0 8\r\n";
    }

  private:
    size_t m_next = 0;
};

/**
 * A registrar on a raw UDP socket: a REGISTER without Authorization gets 401 with a digest
 * challenge, one with credentials gets 200 with the Contact and its expiry (RFC 3261 10.3).
 */
class RawRegistrar
{
  public:
    RawRegistrar(ns3::Ptr<ns3::Node> node, uint16_t port)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port));
        m_socket->SetRecvCallback(ns3::MakeCallback(&RawRegistrar::OnRead, this));
    }

    std::vector<Message> registers; ///< every REGISTER received

  private:
    void OnRead(ns3::Ptr<ns3::Socket> socket)
    {
        ns3::Address from;
        while (ns3::Ptr<ns3::Packet> p = socket->RecvFrom(from))
        {
            ParseResult parsed = Parse(PacketText(p));
            if (!parsed.Ok() || parsed.GetMessage().GetMethodName() != "REGISTER")
            {
                continue;
            }
            const Message& request = parsed.GetMessage();
            registers.push_back(request);
            Message response;
            if (!request.HasHeader(HeaderId::Authorization))
            {
                response = BuildResponse(request, 401, {}, "reg1");
                response.AddHeader(HeaderId::WwwAuthenticate,
                                   "Digest realm=\"far.example\", nonce=\"reg-nonce\", "
                                   "algorithm=MD5, qop=\"auth\"");
            }
            else
            {
                response = BuildResponse(request, 200, {}, "reg1");
                if (const auto contact = request.FindHeader(HeaderId::Contact))
                {
                    response.AddHeader(HeaderId::Contact, std::string(*contact));
                }
                response.AddHeader(HeaderId::Expires, "3600");
            }
            socket->SendTo(MakePacket(response.Serialize()), 0, from);
        }
    }

    ns3::Ptr<ns3::Socket> m_socket;
};

/**
 * phone node (10.1.1.1, a SipPhone with user alice) - far node (10.1.1.2, a UaHost with user
 * bob and the FarEnd script), 100 Mb/s and 5 ms.
 */
class PhonePairTest : public TransportTest
{
  protected:
    void Build(const std::string& profileName,
               const std::function<void(SipPhoneHelper&)>& configure = {})
    {
        line = std::make_unique<Line>(2, "100Mbps", "5ms");
        SipStackHelper stacks;
        phoneStack = stacks.Install(line->nodes.Get(0));
        farStack = stacks.Install(line->nodes.Get(1));
        trace.Connect(phoneStack);
        trace.Connect(farStack);
        SipPhoneHelper helper;
        helper.SetAttribute("Profile", ns3::StringValue(profileName));
        if (configure)
        {
            configure(helper);
        }
        phone = ns3::DynamicCast<SipPhone>(helper.Install(line->nodes.Get(0)).Get(0));
        events.Connect(phone);
        PhoneUser alice;
        alice.aor = "sip:alice@10.1.1.1";
        alice.password = "alice-secret";
        alice.outboundProxy = PeerOf(line->Last());
        alice.registrar = PeerOf(line->Last(), registrarPort);
        phone->AddUser(alice);
        farHost = &SipEndpoint::Get(line->nodes.Get(1))->GetHost();
        UaConfig bob;
        bob.aor = "sip:bob@10.1.1.2";
        bobUa = farHost->AddUserAgent(bob, &far);
        ASSERT_NE(bobUa, nullptr);
        SipPhoneHelper::AssignStreams(ns3::ApplicationContainer(phone), 100);
    }

    /// Messages of a node and direction satisfying pred.
    std::vector<TracedMessage> Messages(ns3::Ptr<SipStack> stack, Direction direction,
                                        const std::function<bool(const TracedMessage&)>& pred) const
    {
        return trace.Select(stack->GetNodeId(), direction, pred);
    }

    static bool IsInviteResponse(const TracedMessage& m, uint16_t code)
    {
        return m.IsResponse(code) && m.message.GetCSeq()->method == "INVITE";
    }

    /// Responses with this code the phone sent, whatever the request.
    size_t PhoneSent(uint16_t code) const
    {
        return Messages(phoneStack, Direction::Tx,
                        [code](const TracedMessage& m) { return m.IsResponse(code); })
            .size();
    }

    uint16_t registrarPort = 5060; ///< where alice's REGISTERs go on the far node
    std::unique_ptr<Line> line;
    ns3::Ptr<SipStack> phoneStack;
    ns3::Ptr<SipStack> farStack;
    ns3::Ptr<SipPhone> phone;
    UaHost* farHost = nullptr;
    UserAgent* bobUa = nullptr;
    FarEnd far;
    EventLog events;
    TraceLog trace;
};

} // namespace sipsim::test

#endif // SIPSIM_TEST_PHONE_TEST_SUPPORT_H

/*
 * A caller with backup outbound proxies (UaConfig::backupProxies): an INVITE that the
 * outbound proxy never answers (Timer B), or answers 503, is sent to the next proxy as the
 * same request in a new transaction (RFC 3263 4.3, RFC 3665 3.4). In-memory network, 10 ms
 * one way, T1 = 500 ms: every time is exact.
 */
#include "ua-test-util.h"

namespace sipsim::test {
namespace {

using Strings = std::vector<std::string>;

Peer
UdpPeer(const char* address)
{
    return Peer{TransportProtocol::Udp, *ParseIpv4(address), 5060};
}

/// "<time> <to-address> <method or status>" of every message sent.
Strings
Ladder(const SimNetwork& net)
{
    Strings out;
    for (const SimLogEntry& e : net.GetLog())
    {
        out.push_back(Label(e) + " -> " + FormatIpv4(e.to.address));
    }
    return out;
}

class ProxyFailoverTest : public TwoUaTest
{
  protected:
    /// A caller on node A whose outbound proxy is `primary`, then the backups.
    UserAgent* Caller(const char* primary, std::vector<Peer> backups)
    {
        UaConfig config = Config("sip:carol@example.com");
        config.outboundProxy = UdpPeer(primary);
        config.backupProxies = std::move(backups);
        return hostA.AddUserAgent(config, &carolEvents);
    }

    /// A proxy stand-in on node `address` that answers INVITEs with `status` (2xx with a
    /// Contact).
    void Answer(ScriptedPeer& peer, uint16_t status)
    {
        peer.onRequest = [&peer, status](TransactionId id, const Message& request) {
            Message response = BuildResponse(request, status, {}, "p");
            if (status == 200)
            {
                response.AddHeader(HeaderId::Contact, "<sip:bob@10.0.0.2:5060>");
            }
            peer.layer.SendResponse(id, std::move(response));
        };
    }

    RecordingListener carolEvents{clock};
};

TEST_F(ProxyFailoverTest, TimerBSendsTheSameInviteToTheBackupProxy)
{
    TransactionLayer& backupLayer = net.AddNode("10.0.0.4");
    ScriptedPeer backup(backupLayer);
    Answer(backup, 200);
    UserAgent* carol = Caller("10.0.0.99", {UdpPeer("10.0.0.4")});
    const CallHandle call = carol->MakeCall("sip:bob@example.com", {});
    ASSERT_TRUE(call.IsValid());
    clock.RunUntil(40s);
    EXPECT_EQ(Ladder(net),
              (Strings{"0.000 INVITE -> 10.0.0.99", "0.500 INVITE rtx -> 10.0.0.99",
                       "1.500 INVITE rtx -> 10.0.0.99", "3.500 INVITE rtx -> 10.0.0.99",
                       "7.500 INVITE rtx -> 10.0.0.99", "15.500 INVITE rtx -> 10.0.0.99",
                       "31.500 INVITE rtx -> 10.0.0.99", "32.000 INVITE -> 10.0.0.4",
                       "32.010 200 INVITE -> 10.0.0.1", "32.020 ACK -> 10.0.0.2"}))
        << net.Dump();
    EXPECT_EQ(carol->GetCallState(call), CallState::Confirmed);
    EXPECT_EQ(carolEvents.events, (Strings{"32.020 answered"}));
    // The same request (Call-ID, CSeq), a new transaction (branch).
    const Message first = Reparse(net.Requests("INVITE").front());
    const Message second = Reparse(net.Requests("INVITE").back());
    EXPECT_EQ(first.GetCallId(), second.GetCallId());
    EXPECT_EQ(first.GetCSeq()->number, 1u);
    EXPECT_EQ(second.GetCSeq()->number, 1u);
    EXPECT_NE(first.GetTopVia()->Branch(), second.GetTopVia()->Branch());
}

TEST_F(ProxyFailoverTest, A503SendsTheInviteToTheNextProxyAndTheLastOneDecides)
{
    TransactionLayer& primaryLayer = net.AddNode("10.0.0.3");
    TransactionLayer& secondLayer = net.AddNode("10.0.0.4");
    TransactionLayer& thirdLayer = net.AddNode("10.0.0.5");
    ScriptedPeer primary(primaryLayer);
    ScriptedPeer second(secondLayer);
    ScriptedPeer third(thirdLayer);
    Answer(primary, 503);
    Answer(second, 503);
    Answer(third, 503);
    UserAgent* carol = Caller("10.0.0.3", {UdpPeer("10.0.0.4"), UdpPeer("10.0.0.5")});
    carol->MakeCall("sip:bob@example.com", {});
    clock.RunUntil(5s);
    EXPECT_EQ(Ladder(net), (Strings{"0.000 INVITE -> 10.0.0.3", "0.010 503 INVITE -> 10.0.0.1",
                                    "0.020 ACK -> 10.0.0.3", "0.020 INVITE -> 10.0.0.4",
                                    "0.030 503 INVITE -> 10.0.0.1", "0.040 ACK -> 10.0.0.4",
                                    "0.040 INVITE -> 10.0.0.5", "0.050 503 INVITE -> 10.0.0.1",
                                    "0.060 ACK -> 10.0.0.5"}))
        << net.Dump();
    // No proxy left: the last 503 ends the call.
    EXPECT_EQ(carolEvents.events, (Strings{"0.060 failed 503 Service Unavailable"}));
}

TEST_F(ProxyFailoverTest, AFailureAfterAProvisionalResponseDoesNotFailOver)
{
    // A 180 means the proxy works: a 503 from behind it is the call's answer.
    TransactionLayer& primaryLayer = net.AddNode("10.0.0.3");
    TransactionLayer& backupLayer = net.AddNode("10.0.0.4");
    ScriptedPeer primary(primaryLayer);
    ScriptedPeer backup(backupLayer);
    Answer(backup, 200);
    primary.onRequest = [&](TransactionId id, const Message& request) {
        primaryLayer.SendResponse(id, BuildResponse(request, 180, {}, "u"));
        primaryLayer.SendResponse(id, BuildResponse(request, 503, {}, "u"));
    };
    UserAgent* carol = Caller("10.0.0.3", {UdpPeer("10.0.0.4")});
    carol->MakeCall("sip:bob@example.com", {});
    clock.RunUntil(5s);
    EXPECT_TRUE(backup.requests.empty());
    EXPECT_EQ(carolEvents.events,
              (Strings{"0.020 progress 180", "0.020 failed 503 Service Unavailable"}));
}

} // namespace
} // namespace sipsim::test

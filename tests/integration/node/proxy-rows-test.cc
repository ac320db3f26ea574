/*
 * One test per row of Table E-3 (profiles/cisco-sps.textproto), generated from the profile:
 * the Cisco SIP Proxy Server generates and/or forwards each 1xx-6xx response as its row says.
 *
 * Each test runs on alice (10.1.1.1) - proxy (10.1.1.2) - callee node (10.1.2.2, a raw UAS
 * bound as bob@example.com), in two simulations:
 * - forwarded: alice calls bob and the UAS answers with the row's code (a 1xx followed by a
 *   486; a 401/407 with its challenge). A row whose receipt is FORWARD must reach alice from
 *   downstream, the proxy generating nothing with that code; 100 is absorbed (alice gets the
 *   proxy's own 100 only, before the UAS even has the INVITE).
 * - generated: the row's condition is provoked with the proxy configured as it needs (redirect
 *   mode, registrar or proxy authentication, pre-authentication, a short Request-URI limit,
 *   restricted methods, a profile that turns 503 into 500, an overload policy), and the proxy
 *   must send the row's code. A row the proxy never generates must not be generated in either
 *   simulation.
 */
#include "integration/node/proxy-test-support.h"
#include "node/processing-queue.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sipsim::test {
namespace {

using ns3::MilliSeconds;
using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kProfile = kSource + "/profiles/cisco-sps.textproto";

std::shared_ptr<const profile::DeviceProfile>
LoadSps()
{
    std::string error;
    auto p = profile::LoadProfile(kProfile, &error);
    if (!p)
    {
        ADD_FAILURE() << error;
    }
    return p;
}

std::vector<uint32_t>
TableRows()
{
    std::vector<uint32_t> codes;
    if (const auto p = LoadSps())
    {
        for (const auto& row : p->rows())
        {
            codes.push_back(row.code());
        }
    }
    return codes;
}

/// A request as a phone would write it, from alice's node port 5099 (raw socket).
std::string
RawRequest(const std::string& method, const std::string& uri, const std::string& extra = {},
           int maxForwards = 70, const std::string& version = "SIP/2.0",
           const std::string& branch = "z9hG4bKraw1")
{
    std::ostringstream os;
    os << method << " " << uri << " " << version << "\r\n"
       << "Via: SIP/2.0/UDP 10.1.1.1:5099;branch=" << branch << "\r\n"
       << "Max-Forwards: " << maxForwards << "\r\n"
       << "From: <sip:alice@example.com>;tag=raw\r\n"
       << "To: <" << uri << ">\r\n"
       << "Call-ID: raw-" << branch << "@10.1.1.1\r\n"
       << "CSeq: 1 " << method << "\r\n"
       << "Contact: <sip:alice@10.1.1.1:5099>\r\n"
       << extra << "Content-Length: 0\r\n\r\n";
    return os.str();
}

class ProxyRowTest
    : public ProxyLineTest
    , public ::testing::WithParamInterface<uint32_t>
{
  protected:
    /// Ends one simulation so that the test can build the next.
    void Reset()
    {
        Simulator::Destroy();
        ns3::Ipv4AddressGenerator::Reset();
        uas.reset();
        alice = nullptr;
        aliceHost = nullptr;
        proxy = nullptr;
        line.reset();
        trace = TraceLog();
        generated.clear();
        aliceEvents = Events();
    }

    size_t GeneratedCount(uint16_t code) const
    {
        size_t n = 0;
        for (const auto& g : generated)
        {
            n += g.second == code ? 1 : 0;
        }
        return n;
    }

    /// The UAS's answer to an INVITE for the forwarding check of a row.
    std::vector<RawUas::Step> ForwardScript(uint16_t code) const
    {
        if (code < 200)
        {
            return {{code, {}}, {486, {}}};
        }
        if (code == 401)
        {
            return {{code, {{"WWW-Authenticate", "Digest realm=\"bob\", nonce=\"n1\""}}}};
        }
        if (code == 407)
        {
            return {{code, {{"Proxy-Authenticate", "Digest realm=\"bob\", nonce=\"n1\""}}}};
        }
        return {{code, {}}};
    }
};

TEST_P(ProxyRowTest, GeneratesAndForwardsAsTheRowSays)
{
    const uint32_t code = GetParam();
    const uint16_t status = static_cast<uint16_t>(code);
    const auto p = LoadSps();
    ASSERT_NE(p, nullptr);
    const profile::ResponseRow* row = profile::FindRow(*p, code);
    ASSERT_NE(row, nullptr);
    const profile::Receipt receipt = profile::ReceiptFor(*p, code);

    // --- forwarded -----------------------------------------------------------------------------
    Build();
    uas->script = ForwardScript(status);
    Simulator::Schedule(Seconds(1), [this]() { alice->MakeCall("sip:bob@example.com"); });
    Simulator::Stop(Seconds(60));
    Simulator::Run();
    ASSERT_GE(uas->Count("INVITE"), 1u) << "the INVITE never reached the callee";
    if (receipt.action() == profile::FORWARD)
    {
        const auto got = AliceGot(status);
        ASSERT_FALSE(got.empty()) << code << " was not forwarded to alice";
        EXPECT_EQ(GeneratedCount(status), 0u) << "alice's " << code << " came from downstream";
        if (code >= 300)
        {
            EXPECT_EQ(aliceEvents.names.back(), "failed " + std::to_string(code));
        }
        if (code == 503)
        {
            // The profile forwards 503 as it is (RFC 3261 16.7 would make it a 500).
            EXPECT_TRUE(AliceGot(500).empty());
        }
    }
    else
    {
        // 100 is hop-by-hop: alice has only the proxy's own, sent before the UAS even got the
        // INVITE, and the UAS's 100 stops at the proxy.
        ASSERT_EQ(receipt.action(), profile::NONE);
        const auto got = AliceGot(status);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_LT(got[0].at, uas->times[0]);
        EXPECT_EQ(GeneratedCount(status), 1u);
    }
    const size_t generatedWhileForwarding = GeneratedCount(status);
    Reset();

    // --- generated -----------------------------------------------------------------------------
    std::map<std::string, std::string> attributes;
    std::string tempProfile;
    switch (row->generate())
    {
        case profile::REDIRECT_ONE:
        case profile::REDIRECT_SEVERAL:
            attributes["Redirect"] = "true";
            break;
        case profile::REGISTRAR_CHALLENGE:
            attributes["RegistrarAuthentication"] = "true";
            attributes["Users"] = "alice:alice-secret";
            break;
        case profile::REGISTRAR_FORBIDDEN:
            attributes["RegistrarAuthentication"] = "true";
            attributes["Users"] = "alice:alice-secret,bob:bob-secret";
            break;
        case profile::PROXY_CHALLENGE:
            attributes["ProxyAuthentication"] = "true";
            attributes["Users"] = "alice:alice-secret";
            break;
        case profile::PREAUTH_FAILED:
            attributes["ProxyAuthentication"] = "true";
            attributes["Users"] = "alice:alice-secret";
            attributes["Preauthentication"] = "true";
            attributes["PreauthorizedUsers"] = "carol";
            break;
        case profile::URI_TOO_LONG:
            attributes["MaxRequestUriLength"] = "40";
            break;
        case profile::METHOD_NOT_ALLOWED:
            attributes["AllowedMethods"] = "INVITE,ACK,BYE,CANCEL,REGISTER";
            break;
        case profile::SERVER_ERROR:
        {
            // A copy of the profile whose 503 row says what RFC 3261 16.7 step 6 does.
            std::ifstream in(kProfile);
            std::stringstream text;
            text << in.rdbuf();
            std::string copy = text.str();
            const std::string from = "code: 503";
            const auto at = copy.find(from);
            ASSERT_NE(at, std::string::npos);
            const auto action = copy.find("on_receipt { action: FORWARD }", at);
            ASSERT_NE(action, std::string::npos);
            copy.replace(action, std::string("on_receipt { action: FORWARD }").size(),
                         "on_receipt { action: FORWARD forward_as: 500 }");
            tempProfile = (std::filesystem::temp_directory_path() / "sipsim-sps-500.textproto");
            std::ofstream(tempProfile) << copy;
            attributes["Profile"] = tempProfile;
            break;
        }
        default:
            break;
    }
    Build(attributes);
    RawUdp raw(line->nodes.Get(0), 5099);
    ns3::Ptr<ProcessingQueue> queue;
    UserAgent* mallory = nullptr;
    const Time at = Seconds(1);
    switch (row->generate())
    {
        case profile::NEVER:
            uas->script = {{180, {}}, {200, {}}};
            Simulator::Schedule(at, [this]() { alice->MakeCall("sip:bob@example.com"); });
            break;
        case profile::TRYING:
        case profile::BRANCH_TIMEOUT:
            // The UAS never answers: the proxy's 100 at once, its 408 when Timer B fires.
            Simulator::Schedule(at, [this]() { alice->MakeCall("sip:bob@example.com"); });
            break;
        case profile::REQUEST_ACCEPTED:
            // A REGISTER, and a CANCEL of a ringing call.
            uas->script = {{180, {}}};
            Simulator::Schedule(at, [this]() { alice->Register(); });
            Simulator::Schedule(Seconds(3), [this]() {
                const CallHandle call = alice->MakeCall("sip:bob@example.com");
                Simulator::Schedule(Seconds(2), [this, call]() { alice->Cancel(call); });
            });
            break;
        case profile::REDIRECT_SEVERAL:
            Simulator::Schedule(MilliSeconds(200), [this]() {
                Binding second;
                second.contact = "sip:bob@10.1.2.2:5071";
                second.q = 500;
                second.expiresAt = std::chrono::hours(24);
                proxy->GetCore()->GetLocations().Update("bob@example.com", second);
            });
            [[fallthrough]];
        case profile::REDIRECT_ONE:
        case profile::PROXY_CHALLENGE:
        case profile::PREAUTH_FAILED:
            uas->script = {{180, {}}, {200, {}}};
            Simulator::Schedule(at, [this]() { alice->MakeCall("sip:bob@example.com"); });
            break;
        case profile::REGISTRAR_CHALLENGE:
            Simulator::Schedule(at, [this]() { alice->Register(); });
            break;
        case profile::REGISTRAR_FORBIDDEN:
        {
            // alice's credentials on bob's AOR.
            UaConfig config;
            config.aor = "sip:bob@example.com";
            config.username = "alice";
            config.password = "alice-secret";
            config.contactUser = "mallory";
            config.registrar = proxyPeer;
            mallory = aliceHost->AddUserAgent(config, &aliceEvents);
            ASSERT_NE(mallory, nullptr);
            Simulator::Schedule(at, [mallory]() { mallory->Register(); });
            break;
        }
        case profile::UNKNOWN_CALLEE:
            Simulator::Schedule(at, [this]() { alice->MakeCall("sip:nobody@example.com"); });
            break;
        case profile::METHOD_NOT_ALLOWED:
            Simulator::Schedule(at, [this]() { alice->SendOptions("sip:bob@example.com"); });
            break;
        case profile::URI_TOO_LONG:
            Simulator::Schedule(
                at, [this]() { alice->MakeCall("sip:" + std::string(60, 'b') + "@example.com"); });
            break;
        case profile::BAD_EXTENSION:
            raw.SendAt(
                at,
                RawRequest("INVITE", "sip:bob@example.com",
                           "Proxy-Require: com.example.unknown\r\n"),
                line->Device(0, 1)->GetNode()->GetObject<ns3::Ipv4>()->GetAddress(1, 0).GetLocal());
            break;
        case profile::NO_MATCHING_TRANSACTION:
            raw.SendAt(
                at, RawRequest("CANCEL", "sip:bob@example.com", {}, 70, "SIP/2.0", "z9hG4bKnone"),
                proxyStack->GetLocalAddress());
            break;
        case profile::LOOP_DETECTED:
        {
            // The request carries the Via this proxy would add to it: it has been here before.
            const std::string text = RawRequest("INVITE", "sip:bob@example.com");
            ParseResult parsed = Parse(text);
            ASSERT_TRUE(parsed.Ok());
            const std::string ours = "Via: SIP/2.0/UDP 10.1.1.2:5060;branch=z9hG4bK"
                                     + ProxyCore::LoopHash(parsed.GetMessage(), proxyPeer)
                                     + ".1\r\n";
            std::string looped = text;
            const auto firstVia = looped.find("Via:");
            const auto afterVia = looped.find("\r\n", firstVia) + 2;
            looped.insert(afterVia, ours);
            raw.SendAt(at, looped, proxyStack->GetLocalAddress());
            break;
        }
        case profile::TOO_MANY_HOPS:
            raw.SendAt(at, RawRequest("INVITE", "sip:bob@example.com", {}, 0),
                       proxyStack->GetLocalAddress());
            break;
        case profile::SERVER_ERROR:
            uas->script = {{503, {}}};
            Simulator::Schedule(at, [this]() { alice->MakeCall("sip:bob@example.com"); });
            break;
        case profile::NOT_IMPLEMENTED:
            raw.SendAt(at, RawRequest("FROBNICATE", "sip:bob@example.com"),
                       proxyStack->GetLocalAddress());
            break;
        case profile::VERSION_NOT_SUPPORTED:
            raw.SendAt(at, RawRequest("INVITE", "sip:bob@example.com", {}, 70, "SIP/7.0"),
                       proxyStack->GetLocalAddress());
            break;
        case profile::MALFORMED_REQUEST:
        {
            std::string bad = RawRequest("INVITE", "sip:bob@example.com");
            bad.replace(bad.find("CSeq: 1"), 7, "CSeq: x");
            raw.SendAt(at, bad, proxyStack->GetLocalAddress());
            break;
        }
        case profile::OVERLOAD:
        {
            // One worker, 1 s per INVITE, 503 from the second waiting request on: a burst of
            // five INVITEs at once gets 503s with Retry-After.
            queue = ns3::CreateObject<ProcessingQueue>();
            queue->SetAttribute("Workers", ns3::UintegerValue(1));
            queue->SetAttribute("InviteTime",
                                ns3::StringValue("ns3::ConstantRandomVariable[Constant=1.0]"));
            queue->SetAttribute("OverloadPolicy", ns3::StringValue("Reject503"));
            queue->SetAttribute("RejectThreshold", ns3::UintegerValue(1));
            queue->SetAttribute("RetryAfter", ns3::UintegerValue(7));
            queue->Install(proxyStack);
            for (int i = 0; i < 5; ++i)
            {
                raw.SendAt(at,
                           RawRequest("INVITE", "sip:bob@example.com", {}, 70, "SIP/2.0",
                                      "z9hG4bKburst" + std::to_string(i)),
                           proxyStack->GetLocalAddress());
            }
            break;
        }
        default:
            FAIL() << "row " << code << ": no test provokes "
                   << profile::ConditionText(row->generate());
    }
    Simulator::Stop(Seconds(80));
    Simulator::Run();

    const auto sent = ProxySent(status);
    switch (row->generate())
    {
        case profile::NEVER:
            EXPECT_EQ(GeneratedCount(status), 0u);
            EXPECT_EQ(generatedWhileForwarding, 0u);
            EXPECT_EQ(proxy->GetCore()->GetCounters().generated.count(status), 0u);
            break;
        case profile::MALFORMED_REQUEST:
        case profile::VERSION_NOT_SUPPORTED:
            // The parser's stateless answer (RFC 3261 8.2, 21.4.1, 21.5.6).
            ASSERT_EQ(raw.received.size(), 1u);
            EXPECT_EQ(raw.received[0].bytes.rfind("SIP/2.0 " + std::to_string(code) + " ", 0), 0u)
                << raw.received[0].bytes;
            EXPECT_EQ(sent.size(), 1u);
            break;
        case profile::OVERLOAD:
        {
            // The first INVITE is served; those waiting past the threshold are rejected.
            std::vector<std::string> rejects;
            for (const auto& d : raw.received)
            {
                if (d.bytes.rfind("SIP/2.0 503 ", 0) == 0)
                {
                    rejects.push_back(d.bytes);
                }
            }
            ASSERT_GE(rejects.size(), 1u);
            EXPECT_NE(rejects[0].find("Retry-After: 7"), std::string::npos) << rejects[0];
            EXPECT_GE(queue->GetCounters().rejected503, rejects.size());
            break;
        }
        default:
        {
            ASSERT_GE(sent.size(), 1u) << "the proxy did not send " << code;
            EXPECT_GE(GeneratedCount(status), 1u) << "generated by the proxy core";
            const Message& first = sent[0].message;
            switch (row->generate())
            {
                case profile::TRYING:
                {
                    // At once: the 100 leaves when the INVITE arrives (RFC 3261 16.2).
                    const auto invite = trace.Select(
                        proxyStack->GetNodeId(), Direction::Rx,
                        [](const TracedMessage& m) { return m.IsRequest("INVITE"); });
                    ASSERT_FALSE(invite.empty());
                    EXPECT_EQ(sent[0].at, invite[0].at);
                    break;
                }
                case profile::BRANCH_TIMEOUT:
                {
                    // Timer B: 64*T1 after the proxy forwarded the INVITE.
                    const auto forwarded = trace.Select(
                        proxyStack->GetNodeId(), Direction::Tx, [](const TracedMessage& m) {
                            return m.IsRequest("INVITE") && !m.retransmission;
                        });
                    ASSERT_FALSE(forwarded.empty());
                    EXPECT_EQ(sent[0].at, forwarded[0].at + Seconds(32));
                    EXPECT_EQ(aliceEvents.names.back(), "failed 408");
                    break;
                }
                case profile::REQUEST_ACCEPTED:
                {
                    size_t register200 = 0;
                    size_t cancel200 = 0;
                    for (const auto& m : sent)
                    {
                        register200 += m.message.GetCSeq()->method == "REGISTER" ? 1 : 0;
                        cancel200 += m.message.GetCSeq()->method == "CANCEL" ? 1 : 0;
                    }
                    EXPECT_EQ(register200, 1u);
                    EXPECT_EQ(cancel200, 1u);
                    EXPECT_EQ(AliceGot(487).size(), 1u) << "the UAS's 487 after the CANCEL";
                    break;
                }
                case profile::REDIRECT_ONE:
                    EXPECT_EQ(first.FindHeader(HeaderId::Contact).value_or(""),
                              "<sip:bob@10.1.2.2:5070>");
                    EXPECT_EQ(uas->Count("INVITE"), 0u) << "redirected, not proxied";
                    break;
                case profile::REDIRECT_SEVERAL:
                {
                    const std::string contacts = first.Serialize();
                    EXPECT_NE(contacts.find("sip:bob@10.1.2.2:5070"), std::string::npos)
                        << contacts;
                    EXPECT_NE(contacts.find("sip:bob@10.1.2.2:5071"), std::string::npos)
                        << contacts;
                    EXPECT_LT(contacts.find("5070"), contacts.find("5071")) << "highest q first";
                    break;
                }
                case profile::REGISTRAR_CHALLENGE:
                    EXPECT_EQ(first.FindHeader(HeaderId::WwwAuthenticate)
                                  .value_or("")
                                  .rfind("Digest ", 0),
                              0u);
                    EXPECT_EQ(aliceEvents.names, (std::vector<std::string>{"registered"}));
                    break;
                case profile::REGISTRAR_FORBIDDEN:
                    EXPECT_EQ(aliceEvents.names,
                              (std::vector<std::string>{"registration-failed 403"}));
                    break;
                case profile::PROXY_CHALLENGE:
                    EXPECT_EQ(first.FindHeader(HeaderId::ProxyAuthenticate)
                                  .value_or("")
                                  .rfind("Digest ", 0),
                              0u);
                    EXPECT_EQ(uas->Count("INVITE"), 1u) << "forwarded once authenticated";
                    EXPECT_NE(
                        std::find(aliceEvents.names.begin(), aliceEvents.names.end(), "answered"),
                        aliceEvents.names.end());
                    break;
                case profile::PREAUTH_FAILED:
                    EXPECT_EQ(GeneratedCount(407), 1u);
                    EXPECT_EQ(uas->Count("INVITE"), 0u);
                    EXPECT_EQ(aliceEvents.names.back(), "failed 480");
                    break;
                case profile::METHOD_NOT_ALLOWED:
                    EXPECT_TRUE(first.FindHeader(HeaderId::Allow).has_value());
                    break;
                case profile::BAD_EXTENSION:
                    EXPECT_EQ(first.FindHeader(HeaderId::Unsupported).value_or(""),
                              "com.example.unknown");
                    break;
                case profile::SERVER_ERROR:
                    EXPECT_TRUE(AliceGot(503).empty());
                    EXPECT_EQ(AliceGot(500).size(), 1u);
                    std::filesystem::remove(tempProfile);
                    break;
                default:
                    break;
            }
            break;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(CiscoSps, ProxyRowTest, ::testing::ValuesIn(TableRows()),
                         [](const ::testing::TestParamInfo<uint32_t>& row) {
                             return "row_" + std::to_string(row.param);
                         });

TEST(ProxyRowCount, OneTestPerProfileRow)
{
    const auto* unit = ::testing::UnitTest::GetInstance();
    int registered = -1;
    for (int i = 0; i < unit->total_test_suite_count(); ++i)
    {
        if (std::string(unit->GetTestSuite(i)->name()) == "CiscoSps/ProxyRowTest")
        {
            registered = unit->GetTestSuite(i)->total_test_count();
        }
    }
    const auto p = LoadSps();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(registered, p->rows_size());
    EXPECT_EQ(registered, 46);
}

} // namespace
} // namespace sipsim::test

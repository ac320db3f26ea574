/*
 * One test per row of each phone profile's vendor table, generated from the profile: the
 * instances are the profile's rows (cisco-sip-phone: release 6.x and 7.x; cisco-sip-phone-
 * earlier: the earlier guide), and what each test checks is what the row says.
 *
 * Each test runs one simulation on phone (10.1.1.1) - far end (10.1.1.2):
 * - on receipt (from 1 s): alice on the phone calls bob on the far end, which answers her
 *   INVITEs with the row's code as the row's action needs (a challenge for 401/407, a
 *   Retry-After for 413, ...). The test checks the ACK on the wire and what alice
 *   experiences (DeviceEvents: notification, tone, retry) against the row's receipt, or the
 *   profile's default receipt when the row has none. A retry row gets a second call at 30 s
 *   whose retry also fails, to check the row's `otherwise`.
 * - generated (from 100 s): the condition of the row's generate field is provoked (a malformed
 *   request, an unknown callee, an INVITE left ringing past its Expires) and the phone must
 *   send the row's code, exactly once and at the right time; a row the phone never generates
 *   must not appear among the phone's responses in the whole run.
 */
#include "integration/node/phone-test-support.h"
#include "message/sip-parser.h"
#include "ua/ua-messages.h"

#include <ns3/double.h>

namespace sipsim::test {
namespace {

using ns3::Seconds;
using ns3::Simulator;
using ns3::Time;

const std::string kSource = SIPSIM_SOURCE_DIR;

struct RowCase
{
    std::string profile;
    uint32_t code;
};

void
PrintTo(const RowCase& c, std::ostream* os)
{
    *os << c.profile << " row " << c.code;
}

std::shared_ptr<const profile::DeviceProfile>
LoadShipped(const std::string& name)
{
    std::string error;
    auto p = profile::LoadProfile(kSource + "/profiles/" + name + ".textproto", &error);
    if (!p)
    {
        ADD_FAILURE() << error;
    }
    return p;
}

/// The test instances: one per row of the profile's vendor table.
std::vector<RowCase>
RowsOf(const std::string& name)
{
    std::vector<RowCase> rows;
    if (const auto p = LoadShipped(name))
    {
        for (const auto& row : p->rows())
        {
            rows.push_back({name, row.code()});
        }
    }
    return rows;
}

std::string
CaseName(const ::testing::TestParamInfo<RowCase>& info)
{
    return "row_" + std::to_string(info.param.code);
}

bool
IsRetry(profile::ReceiptAction action)
{
    return action == profile::RETRY_WITH_CREDENTIALS || action == profile::RETRY_AFTER
           || action == profile::RESEND_WITH_CONTENT_LENGTH;
}

/// The events a user experiences for a receipt: notification, tone, then the call cleared.
std::vector<std::string>
ExpectedReceiptEvents(const profile::Receipt& receipt, uint32_t code)
{
    std::vector<std::string> out;
    const std::string status = " " + std::to_string(code);
    if (receipt.notify_user())
    {
        out.push_back("Notification" + status);
    }
    if (receipt.tone() != profile::TONE_UNSPECIFIED)
    {
        out.push_back("Tone " + std::string(profile::ToneText(receipt.tone())) + status);
    }
    out.push_back("Cleared" + status);
    return out;
}

class PhoneRowTest
    : public PhonePairTest
    , public ::testing::WithParamInterface<RowCase>
{
  protected:
    /// The far end's answer to one INVITE for the row's code (with what the action needs).
    FarEnd::Step Answer(uint32_t code, bool withRetryAfter = true) const
    {
        FarEnd::Step step;
        step.code = static_cast<uint16_t>(code);
        if (code == 401)
        {
            step.headers = {{"WWW-Authenticate", "Digest realm=\"far.example\", nonce=\"n401-"
                                                     + std::to_string(m_nonce++)
                                                     + "\", algorithm=MD5, qop=\"auth\""}};
        }
        else if (code == 407)
        {
            step.headers = {{"Proxy-Authenticate", "Digest realm=\"far.example\", nonce=\"n407-"
                                                       + std::to_string(m_nonce++)
                                                       + "\", algorithm=MD5, qop=\"auth\""}};
        }
        else if (code == 413 && withRetryAfter)
        {
            step.headers = {{"Retry-After", "5"}};
        }
        return step;
    }

    /// The events of alice's first call placed at or after `from`.
    std::vector<std::string> CallEvents(Time from) const
    {
        std::vector<std::string> out;
        uint32_t call = 0;
        for (const auto& e : events.entries)
        {
            if (e.event.user != "sip:alice@10.1.1.1")
            {
                continue;
            }
            if (call == 0)
            {
                if (e.event.kind == DeviceEventKind::CallPlaced && e.at >= from)
                {
                    call = e.event.call;
                }
                continue;
            }
            if (e.event.call != call)
            {
                continue;
            }
            out.push_back(EventLog::Describe(e.event));
        }
        return out;
    }

    mutable int m_nonce = 1;
};

TEST_P(PhoneRowTest, BehavesAsTheRowSays)
{
    const RowCase c = GetParam();
    const auto p = LoadShipped(c.profile);
    ASSERT_NE(p, nullptr);
    const profile::ResponseRow* row = profile::FindRow(*p, c.code);
    ASSERT_NE(row, nullptr);
    ASSERT_TRUE(profile::IsTableRow(*p, c.code));
    const profile::Receipt receipt = profile::ReceiptFor(*p, c.code);
    const bool retry = IsRetry(receipt.action());
    const bool expiresRow = row->generate() == profile::INVITE_EXPIRED;
    // The 401 rows speak of registration: REGISTER goes to a registrar that challenges.
    const bool registrationRow = c.code == 401;
    registrarPort = 5070;

    Build(c.profile, [&](SipPhoneHelper& helper) {
        helper.SetAttribute("HoldingTime",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=5]"));
        helper.SetAttribute("AnswerDelay",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=1]"));
        if (expiresRow)
        {
            helper.SetAttribute("AnswerProbability", ns3::DoubleValue(0.0));
        }
    });

    // --- on receipt -------------------------------------------------------------------------
    if (receipt.action() == profile::RETRY_WITH_CREDENTIALS
        || receipt.action() == profile::RESEND_WITH_CONTENT_LENGTH)
    {
        // Call 1: the row's response, then 200 to the retry. Call 2: the retry fails too.
        far.script = {Answer(c.code), FarEnd::Step{}, Answer(c.code), Answer(c.code)};
    }
    else if (receipt.action() == profile::RETRY_AFTER)
    {
        // Call 1: with Retry-After: 5, then 200. Call 2: without Retry-After.
        far.script = {Answer(c.code), FarEnd::Step{}, Answer(c.code, false)};
    }
    else
    {
        far.script = {Answer(c.code)};
    }
    Simulator::Schedule(Seconds(1), [this]() { phone->Call(0, "sip:bob@10.1.1.2"); });
    if (retry)
    {
        Simulator::Schedule(Seconds(30), [this]() { phone->Call(0, "sip:bob@10.1.1.2"); });
    }

    std::unique_ptr<RawRegistrar> registrar;
    if (registrationRow)
    {
        registrar = std::make_unique<RawRegistrar>(line->nodes.Get(1), 5070);
        Simulator::Schedule(Seconds(60), [this]() { phone->Register(0); });
    }

    // --- generated --------------------------------------------------------------------------
    RawUdp raw(line->nodes.Get(1), 5099);
    switch (row->generate())
    {
        case profile::MALFORMED_REQUEST:
            // A request the parser rejects (no Call-ID), and an INVITE whose SDP does not parse.
            raw.SendAt(Seconds(100),
                       "INVITE sip:alice@10.1.1.1 SIP/2.0\r\n"
                       "Via: SIP/2.0/UDP 10.1.1.2:5099;branch=z9hG4bKraw1\r\n"
                       "From: <sip:raw@10.1.1.2>;tag=r1\r\nTo: <sip:alice@10.1.1.1>\r\n"
                       "CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
                       line->First());
            Simulator::Schedule(Seconds(110), [this]() {
                bobUa->MakeCall("sip:alice@10.1.1.1", "v=0\r\nthis is not SDP\r\n");
            });
            break;
        case profile::UNKNOWN_CALLEE:
            Simulator::Schedule(
                Seconds(100), [this]() { bobUa->MakeCall("sip:nobody@10.1.1.1", FarEnd::Sdp()); });
            break;
        case profile::INVITE_EXPIRED:
            Simulator::Schedule(Seconds(100),
                                [this]() { bobUa->MakeCall("sip:alice@10.1.1.1", FarEnd::Sdp()); });
            break;
        case profile::NEVER:
            break;
        default:
            FAIL() << "row " << c.code << ": no test provokes "
                   << profile::ConditionText(row->generate());
    }
    Simulator::Stop(Seconds(400));
    Simulator::Run();

    // --- check on receipt -------------------------------------------------------------------
    const auto rejected = Messages(farStack, Direction::Tx, [&](const TracedMessage& m) {
        return IsInviteResponse(m, static_cast<uint16_t>(c.code));
    });
    ASSERT_FALSE(rejected.empty()) << "the far end never answered " << c.code;
    // Every final response to an INVITE is ACKed (RFC 3261 17.1.1.3): the row's "graceful
    // disconnect" clears the call after it.
    const auto acks = Messages(phoneStack, Direction::Tx,
                               [](const TracedMessage& m) { return m.IsRequest("ACK"); });
    EXPECT_GE(acks.size(), rejected.size());

    if (!retry)
    {
        EXPECT_EQ(CallEvents(Seconds(1)), ExpectedReceiptEvents(receipt, c.code))
            << "profile " << c.profile << " row " << c.code << ": "
            << profile::ActionText(receipt.action());
        EXPECT_EQ(far.invites.size(), 1u) << "no retry for " << c.code;
    }
    else
    {
        // Call 1: retried as the row says, then answered, then hung up after 5 s.
        const std::string retried = receipt.action() == profile::RETRY_WITH_CREDENTIALS
                                        ? ""
                                        : "Retry " + std::to_string(c.code);
        std::vector<std::string> first;
        if (!retried.empty())
        {
            first.push_back(retried);
        }
        first.insert(first.end(), {"Tone ringback 180", "Answered", "Cleared"});
        EXPECT_EQ(CallEvents(Seconds(1)), first);
        ASSERT_GE(far.invites.size(), 2u);
        const Message& a = far.invites[0];
        const Message& b = far.invites[1];
        EXPECT_EQ(a.GetCallId(), b.GetCallId());
        EXPECT_EQ(b.GetCSeq()->number, a.GetCSeq()->number + 1);
        switch (receipt.action())
        {
            case profile::RETRY_WITH_CREDENTIALS:
            {
                const HeaderId header
                    = c.code == 401 ? HeaderId::Authorization : HeaderId::ProxyAuthorization;
                EXPECT_FALSE(a.HasHeader(header));
                ASSERT_TRUE(b.HasHeader(header));
                EXPECT_EQ(b.FindHeader(header)->rfind("Digest ", 0), 0u) << *b.FindHeader(header);
                EXPECT_NE(b.FindHeader(header)->find("username=\"alice\""), std::string::npos);
                break;
            }
            case profile::RESEND_WITH_CONTENT_LENGTH:
                ASSERT_TRUE(b.HasHeader(HeaderId::ContentLength));
                EXPECT_EQ(*b.FindHeader(HeaderId::ContentLength),
                          std::to_string(b.GetBody().size()));
                EXPECT_FALSE(b.GetBody().empty());
                // At once: the retry leaves when the response arrives.
                {
                    // At once: the resend leaves the phone when the 411 arrives.
                    const auto got
                        = Messages(phoneStack, Direction::Rx, [&](const TracedMessage& m) {
                              return IsInviteResponse(m, static_cast<uint16_t>(c.code));
                          });
                    const auto resent
                        = Messages(phoneStack, Direction::Tx,
                                   [](const TracedMessage& m) { return m.IsRequest("INVITE"); });
                    ASSERT_FALSE(got.empty());
                    ASSERT_GE(resent.size(), 2u);
                    EXPECT_EQ(resent[1].at, got[0].at);
                }
                break;
            case profile::RETRY_AFTER:
            {
                // Exactly Retry-After (5 s) after the 413 reached the phone.
                const auto got = Messages(phoneStack, Direction::Rx, [&](const TracedMessage& m) {
                    return IsInviteResponse(m, static_cast<uint16_t>(c.code));
                });
                ASSERT_FALSE(got.empty());
                const auto resent = Messages(phoneStack, Direction::Tx, [](const TracedMessage& m) {
                    return m.IsRequest("INVITE");
                });
                ASSERT_GE(resent.size(), 2u);
                EXPECT_EQ(resent[1].at - got[0].at, Seconds(5));
                break;
            }
            default:
                break;
        }
        // Call 2: the retry is not possible (no Retry-After) or fails again (a second 411,
        // a second challenge after the credentials): the row's `otherwise`.
        std::vector<std::string> second;
        if (receipt.action() == profile::RESEND_WITH_CONTENT_LENGTH)
        {
            second.push_back("Retry " + std::to_string(c.code));
        }
        const auto otherwise = ExpectedReceiptEvents(receipt.otherwise(), c.code);
        second.insert(second.end(), otherwise.begin(), otherwise.end());
        EXPECT_EQ(CallEvents(Seconds(30)), second) << "otherwise of row " << c.code;
    }

    if (registrationRow)
    {
        // "If a 401 Unauthorized response is received during registration, the phone ...
        // sends a new request that contains the user's authentication information."
        ASSERT_EQ(registrar->registers.size(), 2u);
        EXPECT_FALSE(registrar->registers[0].HasHeader(HeaderId::Authorization));
        ASSERT_TRUE(registrar->registers[1].HasHeader(HeaderId::Authorization));
        EXPECT_NE(registrar->registers[1]
                      .FindHeader(HeaderId::Authorization)
                      ->find("nonce=\"reg-nonce\""),
                  std::string::npos);
        EXPECT_EQ(registrar->registers[1].GetCallId(), registrar->registers[0].GetCallId());
        EXPECT_EQ(registrar->registers[1].GetCSeq()->number,
                  registrar->registers[0].GetCSeq()->number + 1);
        const auto* registered = events.Find(DeviceEventKind::Registered);
        ASSERT_NE(registered, nullptr);
        EXPECT_GT(registered->at, Seconds(60));
    }

    // --- check generated --------------------------------------------------------------------
    const auto sent = Messages(phoneStack, Direction::Tx, [&](const TracedMessage& m) {
        return m.IsResponse(static_cast<uint16_t>(c.code));
    });
    switch (row->generate())
    {
        case profile::NEVER:
            EXPECT_EQ(sent.size(), 0u) << "the profile says the phone never sends " << c.code;
            EXPECT_EQ(PhoneSent(static_cast<uint16_t>(c.code)), 0u);
            break;
        case profile::MALFORMED_REQUEST:
        {
            // The stateless answer to the raw request, and the phone's answer to the bad SDP.
            ASSERT_EQ(raw.received.size(), 1u);
            EXPECT_EQ(raw.received[0].bytes.rfind("SIP/2.0 " + std::to_string(c.code) + " ", 0), 0u)
                << raw.received[0].bytes;
            EXPECT_EQ(sent.size(), 2u);
            const auto byBob = Messages(farStack, Direction::Rx, [&](const TracedMessage& m) {
                return IsInviteResponse(m, static_cast<uint16_t>(c.code));
            });
            EXPECT_EQ(byBob.size(), 1u) << "the INVITE with a bad SDP body is answered " << c.code;
            break;
        }
        case profile::UNKNOWN_CALLEE:
            ASSERT_EQ(sent.size(), 1u);
            EXPECT_EQ(sent[0].message.GetCSeq()->method, "INVITE");
            break;
        case profile::INVITE_EXPIRED:
        {
            // The fail-safe: exactly the profile's INVITE Expires after the INVITE arrived.
            const auto invite = Messages(phoneStack, Direction::Rx, [](const TracedMessage& m) {
                return m.IsRequest("INVITE");
            });
            ASSERT_EQ(invite.size(), 1u);
            ASSERT_EQ(sent.size(), 1u);
            EXPECT_EQ(sent[0].at - invite[0].at, Seconds(p->settings().invite_expires_s()));
            EXPECT_NE(events.Find(DeviceEventKind::Rejected, static_cast<uint16_t>(c.code)),
                      nullptr);
            break;
        }
        default:
            break;
    }
}

INSTANTIATE_TEST_SUITE_P(CiscoSipPhone, PhoneRowTest,
                         ::testing::ValuesIn(RowsOf("cisco-sip-phone")), CaseName);
INSTANTIATE_TEST_SUITE_P(CiscoSipPhoneEarlier, PhoneRowTest,
                         ::testing::ValuesIn(RowsOf("cisco-sip-phone-earlier")), CaseName);

/// As many row tests as the profiles have rows (and so as the seed tables: see
/// tests/unit/profile).
TEST(PhoneRowCount, OneTestPerProfileRow)
{
    const auto* unit = ::testing::UnitTest::GetInstance();
    std::map<std::string, int> registered;
    for (int i = 0; i < unit->total_test_suite_count(); ++i)
    {
        const auto* suite = unit->GetTestSuite(i);
        registered[suite->name()] = suite->total_test_count();
    }
    for (const auto& [suite, name] : std::vector<std::pair<std::string, std::string>>{
             {"CiscoSipPhone/PhoneRowTest", "cisco-sip-phone"},
             {"CiscoSipPhoneEarlier/PhoneRowTest", "cisco-sip-phone-earlier"}})
    {
        const auto p = LoadShipped(name);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(registered[suite], p->rows_size()) << suite;
    }
    EXPECT_EQ(registered["CiscoSipPhone/PhoneRowTest"], 15);
    EXPECT_EQ(registered["CiscoSipPhoneEarlier/PhoneRowTest"], 8);
}

} // namespace
} // namespace sipsim::test

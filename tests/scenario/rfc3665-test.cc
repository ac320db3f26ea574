/*
 * Tier 3: the basic call flows of RFC 3665 as shipped scenarios (scenarios/rfc3665/). Each runs
 * with `sipsim run`, and the messages of its first call (sender, receiver, method or status,
 * read from the trace: a sent record and the matching received one) must be the RFC's figure.
 * Allowed variations are written down in scenarios/rfc3665/README.md.
 */
#include "scenario.pb.h"
#include "support/sipsim-command.h"
#include "trace/trace-file.h"

#include <filesystem>
#include <fstream>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kSource = SIPSIM_SOURCE_DIR;
const std::string kSipsim = SIPSIM_BINARY;

/**
 * "alice -> bob INVITE" for every message of the run's first dialog or registration that
 * starts with a `method` request (its Call-ID), in the order sent. A sent message is matched
 * with the next received one of the same kind, CSeq and top Via branch (a hop's copy). With
 * `pcaps`, the run also writes pcaps, and their bytes are returned there (the messages' text, to
 * check a header).
 */
std::vector<std::string>
FirstCallLadder(const std::string& scenario, const std::string& method = "INVITE",
                std::string* pcaps = nullptr)
{
    const fs::path out
        = fs::temp_directory_path() / ("sipsim-rfc3665-" + std::to_string(::getpid()));
    fs::remove_all(out);
    const auto r = sipsim::test::RunCommand(kSipsim, "run " + scenario + " --no-progress --out "
                                                         + out.string()
                                                         + (pcaps != nullptr ? " --pcap" : ""));
    EXPECT_EQ(r.exit, 0) << r.output;
    const auto trace = sipsim::trace::ReadTrace(out.string() + "/trace.pb");
    if (pcaps != nullptr)
    {
        for (const auto& entry : fs::directory_iterator(out))
        {
            if (entry.path().extension() == ".pcap")
            {
                std::ifstream in(entry.path(), std::ios::binary);
                pcaps->append(std::istreambuf_iterator<char>(in), {});
            }
        }
    }
    fs::remove_all(out);
    EXPECT_TRUE(trace.ok) << trace.error;
    if (!trace.ok || trace.records.empty())
    {
        return {};
    }
    // Node ids follow the topology's order (inline nodes).
    sipsim::scenario::Scenario s;
    google::protobuf::TextFormat::ParseFromString(trace.header.effective_scenario_text(), &s);
    const auto name = [&s](uint32_t node) {
        return node < static_cast<uint32_t>(s.topology().nodes_size())
                   ? s.topology().nodes(static_cast<int>(node)).name()
                   : "node" + std::to_string(node);
    };
    std::vector<const sipsim::trace::Message*> messages;
    std::string callId;
    for (const auto& record : trace.records)
    {
        if (!record.has_message())
        {
            continue;
        }
        const auto& m = record.message();
        if (callId.empty() && m.tx() && m.method() == method)
        {
            callId = m.call_id();
        }
        if (!callId.empty() && m.call_id() == callId)
        {
            messages.push_back(&m);
        }
    }
    std::vector<bool> used(messages.size(), false);
    std::vector<std::string> ladder;
    for (size_t i = 0; i < messages.size(); ++i)
    {
        const auto& m = *messages[i];
        if (!m.tx())
        {
            continue;
        }
        std::string receiver = "?";
        for (size_t j = i + 1; j < messages.size(); ++j)
        {
            const auto& rx = *messages[j];
            if (!used[j] && !rx.tx() && rx.method() == m.method() && rx.status() == m.status()
                && rx.cseq() == m.cseq() && rx.cseq_method() == m.cseq_method()
                && rx.branch() == m.branch())
            {
                used[j] = true;
                receiver = name(rx.node());
                break;
            }
        }
        ladder.push_back(name(m.node()) + " -> " + receiver + " "
                         + (m.method().empty() ? std::to_string(m.status()) : m.method()));
    }
    return ladder;
}

using Ladder = std::vector<std::string>;

// RFC 3665 3.1, Figure: F1 INVITE, F2 180, F3 200, F4 ACK, F5 BYE (from Bob), F6 200.
TEST(Rfc3665, DirectSessionEstablishment31)
{
    EXPECT_EQ(FirstCallLadder(kSource + "/scenarios/rfc3665/3.1-direct-session.textproto"),
              (Ladder{"alice -> bob INVITE", "bob -> alice 180", "bob -> alice 200",
                      "alice -> bob ACK", "bob -> alice BYE", "alice -> bob 200"}));
}

// RFC 3665 2.1: F1 REGISTER, F2 401, F3 REGISTER (with credentials), F4 200.
TEST(Rfc3665, SuccessfulNewRegistration21)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/2.1-new-registration.textproto", "REGISTER"),
        (Ladder{"bob -> registrar REGISTER", "registrar -> bob 401", "bob -> registrar REGISTER",
                "registrar -> bob 200"}));
}

// RFC 3665 3.2: F1 INVITE, F2 407, F3 ACK, F4 INVITE, F5 INVITE to proxy 2 and F6 100 (here
// the 100 first: README), F7 INVITE to Bob and F8 100 (likewise), F9-F11 180, F12-F14 200,
// F15-F17 ACK (record-routed), F18-F20 BYE from Bob, F21-F23 200.
TEST(Rfc3665, SessionThroughTwoProxies32)
{
    EXPECT_EQ(FirstCallLadder(kSource + "/scenarios/rfc3665/3.2-two-proxies.textproto"),
              (Ladder{"alice -> proxy1 INVITE", "proxy1 -> alice 407",  "alice -> proxy1 ACK",
                      "alice -> proxy1 INVITE", "proxy1 -> alice 100",  "proxy1 -> proxy2 INVITE",
                      "proxy2 -> proxy1 100",   "proxy2 -> bob INVITE", "bob -> proxy2 180",
                      "proxy2 -> proxy1 180",   "proxy1 -> alice 180",  "bob -> proxy2 200",
                      "proxy2 -> proxy1 200",   "proxy1 -> alice 200",  "alice -> proxy1 ACK",
                      "proxy1 -> proxy2 ACK",   "proxy2 -> bob ACK",    "bob -> proxy2 BYE",
                      "proxy2 -> proxy1 BYE",   "proxy1 -> alice BYE",  "alice -> proxy1 200",
                      "proxy1 -> proxy2 200",   "proxy2 -> bob 200"}));
}

// RFC 3665 3.3: F1-F3 407 from proxy 1 and its ACK, F4 INVITE, F5/F6 forwarded and 100,
// F7 407 from proxy 2, F8 its ACK, F9 407 passed to Alice, F10 ACK, F11 INVITE with both
// credentials, then as in 3.2.
TEST(Rfc3665, MultipleProxyAuthentication33)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/3.3-multiple-proxy-auth.textproto"),
        (Ladder{"alice -> proxy1 INVITE",  "proxy1 -> alice 407",    "alice -> proxy1 ACK",
                "alice -> proxy1 INVITE",  "proxy1 -> alice 100",    "proxy1 -> proxy2 INVITE",
                "proxy2 -> proxy1 407",    "proxy1 -> proxy2 ACK",   "proxy1 -> alice 407",
                "alice -> proxy1 ACK",     "alice -> proxy1 INVITE", "proxy1 -> alice 100",
                "proxy1 -> proxy2 INVITE", "proxy2 -> proxy1 100",   "proxy2 -> bob INVITE",
                "bob -> proxy2 180",       "proxy2 -> proxy1 180",   "proxy1 -> alice 180",
                "bob -> proxy2 200",       "proxy2 -> proxy1 200",   "proxy1 -> alice 200",
                "alice -> proxy1 ACK",     "proxy1 -> proxy2 ACK",   "proxy2 -> bob ACK",
                "bob -> proxy2 BYE",       "proxy2 -> proxy1 BYE",   "proxy1 -> alice BYE",
                "alice -> proxy1 200",     "proxy1 -> proxy2 200",   "proxy2 -> bob 200"}));
}

// RFC 3665 3.8 (two proxies): F1-F5 INVITE and 100s (README: the 100 first), F6-F8 180,
// F9-F14 CANCEL and its 200 hop by hop, F15-F20 487 and its ACK hop by hop.
TEST(Rfc3665, UnsuccessfulNoAnswer38)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/3.8-no-answer.textproto"),
        (Ladder{"alice -> proxy1 INVITE", "proxy1 -> alice 100",     "proxy1 -> proxy2 INVITE",
                "proxy2 -> proxy1 100",   "proxy2 -> bob INVITE",    "bob -> proxy2 180",
                "proxy2 -> proxy1 180",   "proxy1 -> alice 180",     "alice -> proxy1 CANCEL",
                "proxy1 -> alice 200",    "proxy1 -> proxy2 CANCEL", "proxy2 -> proxy1 200",
                "proxy2 -> bob CANCEL",   "bob -> proxy2 200",       "bob -> proxy2 487",
                "proxy2 -> bob ACK",      "proxy2 -> proxy1 487",    "proxy1 -> proxy2 ACK",
                "proxy1 -> alice 487",    "alice -> proxy1 ACK"}));
}

// RFC 3665 3.9 (two proxies, TCP): F1-F5 INVITE and 100s, F6 486 from Bob, F7 ACK, F8 486,
// F9 ACK, F10 486 to Alice, F11 ACK.
// RFC 3665 3.4: F1-F7 the INVITE to Proxy 1 and its six retransmissions, received by nobody
// ("?": Proxy 1 is down), F8 the same INVITE to Proxy 2 when Timer B fires, F9 407, F10 ACK,
// F11 INVITE with credentials, F12 to Bob, F13 100, F14-F15 180, F16-F17 200, F18-F19 ACK,
// F20-F21 BYE from Bob, F22-F23 200 (the 100 before F12: README).
TEST(Rfc3665, SuccessfulSessionWithProxyFailure34)
{
    Ladder expected(7, "alice -> ? INVITE");
    for (const char* m :
         {"alice -> proxy2 INVITE", "proxy2 -> alice 407", "alice -> proxy2 ACK",
          "alice -> proxy2 INVITE", "proxy2 -> alice 100", "proxy2 -> bob INVITE",
          "bob -> proxy2 180", "proxy2 -> alice 180", "bob -> proxy2 200", "proxy2 -> alice 200",
          "alice -> proxy2 ACK", "proxy2 -> bob ACK", "bob -> proxy2 BYE", "proxy2 -> alice BYE",
          "alice -> proxy2 200", "proxy2 -> bob 200"})
    {
        expected.push_back(m);
    }
    EXPECT_EQ(FirstCallLadder(kSource + "/scenarios/rfc3665/3.4-proxy-failure.textproto"),
              expected);
}

TEST(Rfc3665, UnsuccessfulBusy39)
{
    EXPECT_EQ(FirstCallLadder(kSource + "/scenarios/rfc3665/3.9-busy.textproto"),
              (Ladder{"alice -> proxy1 INVITE", "proxy1 -> alice 100", "proxy1 -> proxy2 INVITE",
                      "proxy2 -> proxy1 100", "proxy2 -> bob INVITE", "bob -> proxy2 486",
                      "proxy2 -> bob ACK", "proxy2 -> proxy1 486", "proxy1 -> proxy2 ACK",
                      "proxy1 -> alice 486", "alice -> proxy1 ACK"}));
}

// RFC 3665 3.10: F1-F5 INVITE and 100s, F4 and F6-F11 the INVITE to Bob and its six
// retransmissions, received by nobody ("?": Bob's node is down), F12 the final response from
// Proxy 2 (408 here, 480 in the figure: README), F13 ACK, F14 to Alice, F15 ACK.
TEST(Rfc3665, UnsuccessfulNoResponse310)
{
    EXPECT_EQ(FirstCallLadder(kSource + "/scenarios/rfc3665/3.10-no-response.textproto"),
              (Ladder{"alice -> proxy1 INVITE", "proxy1 -> alice 100", "proxy1 -> proxy2 INVITE",
                      "proxy2 -> proxy1 100", "proxy2 -> ? INVITE", "proxy2 -> ? INVITE",
                      "proxy2 -> ? INVITE", "proxy2 -> ? INVITE", "proxy2 -> ? INVITE",
                      "proxy2 -> ? INVITE", "proxy2 -> ? INVITE", "proxy2 -> proxy1 408",
                      "proxy1 -> proxy2 ACK", "proxy1 -> alice 408", "alice -> proxy1 ACK"}));
}

// RFC 3665 3.11: F1-F5 INVITE and 100s, F6-F8 180, F9 480 from Bob (its ring timeout), F10
// ACK, F11 480, F12 ACK, F13 480 to Alice, F14 ACK.
TEST(Rfc3665, UnsuccessfulTemporarilyUnavailable311)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/3.11-temporarily-unavailable.textproto"),
        (Ladder{"alice -> proxy1 INVITE", "proxy1 -> alice 100", "proxy1 -> proxy2 INVITE",
                "proxy2 -> proxy1 100", "proxy2 -> bob INVITE", "bob -> proxy2 180",
                "proxy2 -> proxy1 180", "proxy1 -> alice 180", "bob -> proxy2 480",
                "proxy2 -> bob ACK", "proxy2 -> proxy1 480", "proxy1 -> proxy2 ACK",
                "proxy1 -> alice 480", "alice -> proxy1 ACK"}));
}

// RFC 3665 2.2 after 2.1: the 2.1 flow, then F1 REGISTER with the new contact alone (with the
// credentials of the last challenge) and F2 200 listing both contacts.
TEST(Rfc3665, UpdateOfContactList22)
{
    std::string pcaps;
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/2.2-update-contacts.textproto", "REGISTER",
                        &pcaps),
        (Ladder{"bob -> registrar REGISTER", "registrar -> bob 401", "bob -> registrar REGISTER",
                "registrar -> bob 200", "bob -> registrar REGISTER", "registrar -> bob 200"}));
    // F1's Contact is the mailto URI alone; F2 lists it with the phone's own contact.
    EXPECT_NE(pcaps.find("CSeq: 3 REGISTER\r\nContact: <mailto:bob1@biloxi.example>\r\n"
                         "Expires: 3600\r\nAuthorization: Digest"),
              std::string::npos);
    EXPECT_NE(pcaps.find("CSeq: 3 REGISTER\r\nContent-Length: 0\r\n"
                         "Contact: <mailto:bob1@biloxi.example>;expires=3600\r\n"
                         "Contact: <sip:bob1@10.1.1.1:5060>;expires=3596\r\n"),
              std::string::npos);
}

// RFC 3665 2.3 after 2.1: the 2.1 flow, then F1 REGISTER without Contact (with the
// credentials of the last challenge) and F2 200 with the contact list.
TEST(Rfc3665, RequestForCurrentContactList23)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/2.3-query-contacts.textproto", "REGISTER"),
        (Ladder{"bob -> registrar REGISTER", "registrar -> bob 401", "bob -> registrar REGISTER",
                "registrar -> bob 200", "bob -> registrar REGISTER", "registrar -> bob 200"}));
}

// RFC 3665 2.4 after 2.1: the 2.1 flow, then F1 REGISTER "Contact: *", "Expires: 0" (with the
// credentials of the last challenge) and F2 200.
TEST(Rfc3665, CancellationOfRegistration24)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/2.4-cancel-registration.textproto",
                        "REGISTER"),
        (Ladder{"bob -> registrar REGISTER", "registrar -> bob 401", "bob -> registrar REGISTER",
                "registrar -> bob 200", "bob -> registrar REGISTER", "registrar -> bob 200"}));
}

// RFC 3665 2.5: F1 REGISTER, F2 401, F3 REGISTER with wrong credentials, F4 401.
TEST(Rfc3665, UnsuccessfulRegistration25)
{
    EXPECT_EQ(
        FirstCallLadder(kSource + "/scenarios/rfc3665/2.5-unsuccessful-registration.textproto",
                        "REGISTER"),
        (Ladder{"bob -> registrar REGISTER", "registrar -> bob 401", "bob -> registrar REGISTER",
                "registrar -> bob 401"}));
}

} // namespace

/*
 * What the network may send a SipStack that is not a usable message: garbage, wrong versions,
 * malformed responses, requests without the headers RFC 3261 8.1.1 requires, and the RFC 4475
 * torture messages. None may crash the node; requests get the parser's answer statelessly
 * (RFC 3261 8.2, 8.2.6.2, 18.2.2), the rest is dropped; all of it is counted and traced.
 */
#include "transport-test-support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace sipsim::test {
namespace {

using namespace ns3;

using BadInput = TransportTest;

/// The server node's stack, a user answering 200, and a raw UDP socket on the client node.
struct Bench
{
    Line line{2};
    Ptr<SipStack> stack;
    std::unique_ptr<TestUser> user;
    std::unique_ptr<RawUdp> raw;
    TraceLog log;

    explicit Bench(uint16_t rawPort = 5070)
    {
        SipStackHelper helper;
        stack = helper.Install(line.nodes.Get(1));
        user = std::make_unique<TestUser>(stack, 200);
        raw = std::make_unique<RawUdp>(line.nodes.Get(0), rawPort);
        log.Connect(stack);
    }

    /// The datagrams the raw socket received, parsed.
    std::vector<Message> Answers() const
    {
        std::vector<Message> out;
        for (const RawUdp::Datagram& d : raw->received)
        {
            ParseResult r = Parse(d.bytes, Framing::Datagram);
            EXPECT_TRUE(r.Ok()) << (r.Ok() ? "" : r.GetError().what) << "\n" << d.bytes;
            if (r.Ok())
            {
                out.push_back(std::move(r.GetMessage()));
            }
        }
        return out;
    }
};

const char* const kHeaders = "Via: SIP/2.0/UDP 10.1.1.1:5070;branch=z9hG4bKbad;rport\r\n"
                             "Max-Forwards: 70\r\n"
                             "To: <sip:bob@10.1.1.2>\r\n"
                             "From: <sip:eve@10.1.1.1>;tag=e\r\n"
                             "Call-ID: bad@10.1.1.1\r\n"
                             "CSeq: 5 OPTIONS\r\n"
                             "Content-Length: 0\r\n\r\n";

TEST_F(BadInput, GarbageDatagramGetsTheParsersAnswerAtItsSource)
{
    Bench b;
    const std::string garbage = "this is not SIP at all";
    const std::string binary("\x00\x01\xff\xfe\r\n\r\n\x80", 9);
    b.raw->SendAt(Seconds(1), garbage, b.line.Last());
    b.raw->SendAt(Seconds(2), binary, b.line.Last());
    Simulator::Run();

    const ParseResult g = Parse(garbage);
    const ParseResult bin = Parse(binary);
    ASSERT_FALSE(g.Ok());
    ASSERT_FALSE(bin.Ok());
    const std::vector<Message> answers = b.Answers();
    ASSERT_EQ(answers.size(), 2u);
    EXPECT_EQ(answers[0].GetStatusCode(), g.GetError().answer);
    EXPECT_EQ(answers[0].GetStatusCode(), 400);
    EXPECT_EQ(answers[0].GetReasonPhrase(), g.GetError().answerReason);
    EXPECT_EQ(answers[1].GetStatusCode(), bin.GetError().answer);
    // Nothing to route by: the answer goes back where the datagram came from; the exact
    // time is one hop after the garbage reached the stack.
    ASSERT_EQ(b.log.parseErrors.size(), 2u);
    EXPECT_EQ(b.log.parseErrors[0].remote, PeerOf(b.line.First(), 5070));
    EXPECT_TRUE(b.log.parseErrors[0].answered);
    EXPECT_EQ(b.log.parseErrors[0].error.what, g.GetError().what);
    EXPECT_EQ(b.log.parseErrors[0].node, 1u);
    EXPECT_EQ(b.log.parseErrors[0].at,
              Seconds(1)
                  + UdpHopTime(static_cast<uint32_t>(garbage.size()), 1000000, MilliSeconds(5)));
    const auto tx = b.log.Select(1, Direction::Tx, [](const TracedMessage&) { return true; });
    ASSERT_EQ(tx.size(), 2u);
    EXPECT_EQ(b.raw->received[0].at,
              b.log.parseErrors[0].at + UdpHopTime(tx[0].size, 1000000, MilliSeconds(5)));
    EXPECT_EQ(b.stack->GetCounters().parseErrorsAnswered, 2u);
    EXPECT_EQ(b.stack->GetCounters().udpMessagesReceived, 0u);
    EXPECT_TRUE(b.user->requests.empty());
}

TEST_F(BadInput, WrongVersionGets505WithTheRequestsHeadersAndAToTag)
{
    Bench b;
    const std::string request = std::string("OPTIONS sip:bob@10.1.1.2 SIP/7.0\r\n") + kHeaders;
    b.raw->SendAt(Seconds(1), request, b.line.Last());
    Simulator::Run();

    const ParseResult expected = Parse(request);
    ASSERT_FALSE(expected.Ok());
    EXPECT_EQ(expected.GetError().answer, 505);
    const std::vector<Message> answers = b.Answers();
    ASSERT_EQ(answers.size(), 1u);
    const Message& a = answers[0];
    EXPECT_EQ(a.GetStatusCode(), 505);
    // RFC 3261 8.2.6.2: Via (stamped, 18.2.1), From, Call-ID, CSeq copied; To gets a tag.
    ASSERT_NE(a.GetTopVia(), nullptr);
    EXPECT_EQ(a.GetTopVia()->Branch(), "z9hG4bKbad");
    EXPECT_EQ(a.GetTopVia()->Received(), std::optional<std::string_view>("10.1.1.1"));
    EXPECT_EQ(a.GetTopVia()->Rport(), std::optional<std::string_view>("5070"));
    EXPECT_EQ(a.GetFrom()->Tag(), "e");
    ASSERT_NE(a.GetTo(), nullptr);
    EXPECT_FALSE(a.GetTo()->Tag().empty());
    EXPECT_EQ(a.GetCallId(), "bad@10.1.1.1");
    EXPECT_EQ(a.GetCSeq()->number, 5u);
    EXPECT_EQ(a.GetCSeq()->method, "OPTIONS");
    EXPECT_EQ(a.GetContentLength(), 0);
    ASSERT_EQ(b.log.parseErrors.size(), 1u);
    EXPECT_TRUE(b.log.parseErrors[0].answered);
    EXPECT_EQ(b.log.parseErrors[0].error.answer, 505);
}

TEST_F(BadInput, MalformedResponseAndBadAckAreDroppedSilently)
{
    Bench b;
    const std::string response = std::string("SIP/2.0 2000 Way Too Big\r\n") + kHeaders;
    std::string ack = std::string("ACK sip:bob@10.1.1.2 SIP/7.0\r\n") + kHeaders;
    ack.replace(ack.find("5 OPTIONS"), 9, "5 ACK");
    b.raw->SendAt(Seconds(1), response, b.line.Last());
    b.raw->SendAt(Seconds(2), ack, b.line.Last());
    Simulator::Run();

    ASSERT_FALSE(Parse(response).Ok());
    EXPECT_EQ(Parse(response).GetError().answer, 0);
    ASSERT_FALSE(Parse(ack).Ok());
    EXPECT_TRUE(b.raw->received.empty());
    ASSERT_EQ(b.log.parseErrors.size(), 2u);
    EXPECT_FALSE(b.log.parseErrors[0].answered);
    EXPECT_FALSE(b.log.parseErrors[0].error.isRequest);
    EXPECT_FALSE(b.log.parseErrors[1].answered); // RFC 3261 17: never answer an ACK
    EXPECT_EQ(b.stack->GetCounters().parseErrorsDropped, 2u);
    EXPECT_EQ(b.stack->GetCounters().parseErrorsAnswered, 0u);
}

TEST_F(BadInput, RequestMissingARequiredHeaderGets400NamingIt)
{
    Bench b;
    std::string noCallId = std::string("OPTIONS sip:bob@10.1.1.2 SIP/2.0\r\n") + kHeaders;
    noCallId.erase(noCallId.find("Call-ID"), std::string("Call-ID: bad@10.1.1.1\r\n").size());
    std::string noVia = std::string("OPTIONS sip:bob@10.1.1.2 SIP/2.0\r\n") + kHeaders;
    noVia.erase(0, noVia.find("Max-Forwards"));
    noVia = "OPTIONS sip:bob@10.1.1.2 SIP/2.0\r\n" + noVia;
    b.raw->SendAt(Seconds(1), noCallId, b.line.Last());
    b.raw->SendAt(Seconds(2), noVia, b.line.Last());
    Simulator::Run();

    ASSERT_TRUE(Parse(noCallId).Ok());
    EXPECT_EQ(Parse(noCallId).GetMessage().MissingRequiredHeader(), HeaderId::CallId);
    ASSERT_TRUE(Parse(noVia).Ok());
    const std::vector<Message> answers = b.Answers();
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].GetStatusCode(), 400);
    EXPECT_EQ(answers[0].GetReasonPhrase(), "Missing Call-ID header");
    EXPECT_EQ(answers[0].GetTopVia()->Branch(), "z9hG4bKbad");
    EXPECT_FALSE(answers[0].HasHeader(HeaderId::CallId));
    ASSERT_EQ(b.log.parseErrors.size(), 2u);
    EXPECT_TRUE(b.log.parseErrors[0].answered);
    EXPECT_FALSE(b.log.parseErrors[1].answered); // no Via: nowhere to answer
    EXPECT_EQ(b.stack->GetCounters().parseErrorsAnswered, 1u);
    EXPECT_EQ(b.stack->GetCounters().parseErrorsDropped, 1u);
    EXPECT_EQ(b.stack->GetCounters().udpMessagesReceived, 2u); // both parsed
    EXPECT_TRUE(b.user->requests.empty());
}

/// The RFC 4475 torture messages, from the repository and from the shared corpus, by content.
std::vector<std::pair<std::string, std::string>>
TortureMessages()
{
    std::map<std::string, std::string> byContent;
    for (const char* dir : {SIPSIM_TEST_DATA "/rfc4475", "/work/shared/rfc4475"})
    {
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
        {
            continue;
        }
        for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec))
        {
            if (entry.path().extension() != ".dat")
            {
                continue;
            }
            std::ifstream in(entry.path(), std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
            byContent.emplace(bytes, entry.path().filename().string());
        }
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& [bytes, name] : byContent)
    {
        out.emplace_back(name, bytes);
    }
    std::sort(out.begin(), out.end());
    return out;
}

TEST_F(BadInput, Rfc4475TortureMessagesAreAnsweredOrDroppedAndNeverCrash)
{
    const auto torture = TortureMessages();
    ASSERT_GE(torture.size(), 49u);
    Line line(2, "100Mbps", "1ms");
    // Answers go where the messages' Vias say (example.com hosts, 192.0.2.x): route them all
    // over the link, where node 0 drops them; the trace shows what was sent.
    Ipv4StaticRoutingHelper routing;
    routing.GetStaticRouting(line.nodes.Get(1)->GetObject<ns3::Ipv4>())
        ->SetDefaultRoute(line.First(), 1);
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser user(stack, 200);
    TraceLog log;
    log.Connect(stack);
    RawUdp raw(line.nodes.Get(0), 5070);
    // One message every 100 ms; all of a message's effects happen before the next arrives.
    for (size_t i = 0; i < torture.size(); ++i)
    {
        raw.SendAt(Seconds(1) + MilliSeconds(100 * static_cast<int64_t>(i)), torture[i].second,
                   line.Last());
    }
    // Then a well-formed request, which must still be answered.
    const Time last = Seconds(1) + MilliSeconds(100 * static_cast<int64_t>(torture.size()));
    raw.SendAt(last, std::string("OPTIONS sip:bob@10.1.1.2 SIP/2.0\r\n") + kHeaders, line.Last());
    Simulator::Run();

    const auto slot
        = [](Time t) { return static_cast<size_t>((t - Seconds(1)).GetMilliSeconds() / 100); };
    std::map<size_t, std::vector<TracedMessage>> rx;
    std::map<size_t, std::vector<TracedMessage>> tx;
    std::map<size_t, std::vector<TraceLog::ParseErrorEntry>> errors;
    for (const TracedMessage& m : log.messages)
    {
        (m.direction == Direction::Rx ? rx : tx)[slot(m.at)].push_back(m);
    }
    for (const auto& e : log.parseErrors)
    {
        errors[slot(e.at)].push_back(e);
    }
    size_t answeredByStack = 0;
    for (size_t i = 0; i < torture.size(); ++i)
    {
        const std::string& name = torture[i].first;
        const ParseResult expected = Parse(torture[i].second, Framing::Datagram);
        if (!expected.Ok())
        {
            // Rejected by the parser: the parser's answer when it is a request, else dropped.
            const ParseError& pe = expected.GetError();
            EXPECT_TRUE(rx[i].empty()) << name;
            ASSERT_EQ(errors[i].size(), 1u) << name;
            EXPECT_EQ(errors[i][0].error.what, pe.what) << name;
            EXPECT_EQ(errors[i][0].error.answer, pe.answer) << name;
            const bool answerable = pe.answer != 0 && pe.isRequest;
            const bool ack = torture[i].second.rfind("ACK ", 0) == 0;
            EXPECT_EQ(errors[i][0].answered, answerable && !ack) << name;
            if (errors[i][0].answered)
            {
                ++answeredByStack;
                ASSERT_EQ(tx[i].size(), 1u) << name;
                EXPECT_EQ(tx[i][0].message.GetStatusCode(), pe.answer) << name;
                EXPECT_EQ(tx[i][0].message.GetReasonPhrase(), pe.answerReason) << name;
            }
            else
            {
                EXPECT_TRUE(tx[i].empty()) << name;
            }
            continue;
        }
        // Parsed: received as a message; then answered by the user, the missing-header rule,
        // or dropped (responses that are not ours).
        ASSERT_EQ(rx[i].size(), 1u) << name;
        EXPECT_TRUE(rx[i][0].message == expected.GetMessage()) << name;
        const Message& m = expected.GetMessage();
        if (m.IsRequest() && m.MissingRequiredHeader() != HeaderId::Unknown)
        {
            ASSERT_EQ(errors[i].size(), 1u) << name;
            EXPECT_EQ(errors[i][0].error.answer, 400) << name;
        }
        else
        {
            EXPECT_TRUE(errors[i].empty()) << name;
        }
        for (const TracedMessage& out : tx[i])
        {
            EXPECT_TRUE(out.message.IsResponse()) << name;
        }
    }
    const SipStackCounters& c = stack->GetCounters();
    EXPECT_EQ(c.parseErrorsAnswered + c.parseErrorsDropped, log.parseErrors.size());
    EXPECT_GE(c.parseErrorsAnswered, answeredByStack);
    EXPECT_GT(answeredByStack, 0u);
    EXPECT_GT(c.udpMessagesReceived, 0u);

    // The stack still works: the well-formed request afterwards is answered.
    EXPECT_TRUE(stack->IsRunning());
    ASSERT_FALSE(user.requests.empty());
    EXPECT_EQ(user.requests.back().message.GetCallId(), "bad@10.1.1.1");
    ASSERT_FALSE(raw.received.empty());
    EXPECT_GT(raw.received.back().at, last);
    const ParseResult ok = Parse(raw.received.back().bytes);
    ASSERT_TRUE(ok.Ok());
    EXPECT_EQ(ok.GetMessage().GetStatusCode(), 200);
    EXPECT_EQ(ok.GetMessage().GetCallId(), "bad@10.1.1.1");
}

TEST_F(BadInput, Rfc4475TortureMessagesOverTcpNeverCrash)
{
    const auto torture = TortureMessages();
    Line line(2, "100Mbps", "1ms");
    SipStackHelper helper;
    Ptr<SipStack> stack = helper.Install(line.nodes.Get(1));
    TestUser user(stack, 200);
    std::vector<std::unique_ptr<RawTcp>> clients;
    for (size_t i = 0; i < torture.size(); ++i)
    {
        // One connection each: a framing error closes the connection it happened on.
        clients.push_back(std::make_unique<RawTcp>(line.nodes.Get(0), line.Last()));
        clients.back()->ConnectAt(Seconds(1) + MilliSeconds(100 * static_cast<int64_t>(i)));
        clients.back()->WriteAt(Seconds(1) + MilliSeconds(100 * static_cast<int64_t>(i) + 50),
                                torture[i].second);
    }
    Simulator::Run();

    const SipStackCounters& c = stack->GetCounters();
    EXPECT_EQ(c.tcpConnectionsAccepted, torture.size());
    EXPECT_GT(c.tcpMessagesReceived, 0u);
    EXPECT_GT(c.tcpFramingErrors + c.parseErrorsAnswered + c.parseErrorsDropped, 0u);
    for (size_t i = 0; i < torture.size(); ++i)
    {
        const StreamFrame f = FindStreamFrame(torture[i].second);
        if (f.status == StreamFrame::Status::Complete && f.length == torture[i].second.size())
        {
            const ParseResult r = Parse(torture[i].second, Framing::Stream);
            if (!r.Ok() && r.GetError().answer != 0 && r.GetError().isRequest)
            {
                // Answered on its connection with the parser's answer.
                ASSERT_FALSE(clients[i]->messages.empty()) << torture[i].first;
                const ParseResult a = Parse(clients[i]->messages[0].second, Framing::Stream);
                ASSERT_TRUE(a.Ok()) << torture[i].first;
                EXPECT_EQ(a.GetMessage().GetStatusCode(), r.GetError().answer) << torture[i].first;
            }
        }
        else if (f.status == StreamFrame::Status::Error)
        {
            EXPECT_TRUE(clients[i]->closed) << torture[i].first;
        }
    }
    EXPECT_TRUE(stack->IsRunning());
}

} // namespace
} // namespace sipsim::test

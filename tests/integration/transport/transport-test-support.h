/*
 * Shared pieces of the transport integration tests: small point-to-point topologies, a
 * transaction user that answers every request, recorders for the SipStack trace sources,
 * an error model that drops chosen SIP messages, and raw ns-3 sockets that speak bytes.
 */
#ifndef SIPSIM_TESTS_TRANSPORT_TEST_SUPPORT_H
#define SIPSIM_TESTS_TRANSPORT_TEST_SUPPORT_H

#include "message/sip-parser.h"
#include "transaction/transaction-layer.h"
#include "transport/sip-stack-helper.h"
#include "transport/sip-stack.h"

#include <cstdio>
#include <functional>
#include <gtest/gtest.h>
#include <ns3/core-module.h>
#include <ns3/error-model.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim::test {

/// Bytes of the PPP, IPv4 and UDP headers before the SIP text of a datagram.
constexpr uint32_t kUdpOverhead = 2 + 20 + 8;

/// Serialization time of a datagram carrying `sipBytes` octets of SIP over UDP, plus the
/// propagation delay: the time one hop of a point-to-point link takes.
inline ns3::Time
UdpHopTime(uint32_t sipBytes, uint64_t bitsPerSecond, ns3::Time delay)
{
    const uint64_t bits = (kUdpOverhead + sipBytes) * 8ULL;
    return ns3::NanoSeconds(static_cast<int64_t>(bits * 1000000000ULL / bitsPerSecond)) + delay;
}

/// Fresh ns-3 global state per test: simulator, attribute defaults, address allocator.
class TransportTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
    }

    void TearDown() override
    {
        ns3::Simulator::Destroy();
        ns3::Config::Reset();
        ns3::Ipv4AddressGenerator::Reset();
    }
};

/**
 * Nodes in a line joined by point-to-point links: with two nodes 10.1.1.1 - 10.1.1.2; with
 * three, 10.1.1.1 - 10.1.1.2 | 10.1.2.1 - 10.1.2.2 (the middle node routes).
 */
struct Line
{
    ns3::NodeContainer nodes;
    std::vector<ns3::NetDeviceContainer> links;
    std::vector<ns3::Ipv4InterfaceContainer> interfaces;
    ns3::PointToPointHelper p2p;

    explicit Line(uint32_t n, const std::string& rate = "1Mbps", const std::string& delay = "5ms")
    {
        nodes.Create(n);
        p2p.SetDeviceAttribute("DataRate", ns3::StringValue(rate));
        p2p.SetChannelAttribute("Delay", ns3::StringValue(delay));
        ns3::InternetStackHelper internet;
        internet.Install(nodes);
        ns3::Ipv4AddressHelper addresses;
        for (uint32_t i = 0; i + 1 < n; ++i)
        {
            links.push_back(p2p.Install(nodes.Get(i), nodes.Get(i + 1)));
            const std::string base = "10.1." + std::to_string(i + 1) + ".0";
            addresses.SetBase(base.c_str(), "255.255.255.0");
            interfaces.push_back(addresses.Assign(links.back()));
        }
        if (n > 2)
        {
            ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
        }
    }

    /// The address of the first node (its link to the right).
    ns3::Ipv4Address First() const { return interfaces.front().GetAddress(0); }

    /// The address of the last node (its link to the left).
    ns3::Ipv4Address Last() const { return interfaces.back().GetAddress(1); }

    /// The device of node `node` on link `link` (0: left end, 1: right end).
    ns3::Ptr<ns3::NetDevice> Device(uint32_t link, uint32_t end) const
    {
        return links.at(link).Get(end);
    }
};

inline Peer
PeerOf(ns3::Ipv4Address address, uint16_t port = 5060,
       TransportProtocol transport = TransportProtocol::Udp)
{
    Peer p;
    p.transport = transport;
    p.address = address.Get();
    p.port = port;
    return p;
}

inline std::string
ToText(ns3::Ipv4Address address)
{
    return FormatIpv4(address.Get());
}

/// A request from alice at `from` to bob at `to`, with every header 8.1.1 requires but Via.
inline Message
MakeTestRequest(std::string_view method, ns3::Ipv4Address from, ns3::Ipv4Address to,
                uint32_t cseq = 1, std::string_view callId = "call-1")
{
    Message m = Message::MakeRequest(method, "sip:bob@" + ToText(to));
    m.AddHeader(HeaderId::MaxForwards, "70");
    m.AddHeader(HeaderId::To, "<sip:bob@" + ToText(to) + ">");
    m.AddHeader(HeaderId::From, "<sip:alice@" + ToText(from) + ">;tag=a1");
    m.AddHeader(HeaderId::CallId, callId);
    m.AddHeader(HeaderId::CSeq, std::to_string(cseq) + " " + std::string(method));
    if (method == "INVITE")
    {
        m.AddHeader(HeaderId::Contact, "<sip:alice@" + ToText(from) + ">");
    }
    m.SetBody("", "");
    return m;
}

/// A response to a request (RFC 3261 8.2.6.2): Via, From, To (tagged), Call-ID and CSeq.
inline Message
MakeTestResponse(const Message& request, uint16_t code)
{
    Message r = Message::MakeResponse(code);
    for (const HeaderField& f : request.GetHeaders())
    {
        if (f.id == HeaderId::Via)
        {
            r.AddHeader(HeaderId::Via, f.value);
        }
    }
    r.AddHeader(HeaderId::From, *request.FindHeader(HeaderId::From));
    std::string to(*request.FindHeader(HeaderId::To));
    if (request.GetTo()->Tag().empty())
    {
        to += ";tag=b1";
    }
    r.AddHeader(HeaderId::To, to);
    r.AddHeader(HeaderId::CallId, request.GetCallId());
    r.AddHeader(HeaderId::CSeq, *request.FindHeader(HeaderId::CSeq));
    r.SetBody("", "");
    return r;
}

/// A transaction user that records what reaches it and answers every request with `answer`.
class TestUser : public TransactionUser
{
  public:
    struct Request
    {
        TransactionId id;
        Message message;
        Peer from;
        ns3::Time at;
    };

    struct Response
    {
        TransactionId id;
        Message message;
        ns3::Time at;
    };

    struct Failure
    {
        TransactionId id;
        TransactionKind kind;
        TransactionFailure failure;
        ns3::Time at;
    };

    explicit TestUser(ns3::Ptr<SipStack> stack, uint16_t answer = 200)
        : m_stack(stack)
        , m_answer(answer)
    {
        stack->SetTransactionUser(this);
    }

    void OnRequest(TransactionId id, const Message& request, const Peer& from) override
    {
        requests.push_back({id, request, from, ns3::Simulator::Now()});
        if (m_answer != 0)
        {
            m_stack->GetTransactionLayer().SendResponse(id, MakeTestResponse(request, m_answer));
        }
    }

    void OnAck(const Message& ack, const Peer& from) override
    {
        (void) from;
        acks.push_back(ack);
    }

    void OnResponse(TransactionId id, const Message& response) override
    {
        responses.push_back({id, response, ns3::Simulator::Now()});
    }

    void OnStrayResponse(const Message& response, const Peer& from) override
    {
        (void) from;
        strays.push_back(response);
    }

    void OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure) override
    {
        failures.push_back({id, kind, failure, ns3::Simulator::Now()});
    }

    /// Sends a request at simulated time `at` through the stack's transaction layer.
    void SendAt(ns3::Time at, Message request, Peer to)
    {
        ns3::Simulator::Schedule(at, [this, request, to]() {
            sent.push_back(m_stack->GetTransactionLayer().SendRequest(request, to));
        });
    }

    std::vector<Request> requests;
    std::vector<Response> responses;
    std::vector<Failure> failures;
    std::vector<Message> acks;
    std::vector<Message> strays;
    std::vector<TransactionId> sent;

  private:
    ns3::Ptr<SipStack> m_stack;
    uint16_t m_answer;
};

/// A copy of one "Message" trace call.
struct TracedMessage
{
    ns3::Time at;
    uint32_t node;
    Direction direction;
    TransportProtocol transport;
    Peer local;
    Peer remote;
    Message message;
    uint32_t size;
    bool retransmission;

    bool IsRequest(std::string_view method) const
    {
        return message.IsRequest() && message.GetMethodName() == method;
    }

    bool IsResponse(uint16_t code) const
    {
        return message.IsResponse() && message.GetStatusCode() == code;
    }
};

/// Records the "Message" and "ParseError" traces of the stacks it is connected to.
class TraceLog
{
  public:
    struct ParseErrorEntry
    {
        ns3::Time at;
        uint32_t node;
        Peer remote;
        ParseError error;
        bool answered;
    };

    void Connect(ns3::Ptr<SipStack> stack)
    {
        stack->TraceConnectWithoutContext("Message", ns3::MakeCallback(&TraceLog::OnMessage, this));
        stack->TraceConnectWithoutContext("ParseError",
                                          ns3::MakeCallback(&TraceLog::OnParseError, this));
    }

    void OnMessage(const SipMessageTrace& t)
    {
        messages.push_back({ns3::Simulator::Now(), t.node, t.direction, t.transport, t.local,
                            t.remote, *t.message, t.size, t.retransmission});
    }

    void OnParseError(uint32_t node, const Peer& remote, const ParseError& error, bool answered)
    {
        parseErrors.push_back({ns3::Simulator::Now(), node, remote, error, answered});
    }

    /// The messages of one node and direction that satisfy pred, in order.
    std::vector<TracedMessage> Select(uint32_t node, Direction direction,
                                      const std::function<bool(const TracedMessage&)>& pred) const
    {
        std::vector<TracedMessage> out;
        for (const TracedMessage& m : messages)
        {
            if (m.node == node && m.direction == direction && pred(m))
            {
                out.push_back(m);
            }
        }
        return out;
    }

    std::vector<TracedMessage> messages;
    std::vector<ParseErrorEntry> parseErrors;
};

/// Drops the packets whose bytes (PPP, IP and transport headers included) satisfy `drop`.
class SipDropModel : public ns3::ErrorModel
{
  public:
    static ns3::TypeId GetTypeId()
    {
        static ns3::TypeId tid = ns3::TypeId("sipsim::test::SipDropModel")
                                     .SetParent<ns3::ErrorModel>()
                                     .SetGroupName("SipsimTest")
                                     .AddConstructor<SipDropModel>();
        return tid;
    }

    std::function<bool(std::string_view bytes)> drop;
    uint32_t dropped = 0;

  private:
    bool DoCorrupt(ns3::Ptr<ns3::Packet> p) override
    {
        std::string bytes(p->GetSize(), '\0');
        p->CopyData(reinterpret_cast<uint8_t*>(bytes.data()), p->GetSize());
        if (drop && drop(bytes))
        {
            ++dropped;
            return true;
        }
        return false;
    }

    void DoReset() override {}
};

/// True when the bytes of a PPP frame carry a UDP datagram whose SIP text starts with prefix.
inline bool
SipPayloadStartsWith(std::string_view frame, std::string_view prefix)
{
    return frame.size() >= kUdpOverhead + prefix.size()
           && frame.substr(kUdpOverhead, prefix.size()) == prefix;
}

/// Installs a SipDropModel on a point-to-point device's receive side.
inline ns3::Ptr<SipDropModel>
DropOnReceive(ns3::Ptr<ns3::NetDevice> device, std::function<bool(std::string_view)> drop)
{
    ns3::Ptr<SipDropModel> model = ns3::CreateObject<SipDropModel>();
    model->drop = std::move(drop);
    device->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
    return model;
}

/// Runs a shell command (tshark in the pcap tests) and returns its standard output.
inline std::string
RunCommand(const std::string& command)
{
    std::string out;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr)
    {
        return out;
    }
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    {
        out.append(buffer, n);
    }
    pclose(pipe);
    return out;
}

/// The payload of a packet as a string.
inline std::string
PacketText(ns3::Ptr<ns3::Packet> packet)
{
    std::string bytes(packet->GetSize(), '\0');
    packet->CopyData(reinterpret_cast<uint8_t*>(bytes.data()), packet->GetSize());
    return bytes;
}

inline ns3::Ptr<ns3::Packet>
MakePacket(std::string_view bytes)
{
    return ns3::Create<ns3::Packet>(reinterpret_cast<const uint8_t*>(bytes.data()),
                                    static_cast<uint32_t>(bytes.size()));
}

/// A bare UDP socket that sends bytes and records the datagrams it receives.
class RawUdp
{
  public:
    RawUdp(ns3::Ptr<ns3::Node> node, uint16_t port)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
        m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), port));
        m_socket->SetRecvCallback(ns3::MakeCallback(&RawUdp::OnRead, this));
    }

    void SendAt(ns3::Time at, std::string bytes, ns3::Ipv4Address to, uint16_t port = 5060)
    {
        ns3::Simulator::Schedule(at, [this, bytes, to, port]() {
            m_socket->SendTo(MakePacket(bytes), 0, ns3::InetSocketAddress(to, port));
        });
    }

    struct Datagram
    {
        ns3::Time at;
        std::string bytes;
    };

    std::vector<Datagram> received;

  private:
    void OnRead(ns3::Ptr<ns3::Socket> socket)
    {
        while (ns3::Ptr<ns3::Packet> p = socket->Recv())
        {
            received.push_back({ns3::Simulator::Now(), PacketText(p)});
        }
    }

    ns3::Ptr<ns3::Socket> m_socket;
};

/// A bare TCP client: connects, writes bytes when told, and frames what it receives.
class RawTcp
{
  public:
    RawTcp(ns3::Ptr<ns3::Node> node, ns3::Ipv4Address to, uint16_t port = 5060)
        : m_to(to)
        , m_port(port)
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::TcpSocketFactory::GetTypeId());
        m_socket->Bind();
        m_socket->SetRecvCallback(ns3::MakeCallback(&RawTcp::OnRead, this));
        m_socket->SetConnectCallback(ns3::MakeCallback(&RawTcp::OnConnected, this),
                                     ns3::MakeCallback(&RawTcp::OnFailed, this));
        m_socket->SetCloseCallbacks(ns3::MakeCallback(&RawTcp::OnClosed, this),
                                    ns3::MakeCallback(&RawTcp::OnClosed, this));
    }

    void ConnectAt(ns3::Time at)
    {
        ns3::Simulator::Schedule(
            at, [this]() { m_socket->Connect(ns3::InetSocketAddress(m_to, m_port)); });
    }

    /// Writes the bytes in one Send call at `at` (the socket must be connected by then).
    void WriteAt(ns3::Time at, std::string bytes)
    {
        ns3::Simulator::Schedule(at,
                                 [this, bytes]() { written += m_socket->Send(MakePacket(bytes)); });
    }

    /// Closes the connection at `at`.
    void CloseAt(ns3::Time at)
    {
        ns3::Simulator::Schedule(at, [this]() { m_socket->Close(); });
    }

    /// The local address and port of the connection (after it is established).
    Peer Local() const
    {
        ns3::Address a;
        m_socket->GetSockName(a);
        const ns3::InetSocketAddress inet = ns3::InetSocketAddress::ConvertFrom(a);
        return PeerOf(inet.GetIpv4(), inet.GetPort(), TransportProtocol::Tcp);
    }

    /// Messages cut from the received stream, with their arrival times.
    std::vector<std::pair<ns3::Time, std::string>> messages;
    bool connected = false;
    bool failed = false;
    bool closed = false;
    ns3::Time closedAt;
    int written = 0;

  private:
    void OnConnected(ns3::Ptr<ns3::Socket>) { connected = true; }

    void OnFailed(ns3::Ptr<ns3::Socket>) { failed = true; }

    void OnClosed(ns3::Ptr<ns3::Socket>)
    {
        if (!closed)
        {
            closed = true;
            closedAt = ns3::Simulator::Now();
        }
    }

    void OnRead(ns3::Ptr<ns3::Socket> socket)
    {
        while (ns3::Ptr<ns3::Packet> p = socket->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            m_stream += PacketText(p);
        }
        for (;;)
        {
            const StreamFrame f = FindStreamFrame(m_stream);
            if (f.status != StreamFrame::Status::Complete)
            {
                break;
            }
            messages.emplace_back(ns3::Simulator::Now(), m_stream.substr(0, f.length));
            m_stream.erase(0, f.length);
        }
    }

    ns3::Ptr<ns3::Socket> m_socket;
    ns3::Ipv4Address m_to;
    uint16_t m_port;
    std::string m_stream;
};

/// Times of the entries relative to the first (exact, in simulator time).
inline std::vector<ns3::Time>
RelativeTimes(const std::vector<TracedMessage>& messages)
{
    std::vector<ns3::Time> out;
    for (const TracedMessage& m : messages)
    {
        out.push_back(m.at - messages.front().at);
    }
    return out;
}

/// Milliseconds as simulator times, for comparing with RelativeTimes.
inline std::vector<ns3::Time>
Millis(std::initializer_list<int64_t> ms)
{
    std::vector<ns3::Time> out;
    for (int64_t m : ms)
    {
        out.push_back(ns3::MilliSeconds(m));
    }
    return out;
}

} // namespace sipsim::test

#endif // SIPSIM_TESTS_TRANSPORT_TEST_SUPPORT_H

#include "transport/sip-stack.h"

#include <algorithm>
#include <limits>
#include <ns3/abort.h>
#include <ns3/boolean.h>
#include <ns3/inet-socket-address.h>
#include <ns3/ipv4.h>
#include <ns3/log.h>
#include <ns3/packet.h>
#include <ns3/simulator.h>
#include <ns3/tcp-socket-factory.h>
#include <ns3/trace-source-accessor.h>
#include <ns3/udp-socket-factory.h>
#include <ns3/uinteger.h>
#include <utility>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("SipStack");
NS_OBJECT_ENSURE_REGISTERED(SipStack);

namespace {

/// Largest payload of one UDP datagram over IPv4.
constexpr size_t kMaxDatagram = 65507;

bool
HasControlChars(std::string_view value)
{
    return std::any_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\t') || u == 0x7f;
    });
}

/**
 * A request that carries the Via, From, To, Call-ID and CSeq lines a parser echoed from a
 * request it rejected ("Name: value\r\n" each), so a stateless answer can be built from it.
 */
Message
RequestFromEcho(std::string_view echo)
{
    Message m = Message::MakeRequest("OPTIONS", "sip:invalid");
    size_t pos = 0;
    while (pos < echo.size())
    {
        size_t end = echo.find("\r\n", pos);
        if (end == std::string_view::npos)
        {
            end = echo.size();
        }
        const std::string_view line = echo.substr(pos, end - pos);
        pos = end + 2;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos)
        {
            continue;
        }
        const HeaderId id = LookupHeader(text::Trim(line.substr(0, colon)));
        const std::string_view value = text::Trim(line.substr(colon + 1));
        if (id == HeaderId::Unknown || value.empty() || HasControlChars(value))
        {
            continue;
        }
        m.AddHeader(id, value);
    }
    return m;
}

/// True when the bytes of a rejected request are (or say in CSeq they are) an ACK.
bool
IsAck(std::string_view bytes, const Message& echo)
{
    const size_t start = bytes.find_first_not_of("\r\n");
    if (start != std::string_view::npos && bytes.substr(start, 4) == "ACK ")
    {
        return true;
    }
    const CSeq* cseq = echo.GetCSeq();
    return cseq != nullptr && cseq->method == "ACK";
}

Peer
MakePeer(TransportProtocol transport, const ns3::Address& address)
{
    Peer p;
    p.transport = transport;
    if (ns3::InetSocketAddress::IsMatchingType(address))
    {
        const ns3::InetSocketAddress inet = ns3::InetSocketAddress::ConvertFrom(address);
        p.address = inet.GetIpv4().Get();
        p.port = inet.GetPort();
    }
    return p;
}

Duration
ToDuration(ns3::Time t)
{
    return Duration(t.GetNanoSeconds());
}

} // namespace

std::string_view
DirectionName(Direction direction)
{
    return direction == Direction::Tx ? "Tx" : "Rx";
}

ns3::TypeId
SipStack::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::SipStack")
              .SetParent<ns3::Object>()
              .SetGroupName("Sipsim")
              .AddConstructor<SipStack>()
              .AddAttribute("T1",
                            "RTT estimate, RFC 3261 17.1.1.1 (timers A, B, E, F, G, H, J derive "
                            "from it).",
                            ns3::TimeValue(ns3::MilliSeconds(500)),
                            ns3::MakeTimeAccessor(&SipStack::SetT1, &SipStack::GetT1),
                            ns3::MakeTimeChecker(ns3::Time(0)))
              .AddAttribute("T2",
                            "Maximum retransmit interval for non-INVITE requests and INVITE "
                            "responses, RFC 3261 17.1.2.2.",
                            ns3::TimeValue(ns3::Seconds(4)),
                            ns3::MakeTimeAccessor(&SipStack::SetT2, &SipStack::GetT2),
                            ns3::MakeTimeChecker(ns3::Time(0)))
              .AddAttribute("T4",
                            "Maximum duration a message remains in the network, RFC 3261 "
                            "17.1.2.2 (timers I and K).",
                            ns3::TimeValue(ns3::Seconds(5)),
                            ns3::MakeTimeAccessor(&SipStack::SetT4, &SipStack::GetT4),
                            ns3::MakeTimeChecker(ns3::Time(0)))
              .AddAttribute("Port",
                            "The UDP and TCP port the stack listens on and puts in its Via "
                            "(taken into account by Install and Start).",
                            ns3::UintegerValue(5060), ns3::MakeUintegerAccessor(&SipStack::m_port),
                            ns3::MakeUintegerChecker<uint16_t>(1))
              .AddAttribute("EnableTcp",
                            "Listen on TCP and send over TCP (RFC 3261 18: UDP and TCP are "
                            "mandatory; false models a UDP-only element).",
                            ns3::BooleanValue(true),
                            ns3::MakeBooleanAccessor(&SipStack::m_enableTcp),
                            ns3::MakeBooleanChecker())
              .AddAttribute("AnswerMalformedRequests",
                            "Answer a request that does not parse (or lacks a required header) "
                            "statelessly with the status the parser names (400, 505, ...; RFC "
                            "3261 8.2, 21.4.1). False models a device whose compliance table "
                            "says it never generates 400: such requests are dropped and counted "
                            "(parseErrorsDropped).",
                            ns3::BooleanValue(true),
                            ns3::MakeBooleanAccessor(&SipStack::m_answerMalformed),
                            ns3::MakeBooleanChecker())
              .AddAttribute("MaxUdpMessageSize",
                            "A request larger than this (octets) goes over TCP when TCP is "
                            "enabled: RFC 3261 18.1.1, 1300 = path MTU 1500 minus 200.",
                            ns3::UintegerValue(1300),
                            ns3::MakeUintegerAccessor(&SipStack::m_maxUdpMessageSize),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("MaxTcpBufferSize",
                            "Octets a TCP connection may buffer without completing a message; "
                            "past this the connection is closed and counted as a framing error.",
                            ns3::UintegerValue(65536),
                            ns3::MakeUintegerAccessor(&SipStack::m_maxTcpBufferSize),
                            ns3::MakeUintegerChecker<uint32_t>(1024))
              .AddAttribute("LocalAddress",
                            "The address of the Via sent-by and of the 18.1.2 response check; "
                            "0.0.0.0 means the node's first non-loopback interface address.",
                            ns3::Ipv4AddressValue(ns3::Ipv4Address::GetAny()),
                            ns3::MakeIpv4AddressAccessor(&SipStack::m_localAddress),
                            ns3::MakeIpv4AddressChecker())
              .AddTraceSource("Message", "A SIP message was sent or received.",
                              ns3::MakeTraceSourceAccessor(&SipStack::m_messageTrace),
                              "sipsim::SipStack::MessageTracedCallback")
              .AddTraceSource("ParseError",
                              "Received bytes were not a usable SIP message (answered or "
                              "dropped).",
                              ns3::MakeTraceSourceAccessor(&SipStack::m_parseErrorTrace),
                              "sipsim::SipStack::ParseErrorTracedCallback")
              .AddTraceSource("TransactionState", "A transaction of this stack changed state.",
                              ns3::MakeTraceSourceAccessor(&SipStack::m_stateTrace),
                              "sipsim::SipStack::TransactionStateTracedCallback")
              .AddTraceSource("TransactionTerminated",
                              "A transaction of this stack ended: how, its final status and the "
                              "state it left.",
                              ns3::MakeTraceSourceAccessor(&SipStack::m_terminatedTrace),
                              "sipsim::SipStack::TransactionTerminatedTracedCallback");
    return tid;
}

SipStack::SipStack()
    : m_t1(ns3::MilliSeconds(500))
    , m_t2(ns3::Seconds(4))
    , m_t4(ns3::Seconds(5))
    , m_localAddress(ns3::Ipv4Address::GetAny())
    , m_layer(std::make_unique<TransactionLayer>(m_timers, *this, TimerConfig{}))
{
    NS_LOG_FUNCTION(this);
    m_layer->SetStateObserver([this](TransactionId id, TransactionKind kind, std::string_view from,
                                     std::string_view to) { OnStateChange(id, kind, from, to); });
    m_layer->SetEndObserver(
        [this](const TransactionEnd& end) { m_terminatedTrace(GetNodeId(), end); });
}

SipStack::~SipStack()
{
    NS_LOG_FUNCTION(this);
}

void
SipStack::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_running = false;
    m_admission = nullptr;
    // The simulator may already be gone: only detach our callbacks from the sockets (closing
    // them would schedule events). The node's protocols release the sockets themselves.
    for (auto& entry : m_connections)
    {
        Detach(entry.second->socket);
    }
    m_connections.clear();
    m_bySocket.clear();
    Detach(m_udpSocket);
    Detach(m_tcpListener);
    m_udpSocket = nullptr;
    m_tcpListener = nullptr;
    m_layer.reset();
    m_timers.CancelAll();
    m_node = nullptr;
    ns3::Object::DoDispose();
}

uint64_t
SipStack::Key(const Peer& remote)
{
    return (static_cast<uint64_t>(remote.address) << 16) | remote.port;
}

uint32_t
SipStack::GetNodeId() const
{
    return m_node ? m_node->GetId() : std::numeric_limits<uint32_t>::max();
}

TransactionLayer&
SipStack::GetTransactionLayer()
{
    NS_ABORT_MSG_IF(!m_layer, "SipStack: the transaction layer is gone (disposed)");
    return *m_layer;
}

void
SipStack::SetTransactionUser(TransactionUser* user)
{
    GetTransactionLayer().SetUser(user);
}

// --- timers ------------------------------------------------------------------------------------

void
SipStack::SetTimerConfig(const TimerConfig& config)
{
    m_t1 = ns3::NanoSeconds(config.t1.count());
    m_t2 = ns3::NanoSeconds(config.t2.count());
    m_t4 = ns3::NanoSeconds(config.t4.count());
    ApplyTimerConfig();
}

TimerConfig
SipStack::GetTimerConfig() const
{
    TimerConfig config;
    config.t1 = ToDuration(m_t1);
    config.t2 = ToDuration(m_t2);
    config.t4 = ToDuration(m_t4);
    return config;
}

void
SipStack::ApplyTimerConfig()
{
    if (m_layer)
    {
        m_layer->SetTimerConfig(GetTimerConfig());
    }
}

void
SipStack::SetT1(ns3::Time t)
{
    m_t1 = t;
    ApplyTimerConfig();
}

void
SipStack::SetT2(ns3::Time t)
{
    m_t2 = t;
    ApplyTimerConfig();
}

void
SipStack::SetT4(ns3::Time t)
{
    m_t4 = t;
    ApplyTimerConfig();
}

void
SipStack::OnStateChange(TransactionId id, TransactionKind kind, std::string_view from,
                        std::string_view to)
{
    m_stateTrace(id, TransactionKindName(kind), from, to);
}

// --- life cycle --------------------------------------------------------------------------------

void
SipStack::Install(ns3::Ptr<ns3::Node> node)
{
    NS_LOG_FUNCTION(this << node);
    NS_ABORT_MSG_IF(!node, "SipStack::Install: no node");
    NS_ABORT_MSG_IF(m_node && m_node != node, "SipStack::Install: already installed elsewhere");
    m_node = node;
    ResolveLocalAddress();
    // Branches unique across the simulation (RFC 3261 8.1.1.7): one prefix per node and port.
    m_layer->SetBranchPrefix("n" + std::to_string(node->GetId()) + "p" + std::to_string(m_port));
    Start();
}

void
SipStack::ResolveLocalAddress()
{
    if (m_localAddress != ns3::Ipv4Address::GetAny())
    {
        return;
    }
    ns3::Ptr<ns3::Ipv4> ipv4 = m_node->GetObject<ns3::Ipv4>();
    NS_ABORT_MSG_IF(!ipv4, "SipStack::Install: the node has no IPv4 stack");
    for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
    {
        for (uint32_t j = 0; j < ipv4->GetNAddresses(i); ++j)
        {
            const ns3::Ipv4Address a = ipv4->GetAddress(i, j).GetLocal();
            if (!a.IsLocalhost() && a != ns3::Ipv4Address::GetAny())
            {
                m_localAddress = a;
                return;
            }
        }
    }
    NS_ABORT_MSG("SipStack::Install: node " << m_node->GetId()
                                            << " has no non-loopback IPv4 address");
}

void
SipStack::Start()
{
    NS_LOG_FUNCTION(this);
    NS_ABORT_MSG_IF(!m_node, "SipStack::Start before Install");
    if (m_running)
    {
        return;
    }
    ApplyTimerConfig();

    m_udpSocket = ns3::Socket::CreateSocket(m_node, ns3::UdpSocketFactory::GetTypeId());
    NS_ABORT_MSG_IF(m_udpSocket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port))
                        != 0,
                    "SipStack: cannot bind UDP port " << m_port << " on node " << m_node->GetId());
    m_udpSocket->SetRecvCallback(ns3::MakeCallback(&SipStack::HandleUdpRead, this));

    if (m_enableTcp)
    {
        m_tcpListener = CreateTcpSocket();
        NS_ABORT_MSG_IF(
            m_tcpListener->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port)) != 0,
            "SipStack: cannot bind TCP port " << m_port << " on node " << m_node->GetId());
        m_tcpListener->Listen();
        m_tcpListener->SetAcceptCallback(ns3::MakeCallback(&SipStack::HandleAcceptRequest, this),
                                         ns3::MakeCallback(&SipStack::HandleAccept, this));
    }
    m_running = true;
}

void
SipStack::Detach(ns3::Ptr<ns3::Socket> socket)
{
    if (!socket)
    {
        return;
    }
    socket->TraceDisconnectWithoutContext("Rx",
                                          ns3::MakeCallback(&SipStack::HandleTcpSegment, this));
    socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    socket->SetSendCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>, uint32_t>());
    socket->SetConnectCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>(),
                               ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    socket->SetCloseCallbacks(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>(),
                              ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    socket->SetAcceptCallback(
        ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
        ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>, const ns3::Address&>());
}

void
SipStack::Stop()
{
    NS_LOG_FUNCTION(this);
    if (!m_running)
    {
        return;
    }
    m_running = false;
    std::map<uint64_t, ConnectionPtr> connections;
    connections.swap(m_connections);
    m_bySocket.clear();
    for (auto& entry : connections)
    {
        Detach(entry.second->socket);
        entry.second->socket->Close();
    }
    Detach(m_udpSocket);
    m_udpSocket->Close();
    m_udpSocket = nullptr;
    if (m_tcpListener)
    {
        Detach(m_tcpListener);
        m_tcpListener->Close();
        m_tcpListener = nullptr;
    }
}

// --- sending -----------------------------------------------------------------------------------

Peer
SipStack::GetLocalPeer(TransportProtocol transport) const
{
    Peer p;
    p.transport = transport;
    p.address = m_localAddress.Get();
    p.port = m_port;
    return p;
}

Peer
SipStack::LocalUdpPeer() const
{
    return GetLocalPeer(TransportProtocol::Udp);
}

TransportProtocol
SipStack::SelectTransport(size_t messageSize, TransportProtocol chosen) const
{
    if (chosen == TransportProtocol::Udp && m_enableTcp && messageSize > m_maxUdpMessageSize)
    {
        return TransportProtocol::Tcp;
    }
    return chosen;
}

bool
SipStack::Send(const Message& message, const Peer& to, bool retransmission)
{
    NS_LOG_FUNCTION(this << to.ToString() << retransmission);
    bool ok = false;
    if (m_running)
    {
        ok = to.transport == TransportProtocol::Udp ? SendUdp(message, to, retransmission)
                                                    : SendTcp(message, to, retransmission);
    }
    if (!ok)
    {
        ++m_counters.sendErrors;
    }
    return ok;
}

bool
SipStack::SendUdp(const Message& message, const Peer& to, bool retransmission)
{
    m_txBuffer.clear();
    message.SerializeTo(&m_txBuffer);
    if (m_txBuffer.size() > kMaxDatagram)
    {
        NS_LOG_DEBUG("message of " << m_txBuffer.size() << " octets does not fit a datagram");
        return false;
    }
    ns3::Ptr<ns3::Packet> packet
        = ns3::Create<ns3::Packet>(reinterpret_cast<const uint8_t*>(m_txBuffer.data()),
                                   static_cast<uint32_t>(m_txBuffer.size()));
    const int sent = m_udpSocket->SendTo(
        packet, 0, ns3::InetSocketAddress(ns3::Ipv4Address(to.address), to.port));
    if (sent < 0)
    {
        NS_LOG_DEBUG("UDP send to " << to.ToString() << " failed: " << m_udpSocket->GetErrno());
        return false;
    }
    ++m_counters.udpMessagesSent;
    TraceTx(message, TransportProtocol::Udp, LocalUdpPeer(), to, retransmission);
    return true;
}

bool
SipStack::SendRawUdp(std::string_view bytes, const Peer& to)
{
    if (!m_udpSocket || bytes.size() > kMaxDatagram)
    {
        return false;
    }
    ns3::Ptr<ns3::Packet> packet = ns3::Create<ns3::Packet>(
        reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<uint32_t>(bytes.size()));
    if (m_udpSocket->SendTo(packet, 0,
                            ns3::InetSocketAddress(ns3::Ipv4Address(to.address), to.port))
        < 0)
    {
        return false;
    }
    ++m_counters.rawDatagramsSent;
    return true;
}

bool
SipStack::SendTcp(const Message& message, const Peer& to, bool retransmission)
{
    if (!m_enableTcp)
    {
        return false;
    }
    ConnectionPtr conn = FindConnectionTo(to);
    if (!conn && message.IsResponse())
    {
        // RFC 3261 18.2.2: the connection the request came on is gone; open one to the
        // received address (or the sent-by host) and the sent-by port (or 5060).
        const Via* via = message.GetTopVia();
        std::optional<Ipv4> host;
        if (via != nullptr)
        {
            host = via->Received() ? ParseIpv4(*via->Received()) : ParseIpv4(via->host);
        }
        if (host)
        {
            Peer reopen;
            reopen.transport = TransportProtocol::Tcp;
            reopen.address = *host;
            reopen.port
                = static_cast<uint16_t>(via->port > 0 && via->port <= 65535 ? via->port : 5060);
            conn = FindConnectionTo(reopen);
            if (!conn)
            {
                conn = OpenConnection(reopen);
            }
        }
    }
    if (!conn)
    {
        conn = OpenConnection(to);
    }
    if (!conn)
    {
        return false;
    }
    if (conn->txOffset == conn->tx.size())
    {
        conn->tx.clear();
        conn->txOffset = 0;
    }
    const size_t before = conn->tx.size();
    message.SerializeTo(&conn->tx);
    const size_t size = conn->tx.size() - before;
    ++m_counters.tcpMessagesSent;
    // Trace before flushing: flushing can end in a callback that closes the connection.
    SipMessageTrace trace;
    trace.node = GetNodeId();
    trace.direction = Direction::Tx;
    trace.transport = TransportProtocol::Tcp;
    trace.local = conn->local;
    trace.remote = conn->remote;
    trace.message = &message;
    trace.size = static_cast<uint32_t>(size);
    trace.retransmission = retransmission;
    m_messageTrace(trace);
    if (conn->connected)
    {
        Flush(conn);
    }
    return true;
}

ns3::Ptr<ns3::Socket>
SipStack::CreateTcpSocket() const
{
    return ns3::Socket::CreateSocket(m_node, ns3::TcpSocketFactory::GetTypeId());
}

SipStack::ConnectionPtr
SipStack::OpenConnection(const Peer& remote)
{
    NS_LOG_FUNCTION(this << remote.ToString());
    ns3::Ptr<ns3::Socket> socket = CreateTcpSocket();
    if (socket->Bind() != 0)
    {
        ++m_counters.tcpConnectionsFailed;
        return nullptr;
    }
    auto conn = std::make_shared<TcpConnection>();
    conn->socket = socket;
    conn->remote = remote;
    conn->remote.transport = TransportProtocol::Tcp;
    // This end: the ephemeral port Bind chose; the address is known once connected.
    conn->local = GetLocalPeer(TransportProtocol::Tcp);
    ns3::Address bound;
    if (socket->GetSockName(bound) == 0)
    {
        conn->local.port = MakePeer(TransportProtocol::Tcp, bound).port;
    }
    SetConnectionCallbacks(socket);
    socket->SetConnectCallback(ns3::MakeCallback(&SipStack::HandleConnected, this),
                               ns3::MakeCallback(&SipStack::HandleConnectFailed, this));
    // ns-3 3.37 ignores a RST+ACK in SYN_SENT (it takes it for a stray ACK) and gives up only
    // after its SYN retries, about 94 s; a real stack reports "connection refused" at once.
    socket->TraceConnectWithoutContext("Rx", ns3::MakeCallback(&SipStack::HandleTcpSegment, this));
    if (socket->Connect(ns3::InetSocketAddress(ns3::Ipv4Address(remote.address), remote.port)) != 0)
    {
        NS_LOG_DEBUG("TCP connect to " << remote.ToString() << " failed at once");
        Detach(socket);
        socket->Close();
        ++m_counters.tcpConnectionsFailed;
        return nullptr;
    }
    ++m_counters.tcpConnectionsOpened;
    m_connections[Key(conn->remote)] = conn;
    m_bySocket[ns3::PeekPointer(socket)] = conn;
    return conn;
}

void
SipStack::Flush(const ConnectionPtr& conn)
{
    while (conn->HasPendingData())
    {
        const uint32_t available = conn->socket->GetTxAvailable();
        if (available == 0)
        {
            return; // HandleTcpSend continues when the socket has room again
        }
        const size_t chunk = std::min<size_t>(available, conn->tx.size() - conn->txOffset);
        ns3::Ptr<ns3::Packet> packet = ns3::Create<ns3::Packet>(
            reinterpret_cast<const uint8_t*>(conn->tx.data() + conn->txOffset),
            static_cast<uint32_t>(chunk));
        const int sent = conn->socket->Send(packet);
        if (sent <= 0)
        {
            return;
        }
        conn->txOffset += static_cast<size_t>(sent);
    }
    conn->tx.clear();
    conn->txOffset = 0;
}

void
SipStack::TraceTx(const Message& message, TransportProtocol transport, const Peer& local,
                  const Peer& remote, bool retransmission)
{
    SipMessageTrace trace;
    trace.node = GetNodeId();
    trace.direction = Direction::Tx;
    trace.transport = transport;
    trace.local = local;
    trace.remote = remote;
    trace.message = &message;
    trace.size = static_cast<uint32_t>(m_txBuffer.size());
    trace.retransmission = retransmission;
    m_messageTrace(trace);
}

// --- receiving ---------------------------------------------------------------------------------

void
SipStack::HandleUdpRead(ns3::Ptr<ns3::Socket> socket)
{
    ns3::Address from;
    while (m_running && socket == m_udpSocket)
    {
        ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from);
        if (!packet)
        {
            return;
        }
        // Borrow the reused buffer: handling the message may reenter this function.
        std::string bytes;
        bytes.swap(m_rxBuffer);
        bytes.resize(packet->GetSize());
        packet->CopyData(reinterpret_cast<uint8_t*>(bytes.data()), packet->GetSize());
        HandleBytes(bytes, Framing::Datagram, LocalUdpPeer(),
                    MakePeer(TransportProtocol::Udp, from));
        bytes.swap(m_rxBuffer);
    }
}

void
SipStack::HandleBytes(std::string_view bytes, Framing framing, const Peer& local,
                      const Peer& remote)
{
    ParseResult result = Parse(bytes, framing);
    if (!result.Ok())
    {
        HandleParseError(bytes, result.GetError(), remote);
        return;
    }
    Message& message = result.GetMessage();
    if (remote.transport == TransportProtocol::Udp)
    {
        ++m_counters.udpMessagesReceived;
    }
    else
    {
        ++m_counters.tcpMessagesReceived;
    }
    SipMessageTrace trace;
    trace.node = GetNodeId();
    trace.direction = Direction::Rx;
    trace.transport = remote.transport;
    trace.local = local;
    trace.remote = remote;
    trace.message = &message;
    trace.size = static_cast<uint32_t>(bytes.size());
    m_messageTrace(trace);

    if (m_admission != nullptr)
    {
        m_admission->Admit(std::move(message), remote);
        return;
    }
    Deliver(message, remote);
}

void
SipStack::Deliver(Message& message, const Peer& remote)
{
    if (!m_layer)
    {
        return; // disposed
    }
    if (message.IsRequest())
    {
        const HeaderId missing = message.MissingRequiredHeader();
        if (missing != HeaderId::Unknown)
        {
            HandleMissingHeader(message, missing, remote);
            return;
        }
        StampReceivedVia(&message, remote); // RFC 3261 18.2.1, RFC 3581 4
        m_layer->ReceiveMessage(message, remote);
        return;
    }
    // RFC 3261 18.1.2: a response whose top Via is not ours is silently discarded.
    const Via* via = message.GetTopVia();
    if (via == nullptr || !IsOwnSentBy(*via))
    {
        NS_LOG_DEBUG("response with a foreign top Via from " << remote.ToString() << " dropped");
        ++m_counters.viaMismatchDropped;
        return;
    }
    const HeaderId missing = message.MissingRequiredHeader();
    if (missing != HeaderId::Unknown)
    {
        ParseError error;
        error.what = "response without " + std::string(CanonicalName(missing)) + " header";
        error.isRequest = false;
        ++m_counters.parseErrorsDropped;
        Notify(remote, error, false);
        return;
    }
    m_layer->ReceiveMessage(message, remote);
}

bool
SipStack::IsOwnSentBy(const Via& via) const
{
    const std::optional<Ipv4> host = ParseIpv4(via.host);
    const int32_t port = via.port < 0 ? 5060 : via.port;
    return host.has_value() && *host == m_localAddress.Get() && port == m_port;
}

void
SipStack::HandleParseError(std::string_view bytes, const ParseError& error, const Peer& remote)
{
    NS_LOG_DEBUG("unparseable message from " << remote.ToString() << ": " << error.what);
    bool answered = false;
    if (error.answer != 0 && error.isRequest && m_answerMalformed)
    {
        Message echo = RequestFromEcho(error.echoHeaders);
        // RFC 3261 17: an ACK is never answered.
        if (!IsAck(bytes, echo))
        {
            answered = SendStatelessAnswer(echo, error.answer, error.answerReason, remote);
        }
    }
    if (answered)
    {
        ++m_counters.parseErrorsAnswered;
    }
    else
    {
        ++m_counters.parseErrorsDropped;
    }
    Notify(remote, error, answered);
}

void
SipStack::HandleMissingHeader(Message& request, HeaderId missing, const Peer& remote)
{
    ParseError error;
    error.what = "missing required header " + std::string(CanonicalName(missing));
    error.answer = 400;
    error.answerReason = "Missing " + std::string(CanonicalName(missing)) + " header";
    error.isRequest = true;
    bool answered = false;
    // RFC 3261 8.1.1, 8.2: answer when the response can be routed and matched (top Via, CSeq).
    if (m_answerMalformed && request.GetTopVia() != nullptr && request.GetCSeq() != nullptr
        && request.GetMethod() != Method::Ack)
    {
        answered = SendStatelessAnswer(request, error.answer, error.answerReason, remote);
    }
    if (answered)
    {
        ++m_counters.parseErrorsAnswered;
    }
    else
    {
        ++m_counters.parseErrorsDropped;
    }
    Notify(remote, error, answered);
}

bool
SipStack::SendStatelessResponse(Message& request, const Peer& remote, uint16_t code,
                                std::string_view reason,
                                const std::vector<std::pair<std::string, std::string>>& headers)
{
    if (!request.IsRequest() || request.GetMethod() == Method::Ack)
    {
        return false; // RFC 3261 17: an ACK is never answered
    }
    return SendStatelessAnswer(request, code, reason, remote, headers);
}

bool
SipStack::SendStatelessAnswer(Message& request, uint16_t code, std::string_view reason,
                              const Peer& source,
                              const std::vector<std::pair<std::string, std::string>>& headers)
{
    StampReceivedVia(&request, source);
    const Via* top = request.GetTopVia();
    const Peer to = top != nullptr ? ResponseDestination(*top, source) : source;

    // RFC 3261 8.2.6.2: Via (all values, in order), From, To, Call-ID and CSeq are copied.
    // Values that do not parse are left out so that the answer itself parses: the client
    // matches it by the top Via branch and the CSeq (17.1.3). When the copies still make an
    // unparseable response (a bad Call-ID, ...), only the Vias and the CSeq are kept.
    Message response = BuildStatelessAnswer(request, code, reason, true, headers);
    m_txBuffer.clear();
    response.SerializeTo(&m_txBuffer);
    if (!Parse(m_txBuffer, Framing::Datagram).Ok())
    {
        response = BuildStatelessAnswer(request, code, reason, false, headers);
    }
    return Send(response, to, false);
}

Message
SipStack::BuildStatelessAnswer(const Message& request, uint16_t code, std::string_view reason,
                               bool full,
                               const std::vector<std::pair<std::string, std::string>>& headers)
{
    Message response = Message::MakeResponse(code, reason);
    for (const HeaderField& field : request.GetHeaders())
    {
        if (field.id != HeaderId::Via)
        {
            continue;
        }
        ForEachListElement(field.value, [&response](std::string_view element) {
            Via via;
            if (ParseVia(element, &via) == nullptr)
            {
                response.AddHeader(HeaderId::Via, element);
            }
            return true;
        });
    }
    if (full && request.GetFrom() != nullptr)
    {
        response.AddHeader(HeaderId::From, *request.FindHeader(HeaderId::From));
    }
    if (full && request.GetTo() != nullptr)
    {
        std::string value(*request.FindHeader(HeaderId::To));
        if (request.GetTo()->Tag().empty())
        {
            // A UAS adds a To tag to a response that has none (8.2.6.2).
            value += ";tag=sipsim";
            value += std::to_string(GetNodeId());
            value += 's';
            value += std::to_string(++m_tagCounter);
        }
        response.AddHeader(HeaderId::To, value);
    }
    if (full && !request.GetCallId().empty())
    {
        response.AddHeader(HeaderId::CallId, request.GetCallId());
    }
    if (request.GetCSeq() != nullptr)
    {
        response.AddHeader(HeaderId::CSeq, *request.FindHeader(HeaderId::CSeq));
    }
    for (const auto& [name, value] : headers)
    {
        if (!name.empty())
        {
            response.AddHeader(std::string_view(name), value);
        }
    }
    response.SetBody("", "");
    return response;
}

void
SipStack::Notify(const Peer& remote, const ParseError& error, bool answered)
{
    m_parseErrorTrace(GetNodeId(), remote, error, answered);
}

// --- TCP ---------------------------------------------------------------------------------------

bool
SipStack::HasTcpConnection(const Peer& remote) const
{
    return m_connections.count(Key(remote)) != 0;
}

void
SipStack::SetConnectionCallbacks(ns3::Ptr<ns3::Socket> socket)
{
    socket->SetRecvCallback(ns3::MakeCallback(&SipStack::HandleTcpRead, this));
    socket->SetSendCallback(ns3::MakeCallback(&SipStack::HandleTcpSend, this));
    socket->SetCloseCallbacks(ns3::MakeCallback(&SipStack::HandleNormalClose, this),
                              ns3::MakeCallback(&SipStack::HandleErrorClose, this));
}

SipStack::ConnectionPtr
SipStack::FindConnection(const ns3::Socket* socket) const
{
    const auto it = m_bySocket.find(socket);
    return it == m_bySocket.end() ? nullptr : it->second;
}

SipStack::ConnectionPtr
SipStack::FindConnectionTo(const Peer& remote) const
{
    const auto it = m_connections.find(Key(remote));
    return it == m_connections.end() ? nullptr : it->second;
}

void
SipStack::RemoveConnection(const ConnectionPtr& conn)
{
    m_bySocket.erase(ns3::PeekPointer(conn->socket));
    const auto it = m_connections.find(Key(conn->remote));
    if (it != m_connections.end() && it->second == conn)
    {
        m_connections.erase(it);
    }
    Detach(conn->socket);
}

void
SipStack::CloseConnection(const ConnectionPtr& conn)
{
    RemoveConnection(conn);
    conn->socket->Close();
}

bool
SipStack::HandleAcceptRequest(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from)
{
    (void) socket;
    (void) from;
    return m_running;
}

void
SipStack::HandleAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from)
{
    NS_LOG_FUNCTION(this << socket << from);
    auto conn = std::make_shared<TcpConnection>();
    conn->socket = socket;
    conn->remote = MakePeer(TransportProtocol::Tcp, from);
    ns3::Address local;
    conn->local = socket->GetSockName(local) == 0 ? MakePeer(TransportProtocol::Tcp, local)
                                                  : GetLocalPeer(TransportProtocol::Tcp);
    conn->connected = true;
    conn->accepted = true;
    ++m_counters.tcpConnectionsAccepted;
    const auto old = m_connections.find(Key(conn->remote));
    if (old != m_connections.end())
    {
        // The same remote address and port again: the old connection is stale.
        CloseConnection(old->second);
    }
    m_connections[Key(conn->remote)] = conn;
    m_bySocket[ns3::PeekPointer(socket)] = conn;
    SetConnectionCallbacks(socket);
}

void
SipStack::HandleConnected(ns3::Ptr<ns3::Socket> socket)
{
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (!conn)
    {
        return;
    }
    NS_LOG_FUNCTION(this << conn->remote.ToString());
    conn->connected = true;
    ns3::Address local;
    if (socket->GetSockName(local) == 0)
    {
        conn->local = MakePeer(TransportProtocol::Tcp, local);
    }
    Flush(conn);
}

void
SipStack::HandleConnectFailed(ns3::Ptr<ns3::Socket> socket)
{
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (!conn)
    {
        return;
    }
    NS_LOG_FUNCTION(this << conn->remote.ToString());
    ++m_counters.tcpConnectionsFailed;
    RemoveConnection(conn);
    // RFC 3261 17.1.4, 17.2.4: the transactions that used this connection fail.
    m_layer->ReportTransportError(conn->remote);
}

void
SipStack::HandleTcpSegment(ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header,
                           ns3::Ptr<const ns3::TcpSocketBase> socket)
{
    (void) packet;
    if ((header.GetFlags() & ns3::TcpHeader::RST) == 0)
    {
        return;
    }
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (conn && !conn->connected)
    {
        // Not from inside the socket's own receive path: right after it, at the same time.
        ns3::Simulator::ScheduleNow(&SipStack::HandleRefused, ns3::Ptr<SipStack>(this),
                                    conn->socket);
    }
}

void
SipStack::HandleRefused(ns3::Ptr<ns3::Socket> socket)
{
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (!conn || conn->connected)
    {
        return;
    }
    NS_LOG_FUNCTION(this << conn->remote.ToString());
    ++m_counters.tcpConnectionsFailed;
    CloseConnection(conn); // stops the SYN retransmissions
    m_layer->ReportTransportError(conn->remote);
}

void
SipStack::HandleNormalClose(ns3::Ptr<ns3::Socket> socket)
{
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (!conn)
    {
        return;
    }
    NS_LOG_FUNCTION(this << conn->remote.ToString());
    const bool pending = conn->HasPendingData();
    CloseConnection(conn); // the peer closed: close our half too
    if (pending)
    {
        m_layer->ReportTransportError(conn->remote);
    }
}

void
SipStack::HandleErrorClose(ns3::Ptr<ns3::Socket> socket)
{
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (!conn)
    {
        return;
    }
    NS_LOG_FUNCTION(this << conn->remote.ToString());
    if (conn->connected)
    {
        ++m_counters.tcpConnectionErrors;
    }
    else
    {
        ++m_counters.tcpConnectionsFailed; // reset while connecting
    }
    RemoveConnection(conn);
    m_layer->ReportTransportError(conn->remote);
}

void
SipStack::HandleTcpSend(ns3::Ptr<ns3::Socket> socket, uint32_t available)
{
    (void) available;
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (conn && conn->connected)
    {
        Flush(conn);
    }
}

void
SipStack::HandleTcpRead(ns3::Ptr<ns3::Socket> socket)
{
    const ConnectionPtr conn = FindConnection(ns3::PeekPointer(socket));
    if (!conn)
    {
        return;
    }
    while (ns3::Ptr<ns3::Packet> packet = socket->Recv())
    {
        const uint32_t size = packet->GetSize();
        if (size == 0)
        {
            break;
        }
        const size_t old = conn->rx.size();
        conn->rx.resize(old + size);
        packet->CopyData(reinterpret_cast<uint8_t*>(conn->rx.data() + old), size);
    }
    // RFC 3261 18.3: cut messages out of the stream by Content-Length.
    size_t consumed = 0;
    while (m_running && FindConnection(ns3::PeekPointer(socket)) == conn)
    {
        const std::string_view rest = std::string_view(conn->rx).substr(consumed);
        const StreamFrame frame = FindStreamFrame(rest, m_maxTcpBufferSize);
        if (frame.status == StreamFrame::Status::Complete)
        {
            // Copy the frame out: handling it may send on, or close, this connection.
            const std::string bytes(rest.substr(0, frame.length));
            consumed += frame.length;
            HandleBytes(bytes, Framing::Stream, conn->local, conn->remote);
            continue;
        }
        if (frame.status == StreamFrame::Status::Error
            || rest.size() > static_cast<size_t>(m_maxTcpBufferSize))
        {
            ParseError error;
            error.what = frame.status == StreamFrame::Status::Error
                             ? "TCP framing: " + frame.error
                             : "TCP framing: no complete message in " + std::to_string(rest.size())
                                   + " octets";
            error.isRequest = true;
            NS_LOG_DEBUG("closing the connection with " << conn->remote.ToString() << ": "
                                                        << error.what);
            ++m_counters.tcpFramingErrors;
            ++m_counters.parseErrorsDropped;
            CloseConnection(conn);
            Notify(conn->remote, error, false);
            return;
        }
        break; // incomplete: wait for more octets
    }
    conn->rx.erase(0, std::min(consumed, conn->rx.size()));
}

} // namespace sipsim

/*
 * One SIP endpoint on an ns-3 node: the transport layer of RFC 3261 section 18 over ns-3 UDP
 * and TCP sockets, below the transaction layer it owns (RFC 3261 17).
 */
#ifndef SIPSIM_SIP_STACK_H
#define SIPSIM_SIP_STACK_H

#include "message/sip-message.h"
#include "message/sip-parser.h"
#include "transaction/peer.h"
#include "transaction/transaction-layer.h"
#include "transport/ns3-timer-service.h"

#include <cstdint>
#include <map>
#include <memory>
#include <ns3/ipv4-address.h>
#include <ns3/node.h>
#include <ns3/nstime.h>
#include <ns3/object.h>
#include <ns3/ptr.h>
#include <ns3/socket.h>
#include <ns3/tcp-header.h>
#include <ns3/tcp-socket-base.h>
#include <ns3/traced-callback.h>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sipsim {

/// Whether a traced message left or reached the stack.
enum class Direction : uint8_t
{
    Tx,
    Rx,
};

/// "Tx" or "Rx".
std::string_view DirectionName(Direction direction);

/**
 * One SIP message sent or received by a SipStack, as the "Message" trace source reports it.
 * The pointers are valid only during the trace call.
 */
struct SipMessageTrace
{
    uint32_t node = 0;                   ///< ns-3 node id
    Direction direction = Direction::Tx; ///< sent (Tx) or received (Rx)
    TransportProtocol transport = TransportProtocol::Udp;
    Peer local;                       ///< this end (for TCP: the socket's end)
    Peer remote;                      ///< the other end
    const Message* message = nullptr; ///< the message (Rx: as parsed)
    uint32_t size = 0;                ///< octets on the wire (SIP text)
    bool retransmission = false;      ///< Tx: a copy sent again by a timer
};

/// What a SipStack did with the traffic that went through it.
struct SipStackCounters
{
    uint64_t udpMessagesSent = 0;        ///< messages handed to the UDP socket
    uint64_t udpMessagesReceived = 0;    ///< datagrams that parsed as SIP messages
    uint64_t tcpMessagesSent = 0;        ///< messages queued on a TCP connection
    uint64_t rawDatagramsSent = 0;       ///< SendRawUdp datagrams
    uint64_t tcpMessagesReceived = 0;    ///< messages framed from TCP and parsed
    uint64_t sendErrors = 0;             ///< Send() calls that returned false
    uint64_t parseErrorsAnswered = 0;    ///< bad requests answered statelessly (8.2, 18.3 / 4475)
    uint64_t parseErrorsDropped = 0;     ///< bad messages dropped (malformed responses, ACK, ...)
    uint64_t viaMismatchDropped = 0;     ///< responses whose top Via is not ours (18.1.2)
    uint64_t tcpConnectionsOpened = 0;   ///< connections this stack initiated
    uint64_t tcpConnectionsAccepted = 0; ///< connections accepted on the listening socket
    uint64_t tcpConnectionsFailed = 0;   ///< connection attempts that failed (refused, timeout)
    uint64_t tcpConnectionErrors = 0;    ///< established connections lost (reset, timeout)
    uint64_t tcpFramingErrors = 0;       ///< connections closed by the stack: unframeable stream or
                                         ///< a receive buffer past MaxTcpBufferSize (RFC 3261 18.3)
};

/**
 * Takes the parsed messages of a SipStack before its transaction layer sees them
 * (SipStack::SetAdmission): a model of the server's processing capacity (ProcessingQueue in
 * model/node) that delays, rejects or drops them.
 */
class MessageAdmission
{
  public:
    virtual ~MessageAdmission() = default;

    /**
     * Takes a parsed message before the transaction layer sees it; call SipStack::Deliver
     * later (or never: dropped). The stack has already counted it and fired its "Message"
     * trace (receipt time); a request's top Via is not stamped yet (Deliver does it).
     */
    virtual void Admit(Message message, const Peer& remote) = 0;
};

/**
 * A SIP endpoint on a node: UDP and TCP transports (RFC 3261 18) over ns-3 sockets, and the
 * TransactionLayer above them, which this object owns and feeds.
 *
 * Sending (18.1.1, 18.2.2): SipStack implements TransactionTransport. A request whose text is
 * larger than MaxUdpMessageSize goes over TCP when EnableTcp is set (SelectTransport, asked by
 * the transaction layer before it writes the Via). TCP messages to a peer (address, port)
 * share one connection, opened on demand (bytes are queued until it is established); the
 * responses to a request received over TCP go back on the connection it came on, because the
 * Peer of such a request is the connection's remote end.
 *
 * Receiving (18.1.2, 18.2.1, 18.3): a datagram is one message; a TCP stream is cut into
 * messages with FindStreamFrame. A request that does not parse is answered statelessly with
 * the parser's answer (400, 505, ...; never an ACK), built from the Via, From, To, Call-ID and
 * CSeq it carried; a malformed response is dropped. A request missing a header of RFC 3261
 * 8.1.1 is answered "400 Missing <Header> header" when it has a top Via and a CSeq. A request
 * gets received/rport on its top Via (18.2.1); a response whose top Via sent-by is not this
 * stack's LocalAddress:Port is dropped (18.1.2). Nothing the network sends can crash the node:
 * every fault is counted and reported on the "ParseError" trace.
 *
 * Admission (SetAdmission): with a MessageAdmission set, every message that parsed is counted,
 * traced ("Message", at receipt) and handed to it instead of being processed; what the
 * admission hands back through Deliver then gets the checks above (missing headers, foreign
 * Via, received/rport) and goes to the transaction layer. Bytes that do not parse are answered
 * or dropped at once, never queued (a parse error costs no modelled processing time).
 *
 * TCP connections stay open until the peer closes them, an error ends them, or Stop (no idle
 * timeout). A connection refused by the peer (a RST answering the SYN) fails the transactions
 * to that peer at once (TransactionLayer::ReportTransportError), as a real stack would, although
 * ns-3 3.37's TCP ignores that RST by itself. A response whose connection is gone goes on a new
 * connection to the Via's received address and sent-by port (18.2.2).
 *
 * Use SipStackHelper, or CreateObject<SipStack>(), set attributes, then Install(node).
 */
class SipStack
    : public ns3::Object
    , public TransactionTransport
{
  public:
    /// "Message": every message sent or received.
    typedef void (*MessageTracedCallback)(const SipMessageTrace& trace);
    /// "ParseError": bytes that were not a usable message; answered when a response was sent.
    typedef void (*ParseErrorTracedCallback)(uint32_t node, const Peer& remote,
                                             const ParseError& error, bool answered);
    /// "TransactionState": a transaction changed state (RFC 3261 17 state names).
    typedef void (*TransactionStateTracedCallback)(TransactionId id, std::string_view kind,
                                                   std::string_view from, std::string_view to);
    /// "TransactionTerminated": a transaction ended; how (final response, timeout, transport
    /// error), its final status and the state it left, with the request that created it.
    typedef void (*TransactionTerminatedTracedCallback)(uint32_t node, const TransactionEnd& end);

    static ns3::TypeId GetTypeId();

    SipStack();
    ~SipStack() override;
    SipStack(const SipStack&) = delete;
    SipStack& operator=(const SipStack&) = delete;

    /**
     * Attaches the stack to a node and starts it: resolves LocalAddress (the node's first
     * non-loopback IPv4 address when unset), binds a UDP socket to Port and, with EnableTcp, a
     * TCP socket listening on Port, and applies T1/T2/T4. The node needs an Ipv4 stack with
     * UDP and TCP (InternetStackHelper). Aborts when the port is taken: a configuration error.
     * The stack is not aggregated to the node (SipStackHelper does that).
     */
    void Install(ns3::Ptr<ns3::Node> node);

    /**
     * Closes every socket and connection (pending TCP data is discarded) and makes Send fail:
     * the node as seen from the network after a crash. The transaction layer keeps its state.
     */
    void Stop();

    /// Opens the sockets again after Stop (Install starts the stack the first time).
    void Start();

    /// True between Start (or Install) and Stop.
    bool IsRunning() const { return m_running; }

    ns3::Ptr<ns3::Node> GetNode() const { return m_node; }

    /// The node id, or UINT32_MAX before Install.
    uint32_t GetNodeId() const;

    TransactionLayer& GetTransactionLayer();

    /// The transaction user (UA or proxy core) the transaction layer reports to.
    void SetTransactionUser(TransactionUser* user);

    TimerService& GetTimerService() { return m_timers; }

    /**
     * Routes every parsed message through admission before the transaction layer (see
     * MessageAdmission). nullptr (the default): messages are delivered at once. The stack does
     * not own the admission; whoever sets it clears it before it goes away.
     */
    void SetAdmission(MessageAdmission* admission) { m_admission = admission; }

    MessageAdmission* GetAdmission() const { return m_admission; }

    /**
     * Processes a received message that parsed: a request missing a header of RFC 3261 8.1.1
     * is answered 400 statelessly; a request's top Via gets received/rport (18.2.1, RFC 3581;
     * exactly once: here); a response whose top Via is not this stack's is dropped (18.1.2);
     * then the transaction layer gets it. Without admission the stack calls this itself on
     * receipt; with one, the admission calls it (after its processing delay).
     */
    void Deliver(Message& message, const Peer& remote);

    /**
     * Answers a request without a transaction (RFC 3261 8.2.6.2): Via (all values), From, To
     * (tagged when it had no tag), Call-ID and CSeq copied from the request, plus `headers`
     * (name, value; e.g. {"Retry-After", "5"}), sent to where 18.2.2 says after stamping the
     * request's top Via (18.2.1). For a request that was not Delivered (a request rejected by
     * admission, e.g. 503 for overload, RFC 3261 21.5.4, RFC 6357). Never answer an ACK.
     * \return false when the stack could not send it
     */
    /**
     * Sends bytes as one UDP datagram from the stack's port, outside every transaction: text
     * that need not parse (a hostile or malformed request, RFC 4475). Not traced as a message
     * (it may not be one); counted in rawDatagramsSent. False when it cannot be sent.
     */
    bool SendRawUdp(std::string_view bytes, const Peer& to);

    bool SendStatelessResponse(Message& request, const Peer& remote, uint16_t code,
                               std::string_view reason,
                               const std::vector<std::pair<std::string, std::string>>& headers
                               = {});

    /// Sets T1, T2 and T4 (also the attributes) and hands them to the transaction layer.
    void SetTimerConfig(const TimerConfig& config);

    TimerConfig GetTimerConfig() const;

    /// The address this stack puts in its Via sent-by (resolved by Install).
    ns3::Ipv4Address GetLocalAddress() const { return m_localAddress; }

    uint16_t GetPort() const { return m_port; }

    const SipStackCounters& GetCounters() const { return m_counters; }

    /// Number of TCP connections open or being opened.
    size_t GetTcpConnectionCount() const { return m_connections.size(); }

    /// True when a TCP connection to (or from) that remote address and port is open or opening.
    bool HasTcpConnection(const Peer& remote) const;

    // --- TransactionTransport ---------------------------------------------------------------
    /// LocalAddress:Port, for either transport (both sockets are bound to Port).
    Peer GetLocalPeer(TransportProtocol transport) const override;

    /// RFC 3261 18.1.1: TCP for a message larger than MaxUdpMessageSize when TCP is enabled.
    TransportProtocol SelectTransport(size_t messageSize, TransportProtocol chosen) const override;

    /**
     * Sends a message: one UDP datagram to `to`, or bytes on the TCP connection to `to`
     * (opened when there is none). The packet payload is exactly the SIP text.
     * \return false when the stack is stopped, TCP is disabled, or the socket refuses at once
     */
    bool Send(const Message& message, const Peer& to, bool retransmission) override;

  protected:
    void DoDispose() override;

  private:
    /// One TCP connection, keyed by its remote address and port.
    struct TcpConnection
    {
        ns3::Ptr<ns3::Socket> socket;
        Peer remote;            ///< TCP, the other end
        Peer local;             ///< TCP, this end (known once connected)
        std::string rx;         ///< received octets not yet framed
        std::string tx;         ///< octets not yet accepted by the socket
        size_t txOffset = 0;    ///< octets of tx already accepted
        bool connected = false; ///< established (accepted connections always are)
        bool accepted = false;  ///< opened by the peer

        bool HasPendingData() const { return txOffset < tx.size(); }
    };

    using ConnectionPtr = std::shared_ptr<TcpConnection>;

    static uint64_t Key(const Peer& remote);

    void ApplyTimerConfig();
    void SetT1(ns3::Time t);
    void SetT2(ns3::Time t);
    void SetT4(ns3::Time t);
    ns3::Time GetT1() const { return m_t1; }
    ns3::Time GetT2() const { return m_t2; }
    ns3::Time GetT4() const { return m_t4; }

    Peer LocalUdpPeer() const;
    void ResolveLocalAddress();
    void OnStateChange(TransactionId id, TransactionKind kind, std::string_view from,
                       std::string_view to);

    // --- sending ---
    bool SendUdp(const Message& message, const Peer& to, bool retransmission);
    bool SendTcp(const Message& message, const Peer& to, bool retransmission);
    ns3::Ptr<ns3::Socket> CreateTcpSocket() const;
    ConnectionPtr OpenConnection(const Peer& remote);
    void Flush(const ConnectionPtr& conn);
    void TraceTx(const Message& message, TransportProtocol transport, const Peer& local,
                 const Peer& remote, bool retransmission);

    // --- receiving ---
    void HandleUdpRead(ns3::Ptr<ns3::Socket> socket);
    void HandleBytes(std::string_view bytes, Framing framing, const Peer& local,
                     const Peer& remote);
    void HandleParseError(std::string_view bytes, const ParseError& error, const Peer& remote);
    void HandleMissingHeader(Message& request, HeaderId missing, const Peer& remote);
    bool IsOwnSentBy(const Via& via) const;
    /**
     * Sends a stateless response (RFC 3261 8.2.6.2) with Via, From, To (tagged), Call-ID and
     * CSeq copied from request, to where 18.2.2 says after stamping its Via (18.2.1).
     */
    bool SendStatelessAnswer(Message& request, uint16_t code, std::string_view reason,
                             const Peer& source,
                             const std::vector<std::pair<std::string, std::string>>& headers = {});
    /// The stateless answer: all five headers (full), or only the Vias and the CSeq; then
    /// the extra headers.
    Message BuildStatelessAnswer(const Message& request, uint16_t code, std::string_view reason,
                                 bool full,
                                 const std::vector<std::pair<std::string, std::string>>& headers);
    void Notify(const Peer& remote, const ParseError& error, bool answered);

    // --- TCP sockets ---
    void SetConnectionCallbacks(ns3::Ptr<ns3::Socket> socket);
    ConnectionPtr FindConnection(const ns3::Socket* socket) const;
    ConnectionPtr FindConnectionTo(const Peer& remote) const;
    void RemoveConnection(const ConnectionPtr& conn);
    void CloseConnection(const ConnectionPtr& conn);
    bool HandleAcceptRequest(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
    void HandleAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
    void HandleConnected(ns3::Ptr<ns3::Socket> socket);
    void HandleConnectFailed(ns3::Ptr<ns3::Socket> socket);
    void HandleNormalClose(ns3::Ptr<ns3::Socket> socket);
    void HandleErrorClose(ns3::Ptr<ns3::Socket> socket);
    void HandleTcpRead(ns3::Ptr<ns3::Socket> socket);
    void HandleTcpSend(ns3::Ptr<ns3::Socket> socket, uint32_t available);
    /// Disconnects every callback and trace of the stack from a socket.
    void Detach(ns3::Ptr<ns3::Socket> socket);
    /// Watches the segments of a connection being opened for a RST (connection refused).
    void HandleTcpSegment(ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header,
                          ns3::Ptr<const ns3::TcpSocketBase> socket);
    void HandleRefused(ns3::Ptr<ns3::Socket> socket);

    // Attributes.
    ns3::Time m_t1;
    ns3::Time m_t2;
    ns3::Time m_t4;
    uint16_t m_port = 5060;
    bool m_enableTcp = true;
    bool m_answerMalformed = true; ///< attribute AnswerMalformedRequests
    uint32_t m_maxUdpMessageSize = 1300;
    uint32_t m_maxTcpBufferSize = 65536;
    ns3::Ipv4Address m_localAddress;

    ns3::Ptr<ns3::Node> m_node;
    bool m_running = false;
    // The timers must outlive the layer, which cancels its timers when destroyed.
    Ns3TimerService m_timers;
    std::unique_ptr<TransactionLayer> m_layer;
    MessageAdmission* m_admission = nullptr; ///< not owned; nullptr: deliver at once

    ns3::Ptr<ns3::Socket> m_udpSocket;
    ns3::Ptr<ns3::Socket> m_tcpListener;
    std::map<uint64_t, ConnectionPtr> m_connections; ///< by remote address:port
    std::unordered_map<const ns3::Socket*, ConnectionPtr> m_bySocket;

    std::string m_txBuffer; ///< reused serialization buffer
    std::string m_rxBuffer; ///< reused datagram buffer
    uint64_t m_tagCounter = 0;
    SipStackCounters m_counters;

    ns3::TracedCallback<const SipMessageTrace&> m_messageTrace;
    ns3::TracedCallback<uint32_t, const Peer&, const ParseError&, bool> m_parseErrorTrace;
    ns3::TracedCallback<TransactionId, std::string_view, std::string_view, std::string_view>
        m_stateTrace;
    ns3::TracedCallback<uint32_t, const TransactionEnd&> m_terminatedTrace;
};

} // namespace sipsim

#endif // SIPSIM_SIP_STACK_H

/*
 * An in-memory network for unit tests of the SIP layers above the transport: several
 * TransactionLayers on one FakeClock, each with a TransactionTransport that serializes what it
 * sends and delivers the text, parsed again, to the layer owning the destination after a fixed
 * one-way delay. Every message is logged; a predicate may drop any of them.
 */
#ifndef SIPSIM_TESTS_SIM_NETWORK_H
#define SIPSIM_TESTS_SIM_NETWORK_H

#include "message/sip-parser.h"
#include "support/fake-clock.h"
#include "transaction/transaction-layer.h"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim::test {

/// One message handed to the network.
struct SimLogEntry
{
    Duration time{0};            ///< when it was sent
    Peer from;                   ///< the sender (its local peer for that transport)
    Peer to;                     ///< the destination
    std::string firstLine;       ///< "INVITE sip:bob@10.0.0.2 SIP/2.0" or "SIP/2.0 180 Ringing"
    bool retransmission = false; ///< as flagged by the sender (a timer's copy)
    bool dropped = false;        ///< the drop predicate discarded it
    bool delivered = false;      ///< a node owns the destination (false: lost, or refused)
    std::string text;            ///< the serialized message

    /// "INVITE", "ACK", ... for a request; "" for a response.
    std::string Method() const
    {
        const size_t space = firstLine.find(' ');
        return firstLine.rfind("SIP/", 0) == 0 ? std::string() : firstLine.substr(0, space);
    }

    /// The status code of a response, 0 for a request.
    int Status() const
    {
        return firstLine.rfind("SIP/2.0 ", 0) == 0 ? std::stoi(firstLine.substr(8, 3)) : 0;
    }

    /// The method of the CSeq header ("INVITE" for a 180 to an INVITE).
    std::string CSeqMethod() const
    {
        const ParseResult parsed = Parse(text);
        if (!parsed.Ok() || parsed.GetMessage().GetCSeq() == nullptr)
        {
            return {};
        }
        return std::string(parsed.GetMessage().GetCSeq()->method);
    }

    /// Short form for failure messages: "1.010000s UDP 10.0.0.2:5060 -> ...: SIP/2.0 180".
    std::string Describe() const
    {
        return std::to_string(std::chrono::duration<double>(time).count()) + "s " + from.ToString()
               + " -> " + to.ToString() + ": " + firstLine + (retransmission ? " (rtx)" : "")
               + (dropped ? " (dropped)" : "");
    }
};

class SimNetwork
{
  public:
    /// Decides whether a message is lost (true: drop it). Called once per message sent.
    using DropPredicate
        = std::function<bool(const Message& message, const Peer& from, const Peer& to)>;

    explicit SimNetwork(FakeClock& clock, Duration oneWayDelay = std::chrono::milliseconds(10))
        : m_clock(clock)
        , m_delay(oneWayDelay)
    {}

    SimNetwork(const SimNetwork&) = delete;
    SimNetwork& operator=(const SimNetwork&) = delete;

    /// Adds an endpoint listening on address:port (UDP and TCP); returns its layer.
    TransactionLayer& AddNode(std::string_view address, uint16_t port = 5060,
                              TimerConfig config = {})
    {
        auto node = std::make_unique<Node>();
        node->network = this;
        node->address = *ParseIpv4(address);
        node->port = port;
        node->layer = std::make_unique<TransactionLayer>(m_clock, *node, config);
        // Branches unique across the network, as real endpoints' random ones would be.
        node->layer->SetBranchPrefix("n" + std::to_string(m_nodes.size() + 1));
        m_nodes.push_back(std::move(node));
        return *m_nodes.back()->layer;
    }

    /// The transport of a layer added with AddNode.
    TransactionTransport& GetTransport(const TransactionLayer& layer)
    {
        for (const auto& node : m_nodes)
        {
            if (node->layer.get() == &layer)
            {
                return *node;
            }
        }
        return *m_nodes.front();
    }

    void SetDropPredicate(DropPredicate predicate) { m_drop = std::move(predicate); }

    const std::vector<SimLogEntry>& GetLog() const { return m_log; }

    /// Log entries for which match(entry) holds.
    std::vector<SimLogEntry> Select(const std::function<bool(const SimLogEntry&)>& match) const
    {
        std::vector<SimLogEntry> out;
        for (const SimLogEntry& e : m_log)
        {
            if (match(e))
            {
                out.push_back(e);
            }
        }
        return out;
    }

    /// Entries of requests with that method.
    std::vector<SimLogEntry> Requests(std::string_view method) const
    {
        return Select([method](const SimLogEntry& e) { return e.Method() == method; });
    }

    /// Entries of responses with that status to requests with that CSeq method.
    std::vector<SimLogEntry> Responses(int status, std::string_view cseqMethod) const
    {
        return Select([status, cseqMethod](const SimLogEntry& e) {
            return e.Status() == status && e.CSeqMethod() == cseqMethod;
        });
    }

    /// The whole log, one Describe() per line (for failure messages).
    std::string Dump() const
    {
        std::string out;
        for (const SimLogEntry& e : m_log)
        {
            out += e.Describe();
            out += '\n';
        }
        return out;
    }

    // --- drop predicates --------------------------------------------------------------------
    /// Drops the nth (1-based) request with that method, retransmissions counted.
    static DropPredicate DropNthRequest(std::string method, int n)
    {
        auto seen = std::make_shared<int>(0);
        return [method, n, seen](const Message& m, const Peer&, const Peer&) {
            return m.IsRequest() && m.GetMethodName() == method && ++*seen == n;
        };
    }

    /// Drops every request with that method.
    static DropPredicate DropRequests(std::string method)
    {
        return [method](const Message& m, const Peer&, const Peer&) {
            return m.IsRequest() && m.GetMethodName() == method;
        };
    }

    /// Drops the first count responses with that status to cseqMethod (count < 0: all).
    static DropPredicate DropResponses(int status, std::string cseqMethod, int count = -1)
    {
        auto seen = std::make_shared<int>(0);
        return [status, cseqMethod, count, seen](const Message& m, const Peer&, const Peer&) {
            if (!m.IsResponse() || m.GetStatusCode() != status || m.GetCSeq() == nullptr
                || m.GetCSeq()->method != cseqMethod)
            {
                return false;
            }
            return count < 0 || ++*seen <= count;
        };
    }

  private:
    struct Node : TransactionTransport
    {
        SimNetwork* network = nullptr;
        Ipv4 address = 0;
        uint16_t port = 5060;
        std::unique_ptr<TransactionLayer> layer;

        Peer GetLocalPeer(TransportProtocol transport) const override
        {
            return Peer{transport, address, port};
        }

        bool Send(const Message& message, const Peer& to, bool retransmission) override
        {
            return network->Transmit(*this, message, to, retransmission);
        }
    };

    Node* FindNode(const Peer& peer) const
    {
        for (const auto& node : m_nodes)
        {
            if (node->address == peer.address && node->port == peer.port)
            {
                return node.get();
            }
        }
        return nullptr;
    }

    bool Transmit(Node& sender, const Message& message, const Peer& to, bool retransmission)
    {
        SimLogEntry entry;
        entry.time = m_clock.Now();
        entry.from = sender.GetLocalPeer(to.transport);
        entry.to = to;
        entry.text = message.Serialize();
        entry.firstLine = entry.text.substr(0, entry.text.find("\r\n"));
        entry.retransmission = retransmission;
        entry.dropped = m_drop && m_drop(message, entry.from, to);
        Node* destination = FindNode(to);
        entry.delivered = destination != nullptr && !entry.dropped;
        m_log.push_back(entry);
        if (destination == nullptr)
        {
            // Nobody there: a datagram is lost silently, a connection is refused.
            return to.transport == TransportProtocol::Udp;
        }
        if (entry.dropped)
        {
            return true;
        }
        const Peer from = entry.from;
        const Framing framing
            = to.transport == TransportProtocol::Udp ? Framing::Datagram : Framing::Stream;
        m_clock.Schedule(m_delay, [destination, from, framing, text = std::move(entry.text)]() {
            ParseResult parsed = Parse(text, framing);
            if (!parsed.Ok())
            {
                return;
            }
            Message& received = parsed.GetMessage();
            if (received.IsRequest())
            {
                StampReceivedVia(&received, from);
            }
            destination->layer->ReceiveMessage(received, from);
        });
        return true;
    }

    FakeClock& m_clock;
    Duration m_delay;
    DropPredicate m_drop;
    std::vector<std::unique_ptr<Node>> m_nodes;
    std::vector<SimLogEntry> m_log;
};

} // namespace sipsim::test

#endif // SIPSIM_TESTS_SIM_NETWORK_H

/*
 * ReplayNetwork: a recorded run's UDP messages over the same ns-3 network, without SIP.
 */
#include "run/network-replay.h"

#include "run/scenario-runner.h"
#include "scenario.pb.h"
#include "topology/network-builder.h"
#include "trace/trace-file.h"
#include "transaction/peer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <google/protobuf/text_format.h>
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <optional>
#include <vector>

namespace sipsim::run {

namespace {

/// The port every SipStack of a run listens on (its Port attribute; the runner keeps 5060).
constexpr uint16_t kSipPort = 5060;

/// One recorded send.
struct Send
{
    int64_t timeNs;
    uint32_t node;
    uint32_t size;
    uint32_t address; ///< the peer's IPv4 address, host order
    uint16_t port;
};

/// The sockets and the schedule of one replay.
class Replayer
{
  public:
    Replayer(std::vector<Send> sends, ReplayResult* result)
        : m_sends(std::move(sends))
        , m_result(result)
    {
        uint32_t largest = 0;
        for (const Send& s : m_sends)
        {
            largest = std::max(largest, s.size);
        }
        // Bytes of the size a SIP message has: ns-3 copies them into the packet as it copies
        // a serialized message (an all-zero packet would take ns-3's zero-area shortcut).
        m_payload.assign(largest, 'x');
        m_rx.resize(65536);
    }

    /// One socket on the SIP port of every node.
    void Install(const ns3::NodeContainer& nodes)
    {
        m_sockets.resize(ns3::NodeList::GetNNodes());
        m_result->receivedByNode.assign(m_sockets.size(), 0);
        for (uint32_t i = 0; i < nodes.GetN(); ++i)
        {
            const ns3::Ptr<ns3::Node> node = nodes.Get(i);
            ns3::Ptr<ns3::Socket> socket
                = ns3::Socket::CreateSocket(node, ns3::UdpSocketFactory::GetTypeId());
            socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), kSipPort));
            socket->SetRecvCallback(ns3::MakeCallback(&Replayer::Receive, this));
            m_sockets.at(node->GetId()) = socket;
        }
        if (!m_sends.empty())
        {
            ns3::Simulator::Schedule(ns3::NanoSeconds(m_sends.front().timeNs), &Replayer::SendDue,
                                     this);
        }
    }

    void Close()
    {
        for (const auto& socket : m_sockets)
        {
            if (socket)
            {
                socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
                socket->Close();
            }
        }
        m_sockets.clear();
    }

  private:
    /// Sends every message recorded at the current time, then waits for the next time: one
    /// pending replay event at a time, not one per message.
    void SendDue()
    {
        const int64_t now = ns3::Simulator::Now().GetNanoSeconds();
        while (m_next < m_sends.size() && m_sends[m_next].timeNs <= now)
        {
            const Send& s = m_sends[m_next++];
            const ns3::Ptr<ns3::Socket>& socket = m_sockets[s.node]; // checked: a known node
            ns3::Ptr<ns3::Packet> packet = ns3::Create<ns3::Packet>(
                reinterpret_cast<const uint8_t*>(m_payload.data()), s.size);
            if (socket->SendTo(packet, 0,
                               ns3::InetSocketAddress(ns3::Ipv4Address(s.address), s.port))
                >= 0)
            {
                ++m_result->sent;
            }
        }
        if (m_next < m_sends.size())
        {
            ns3::Simulator::Schedule(ns3::NanoSeconds(m_sends[m_next].timeNs - now),
                                     &Replayer::SendDue, this);
        }
    }

    /// Reads and copies out every queued datagram, as SipStack::HandleUdpRead does.
    void Receive(ns3::Ptr<ns3::Socket> socket)
    {
        ns3::Address from;
        while (ns3::Ptr<ns3::Packet> packet = socket->RecvFrom(from))
        {
            const uint32_t size = packet->GetSize();
            packet->CopyData(reinterpret_cast<uint8_t*>(m_rx.data()), size);
            ++m_result->received;
            ++m_result->receivedByNode[socket->GetNode()->GetId()];
            m_result->bytesReceived += size;
        }
    }

    std::vector<Send> m_sends;
    size_t m_next = 0;
    std::vector<ns3::Ptr<ns3::Socket>> m_sockets; ///< by ns-3 node id
    std::string m_payload;
    std::string m_rx;
    ReplayResult* m_result;
};

} // namespace

bool
ReplayNetwork(const std::string& tracePath, int64_t untilNs, ReplayResult* result,
              std::string* error)
{
    *result = ReplayResult();
    trace::TraceReader reader;
    if (!reader.Open(tracePath))
    {
        *error = tracePath + ": " + reader.GetError();
        return false;
    }
    scenario::Scenario s;
    if (!google::protobuf::TextFormat::ParseFromString(reader.GetHeader().effective_scenario_text(),
                                                       &s))
    {
        *error = tracePath + ": the header's effective_scenario_text is not a scenario";
        return false;
    }
    const int64_t durationNs = static_cast<int64_t>(s.duration_s() * 1e9);
    const int64_t endNs = untilNs < 0 ? durationNs : std::min(untilNs, durationNs);

    std::vector<Send> sends;
    trace::Record record;
    while (reader.Next(&record))
    {
        if (!record.has_message())
        {
            continue;
        }
        const trace::Message& m = record.message();
        if (m.time_ns() > endNs)
        {
            continue;
        }
        if (m.transport() != trace::UDP)
        {
            result->skipped += m.tx() ? 1 : 0;
            continue;
        }
        if (!m.tx())
        {
            ++result->traceReceived;
            continue;
        }
        const std::optional<Peer> peer = ParsePeer(m.peer());
        if (!peer || peer->transport != TransportProtocol::Udp)
        {
            *error = tracePath + ": a message's peer is not \"UDP a.b.c.d:port\": \"" + m.peer()
                     + "\"";
            return false;
        }
        sends.push_back(Send{m.time_ns(), m.node(), m.size(), peer->address, peer->port});
    }
    if (reader.IsError())
    {
        *error = tracePath + ": " + reader.GetError();
        return false;
    }
    result->traceSent = sends.size();
    // A recorder writes messages as they happen; sorted anyway, so that SendDue may assume it.
    std::stable_sort(sends.begin(), sends.end(),
                     [](const Send& a, const Send& b) { return a.timeNs < b.timeNs; });

    ns3::Simulator::Destroy();
    ns3::RngSeedManager::SetSeed(s.seed() == 0 ? 1 : s.seed());
    ns3::RngSeedManager::SetRun(s.run() == 0 ? 1 : s.run());
    const std::string scenarioFile
        = (std::filesystem::path(tracePath).parent_path() / "scenario").string();
    topology::Topology topo;
    if (!BuildScenarioTopology(s, scenarioFile, &topo, error))
    {
        return false;
    }
    topology::NetworkBuilder network;
    if (!network.Build(topo, error))
    {
        return false;
    }
    // The run's streams: its first are the network's (RunScenario), the stack's apart.
    network.AssignStreams(1);
    network.AssignStackStreams();

    std::vector<bool> known(ns3::NodeList::GetNNodes(), false);
    for (uint32_t i = 0; i < network.Nodes().GetN(); ++i)
    {
        known[network.Nodes().Get(i)->GetId()] = true;
    }
    for (const Send& send : sends)
    {
        if (send.node >= known.size() || !known[send.node])
        {
            *error = tracePath + ": a message was sent by node " + std::to_string(send.node)
                     + ", which the network of the trace's scenario does not have ("
                     + std::to_string(network.Nodes().GetN()) + " nodes)";
            ns3::Simulator::Destroy();
            return false;
        }
    }
    Replayer replayer(std::move(sends), result);
    replayer.Install(network.Nodes());
    ns3::Simulator::Stop(ns3::NanoSeconds(endNs));
    const auto start = std::chrono::steady_clock::now();
    ns3::Simulator::Run();
    result->wallSeconds
        = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result->endNs = ns3::Simulator::Now().GetNanoSeconds();
    replayer.Close();
    ns3::Simulator::Destroy();
    return true;
}

} // namespace sipsim::run

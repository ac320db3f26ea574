#include "node/hostile-sender.h"

#include "transport/sip-stack.h"

#include <ns3/double.h>
#include <ns3/simulator.h>

namespace sipsim {

NS_OBJECT_ENSURE_REGISTERED(HostileSender);

ns3::TypeId
HostileSender::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::HostileSender")
              .SetParent<ns3::Application>()
              .AddConstructor<HostileSender>()
              .AddAttribute(
                  "MissingCallIdRate", "Requests per second without Call-ID (answered 400).",
                  ns3::DoubleValue(0), ns3::MakeDoubleAccessor(&HostileSender::m_missingCallIdRate),
                  ns3::MakeDoubleChecker<double>(0))
              .AddAttribute("UnsupportedProxyRequireRate",
                            "INVITEs per second whose Proxy-Require names an unknown extension "
                            "(answered 420).",
                            ns3::DoubleValue(0),
                            ns3::MakeDoubleAccessor(&HostileSender::m_proxyRequireRate),
                            ns3::MakeDoubleChecker<double>(0))
              .AddAttribute("UnmatchedCancelRate",
                            "CANCELs per second that match no transaction (answered 481).",
                            ns3::DoubleValue(0),
                            ns3::MakeDoubleAccessor(&HostileSender::m_cancelRate),
                            ns3::MakeDoubleChecker<double>(0))
              .AddAttribute(
                  "UnknownMethodRate", "Requests per second of an unknown method (answered 501).",
                  ns3::DoubleValue(0), ns3::MakeDoubleAccessor(&HostileSender::m_methodRate),
                  ns3::MakeDoubleChecker<double>(0))
              .AddAttribute("UnsupportedVersionRate",
                            "Requests per second of SIP/3.0 (answered 505).", ns3::DoubleValue(0),
                            ns3::MakeDoubleAccessor(&HostileSender::m_versionRate),
                            ns3::MakeDoubleChecker<double>(0));
    return tid;
}

HostileSender::HostileSender()
{
    for (auto& gap : m_gaps)
    {
        gap = ns3::CreateObject<ns3::ExponentialRandomVariable>();
    }
}

void
HostileSender::Setup(ns3::Ptr<SipStack> stack, const Peer& target, const std::string& domain)
{
    m_stack = stack;
    m_target = target;
    m_domain = domain;
}

int64_t
HostileSender::AssignStreams(int64_t stream)
{
    for (size_t k = 0; k < m_gaps.size(); ++k)
    {
        m_gaps[k]->SetStream(stream + static_cast<int64_t>(k));
    }
    return static_cast<int64_t>(m_gaps.size());
}

std::string
HostileSender::Request(HostileKind kind, uint64_t n, const Peer& from, const std::string& domain)
{
    const std::string id = std::to_string(n);
    const std::string via = "Via: SIP/2.0/UDP " + from.ToString().substr(4)
                            + ";branch=z9hG4bK-hostile-" + std::to_string(static_cast<int>(kind))
                            + "-" + id + "\r\n";
    const std::string common = "Max-Forwards: 70\r\nFrom: <sip:hostile@" + domain + ">;tag=h" + id
                               + "\r\nTo: <sip:nobody@" + domain + ">\r\n";
    const std::string callId = "Call-ID: hostile-" + id + "@" + domain + "\r\n";
    const std::string end = "Content-Length: 0\r\n\r\n";
    switch (kind)
    {
        case HostileKind::MissingCallId:
            return "OPTIONS sip:" + domain + " SIP/2.0\r\n" + via + common + "CSeq: 1 OPTIONS\r\n"
                   + end;
        case HostileKind::UnsupportedProxyRequire:
            return "INVITE sip:nobody@" + domain + " SIP/2.0\r\n" + via + common + callId
                   + "CSeq: 1 INVITE\r\nContact: <sip:hostile@" + from.ToString().substr(4)
                   + ">\r\nProxy-Require: com.example.no-such-extension\r\n" + end;
        case HostileKind::UnmatchedCancel:
            return "CANCEL sip:nobody@" + domain + " SIP/2.0\r\n" + via + common + callId
                   + "CSeq: 1 CANCEL\r\n" + end;
        case HostileKind::UnknownMethod:
            return "FROBNICATE sip:" + domain + " SIP/2.0\r\n" + via + common + callId
                   + "CSeq: 1 FROBNICATE\r\n" + end;
        case HostileKind::UnsupportedVersion:
            return "OPTIONS sip:" + domain + " SIP/3.0\r\n" + via + common + callId
                   + "CSeq: 1 OPTIONS\r\n" + end;
    }
    return {};
}

double
HostileSender::RateOf(HostileKind kind) const
{
    switch (kind)
    {
        case HostileKind::MissingCallId:
            return m_missingCallIdRate;
        case HostileKind::UnsupportedProxyRequire:
            return m_proxyRequireRate;
        case HostileKind::UnmatchedCancel:
            return m_cancelRate;
        case HostileKind::UnknownMethod:
            return m_methodRate;
        case HostileKind::UnsupportedVersion:
            return m_versionRate;
    }
    return 0;
}

void
HostileSender::StartApplication()
{
    for (size_t k = 0; k < m_events.size(); ++k)
    {
        Schedule(static_cast<HostileKind>(k));
    }
}

void
HostileSender::StopApplication()
{
    for (auto& event : m_events)
    {
        ns3::Simulator::Cancel(event);
    }
}

void
HostileSender::DoDispose()
{
    m_stack = nullptr;
    ns3::Application::DoDispose();
}

void
HostileSender::Schedule(HostileKind kind)
{
    const auto k = static_cast<size_t>(kind);
    const double rate = RateOf(kind);
    if (rate > 0 && m_stack)
    {
        m_events[k] = ns3::Simulator::Schedule(ns3::Seconds(m_gaps[k]->GetValue(1.0 / rate, 0)),
                                               &HostileSender::Send, this, kind);
    }
}

void
HostileSender::Send(HostileKind kind)
{
    const auto k = static_cast<size_t>(kind);
    const Peer from = m_stack->GetLocalPeer(TransportProtocol::Udp);
    if (m_stack->SendRawUdp(Request(kind, m_sent[k] + 1, from, m_domain), m_target))
    {
        ++m_sent[k];
    }
    Schedule(kind);
}

} // namespace sipsim

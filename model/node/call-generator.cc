/*
 * CallGenerator: Poisson arrivals, idle callers, callee selection.
 */
#include "node/call-generator.h"

#include "ua/user-agent.h"

#include <ns3/double.h>
#include <ns3/log.h>
#include <ns3/simulator.h>
#include <ns3/string.h>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("CallGenerator");
NS_OBJECT_ENSURE_REGISTERED(CallGenerator);

ns3::TypeId
CallGenerator::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::CallGenerator")
              .SetParent<ns3::Application>()
              .SetGroupName("Sipsim")
              .AddConstructor<CallGenerator>()
              .AddAttribute("Rate", "Aggregate Poisson rate of call attempts (per second).",
                            ns3::DoubleValue(1.0), ns3::MakeDoubleAccessor(&CallGenerator::m_rate),
                            ns3::MakeDoubleChecker<double>(0.0))
              .AddAttribute("BhcaPerUser",
                            "Busy-hour call attempts per caller; when > 0 the rate is "
                            "BhcaPerUser * callers / 3600 instead of Rate.",
                            ns3::DoubleValue(0.0),
                            ns3::MakeDoubleAccessor(&CallGenerator::m_bhcaPerUser),
                            ns3::MakeDoubleChecker<double>(0.0))
              .AddAttribute("UnknownFraction",
                            "Fraction of calls to a number nobody has (the network answers 404).",
                            ns3::DoubleValue(0.0),
                            ns3::MakeDoubleAccessor(&CallGenerator::m_unknownFraction),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0))
              .AddAttribute("PstnFraction", "Fraction of calls to PSTN numbers (PstnHost).",
                            ns3::DoubleValue(0.0),
                            ns3::MakeDoubleAccessor(&CallGenerator::m_pstnFraction),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0))
              .AddAttribute(
                  "PstnPrefix", "Digits PSTN numbers start with.", ns3::StringValue("555"),
                  ns3::MakeStringAccessor(&CallGenerator::m_pstnPrefix), ns3::MakeStringChecker())
              .AddAttribute(
                  "PstnHost", "Host part of PSTN numbers: the gateway's domain or address.",
                  ns3::StringValue(""), ns3::MakeStringAccessor(&CallGenerator::m_pstnHost),
                  ns3::MakeStringChecker())
              .AddAttribute("UnknownHost",
                            "Host part of unknown numbers; empty: the host of a random callee.",
                            ns3::StringValue(""),
                            ns3::MakeStringAccessor(&CallGenerator::m_unknownHost),
                            ns3::MakeStringChecker());
    return tid;
}

CallGenerator::CallGenerator()
    : m_interArrival(ns3::CreateObject<ns3::ExponentialRandomVariable>())
    , m_pickCaller(ns3::CreateObject<ns3::UniformRandomVariable>())
    , m_pickCallee(ns3::CreateObject<ns3::UniformRandomVariable>())
{}

CallGenerator::~CallGenerator() = default;

void
CallGenerator::AddCallers(ns3::Ptr<SipPhone> phones)
{
    for (uint32_t i = 0; i < phones->GetUserCount(); ++i)
    {
        m_callers.push_back({phones, i});
    }
}

void
CallGenerator::AddCallee(const std::string& uri)
{
    m_callees.push_back(uri);
}

double
CallGenerator::GetRate() const
{
    return m_bhcaPerUser > 0 ? m_bhcaPerUser * static_cast<double>(m_callers.size()) / 3600.0
                             : m_rate;
}

int64_t
CallGenerator::AssignStreams(int64_t stream)
{
    m_interArrival->SetStream(stream);
    m_pickCaller->SetStream(stream + 1);
    m_pickCallee->SetStream(stream + 2);
    return 3;
}

void
CallGenerator::StartApplication()
{
    ScheduleNext();
}

void
CallGenerator::StopApplication()
{
    ns3::Simulator::Cancel(m_next);
}

void
CallGenerator::ScheduleNext()
{
    const double rate = GetRate();
    if (rate <= 0 || m_callers.empty())
    {
        return;
    }
    m_interArrival->SetAttribute("Mean", ns3::DoubleValue(1.0 / rate));
    m_next = ns3::Simulator::Schedule(ns3::Seconds(m_interArrival->GetValue()),
                                      &CallGenerator::Arrival, this);
}

std::string
CallGenerator::ChooseCallee(const std::string& callerAor)
{
    const double u = m_pickCallee->GetValue(0.0, 1.0);
    if (u < m_unknownFraction)
    {
        ++m_counters.unknown;
        std::string host = m_unknownHost;
        if (host.empty() && !m_callees.empty())
        {
            const std::string& any = m_callees[m_pickCallee->GetInteger(
                0, static_cast<uint32_t>(m_callees.size() - 1))];
            host = any.substr(any.find('@') + 1);
        }
        return "sip:unknown-" + std::to_string(m_counters.unknown) + "@" + host;
    }
    if (u < m_unknownFraction + m_pstnFraction && !m_pstnHost.empty())
    {
        ++m_counters.pstn;
        return "sip:" + m_pstnPrefix
               + std::to_string(1000000 + m_pickCallee->GetInteger(0, 8999999)) + "@" + m_pstnHost;
    }
    if (m_callees.empty())
    {
        return {};
    }
    // Uniform over the callees other than the caller.
    for (int attempt = 0; attempt < 8; ++attempt)
    {
        const std::string& uri
            = m_callees[m_pickCallee->GetInteger(0, static_cast<uint32_t>(m_callees.size() - 1))];
        if (uri != callerAor)
        {
            return uri;
        }
    }
    return {};
}

void
CallGenerator::Arrival()
{
    ++m_counters.arrivals;
    // A random caller; when busy, the next idle one after it (in a fixed order).
    const auto n = static_cast<uint32_t>(m_callers.size());
    const uint32_t start = m_pickCaller->GetInteger(0, n - 1);
    bool placed = false;
    for (uint32_t k = 0; k < n && !placed; ++k)
    {
        const Caller& caller = m_callers[(start + k) % n];
        if (caller.phone->IsInCall(caller.user))
        {
            continue;
        }
        const UserAgent* ua = caller.phone->GetUserAgent(caller.user);
        const std::string aor = ua != nullptr ? ua->GetConfig().aor : std::string();
        const std::string callee = ChooseCallee(aor);
        if (!callee.empty() && caller.phone->Call(caller.user, callee))
        {
            ++m_counters.placed;
        }
        placed = true;
    }
    if (!placed)
    {
        ++m_counters.noIdleCaller;
    }
    ScheduleNext();
}

} // namespace sipsim

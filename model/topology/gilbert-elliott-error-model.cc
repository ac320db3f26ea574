#include "topology/gilbert-elliott-error-model.h"

#include <ns3/double.h>
#include <ns3/simulator.h>

namespace sipsim::topology {

NS_OBJECT_ENSURE_REGISTERED(GilbertElliottErrorModel);

ns3::TypeId
GilbertElliottErrorModel::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::GilbertElliottErrorModel")
              .SetParent<ns3::ErrorModel>()
              .AddConstructor<GilbertElliottErrorModel>()
              .AddAttribute("GoodToBad",
                            "Rate per second of leaving the good state (its mean length is the "
                            "inverse)",
                            ns3::DoubleValue(1.0),
                            ns3::MakeDoubleAccessor(&GilbertElliottErrorModel::m_goodToBad),
                            ns3::MakeDoubleChecker<double>(0.0))
              .AddAttribute("BadToGood",
                            "Rate per second of leaving the bad state (its mean length is the "
                            "inverse)",
                            ns3::DoubleValue(1.0),
                            ns3::MakeDoubleAccessor(&GilbertElliottErrorModel::m_badToGood),
                            ns3::MakeDoubleChecker<double>(0.0))
              .AddAttribute("LossGood", "Loss probability of a packet in the good state",
                            ns3::DoubleValue(0.0),
                            ns3::MakeDoubleAccessor(&GilbertElliottErrorModel::m_lossGood),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0))
              .AddAttribute("LossBad", "Loss probability of a packet in the bad state",
                            ns3::DoubleValue(1.0),
                            ns3::MakeDoubleAccessor(&GilbertElliottErrorModel::m_lossBad),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0));
    return tid;
}

GilbertElliottErrorModel::GilbertElliottErrorModel()
    : m_sojourn(ns3::CreateObject<ns3::ExponentialRandomVariable>())
    , m_loss(ns3::CreateObject<ns3::UniformRandomVariable>())
{}

void
GilbertElliottErrorModel::Start()
{
    m_bad = false;
    m_started = true;
    m_nextSwitch = m_goodToBad > 0 ? ns3::Simulator::Now()
                                         + ns3::Seconds(m_sojourn->GetValue(1.0 / m_goodToBad, 0))
                                   : ns3::Time::Max();
}

bool
GilbertElliottErrorModel::IsBad()
{
    Advance();
    return m_bad;
}

int64_t
GilbertElliottErrorModel::AssignStreams(int64_t stream)
{
    m_sojourn->SetStream(stream);
    m_loss->SetStream(stream + 1);
    return 2;
}

void
GilbertElliottErrorModel::Advance()
{
    if (!m_started)
    {
        Start();
    }
    const ns3::Time now = ns3::Simulator::Now();
    while (m_nextSwitch <= now)
    {
        m_bad = !m_bad;
        const double rate = m_bad ? m_badToGood : m_goodToBad;
        if (!(rate > 0))
        {
            m_nextSwitch = ns3::Time::Max();
            break;
        }
        m_nextSwitch += ns3::Seconds(m_sojourn->GetValue(1.0 / rate, 0));
    }
}

bool
GilbertElliottErrorModel::DoCorrupt(ns3::Ptr<ns3::Packet> p)
{
    (void) p;
    Advance();
    const double loss = m_bad ? m_lossBad : m_lossGood;
    return loss > 0 && m_loss->GetValue() < loss;
}

void
GilbertElliottErrorModel::DoReset()
{
    m_started = false;
}

} // namespace sipsim::topology

#include "node/sip-phone-helper.h"

namespace sipsim {

SipPhoneHelper::SipPhoneHelper()
{
    m_factory.SetTypeId(SipPhone::GetTypeId());
}

void
SipPhoneHelper::SetAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_factory.Set(name, value);
}

ns3::ApplicationContainer
SipPhoneHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    ns3::Ptr<SipPhone> phone = m_factory.Create<SipPhone>();
    node->AddApplication(phone);
    return ns3::ApplicationContainer(phone);
}

ns3::ApplicationContainer
SipPhoneHelper::Install(const ns3::NodeContainer& nodes) const
{
    ns3::ApplicationContainer apps;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        apps.Add(Install(*it));
    }
    return apps;
}

int64_t
SipPhoneHelper::AssignStreams(const ns3::ApplicationContainer& apps, int64_t stream)
{
    int64_t used = 0;
    for (auto it = apps.Begin(); it != apps.End(); ++it)
    {
        if (ns3::Ptr<SipPhone> phone = ns3::DynamicCast<SipPhone>(*it))
        {
            used += phone->AssignStreams(stream + used);
        }
    }
    return used;
}

} // namespace sipsim

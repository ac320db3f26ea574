#include "node/sip-proxy-helper.h"

namespace sipsim {

SipProxyHelper::SipProxyHelper()
{
    m_factory.SetTypeId(SipProxy::GetTypeId());
}

void
SipProxyHelper::SetAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_factory.Set(name, value);
}

ns3::ApplicationContainer
SipProxyHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    ns3::Ptr<SipProxy> proxy = m_factory.Create<SipProxy>();
    node->AddApplication(proxy);
    return ns3::ApplicationContainer(proxy);
}

ns3::ApplicationContainer
SipProxyHelper::Install(const ns3::NodeContainer& nodes) const
{
    ns3::ApplicationContainer apps;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        apps.Add(Install(*it));
    }
    return apps;
}

} // namespace sipsim

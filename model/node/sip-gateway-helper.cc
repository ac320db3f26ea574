#include "node/sip-gateway-helper.h"

#include <ns3/abort.h>

namespace sipsim {

SipGatewayHelper::SipGatewayHelper()
{
    m_factory.SetTypeId(SipGateway::GetTypeId());
}

void
SipGatewayHelper::SetAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_factory.Set(name, value);
}

ns3::ApplicationContainer
SipGatewayHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    NS_ABORT_MSG_IF(!node, "SipGatewayHelper::Install: no node");
    ns3::Ptr<SipGateway> gateway = m_factory.Create<SipGateway>();
    node->AddApplication(gateway);
    return ns3::ApplicationContainer(gateway);
}

ns3::ApplicationContainer
SipGatewayHelper::Install(const ns3::NodeContainer& nodes) const
{
    ns3::ApplicationContainer apps;
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        apps.Add(Install(*it));
    }
    return apps;
}

} // namespace sipsim

/*
 * Installs SipGateway applications on ns-3 nodes, in the manner of ns-3's application helpers.
 */
#ifndef SIPSIM_SIP_GATEWAY_HELPER_H
#define SIPSIM_SIP_GATEWAY_HELPER_H

#include "node/sip-gateway.h"

#include <ns3/application-container.h>
#include <ns3/attribute.h>
#include <ns3/node-container.h>
#include <ns3/object-factory.h>
#include <string>

namespace sipsim {

/**
 * Creates one SipGateway per node with the attributes set on the helper and adds it to the
 * node (Node::AddApplication). Installs nothing else: each node needs a SipStack
 * (SipStackHelper) first; the gateway finds it, and the node's shared UaHost, when it starts.
 */
class SipGatewayHelper
{
  public:
    SipGatewayHelper();

    /// Sets an attribute of the gateways created from now on ("Channels", "Aor", ...).
    void SetAttribute(const std::string& name, const ns3::AttributeValue& value);

    /// Creates and adds a gateway to one node.
    ns3::ApplicationContainer Install(ns3::Ptr<ns3::Node> node) const;

    /// Creates and adds one gateway per node, in node order.
    ns3::ApplicationContainer Install(const ns3::NodeContainer& nodes) const;

  private:
    ns3::ObjectFactory m_factory;
};

} // namespace sipsim

#endif // SIPSIM_SIP_GATEWAY_HELPER_H

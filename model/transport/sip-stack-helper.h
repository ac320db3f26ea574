/*
 * Installs SipStack objects (RFC 3261 18 transports with their transaction layer) on ns-3
 * nodes, in the manner of ns-3's InternetStackHelper.
 */
#ifndef SIPSIM_SIP_STACK_HELPER_H
#define SIPSIM_SIP_STACK_HELPER_H

#include "transport/sip-stack.h"

#include <ns3/attribute.h>
#include <ns3/node-container.h>
#include <ns3/object-factory.h>
#include <string>
#include <vector>

namespace sipsim {

/**
 * Creates one SipStack per node with the attributes set on the helper, installs it (sockets
 * bound, LocalAddress resolved) and aggregates it to the node, so that
 * node->GetObject<SipStack>() finds it, the Config path
 * "/NodeList/<i>/$sipsim::SipStack/Message" reaches its trace sources, and Simulator::Destroy
 * disposes of it with the node. The stacks are also returned, in node order.
 *
 * A node holds at most one aggregated SipStack; installing on a node that already has one
 * aborts. A second endpoint on a node (another Port) is made with CreateObject<SipStack>()
 * and SipStack::Install, and lives as long as the caller holds it.
 *
 * The nodes need an Internet stack first (InternetStackHelper, then addresses assigned).
 */
class SipStackHelper
{
  public:
    SipStackHelper();

    /// Sets an attribute of the stacks created from now on ("T1", "Port", "EnableTcp", ...).
    void SetAttribute(const std::string& name, const ns3::AttributeValue& value);

    /// Creates, installs and aggregates a stack on one node.
    ns3::Ptr<SipStack> Install(ns3::Ptr<ns3::Node> node) const;

    /// Creates, installs and aggregates one stack per node; returned in node order.
    std::vector<ns3::Ptr<SipStack>> Install(const ns3::NodeContainer& nodes) const;

  private:
    ns3::ObjectFactory m_factory;
};

} // namespace sipsim

#endif // SIPSIM_SIP_STACK_HELPER_H

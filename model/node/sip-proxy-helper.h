/*
 * Installs SipProxy applications (and, optionally, a ProcessingQueue on the same stack).
 */
#ifndef SIPSIM_SIP_PROXY_HELPER_H
#define SIPSIM_SIP_PROXY_HELPER_H

#include "node/sip-proxy.h"

#include <ns3/application-container.h>
#include <ns3/node-container.h>
#include <ns3/object-factory.h>
#include <string>

namespace sipsim {

class SipProxyHelper
{
  public:
    SipProxyHelper();

    /// Sets an attribute of the SipProxies created next ("Domains", "Redirect", ...).
    void SetAttribute(const std::string& name, const ns3::AttributeValue& value);

    /// Installs one SipProxy per node; the nodes need a SipStack (SipStackHelper) first.
    ns3::ApplicationContainer Install(ns3::Ptr<ns3::Node> node) const;
    ns3::ApplicationContainer Install(const ns3::NodeContainer& nodes) const;

  private:
    ns3::ObjectFactory m_factory;
};

} // namespace sipsim

#endif // SIPSIM_SIP_PROXY_HELPER_H

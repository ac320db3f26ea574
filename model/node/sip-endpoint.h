/*
 * The user-agent core of one ns-3 node: a UaHost on the node's SipStack, aggregated to the
 * node so that every device application on it (phones, a gateway) shares it. A SipStack has
 * one transaction user; this is it.
 */
#ifndef SIPSIM_SIP_ENDPOINT_H
#define SIPSIM_SIP_ENDPOINT_H

#include "transport/sip-stack.h"
#include "ua/ua-host.h"

#include <memory>
#include <ns3/node.h>
#include <ns3/object.h>

namespace sipsim {

class SipEndpoint : public ns3::Object
{
  public:
    static ns3::TypeId GetTypeId();
    SipEndpoint();
    ~SipEndpoint() override;

    /**
     * The node's endpoint, created and aggregated on first use. The node must have a
     * SipStack (SipStackHelper::Install) first; without one this aborts with a clear message.
     */
    static ns3::Ptr<SipEndpoint> Get(ns3::Ptr<ns3::Node> node);

    UaHost& GetHost() { return *m_host; }

    ns3::Ptr<SipStack> GetStack() const { return m_stack; }

  protected:
    void DoDispose() override;

  private:
    ns3::Ptr<SipStack> m_stack;
    std::unique_ptr<UaHost> m_host;
};

} // namespace sipsim

#endif // SIPSIM_SIP_ENDPOINT_H

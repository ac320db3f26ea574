#include "node/sip-endpoint.h"

#include <ns3/abort.h>

namespace sipsim {

NS_OBJECT_ENSURE_REGISTERED(SipEndpoint);

ns3::TypeId
SipEndpoint::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("sipsim::SipEndpoint")
                                 .SetParent<ns3::Object>()
                                 .SetGroupName("Sipsim")
                                 .AddConstructor<SipEndpoint>();
    return tid;
}

SipEndpoint::SipEndpoint() = default;

SipEndpoint::~SipEndpoint() = default;

ns3::Ptr<SipEndpoint>
SipEndpoint::Get(ns3::Ptr<ns3::Node> node)
{
    ns3::Ptr<SipEndpoint> endpoint = node->GetObject<SipEndpoint>();
    if (endpoint)
    {
        return endpoint;
    }
    ns3::Ptr<SipStack> stack = node->GetObject<SipStack>();
    NS_ABORT_MSG_IF(!stack, "node " << node->GetId()
                                    << " has no SipStack: install one with SipStackHelper "
                                       "before a phone or gateway");
    endpoint = ns3::CreateObject<SipEndpoint>();
    endpoint->m_stack = stack;
    endpoint->m_host
        = std::make_unique<UaHost>(stack->GetTransactionLayer(), stack->GetTimerService(), *stack);
    node->AggregateObject(endpoint);
    return endpoint;
}

void
SipEndpoint::DoDispose()
{
    m_host.reset();
    m_stack = nullptr;
    ns3::Object::DoDispose();
}

} // namespace sipsim

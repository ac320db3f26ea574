#include "transport/sip-stack-helper.h"

#include <ns3/abort.h>

namespace sipsim {

SipStackHelper::SipStackHelper()
{
    m_factory.SetTypeId(SipStack::GetTypeId());
}

void
SipStackHelper::SetAttribute(const std::string& name, const ns3::AttributeValue& value)
{
    m_factory.Set(name, value);
}

ns3::Ptr<SipStack>
SipStackHelper::Install(ns3::Ptr<ns3::Node> node) const
{
    NS_ABORT_MSG_IF(!node, "SipStackHelper::Install: no node");
    NS_ABORT_MSG_IF(node->GetObject<SipStack>(),
                    "SipStackHelper::Install: node " << node->GetId() << " already has a SipStack");
    ns3::Ptr<SipStack> stack = m_factory.Create<SipStack>();
    stack->Install(node);
    node->AggregateObject(stack);
    return stack;
}

std::vector<ns3::Ptr<SipStack>>
SipStackHelper::Install(const ns3::NodeContainer& nodes) const
{
    std::vector<ns3::Ptr<SipStack>> stacks;
    stacks.reserve(nodes.GetN());
    for (auto it = nodes.Begin(); it != nodes.End(); ++it)
    {
        stacks.push_back(Install(*it));
    }
    return stacks;
}

} // namespace sipsim

/*
 * Installs SipPhone applications, ns-3 helper style.
 */
#ifndef SIPSIM_SIP_PHONE_HELPER_H
#define SIPSIM_SIP_PHONE_HELPER_H

#include "node/sip-phone.h"

#include <ns3/application-container.h>
#include <ns3/node-container.h>
#include <ns3/object-factory.h>
#include <string>

namespace sipsim {

/**
 * Creates one SipPhone per node (the node needs a SipStack: SipStackHelper::Install first).
 * Users are added to the returned applications with SipPhone::AddUser; one application can
 * hold any number of them.
 */
class SipPhoneHelper
{
  public:
    SipPhoneHelper();

    /// Sets an attribute of the SipPhones created next ("Profile", "AnswerProbability", ...).
    void SetAttribute(const std::string& name, const ns3::AttributeValue& value);

    ns3::ApplicationContainer Install(ns3::Ptr<ns3::Node> node) const;
    ns3::ApplicationContainer Install(const ns3::NodeContainer& nodes) const;

    /**
     * Fixes the random streams of every user of the SipPhones in apps, in the container's
     * order and each application's user order: the same users in the same order draw the
     * same values whether they share a node or not.
     * \return the number of streams used
     */
    static int64_t AssignStreams(const ns3::ApplicationContainer& apps, int64_t stream);

  private:
    ns3::ObjectFactory m_factory;
};

} // namespace sipsim

#endif // SIPSIM_SIP_PHONE_HELPER_H

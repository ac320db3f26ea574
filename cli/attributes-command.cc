/*
 * sipsim attributes phone|proxy|gateway|responder|queue: the ns-3 attributes a scenario's
 * `groups[i].attributes` (and, for queue, nothing but documentation) may set on a node's
 * application, read from the TypeIds the way ns-3's --PrintAttributes does: name, value type,
 * default and help text.
 */
#include "commands.h"

#include <iostream>
#include <string>
#include <vector>

#ifdef SIPSIM_HAVE_RUN
#include "node/processing-queue.h"
#include "node/sip-gateway.h"
#include "node/sip-phone.h"
#include "node/sip-proxy.h"
#include "node/sip-responder.h"

#include <ns3/attribute.h>
#include <ns3/type-id.h>
#endif

namespace sipsim {
namespace cli {

const std::vector<std::string>&
AttributeKinds()
{
    static const std::vector<std::string> kinds{"phone", "proxy", "gateway", "responder", "queue"};
    return kinds;
}

int
RunAttributes(const std::string& kind)
{
#ifndef SIPSIM_HAVE_RUN
    (void) kind;
    std::cerr << "sipsim attributes: this build has no simulator (SIPSIM_NS3=OFF)\n";
    return 2;
#else
    // The command line admits only AttributeKinds().
    const ns3::TypeId tid = kind == "phone"       ? SipPhone::GetTypeId()
                            : kind == "proxy"     ? SipProxy::GetTypeId()
                            : kind == "gateway"   ? SipGateway::GetTypeId()
                            : kind == "responder" ? SipResponder::GetTypeId()
                                                  : ProcessingQueue::GetTypeId();
    std::cout << tid.GetName() << " (" << kind << "): " << tid.GetAttributeN() << " attributes\n";
    for (uint32_t i = 0; i < tid.GetAttributeN(); ++i)
    {
        const ns3::TypeId::AttributeInformation info = tid.GetAttribute(i);
        const std::string type = info.checker->HasUnderlyingTypeInformation()
                                     ? info.checker->GetUnderlyingTypeInformation()
                                     : info.checker->GetValueTypeName();
        std::cout << "\n"
                  << info.name << "\n  type:    " << type
                  << "\n  default: " << info.initialValue->SerializeToString(info.checker) << "\n  "
                  << info.help << "\n";
    }
    return 0;
#endif
}

} // namespace cli
} // namespace sipsim

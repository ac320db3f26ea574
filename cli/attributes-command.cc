/*
 * sipsim attributes phone|proxy|gateway|responder|queue: the ns-3 attributes a scenario's
 * `groups[i].attributes` (and, for queue, nothing but documentation) may set on a node's
 * application, read from the TypeIds the way ns-3's --PrintAttributes does: name, value type,
 * default and help text.
 */
#include "commands.h"

#include <iostream>
#include <string>

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

int
RunAttributes(int argc, char** argv)
{
#ifndef SIPSIM_HAVE_RUN
    (void) argc, (void) argv;
    std::cerr << "sipsim attributes: this build has no simulator (SIPSIM_NS3=OFF)\n";
    return 2;
#else
    const std::string usage = "usage: sipsim attributes phone|proxy|gateway|responder|queue\n";
    if (argc != 1)
    {
        std::cerr << usage;
        return 2;
    }
    const std::string kind = argv[0];
    if (kind == "--help" || kind == "-h")
    {
        std::cout << usage
                  << "Lists the ns-3 attributes of a node's application: groups[i].attributes "
                     "of a scenario sets them by name (queue: a proxy's capacity model).\n";
        return 0;
    }
    ns3::TypeId tid;
    if (kind == "phone")
    {
        tid = SipPhone::GetTypeId();
    }
    else if (kind == "proxy")
    {
        tid = SipProxy::GetTypeId();
    }
    else if (kind == "gateway")
    {
        tid = SipGateway::GetTypeId();
    }
    else if (kind == "responder")
    {
        tid = SipResponder::GetTypeId();
    }
    else if (kind == "queue")
    {
        tid = ProcessingQueue::GetTypeId();
    }
    else
    {
        std::cerr << "sipsim attributes: unknown kind '" << kind << "'\n" << usage;
        return 2;
    }
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

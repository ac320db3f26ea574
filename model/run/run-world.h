/*
 * What a run builds from its scenario, by topology node name: the ns-3 network, each node's SIP
 * stack and device, the proxies' processing queues and the call generator. Filled by
 * InstallDevices and InstallTraffic (install-devices.h, install-traffic.h); read by the
 * faults, the recorder attachment, the expectations and the report.
 */
#ifndef SIPSIM_RUN_RUN_WORLD_H
#define SIPSIM_RUN_RUN_WORLD_H

#include "node/call-generator.h"
#include "node/hostile-sender.h"
#include "node/processing-queue.h"
#include "node/sip-gateway.h"
#include "node/sip-phone.h"
#include "node/sip-proxy.h"
#include "node/sip-responder.h"
#include "topology/gilbert-elliott-error-model.h"
#include "topology/network-builder.h"
#include "topology/topology.h"
#include "transport/sip-stack.h"

#include <map>
#include <ns3/error-model.h>
#include <string>
#include <vector>

namespace sipsim::run {

struct World
{
    topology::Topology topo;
    topology::NetworkBuilder network;
    std::map<std::string, ns3::Ptr<SipStack>> stacks;
    std::map<std::string, ns3::Ptr<SipPhone>> phones;
    std::map<std::string, std::vector<std::string>> phoneAors; ///< node -> AORs
    std::map<std::string, ns3::Ptr<SipProxy>> proxies;
    std::map<std::string, ns3::Ptr<ProcessingQueue>> queues;
    std::map<std::string, ns3::Ptr<SipGateway>> gateways;
    std::map<std::string, ns3::Ptr<SipResponder>> responders;
    std::map<std::string, std::string> responderAors; ///< node -> the AOR callers call
    std::map<uint32_t, std::string> nameOfNode;       ///< ns-3 node id -> topology name
    ns3::Ptr<CallGenerator> generator;
    ns3::Ptr<HostileSender> hostile; ///< traffic.hostile, when it sends anything
    /// Error models the faults install later (Gilbert-Elliott), in fault order: their random
    /// streams are fixed with the rest before the run.
    std::vector<ns3::Ptr<topology::GilbertElliottErrorModel>> faultErrorModels;

    /// The topology name of an ns-3 node id ("" when unknown).
    std::string NameOf(uint32_t id) const
    {
        const auto it = nameOfNode.find(id);
        return it == nameOfNode.end() ? std::string() : it->second;
    }
};

} // namespace sipsim::run

#endif // SIPSIM_RUN_RUN_WORLD_H

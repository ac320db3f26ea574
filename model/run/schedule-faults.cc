#include "run/schedule-faults.h"

#include "run/install-devices.h"
#include "topology/gilbert-elliott-error-model.h"

#include <ns3/core-module.h>
#include <sstream>

namespace sipsim::run {

namespace sc = sipsim::scenario;

bool
SplitLink(const topology::Topology& topo, const std::string& link, std::string* a, std::string* b)
{
    for (size_t dash = link.find('-'); dash != std::string::npos; dash = link.find('-', dash + 1))
    {
        const std::string x = link.substr(0, dash);
        const std::string y = link.substr(dash + 1);
        if (topo.FindLink(x, y))
        {
            *a = x;
            *b = y;
            return true;
        }
    }
    return false;
}

namespace {

void
ScheduleLinkLoss(const sc::LinkLoss& loss, ns3::Time at, World& w, trace::TraceRecorder& recorder)
{
    std::string a;
    std::string b;
    if (!SplitLink(w.topo, loss.link(), &a, &b))
    {
        return;
    }
    if (loss.has_gilbert_elliott())
    {
        // One chain for the link (both directions), in time; a later loss fault on the link
        // replaces it, and it stops.
        const auto& ge = loss.gilbert_elliott();
        auto model = ns3::CreateObject<topology::GilbertElliottErrorModel>();
        model->SetAttribute("GoodToBad", ns3::DoubleValue(ge.p_good_to_bad()));
        model->SetAttribute("BadToGood", ns3::DoubleValue(ge.p_bad_to_good()));
        model->SetAttribute("LossGood", ns3::DoubleValue(ge.loss_good()));
        model->SetAttribute("LossBad", ns3::DoubleValue(ge.loss_bad()));
        w.faultErrorModels.push_back(model);
        ns3::Simulator::Schedule(at, [&w, &recorder, a, b, model]() {
            model->Start();
            w.network.SetLinkErrorModel(a, b, model);
            recorder.RecordFault("link " + a + "-" + b + ": Gilbert-Elliott loss starts",
                                 trace::PACKET_LOSS);
        });
        return;
    }
    const double rate = loss.rate();
    ns3::Simulator::Schedule(at, [&w, &recorder, a, b, rate]() {
        w.network.SetLinkLoss(a, b, rate);
        recorder.RecordFault("link " + a + "-" + b + ": loss " + std::to_string(rate),
                             trace::PACKET_LOSS);
    });
}

} // namespace

void
ScheduleFaults(const sc::Scenario& s, World& w, trace::TraceRecorder& recorder)
{
    for (const auto& f : s.faults())
    {
        const ns3::Time at = ns3::Seconds(f.at_s());
        switch (f.kind_case())
        {
            case sc::Fault::kLinkLoss:
                ScheduleLinkLoss(f.link_loss(), at, w, recorder);
                break;
            case sc::Fault::kLinkState:
            {
                std::string a;
                std::string b;
                if (!SplitLink(w.topo, f.link_state().link(), &a, &b))
                {
                    break;
                }
                const bool up = f.link_state().up();
                ns3::Simulator::Schedule(at, [&w, &recorder, a, b, up]() {
                    if (up)
                    {
                        w.network.LinkUp(a, b);
                    }
                    else
                    {
                        w.network.LinkDown(a, b);
                    }
                    recorder.RecordFault("link " + a + "-" + b + (up ? " up" : " down"),
                                         up ? trace::LINK_UP : trace::LINK_DOWN);
                });
                break;
            }
            case sc::Fault::kNodeCrash:
            {
                const std::string node = f.node_crash().node();
                const auto stack = w.stacks.count(node) ? w.stacks[node] : nullptr;
                if (!stack)
                {
                    break;
                }
                const uint32_t id = w.network.NodeOf(node)->GetId();
                ns3::Simulator::Schedule(at, [&recorder, stack, node, id]() {
                    stack->Stop();
                    recorder.RecordFault("node " + node + " crashed", trace::NODE_DOWN, id);
                });
                if (f.node_crash().restart_after_s() > 0)
                {
                    auto proxy = w.proxies.count(node) ? w.proxies[node] : nullptr;
                    ns3::Simulator::Schedule(at + ns3::Seconds(f.node_crash().restart_after_s()),
                                             [&recorder, stack, proxy, node, id]() {
                                                 stack->Start();
                                                 if (proxy)
                                                 {
                                                     proxy->Restart(); // state lost
                                                 }
                                                 recorder.RecordFault("node " + node + " restarted",
                                                                      trace::NODE_UP, id);
                                             });
                }
                break;
            }
            case sc::Fault::kCapacity:
            {
                const std::string node = f.capacity().node();
                const auto capacity = f.capacity().capacity();
                ns3::Simulator::Schedule(at, [&w, &recorder, node, capacity]() {
                    auto it = w.queues.find(node);
                    if (it != w.queues.end())
                    {
                        ConfigureQueue(it->second, capacity);
                    }
                    recorder.RecordFault("proxy " + node + " capacity: "
                                             + std::to_string(capacity.workers()) + " workers",
                                         trace::OTHER);
                });
                break;
            }
            case sc::Fault::kRegistration:
            {
                const std::string node = f.registration().node();
                const auto phone = w.phones.count(node) ? w.phones[node] : nullptr;
                if (!phone)
                {
                    break;
                }
                const auto kind = f.registration().kind();
                const auto request = kind == sc::RegistrationAction::UNREGISTER
                                         ? SipPhone::RegistrationRequest::Unregister
                                     : kind == sc::RegistrationAction::REMOVE_ALL
                                         ? SipPhone::RegistrationRequest::RemoveAll
                                     : kind == sc::RegistrationAction::QUERY
                                         ? SipPhone::RegistrationRequest::QueryBindings
                                     : kind == sc::RegistrationAction::ADD_CONTACT
                                         ? SipPhone::RegistrationRequest::AddContact
                                         : SipPhone::RegistrationRequest::Register;
                const std::string contact = f.registration().contact();
                const uint32_t users = static_cast<uint32_t>(w.phoneAors[node].size());
                ns3::Simulator::Schedule(
                    at, [&recorder, phone, node, kind, request, users, contact]() {
                        for (uint32_t i = 0; i < users; ++i)
                        {
                            phone->RegistrationAction(i, request, contact);
                        }
                        recorder.RecordFault("phones " + node + ": registration "
                                                 + sc::RegistrationAction::Kind_Name(kind),
                                             trace::OTHER);
                    });
                break;
            }
            default:
                break;
        }
    }
}

} // namespace sipsim::run

/*
 * Bursty packet loss: the Gilbert-Elliott model in time. A link is in a good or a bad state;
 * each state lasts an exponential time (mean 1 / rate of leaving it) and loses each packet with
 * its own probability. The chain is advanced to the packet's arrival time when a packet is
 * checked, so it needs no events of its own and stops when the model is replaced on the device
 * (a later loss fault on the same link). ns-3's own error models switch state per packet or
 * per byte, not in time.
 */
#ifndef SIPSIM_TOPOLOGY_GILBERT_ELLIOTT_ERROR_MODEL_H
#define SIPSIM_TOPOLOGY_GILBERT_ELLIOTT_ERROR_MODEL_H

#include <ns3/error-model.h>
#include <ns3/nstime.h>
#include <ns3/random-variable-stream.h>

namespace sipsim::topology {

class GilbertElliottErrorModel : public ns3::ErrorModel
{
  public:
    static ns3::TypeId GetTypeId();

    GilbertElliottErrorModel();

    /// Starts the chain in the good state at the current simulation time.
    void Start();

    /// Whether the chain is in the bad state at the current simulation time.
    bool IsBad();

    /// Fixes the random streams (sojourn times, then losses); returns 2.
    int64_t AssignStreams(int64_t stream);

  private:
    bool DoCorrupt(ns3::Ptr<ns3::Packet> p) override;
    void DoReset() override;

    /// Advances the chain through every state switch up to now.
    void Advance();

    double m_goodToBad = 1.0; ///< rate per second of leaving the good state
    double m_badToGood = 1.0; ///< rate per second of leaving the bad state
    double m_lossGood = 0.0;
    double m_lossBad = 1.0;
    bool m_bad = false;
    ns3::Time m_nextSwitch;
    bool m_started = false;
    ns3::Ptr<ns3::ExponentialRandomVariable> m_sojourn;
    ns3::Ptr<ns3::UniformRandomVariable> m_loss;
};

} // namespace sipsim::topology

#endif // SIPSIM_TOPOLOGY_GILBERT_ELLIOTT_ERROR_MODEL_H

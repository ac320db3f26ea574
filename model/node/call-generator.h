/*
 * Traffic: Poisson call arrivals from a population of phone users (SipPhone applications),
 * each arrival taking an idle caller at random and dialling a callee chosen by the selection
 * rules of a scenario: uniform over a list of callees, a fraction of unknown numbers, a
 * fraction of PSTN numbers through a gateway.
 */
#ifndef SIPSIM_CALL_GENERATOR_H
#define SIPSIM_CALL_GENERATOR_H

#include "node/sip-phone.h"

#include <cstdint>
#include <ns3/application.h>
#include <ns3/random-variable-stream.h>
#include <string>
#include <vector>

namespace sipsim {

struct CallGeneratorCounters
{
    uint64_t arrivals = 0;     ///< Poisson arrivals
    uint64_t placed = 0;       ///< calls dialled (SipPhone::Call accepted)
    uint64_t noIdleCaller = 0; ///< arrivals that found every caller busy (lost, counted)
    uint64_t unknown = 0;      ///< calls to unknown numbers
    uint64_t pstn = 0;         ///< calls to PSTN numbers
};

class CallGenerator : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();
    CallGenerator();
    ~CallGenerator() override;

    /// Every user of the application is a possible caller.
    void AddCallers(ns3::Ptr<SipPhone> phones);

    /// A possible callee: its AOR as callers dial it ("sip:u7@b.example").
    void AddCallee(const std::string& uri);

    /**
     * The arrival rate: the Rate attribute, or, when BhcaPerUser is set, busy-hour call
     * attempts per user times the number of callers / 3600.
     */
    double GetRate() const;

    const CallGeneratorCounters& GetCounters() const { return m_counters; }

    /// Fixes the random streams (arrivals, caller choice, callee choice): 3 streams.
    int64_t AssignStreams(int64_t stream);

  private:
    void StartApplication() override;
    void StopApplication() override;
    void ScheduleNext();
    void Arrival();
    std::string ChooseCallee(const std::string& callerAor);

    struct Caller
    {
        ns3::Ptr<SipPhone> phone;
        uint32_t user;
    };

    double m_rate = 1.0;
    double m_bhcaPerUser = 0.0;
    double m_unknownFraction = 0.0;
    double m_pstnFraction = 0.0;
    std::string m_pstnPrefix;
    std::string m_pstnHost;
    std::string m_unknownHost;
    std::vector<Caller> m_callers;
    std::vector<std::string> m_callees;
    ns3::Ptr<ns3::ExponentialRandomVariable> m_interArrival;
    ns3::Ptr<ns3::UniformRandomVariable> m_pickCaller;
    ns3::Ptr<ns3::UniformRandomVariable> m_pickCallee;
    ns3::EventId m_next;
    CallGeneratorCounters m_counters;
};

} // namespace sipsim

#endif // SIPSIM_CALL_GENERATOR_H

/*
 * Hostile traffic mixed into a load: requests a server must refuse, each kind at its own
 * Poisson rate, sent as raw UDP datagrams from a node's SIP stack to a proxy, so that the
 * rows of a server's compliance table for refused requests happen in a run:
 *  - a request without Call-ID: 400 (RFC 3261 8.1.1, 21.4.1);
 *  - an INVITE whose Proxy-Require names an unknown extension: 420 (RFC 3261 16.3 step 5);
 *  - a CANCEL that matches no transaction: 481 (RFC 3261 16.10, 9.2);
 *  - a request of an unknown method: 501 (RFC 3261 21.5.2);
 *  - a request of SIP/3.0: 505 (RFC 3261 21.5.6, RFC 4475 3.3.13).
 * The answers go back to the sending stack, which drops them as stray responses; the trace
 * has the server's responses (its message records) and the transactions it made.
 */
#ifndef SIPSIM_NODE_HOSTILE_SENDER_H
#define SIPSIM_NODE_HOSTILE_SENDER_H

#include "transaction/peer.h"

#include <array>
#include <cstdint>
#include <ns3/application.h>
#include <ns3/event-id.h>
#include <ns3/random-variable-stream.h>
#include <string>

namespace sipsim {

class SipStack;

/// The kinds of hostile request, in attribute order.
enum class HostileKind : uint8_t
{
    MissingCallId = 0,
    UnsupportedProxyRequire = 1,
    UnmatchedCancel = 2,
    UnknownMethod = 3,
    UnsupportedVersion = 4,
};

class HostileSender : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    HostileSender();

    /// Sends from this stack (its node's) to the proxy at `target`, for requests in `domain`.
    void Setup(ns3::Ptr<SipStack> stack, const Peer& target, const std::string& domain);

    /// Requests sent so far, by HostileKind.
    const std::array<uint64_t, 5>& GetSent() const { return m_sent; }

    /// Fixes the random streams of the arrivals, one per kind; returns 5.
    int64_t AssignStreams(int64_t stream);

    /// The request text of a kind, the n-th of the run ("the same" up to branch, tag, Call-ID).
    static std::string Request(HostileKind kind, uint64_t n, const Peer& from,
                               const std::string& domain);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void Schedule(HostileKind kind);
    void Send(HostileKind kind);

    double RateOf(HostileKind kind) const;

    // Attributes: requests per second of each kind.
    double m_missingCallIdRate = 0;
    double m_proxyRequireRate = 0;
    double m_cancelRate = 0;
    double m_methodRate = 0;
    double m_versionRate = 0;
    std::array<ns3::Ptr<ns3::ExponentialRandomVariable>, 5> m_gaps;
    std::array<ns3::EventId, 5> m_events;
    std::array<uint64_t, 5> m_sent{};
    ns3::Ptr<SipStack> m_stack;
    Peer m_target;
    std::string m_domain;
};

} // namespace sipsim

#endif // SIPSIM_NODE_HOSTILE_SENDER_H

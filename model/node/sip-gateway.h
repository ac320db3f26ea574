/*
 * A CPE SIP gateway: N trunk channels between SIP and a modelled PSTN, behaving as its device
 * profile (profiles/cpe-sip-gateway.textproto) says. SIP calls seize a trunk and reach a PSTN
 * line that alerts, answers, is busy or does not answer; PSTN subscribers place calls into SIP
 * and the gateway reacts to every final failure as the profile's receipt column says.
 */
#ifndef SIPSIM_SIP_GATEWAY_H
#define SIPSIM_SIP_GATEWAY_H

#include "node/device-event.h"
#include "node/sip-endpoint.h"
#include "profile/device-profile.h"
#include "sdp/sdp.h"
#include "ua/user-agent.h"

#include <cstdint>
#include <memory>
#include <ns3/application.h>
#include <ns3/event-id.h>
#include <ns3/ipv4-address.h>
#include <ns3/nstime.h>
#include <ns3/ptr.h>
#include <ns3/random-variable-stream.h>
#include <ns3/traced-callback.h>
#include <ns3/traced-value.h>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sipsim {

/// What a SipGateway did, for tests and scenario statistics.
struct SipGatewayCounters
{
    // --- calls from SIP toward the PSTN ---
    uint64_t sipCallsOffered = 0;     ///< INVITEs that reached the gateway (new calls)
    uint64_t unknownNumber = 0;       ///< refused: Request-URI not routable (UNKNOWN_CALLEE, 404)
    uint64_t sdpMismatch = 0;         ///< refused: no codec in common (SDP_MISMATCH, 415)
    uint64_t sipCallsRefusedFull = 0; ///< refused: every trunk in use (NO_CAPACITY, FullStatus)
    uint64_t sipCallsAccepted = 0;    ///< seized a trunk
    uint64_t pstnBusy = 0;            ///< the PSTN line was busy (USER_BUSY, 486)
    uint64_t noAnswer = 0;            ///< the PSTN line did not answer in time (408)
    uint64_t sipCallsAnswered = 0;    ///< the PSTN party answered (200 sent)
    uint64_t sipCallsCancelled = 0;   ///< the SIP caller cancelled before the answer
    uint64_t sipCallsEndedBySip = 0;  ///< answered calls the SIP side hung up (BYE received)
    uint64_t sipCallsEndedByPstn = 0; ///< answered calls the PSTN party hung up (BYE sent)
    // --- calls from the PSTN into SIP ---
    uint64_t pstnCallsPlaced = 0;   ///< INVITEs sent for PSTN subscribers
    uint64_t pstnCallsBlocked = 0;  ///< PSTN calls that found every trunk busy
    uint64_t pstnCallsAnswered = 0; ///< 2xx received
    uint64_t pstnCallsFailed = 0;   ///< final failure received (or timeout)
    uint64_t pstnCallsEndedBySip = 0;
    uint64_t pstnCallsAbandoned = 0; ///< the PSTN subscriber gave up (PstnCallerPatience): CANCEL
                                     ///< ///< answered calls the SIP callee hung up
};

/**
 * A CPE SIP gateway with Channels trunk channels toward a modelled PSTN (an ns3::Application).
 *
 * The node needs a SipStack (SipStackHelper) first. At start the gateway loads its Profile,
 * sets the stack's AnswerMalformedRequests to whether the profile generates a code for
 * MALFORMED_REQUEST (the CPE gateway's does not: malformed requests are dropped and counted),
 * adds one UserAgent with the Aor to the node's shared UaHost (SipEndpoint) and makes it the
 * host's fallback, so that an INVITE for any number reaches it.
 *
 * SIP to PSTN, for every new INVITE, in this order:
 *  1. the Request-URI user part must be routable (digits, optional leading '+', starting with
 *     NumberPrefix): else the profile's UNKNOWN_CALLEE code (404);
 *  2. an SDP offer in the body must share a codec with the profile's `codecs`: else the
 *     profile's SDP_MISMATCH code (415) with "Accept: application/sdp". A missing or
 *     unparseable body is no offer: the 200 then carries an offer of the gateway's own;
 *  3. a trunk must be free: else FullStatus (503, the NO_CAPACITY row; or 486), with
 *     "Retry-After: N" when RetryAfter is not zero;
 *  4. the trunk is seized. One uniform draw decides the PSTN line: busy with probability
 *     PstnBusyProbability, else answering with probability PstnAnswerProbability (capped at
 *     what is left), else not answering. After PstnRingDelay a busy line gets the USER_BUSY
 *     code (486); any other line alerts (180 Ringing). An answering line answers
 *     PstnAnswerDelay after alerting (200 with the SDP answer); NoAnswerTimeout after alerting
 *     an unanswered line gets the NO_ANSWER_TIMEOUT code (408), whichever comes first. After
 *     the answer the PSTN party hangs up HoldingTime later (BYE).
 *
 * PSTN to SIP: PlaceCall (or Poisson arrivals at PstnCallRate to PstnTargets) seizes a trunk
 * and sends an INVITE with an offer of the profile's codecs; with every trunk busy the call is
 * Blocked. Challenges (401/407) are answered by the UA core with Username/Password (Basic too
 * when the profile lists BASIC). On any other final failure the profile's receipt applies
 * (RETRY_WITH_CREDENTIALS falls back to its `otherwise`): the transaction layer has ACKed the
 * response; the gateway fires a Tone event (the receipt's tone, when it has one), a
 * Notification (when the receipt says NOTIFY or notify_user) and Cleared with the status and
 * action, and frees the trunk. An answered call ends HoldingTime after the answer (BYE).
 *
 * A trunk is busy from the INVITE's acceptance (or the PSTN dial) until the call's end, on
 * every end path: CANCEL, BYE from either side, a refusal, a failure, StopApplication.
 */
class SipGateway
    : public ns3::Application
    , public UaListener
{
  public:
    /// "BusyTrunks" trace signature (TracedValue).
    typedef void (*BusyTrunksTracedCallback)(uint32_t oldValue, uint32_t newValue);

    static ns3::TypeId GetTypeId();
    SipGateway();
    ~SipGateway() override;

    /**
     * A PSTN subscriber dials a SIP URI: seizes a trunk and sends an INVITE with an SDP offer
     * of the profile's codecs. Only between start and stop.
     * \return false when every trunk is busy (DeviceEvent Blocked, counted) or the URI
     *         cannot be called (not started, not a sip/sips URI, nowhere to send it)
     */
    bool PlaceCall(const std::string& targetUri);

    /// Trunk channels in use.
    uint32_t GetBusyTrunks() const { return m_busyTrunks; }

    const SipGatewayCounters& GetCounters() const { return m_counters; }

    /// The profile (loaded at start or first use; aborts when it cannot be loaded).
    const profile::DeviceProfile& GetProfile();

    /// The gateway's user agent; nullptr before start.
    UserAgent* GetUserAgent() const { return m_ua; }

    /// The no-answer time in use: NoAnswerTimeout, or the profile's setting when that is zero.
    ns3::Time GetNoAnswerTimeout();

    /**
     * Assigns fixed stream numbers to the gateway's random variables (ring, answer and
     * holding times, the PSTN outcome, PSTN call arrivals and targets).
     * \return the number of streams used (6)
     */
    int64_t AssignStreams(int64_t stream);

    // --- UaListener ---------------------------------------------------------------------------
    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override;
    void OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code) override;
    std::optional<Duration> OnInviteRejected(UserAgent& ua, CallHandle call,
                                             const Message& response) override;
    void OnCallAnswered(UserAgent& ua, CallHandle call) override;
    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override;
    void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote) override;

  protected:
    void DoDispose() override;

  private:
    /// What the PSTN line of a SIP-originated call does.
    enum class PstnOutcome : uint8_t
    {
        Answer,
        Busy,
        NoAnswer,
    };

    /// One call holding a trunk.
    struct TrunkCall
    {
        bool fromPstn = false; ///< PSTN-originated (the gateway is the SIP caller)
        bool answered = false; ///< established (200 sent or received)
        PstnOutcome outcome = PstnOutcome::Answer;
        std::string sdp;       ///< SIP-originated: the body of the 200
        ns3::EventId alert;    ///< PstnRingDelay: alerting or busy
        ns3::EventId answer;   ///< PstnAnswerDelay after alerting
        ns3::EventId noAnswer; ///< NoAnswerTimeout after alerting
        ns3::EventId hangup;   ///< HoldingTime after the answer
    };

    void StartApplication() override;
    void StopApplication() override;

    void LoadProfile();
    bool IsRoutable(const Message& invite) const;
    /// Refuses an offered call (Reject) with the event and, when asked, extra headers.
    void Refuse(CallHandle call, uint16_t code,
                const std::vector<std::pair<std::string, std::string>>& headers = {});
    void OnAlert(uint32_t call);
    void OnPstnAnswer(uint32_t call);
    void OnNoAnswer(uint32_t call);
    void OnHoldingExpired(uint32_t call);
    void OnPstnCallerGivesUp(uint32_t call);
    void ScheduleNextPstnArrival();
    void OnPstnArrival();
    /// Cancels the call's timers, forgets it and frees its trunk (nothing when unknown).
    void ReleaseTrunk(uint32_t call);
    void SeizeTrunk(uint32_t call, TrunkCall trunk);
    void Fire(DeviceEventKind kind, uint32_t call, uint16_t status = 0,
              profile::Tone tone = profile::TONE_UNSPECIFIED,
              profile::ReceiptAction action = profile::RECEIPT_ACTION_UNSPECIFIED,
              std::string text = {});
    std::string LocalSdp(uint32_t call, const sdp::SessionDescription* offer) const;
    uint16_t RtpPort(uint32_t call) const;

    // Attributes.
    std::string m_profileName;
    std::string m_aor;
    std::string m_username;
    std::string m_password;
    ns3::Ipv4Address m_proxyAddress;
    uint16_t m_proxyPort = 5060;
    uint32_t m_channels = 30;
    uint16_t m_fullStatus = 503;
    ns3::Time m_retryAfter;
    std::string m_numberPrefix;
    double m_answerProbability = 1.0;
    double m_busyProbability = 0.0;
    ns3::Ptr<ns3::RandomVariableStream> m_ringDelay;
    ns3::Ptr<ns3::RandomVariableStream> m_answerDelay;
    ns3::Ptr<ns3::RandomVariableStream> m_holdingTime;
    ns3::Time m_noAnswerTimeout;
    ns3::Time m_pstnPatience;
    double m_pstnCallRate = 0.0;
    std::string m_pstnTargets;

    ns3::Ptr<ns3::UniformRandomVariable> m_outcomeRng;
    ns3::Ptr<ns3::ExponentialRandomVariable> m_arrivalRng;
    ns3::Ptr<ns3::UniformRandomVariable> m_targetRng;

    std::shared_ptr<const profile::DeviceProfile> m_profile;
    std::vector<sdp::Codec> m_codecs;
    ns3::Ptr<SipEndpoint> m_endpoint;
    UserAgent* m_ua = nullptr;
    bool m_running = false;
    std::vector<std::string> m_targets;
    ns3::EventId m_nextArrival;
    std::unordered_map<uint32_t, TrunkCall> m_calls; ///< by CallHandle value

    SipGatewayCounters m_counters;
    ns3::TracedValue<uint32_t> m_busyTrunks;
    ns3::TracedCallback<const DeviceEvent&> m_deviceEvent;
};

} // namespace sipsim

#endif // SIPSIM_SIP_GATEWAY_H

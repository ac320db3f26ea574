/*
 * A SIP IP phone node model (RFC 3261 user agent with a human user), driven by a behaviour
 * profile (profiles/cisco-sip-phone.textproto by default): which responses it generates and
 * on what condition, and what it does when each arrives, come from the profile's rows.
 *
 * One SipPhone application hosts any number of phone users on its node, each with its own
 * AOR, Contact, call state and random streams, so that tens of thousands of users fit in one
 * simulation; a user behaves exactly as it would alone on its own node.
 */
#ifndef SIPSIM_SIP_PHONE_H
#define SIPSIM_SIP_PHONE_H

#include "node/device-event.h"
#include "node/random-stream-state.h"
#include "profile/device-profile.h"
#include "sdp/sdp.h"
#include "transaction/peer.h"
#include "ua/ua-config.h"

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <ns3/application.h>
#include <ns3/event-id.h>
#include <ns3/nstime.h>
#include <ns3/object-factory.h>
#include <ns3/random-variable-stream.h>
#include <ns3/traced-callback.h>
#include <optional>
#include <string>
#include <vector>

namespace sipsim {

class SipEndpoint;
class UserAgent;

/// One user of a SipPhone application.
struct PhoneUser
{
    std::string aor;         ///< "sip:alice@10.1.1.1" (required)
    std::string password;    ///< digest password for 401/407 challenges
    std::string username;    ///< digest user name; default: the AOR's user part
    std::string displayName; ///< display name in From
    /// Contact user, the dispatch key of incoming requests; default: the AOR's user part.
    std::string contactUser;
    std::optional<Peer> outboundProxy; ///< every out-of-dialog request goes there
    std::optional<Peer> registrar;     ///< where REGISTER goes; default: the outbound proxy
    /// Where an INVITE fails over to, in order (UaConfig::backupProxies, RFC 3263 4.3).
    std::vector<Peer> backupProxies;
    /// q of the user's Contact in REGISTER, in thousandths; none: no q (RFC 3261 10.2.1.2).
    std::optional<uint16_t> contactQ;
    /// Transport of the user's requests and Contact (RFC 3261 18); the proxy peers should
    /// name the same.
    TransportProtocol transport = TransportProtocol::Udp;
};

struct SipPhoneCounters
{
    uint64_t callsPlaced = 0;     ///< Call() accepted: INVITEs of new calls
    uint64_t callsConnected = 0;  ///< calls established (either side)
    uint64_t callsFailed = 0;     ///< caller side: calls that ended without being established
    uint64_t callsOffered = 0;    ///< incoming INVITEs for a user
    uint64_t callsRejected = 0;   ///< incoming INVITEs refused (busy, DND, SDP, bad request)
    uint64_t callsUnanswered = 0; ///< incoming INVITEs that expired ringing (the 408 fail-safe)
    uint64_t retries = 0;         ///< INVITEs sent again on a profile action (411, 413)
    uint64_t registrations = 0;   ///< successful REGISTERs
    uint64_t registrationFailures = 0;
    uint64_t reregistrations = 0;   ///< REGISTERs after a failure or a keep-alive outage
    uint64_t bindingsQueried = 0;   ///< answers to RegistrationAction QueryBindings
    uint64_t redirectsFollowed = 0; ///< INVITEs sent again to a Contact of a 3xx
    uint64_t optionsSent = 0;       ///< keep-alive OPTIONS sent (OptionsInterval)
    uint64_t optionsAnswered = 0;   ///< ... answered 2xx
    uint64_t optionsFailed = 0;     ///< ... answered otherwise, or timed out (408)
};

class SipPhone
    : public ns3::Application
    , private UaListener
{
  public:
    static ns3::TypeId GetTypeId();
    SipPhone();
    ~SipPhone() override;

    /**
     * Adds a user; allowed before and after the application starts. With RegisterOnStart the
     * user registers when the application starts (or at once when it already has).
     * \return the user's index in this application
     */
    uint32_t AddUser(const PhoneUser& user);

    uint32_t GetUserCount() const { return static_cast<uint32_t>(m_users.size()); }

    /// The user's UA (for finer control and inspection); nullptr before the application has
    /// a node and a profile.
    UserAgent* GetUserAgent(uint32_t user) const;

    /**
     * The user dials targetUri: an INVITE with an SDP offer of the profile's codecs. The
     * answering user model of the callee and the holding time of this phone decide the rest.
     * \return false when the user is already in a call or the call cannot be placed
     */
    bool Call(uint32_t user, const std::string& targetUri);

    /// The user hangs up (BYE, CANCEL or decline, as the call's state asks).
    bool Hangup(uint32_t user);

    /// Do-not-disturb for one user: incoming calls get the profile's USER_BUSY response.
    void SetDoNotDisturb(uint32_t user, bool on);

    /// Whether the user has a call (any state).
    bool IsInCall(uint32_t user) const;

    /// Starts registration (with refresh) of a user now.
    bool Register(uint32_t user);

    /// What a user can ask its registrar (RFC 3665 2.2-2.4), for RegistrationAction.
    enum class RegistrationRequest
    {
        Register,      ///< register (again): the user's binding
        Unregister,    ///< remove the user's own binding (Expires: 0)
        RemoveAll,     ///< remove every binding of the AOR ("Contact: *")
        QueryBindings, ///< list the AOR's bindings (no Contact)
        AddContact,    ///< add another contact to the AOR's bindings (RFC 3665 2.2)
    };

    /**
     * Sends a user's REGISTER of that kind now; false when it cannot be sent. For AddContact,
     * `contact` is the URI added, with "{user}" replaced by the user part of the user's AOR.
     */
    bool RegistrationAction(uint32_t user, RegistrationRequest request,
                            const std::string& contact = {});

    const profile::DeviceProfile& GetProfile() const;

    const SipPhoneCounters& GetCounters() const { return m_counters; }

    /**
     * Fixes the random streams: user i of this application uses streams stream + 3 i to
     * stream + 3 i + 2 (answer draw, answer delay, holding time); with AnsweredHoldingTime set,
     * that variable (shared by the users) gets the stream after the users'. Call after adding
     * users.
     * \return the number of streams used
     */
    int64_t AssignStreams(int64_t stream);

  protected:
    void DoDispose() override;

  private:
    /**
     * A user's random streams by UserVariable, stream user.stream + variable: the generator
     * state of that stream when the phone's distribution can be shared
     * (RandomStreamState::CanShare: no ns-3 object per user), else a variable object of the
     * distribution's type of the user's own on that stream.
     */
    struct UserRandom
    {
        std::array<std::optional<RandomStreamState>, 3> states;
        std::array<ns3::Ptr<ns3::RandomVariableStream>, 3> variables;
    };

    struct User
    {
        std::unique_ptr<PhoneUser> pending; ///< until the UA exists (it then owns the config)
        UserAgent* ua = nullptr;
        CallHandle call;
        bool caller = false;
        bool dnd = false;
        bool ringback = false; ///< caller: the ringback tone is playing
        uint8_t retries = 0;
        uint8_t redirects = 0;        ///< 3xx followed in this call
        bool keepAliveFailed = false; ///< a keep-alive OPTIONS timed out or got 503
        bool noMedia = false; ///< caller, delayed offer: the 2xx's offer had no common codec
        /// Contacts of the last 3xx still to try, the best at the back; made when following.
        std::unique_ptr<std::vector<std::string>> redirectTargets;
        std::string answerSdp; ///< callee: the SDP answer for the 200
        ns3::EventId answerEvent;
        ns3::EventId hangupEvent;
        int64_t stream = -1;
        /// The user's own random streams, made on the first draw (Draw).
        std::unique_ptr<UserRandom> random;
    };

    /// A user's random variables; the value is the offset of its stream from the user's first.
    enum class UserVariable : uint8_t
    {
        AnswerDraw = 0,  ///< uniform on [0, 1), against AnswerProbability
        AnswerDelay = 1, ///< like the AnswerDelay attribute
        HoldingTime = 2, ///< like the HoldingTime attribute
    };

    /**
     * Makes variables of a prototype's type with its construct-time attributes. The attributes
     * are read once per prototype (by reflection, which costs more than the creation itself).
     */
    struct VariableRecipe
    {
        ns3::Ptr<ns3::RandomVariableStream> prototype;
        ns3::ObjectFactory factory;

        ns3::Ptr<ns3::RandomVariableStream> Make(const ns3::Ptr<ns3::RandomVariableStream>& from);
    };

    void StartApplication() override;
    void StopApplication() override;

    void EnsureReady();
    void CreateUa(uint32_t index);
    /// A draw of the phone's distribution for that variable on the user's own stream.
    double Draw(User& user, UserVariable which);
    sdp::SdpParams SdpParams(uint32_t index) const;
    std::string SdpOffer(uint32_t index) const;
    User* FindUser(UserAgent& ua, uint32_t* index = nullptr);
    void Fire(const User& user, DeviceEventKind kind, uint16_t status = 0,
              profile::Tone tone = profile::TONE_UNSPECIFIED,
              profile::ReceiptAction action = profile::RECEIPT_ACTION_UNSPECIFIED,
              const std::string& text = {});
    /// The user experiences the profile's receipt for a final status of their call.
    void ApplyReceipt(const User& user, const profile::Receipt& receipt, uint16_t status,
                      std::string_view reason);
    void EndCall(User& user);
    void AnswerNow(uint32_t index, uint32_t call);
    /// RingTimeout expired on an offered call still ringing: 480 (RFC 3665 3.11).
    void RingTimeoutNow(uint32_t index, uint32_t call);
    /// With FollowRedirects: the INVITE's next target after a 3xx or a rejected redirection.
    std::optional<Duration> FollowRedirect(User& user, CallHandle call, const Message& response);
    static constexpr uint8_t kMaxRedirects = 5;
    /// Sends the next user's keep-alive OPTIONS and schedules the one after.
    void SendKeepAlive();
    void HangupNow(uint32_t index, uint32_t call);

    // UaListener
    void OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite) override;
    void OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code) override;
    void OnCallAnswered(UserAgent& ua, CallHandle call) override;
    std::string OnOfferInAnswer(UserAgent& ua, CallHandle call, const Message& response) override;
    void OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status,
                      std::string_view reason) override;
    void OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote) override;
    void OnRegistered(UserAgent& ua, uint32_t expires) override;
    void OnRegistrationFailed(UserAgent& ua, uint16_t status) override;
    std::optional<Duration> OnInviteRejected(UserAgent& ua, CallHandle call,
                                             const Message& response) override;
    void OnOptionsResponse(UserAgent& ua, uint16_t status) override;
    void OnBindingsQueried(UserAgent& ua, size_t contacts) override;

    // Attributes
    std::string m_profileName;
    double m_answerProbability = 1.0;
    ns3::Ptr<ns3::RandomVariableStream> m_answerDelay;
    ns3::Ptr<ns3::RandomVariableStream> m_holdingTime;
    ns3::Ptr<ns3::RandomVariableStream> m_answeredHolding; ///< null: callees never hang up first
    VariableRecipe m_answerDelayRecipe;
    VariableRecipe m_holdingTimeRecipe;
    ns3::Ptr<ns3::RandomVariableStream> m_answerDraw; ///< uniform on [0, 1), made on first use
    /// Per UserVariable: the distribution last checked with RandomStreamState::CanShare.
    std::array<std::pair<const ns3::RandomVariableStream*, bool>, 3> m_shareable{};
    bool m_dndAll = false;
    bool m_registerOnStart = false;
    uint32_t m_registerExpires = 3600;
    ns3::Time m_registerSpread;
    ns3::Time m_inviteExpires;
    ns3::Time m_cancelAfter;
    ns3::Time m_ringTimeout;
    ns3::Time m_optionsInterval;
    bool m_followRedirects = false;
    bool m_delayedOffer = false;
    ns3::Time m_registerRetry;
    bool m_reuseCredentials = false;
    ns3::EventId m_optionsEvent;
    uint32_t m_optionsNext = 0; ///< the user whose keep-alive is next
    uint32_t m_maxRetries = 1;
    uint16_t m_rtpPortBase = 16384;

    std::shared_ptr<const profile::DeviceProfile> m_profile;
    std::vector<sdp::Codec> m_codecs; ///< the profile's codecs, parsed once
    ns3::Ptr<SipEndpoint> m_endpoint;
    std::deque<User> m_users; ///< grows in chunks: no doubling, stable addresses
    bool m_started = false;
    SipPhoneCounters m_counters;
    ns3::TracedCallback<const DeviceEvent&> m_deviceEvent;
};

} // namespace sipsim

#endif // SIPSIM_SIP_PHONE_H

/*
 * SipPhone: phone users on one node, their user model, and the profile's rows applied to
 * what they send and receive.
 */
#include "node/sip-phone.h"

#include "node/node-config.h"
#include "node/sip-endpoint.h"
#include "sdp/sdp.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <ns3/abort.h>
#include <ns3/boolean.h>
#include <ns3/double.h>
#include <ns3/log.h>
#include <ns3/object-factory.h>
#include <ns3/pointer.h>
#include <ns3/simulator.h>
#include <ns3/string.h>
#include <ns3/uinteger.h>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("SipPhone");
NS_OBJECT_ENSURE_REGISTERED(SipPhone);

ns3::TypeId
SipPhone::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::SipPhone")
              .SetParent<ns3::Application>()
              .SetGroupName("Sipsim")
              .AddConstructor<SipPhone>()
              .AddAttribute("Profile",
                            "Behaviour profile: a name looked up in profiles/ (and "
                            "$SIPSIM_PROFILE_PATH) or a .textproto path.",
                            ns3::StringValue("cisco-sip-phone"),
                            ns3::MakeStringAccessor(&SipPhone::m_profileName),
                            ns3::MakeStringChecker())
              .AddAttribute("AnswerProbability",
                            "Probability that a user answers a ringing call; unanswered calls "
                            "ring until the caller gives up or the INVITE expires.",
                            ns3::DoubleValue(1.0),
                            ns3::MakeDoubleAccessor(&SipPhone::m_answerProbability),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0))
              .AddAttribute("AnswerDelay", "Seconds from the phone ringing to the user picking up.",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=2.0]"),
                            ns3::MakePointerAccessor(&SipPhone::m_answerDelay),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("HoldingTime",
                            "Seconds a caller stays on an established call before hanging up.",
                            ns3::StringValue("ns3::ExponentialRandomVariable[Mean=120]"),
                            ns3::MakePointerAccessor(&SipPhone::m_holdingTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("AnsweredHoldingTime",
                            "Seconds a called user stays on a call they answered before hanging "
                            "up, when the caller has not hung up first; unset: called users "
                            "never hang up first.",
                            ns3::PointerValue(),
                            ns3::MakePointerAccessor(&SipPhone::m_answeredHolding),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("OptionsInterval",
                            "Keep-alive: each user sends an OPTIONS to its domain (its outbound "
                            "proxy answers for itself, RFC 3261 11.2) once per interval, the users "
                            "in turn at even spacing; 0: none.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipPhone::m_optionsInterval),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("FollowRedirects",
                            "Callers follow a 3xx: the INVITE is sent again to its Contacts in "
                            "turn, the highest q first (RFC 3261 8.1.3.4), at most 5 redirections "
                            "a call; false: a 3xx fails the call (the phone profile has no 3xx "
                            "rows).",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipPhone::m_followRedirects),
                            ns3::MakeBooleanChecker())
              .AddAttribute("RegisterRetryInterval",
                            "After a failed REGISTER (a refresh included: 408 while the "
                            "registrar is down, 503, ...) the user registers again this much "
                            "later, and again until it succeeds; 0: a failed registration stays "
                            "failed.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipPhone::m_registerRetry),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("ReuseCredentials",
                            "A registration refresh carries credentials for the last challenge "
                            "at its next nonce-count (RFC 3261 22.1), saving the 401 round trip "
                            "while the nonce is valid.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipPhone::m_reuseCredentials),
                            ns3::MakeBooleanChecker())
              .AddAttribute("DoNotDisturb",
                            "Every user has do-not-disturb on: incoming calls get the profile's "
                            "USER_BUSY response (486).",
                            ns3::BooleanValue(false), ns3::MakeBooleanAccessor(&SipPhone::m_dndAll),
                            ns3::MakeBooleanChecker())
              .AddAttribute("RegisterOnStart", "Users register when the application starts.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipPhone::m_registerOnStart),
                            ns3::MakeBooleanChecker())
              .AddAttribute("RegisterSpread",
                            "With RegisterOnStart, the users' first REGISTERs are spread evenly "
                            "over this time from the start (user i at i/N of it); 0: all at once.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipPhone::m_registerSpread),
                            ns3::MakeTimeChecker())
              .AddAttribute("RegisterExpires", "Expiry asked for in REGISTER (s).",
                            ns3::UintegerValue(3600),
                            ns3::MakeUintegerAccessor(&SipPhone::m_registerExpires),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("InviteExpires",
                            "How long an incoming INVITE without Expires may ring before the "
                            "profile's INVITE_EXPIRED response (408 for cisco-sip-phone; 487 "
                            "when the profile has none); 0: the profile's setting.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipPhone::m_inviteExpires),
                            ns3::MakeTimeChecker())
              .AddAttribute("CancelAfter",
                            "A caller whose call is not answered this long after dialling hangs "
                            "up: CANCEL (RFC 3261 9.1). 0: the caller waits for a final response.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipPhone::m_cancelAfter), ns3::MakeTimeChecker())
              .AddAttribute("RingTimeout",
                            "An offered call still ringing this long after the 180 is refused "
                            "with 480 Temporarily Unavailable (RFC 3261 21.4.18, RFC 3665 3.11), "
                            "unless the user answers first. 0: it rings until answered, "
                            "cancelled or expired.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipPhone::m_ringTimeout), ns3::MakeTimeChecker())
              .AddAttribute("MaxRetries",
                            "How many times one call's INVITE is sent again on a profile "
                            "action (411 resend with Content-Length, 413 Retry-After).",
                            ns3::UintegerValue(1),
                            ns3::MakeUintegerAccessor(&SipPhone::m_maxRetries),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddTraceSource("DeviceEvent",
                              "What a user experiences: calls placed and offered, tones, "
                              "notifications, retries, answers and ends.",
                              ns3::MakeTraceSourceAccessor(&SipPhone::m_deviceEvent),
                              "sipsim::DeviceEventTracedCallback");
    return tid;
}

SipPhone::SipPhone() = default;

SipPhone::~SipPhone() = default;

void
SipPhone::DoDispose()
{
    std::vector<UserAgent*> uas;
    uas.reserve(m_users.size());
    for (auto& user : m_users)
    {
        ns3::Simulator::Cancel(user.answerEvent);
        ns3::Simulator::Cancel(user.hangupEvent);
        if (user.ua != nullptr)
        {
            uas.push_back(user.ua);
        }
        user.ua = nullptr;
    }
    if (m_endpoint)
    {
        m_endpoint->GetHost().RemoveUserAgents(uas);
    }
    m_endpoint = nullptr;
    ns3::Application::DoDispose();
}

void
SipPhone::EnsureReady()
{
    if (!m_profile)
    {
        std::string error;
        m_profile = profile::LoadProfileByName(m_profileName, &error);
        NS_ABORT_MSG_IF(!m_profile, "SipPhone: " << error);
        NS_ABORT_MSG_IF(m_profile->kind() != profile::PHONE,
                        "SipPhone: profile '" << m_profile->name() << "' is not a PHONE profile");
        auto codecs = ProfileCodecs(*m_profile, &error);
        NS_ABORT_MSG_IF(!codecs, "SipPhone: profile '" << m_profile->name()
                                                       << "' has a bad codec: " << error);
        m_codecs = std::move(*codecs);
    }
    if (!m_endpoint && GetNode())
    {
        m_endpoint = SipEndpoint::Get(GetNode());
        // A profile whose device never sends 400 drops malformed requests instead.
        m_endpoint->GetStack()->SetAttribute(
            "AnswerMalformedRequests",
            ns3::BooleanValue(profile::CodeFor(*m_profile, profile::MALFORMED_REQUEST) != 0));
    }
}

const profile::DeviceProfile&
SipPhone::GetProfile() const
{
    const_cast<SipPhone*>(this)->EnsureReady();
    return *m_profile;
}

uint32_t
SipPhone::AddUser(const PhoneUser& config)
{
    const auto index = static_cast<uint32_t>(m_users.size());
    m_users.push_back(User{});
    m_users.back().pending = std::make_unique<PhoneUser>(config);
    if (GetNode())
    {
        CreateUa(index);
        if (m_started && m_registerOnStart)
        {
            Register(index);
        }
    }
    return index;
}

void
SipPhone::CreateUa(uint32_t index)
{
    EnsureReady();
    User& user = m_users[index];
    if (user.ua != nullptr)
    {
        return;
    }
    // The user's configuration moves into its UA (which keeps it): no second copy per user.
    PhoneUser& pending = *user.pending;
    UaConfig config;
    config.aor = std::move(pending.aor);
    config.password = std::move(pending.password);
    config.username = std::move(pending.username);
    config.displayName = std::move(pending.displayName);
    config.contactUser = std::move(pending.contactUser);
    config.outboundProxy = pending.outboundProxy;
    config.registrar = pending.registrar;
    config.backupProxies = std::move(pending.backupProxies);
    config.contactQ = pending.contactQ;
    config.transport = pending.transport;
    config.registerExpires = m_registerExpires;
    config.reuseCredentials = m_reuseCredentials;
    config.allowBasicAuth = profile::SupportsAuth(*m_profile, profile::BASIC);
    // The INVITE Expires fail-safe (RFC 3261 13.3.1 says 487; the profile may say 408).
    const ns3::Time expires = m_inviteExpires.IsStrictlyPositive()
                                  ? m_inviteExpires
                                  : ns3::Seconds(m_profile->settings().invite_expires_s());
    config.inviteExpires = std::chrono::nanoseconds(expires.GetNanoSeconds());
    const uint32_t expiredCode = profile::CodeFor(*m_profile, profile::INVITE_EXPIRED);
    config.inviteExpiredStatus = static_cast<uint16_t>(expiredCode != 0 ? expiredCode : 487);
    const std::string aor = config.aor;
    user.ua = m_endpoint->GetHost().AddUserAgent(std::move(config), this);
    user.pending.reset();
    NS_ABORT_MSG_IF(user.ua == nullptr, "SipPhone: cannot add user "
                                            << aor
                                            << " (not a sip URI with a user part, or its "
                                               "Contact user is taken on this node)");
    user.ua->SetTag(index);
}

UserAgent*
SipPhone::GetUserAgent(uint32_t user) const
{
    return user < m_users.size() ? m_users[user].ua : nullptr;
}

int64_t
SipPhone::AssignStreams(int64_t stream)
{
    for (size_t i = 0; i < m_users.size(); ++i)
    {
        User& user = m_users[i];
        user.stream = stream + 3 * static_cast<int64_t>(i);
        if (!user.random)
        {
            continue;
        }
        // Streams already drawn from start again on their new numbers (as SetStream does).
        for (size_t k = 0; k < user.random->states.size(); ++k)
        {
            const int64_t number = user.stream + static_cast<int64_t>(k);
            if (user.random->states[k])
            {
                user.random->states[k].emplace(number);
            }
            if (user.random->variables[k])
            {
                user.random->variables[k]->SetStream(number);
            }
        }
    }
    const int64_t used = 3 * static_cast<int64_t>(m_users.size());
    if (m_answeredHolding)
    {
        m_answeredHolding->SetStream(stream + used);
        return used + 1;
    }
    return used;
}

ns3::Ptr<ns3::RandomVariableStream>
SipPhone::VariableRecipe::Make(const ns3::Ptr<ns3::RandomVariableStream>& from)
{
    if (from != prototype)
    {
        // A variable of the same type and construct-time attributes as the prototype, so that
        // each user has its own stream (and draws the same values wherever it is placed).
        prototype = from;
        const ns3::TypeId tid = from->GetInstanceTypeId();
        factory = ns3::ObjectFactory();
        factory.SetTypeId(tid);
        for (ns3::TypeId t = tid; t != ns3::Object::GetTypeId(); t = t.GetParent())
        {
            for (uint32_t i = 0; i < t.GetAttributeN(); ++i)
            {
                const ns3::TypeId::AttributeInformation info = t.GetAttribute(i);
                if ((info.flags & ns3::TypeId::ATTR_GET) == 0
                    || (info.flags & ns3::TypeId::ATTR_CONSTRUCT) == 0 || info.name == "Stream")
                {
                    continue;
                }
                ns3::Ptr<ns3::AttributeValue> value = info.checker->Create();
                from->GetAttribute(info.name, *value);
                factory.Set(info.name, *value);
            }
        }
    }
    return factory.Create<ns3::RandomVariableStream>();
}

double
SipPhone::Draw(User& user, UserVariable which)
{
    const auto k = static_cast<size_t>(which);
    if (which == UserVariable::AnswerDraw && !m_answerDraw)
    {
        m_answerDraw = ns3::CreateObject<ns3::UniformRandomVariable>();
    }
    ns3::RandomVariableStream& distribution = which == UserVariable::AnswerDraw    ? *m_answerDraw
                                              : which == UserVariable::AnswerDelay ? *m_answerDelay
                                                                                   : *m_holdingTime;
    if (!user.random)
    {
        user.random = std::make_unique<UserRandom>();
    }
    UserRandom& random = *user.random;
    auto& [checked, shareable] = m_shareable[k];
    if (checked != &distribution)
    {
        checked = &distribution;
        shareable = RandomStreamState::CanShare(distribution);
    }
    if (shareable && user.stream >= 0 && !random.variables[k])
    {
        std::optional<RandomStreamState>& state = random.states[k];
        if (!state)
        {
            state.emplace(user.stream + static_cast<int64_t>(k));
        }
        return state->Draw(distribution);
    }
    // A distribution with state of its own, or no stream assigned: an object per user.
    ns3::Ptr<ns3::RandomVariableStream>& variable = random.variables[k];
    if (!variable)
    {
        switch (which)
        {
            case UserVariable::AnswerDraw:
                variable = ns3::CreateObject<ns3::UniformRandomVariable>();
                break;
            case UserVariable::AnswerDelay:
                variable = m_answerDelayRecipe.Make(m_answerDelay);
                break;
            case UserVariable::HoldingTime:
                variable = m_holdingTimeRecipe.Make(m_holdingTime);
                break;
        }
        if (user.stream >= 0)
        {
            variable->SetStream(user.stream + static_cast<int64_t>(k));
        }
    }
    return variable->GetValue();
}

void
SipPhone::StartApplication()
{
    EnsureReady();
    for (uint32_t i = 0; i < m_users.size(); ++i)
    {
        CreateUa(i);
    }
    m_started = true;
    if (m_registerOnStart)
    {
        // Spread over RegisterSpread, user i at i / N of it: deterministic, and no avalanche
        // of simultaneous REGISTERs unless asked for (RegisterSpread 0).
        const auto n = static_cast<double>(m_users.size());
        for (uint32_t i = 0; i < m_users.size(); ++i)
        {
            const ns3::Time at = m_registerSpread * (static_cast<double>(i) / n);
            if (at.IsZero())
            {
                Register(i);
            }
            else
            {
                ns3::Simulator::Schedule(at, [this, i]() { Register(i); });
            }
        }
    }
    if (m_optionsInterval.IsStrictlyPositive() && !m_users.empty())
    {
        m_optionsNext = 0;
        m_optionsEvent
            = ns3::Simulator::Schedule(m_optionsInterval / static_cast<double>(m_users.size()),
                                       &SipPhone::SendKeepAlive, this);
    }
}

void
SipPhone::StopApplication()
{
    m_started = false;
    ns3::Simulator::Cancel(m_optionsEvent);
    for (auto& user : m_users)
    {
        ns3::Simulator::Cancel(user.answerEvent);
        ns3::Simulator::Cancel(user.hangupEvent);
    }
}

void
SipPhone::SendKeepAlive()
{
    // One user per step, round robin: each user every OptionsInterval, one event per phone.
    User& user = m_users[m_optionsNext];
    m_optionsNext = (m_optionsNext + 1) % static_cast<uint32_t>(m_users.size());
    if (user.ua != nullptr)
    {
        const std::string& aor = user.ua->GetConfig().aor;
        const auto at = aor.find('@');
        if (at != std::string::npos && user.ua->SendOptions("sip:" + aor.substr(at + 1)))
        {
            ++m_counters.optionsSent;
        }
    }
    m_optionsEvent = ns3::Simulator::Schedule(
        m_optionsInterval / static_cast<double>(m_users.size()), &SipPhone::SendKeepAlive, this);
}

void
SipPhone::OnOptionsResponse(UserAgent& ua, uint16_t status)
{
    uint32_t index = 0;
    User* user = FindUser(ua, &index);
    if (status >= 200 && status < 300)
    {
        ++m_counters.optionsAnswered;
        // The proxy answers again after its keep-alives failed: it may have restarted and
        // lost the user's binding, so a registered user registers again (as RFC 5626 4.4.1
        // has a UA re-register when its flow to the registrar failed).
        if (user != nullptr && user->keepAliveFailed)
        {
            user->keepAliveFailed = false;
            if (m_registerOnStart)
            {
                ++m_counters.reregistrations;
                Register(index);
            }
        }
    }
    else
    {
        ++m_counters.optionsFailed;
        if (user != nullptr && (status == 408 || status == 503))
        {
            user->keepAliveFailed = true;
        }
    }
}

bool
SipPhone::Register(uint32_t index)
{
    if (index >= m_users.size() || m_users[index].ua == nullptr)
    {
        return false;
    }
    return m_users[index].ua->Register();
}

bool
SipPhone::RegistrationAction(uint32_t index, RegistrationRequest request,
                             const std::string& contact)
{
    if (index >= m_users.size() || m_users[index].ua == nullptr)
    {
        return false;
    }
    UserAgent& ua = *m_users[index].ua;
    switch (request)
    {
        case RegistrationRequest::Register:
            return ua.Register();
        case RegistrationRequest::Unregister:
            return ua.Unregister();
        case RegistrationRequest::RemoveAll:
            return ua.UnregisterAll();
        case RegistrationRequest::QueryBindings:
            return ua.QueryBindings();
        case RegistrationRequest::AddContact:
        {
            std::string uri = contact;
            Uri aor;
            const size_t at = uri.find("{user}");
            if (at != std::string::npos && ParseUri(ua.GetConfig().aor, &aor) == nullptr)
            {
                uri.replace(at, 6, aor.user);
            }
            return ua.AddContact(uri);
        }
    }
    return false;
}

void
SipPhone::OnBindingsQueried(UserAgent& ua, size_t contacts)
{
    (void) ua, (void) contacts;
    ++m_counters.bindingsQueried;
}

sdp::SdpParams
SipPhone::SdpParams(uint32_t index) const
{
    sdp::SdpParams params;
    params.sessionId = index + 1;
    params.sessionVersion = 1;
    params.address = FormatIpv4(m_endpoint->GetHost().GetLocalPeer(TransportProtocol::Udp).address);
    params.port = static_cast<uint16_t>(m_rtpPortBase + 2 * (index % 20000));
    params.codecs = m_codecs;
    return params;
}

std::string
SipPhone::SdpOffer(uint32_t index) const
{
    return sdp::BuildSdp(SdpParams(index));
}

bool
SipPhone::Call(uint32_t index, const std::string& targetUri)
{
    if (index >= m_users.size() || m_users[index].ua == nullptr || m_users[index].call)
    {
        return false;
    }
    User& user = m_users[index];
    const CallHandle call = user.ua->MakeCall(targetUri, SdpOffer(index));
    if (!call)
    {
        return false;
    }
    user.call = call;
    user.caller = true;
    user.retries = 0;
    user.ringback = false;
    ++m_counters.callsPlaced;
    Fire(user, DeviceEventKind::CallPlaced, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, targetUri);
    if (m_cancelAfter.IsStrictlyPositive())
    {
        // Until the answer, hangupEvent is the caller giving up (CANCEL).
        user.hangupEvent = ns3::Simulator::Schedule(m_cancelAfter, &SipPhone::HangupNow, this,
                                                    index, call.value);
    }
    return true;
}

bool
SipPhone::Hangup(uint32_t index)
{
    if (index >= m_users.size() || !m_users[index].call)
    {
        return false;
    }
    User& user = m_users[index];
    ns3::Simulator::Cancel(user.answerEvent);
    ns3::Simulator::Cancel(user.hangupEvent);
    const CallHandle call = user.call;
    const bool wasOffered = !user.caller && user.ua->GetCallState(call)
                            && (*user.ua->GetCallState(call) == CallState::Offered
                                || *user.ua->GetCallState(call) == CallState::Ringing);
    if (!user.ua->Hangup(call))
    {
        return false;
    }
    if (wasOffered)
    {
        // Declining ends the call at once, without a UA event (UserAgent::Hangup).
        Fire(user, DeviceEventKind::Rejected, 603);
        Fire(user, DeviceEventKind::Cleared, 603);
        EndCall(user);
    }
    return true;
}

void
SipPhone::SetDoNotDisturb(uint32_t index, bool on)
{
    if (index < m_users.size())
    {
        m_users[index].dnd = on;
    }
}

bool
SipPhone::IsInCall(uint32_t index) const
{
    return index < m_users.size() && m_users[index].call.IsValid();
}

SipPhone::User*
SipPhone::FindUser(UserAgent& ua, uint32_t* index)
{
    // The phone tags each of its UAs with the user's index (CreateUa).
    const uint32_t tag = ua.GetTag();
    if (tag >= m_users.size() || m_users[tag].ua != &ua)
    {
        return nullptr;
    }
    if (index != nullptr)
    {
        *index = tag;
    }
    return &m_users[tag];
}

void
SipPhone::Fire(const User& user, DeviceEventKind kind, uint16_t status, profile::Tone tone,
               profile::ReceiptAction action, const std::string& text)
{
    if (m_deviceEvent.IsEmpty())
    {
        return;
    }
    DeviceEvent event;
    event.node = GetNode() ? GetNode()->GetId() : 0;
    event.user = user.ua != nullptr ? user.ua->GetConfig().aor : user.pending->aor;
    event.call = user.call.value;
    event.kind = kind;
    event.status = status;
    event.tone = tone;
    event.action = action;
    event.text = text;
    m_deviceEvent(event);
}

void
SipPhone::EndCall(User& user)
{
    ns3::Simulator::Cancel(user.answerEvent);
    ns3::Simulator::Cancel(user.hangupEvent);
    user.call = CallHandle{};
    user.caller = false;
    user.ringback = false;
    user.answerSdp.clear();
    user.retries = 0;
    user.redirects = 0;
    user.redirectTargets.reset();
}

void
SipPhone::ApplyReceipt(const User& user, const profile::Receipt& receipt, uint16_t status,
                       std::string_view reason)
{
    if (receipt.notify_user())
    {
        Fire(user, DeviceEventKind::Notification, status, profile::TONE_UNSPECIFIED,
             receipt.action(), std::to_string(status) + " " + std::string(reason));
    }
    if (receipt.tone() != profile::TONE_UNSPECIFIED)
    {
        Fire(user, DeviceEventKind::Tone, status, receipt.tone(), receipt.action());
    }
}

// --- callee side ------------------------------------------------------------------------------

void
SipPhone::OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite)
{
    uint32_t index = 0;
    User* user = FindUser(ua, &index);
    if (user == nullptr)
    {
        ua.Reject(call, 480);
        return;
    }
    ++m_counters.callsOffered;
    const auto reject = [&](profile::GenerateCondition condition, uint16_t fallback,
                            const std::vector<std::pair<std::string, std::string>>& headers) {
        uint32_t code = profile::CodeFor(*m_profile, condition);
        code = code != 0 ? code : fallback;
        const std::string reason = profile::ReasonFor(*m_profile, code);
        ++m_counters.callsRejected;
        ua.Reject(call, static_cast<uint16_t>(code), reason, headers);
        CallHandle saved = user->call;
        user->call = call;
        Fire(*user, DeviceEventKind::Rejected, static_cast<uint16_t>(code),
             profile::TONE_UNSPECIFIED, profile::RECEIPT_ACTION_UNSPECIFIED,
             std::string(profile::ConditionText(condition)));
        user->call = saved;
    };
    // The user is on another call (no call waiting) or has do-not-disturb on.
    if (user->call || user->dnd || m_dndAll)
    {
        reject(profile::USER_BUSY, 486, {});
        return;
    }
    // The offer: an SDP body that does not parse makes the request erroneous (400 row); one
    // with no codec in common is an SDP mismatch (488, or what the profile says).
    const std::string_view body = invite.GetBody();
    if (!body.empty())
    {
        std::string error;
        const auto offer = sdp::ParseSdp(body, &error);
        if (!offer)
        {
            reject(profile::MALFORMED_REQUEST, 400, {});
            return;
        }
        // RFC 3264 6.1: the codecs common to the offer and the profile, in the offer's order.
        std::optional<std::string> answer = sdp::BuildAnswer(*offer, m_codecs, SdpParams(index));
        if (!answer)
        {
            reject(profile::SDP_MISMATCH, 488, {{"Accept", "application/sdp"}});
            return;
        }
        user->answerSdp = std::move(*answer);
    }
    else
    {
        // No offer in the INVITE: ours goes in the 200 (RFC 3261 13.2.1).
        user->answerSdp = SdpOffer(index);
    }
    user->call = call;
    user->caller = false;
    ua.Ring(call);
    Fire(*user, DeviceEventKind::Ringing);
    // The draw decides only when it can: a uniform draw on [0, 1) is always below 1 and never
    // below 0, so those probabilities need no draw (and no variable for it).
    const bool answers = m_answerProbability >= 1.0
                         || (m_answerProbability > 0.0
                             && Draw(*user, UserVariable::AnswerDraw) < m_answerProbability);
    // One event per offered call: the answer, or the ring timeout when it comes first.
    const bool timesOut = m_ringTimeout.IsStrictlyPositive();
    if (answers)
    {
        const double delay = std::max(0.0, Draw(*user, UserVariable::AnswerDelay));
        if (!timesOut || ns3::Seconds(delay) < m_ringTimeout)
        {
            user->answerEvent = ns3::Simulator::Schedule(ns3::Seconds(delay), &SipPhone::AnswerNow,
                                                         this, index, call.value);
            return;
        }
    }
    if (timesOut)
    {
        user->answerEvent = ns3::Simulator::Schedule(m_ringTimeout, &SipPhone::RingTimeoutNow, this,
                                                     index, call.value);
    }
}

void
SipPhone::RingTimeoutNow(uint32_t index, uint32_t callValue)
{
    User& user = m_users[index];
    if (user.call.value != callValue || user.caller)
    {
        return;
    }
    std::string reason = profile::ReasonFor(*m_profile, 480);
    if (reason.empty())
    {
        reason = "Temporarily Unavailable";
    }
    if (!user.ua->Reject(user.call, 480, reason))
    {
        return;
    }
    ++m_counters.callsUnanswered;
    Fire(user, DeviceEventKind::Rejected, 480, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, "ring timeout");
    Fire(user, DeviceEventKind::Cleared, 480);
    EndCall(user);
}

void
SipPhone::AnswerNow(uint32_t index, uint32_t callValue)
{
    User& user = m_users[index];
    if (user.call.value != callValue || user.caller)
    {
        return;
    }
    user.ua->Answer(user.call, user.answerSdp);
    user.answerSdp.clear();
}

// --- caller side ------------------------------------------------------------------------------

void
SipPhone::OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    // Ringback starts with the first 180/183; forked branches ringing too change nothing.
    if ((code == 180 || code == 183) && !user->ringback)
    {
        user->ringback = true;
        Fire(*user, DeviceEventKind::Tone, code, profile::RINGBACK);
    }
}

void
SipPhone::OnCallAnswered(UserAgent& ua, CallHandle call)
{
    uint32_t index = 0;
    User* user = FindUser(ua, &index);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    ++m_counters.callsConnected;
    Fire(*user, DeviceEventKind::Answered);
    if (user->caller)
    {
        ns3::Simulator::Cancel(user->hangupEvent); // the CancelAfter timer
        const double holding = std::max(0.0, Draw(*user, UserVariable::HoldingTime));
        user->hangupEvent = ns3::Simulator::Schedule(ns3::Seconds(holding), &SipPhone::HangupNow,
                                                     this, index, call.value);
    }
    else if (m_answeredHolding)
    {
        // The called user hangs up after their own holding time unless the caller does first.
        const double holding = std::max(0.0, m_answeredHolding->GetValue());
        ns3::Simulator::Cancel(user->hangupEvent);
        user->hangupEvent = ns3::Simulator::Schedule(ns3::Seconds(holding), &SipPhone::HangupNow,
                                                     this, index, call.value);
    }
}

void
SipPhone::HangupNow(uint32_t index, uint32_t callValue)
{
    User& user = m_users[index];
    if (user.call.value == callValue)
    {
        user.ua->Hangup(user.call);
    }
}

std::optional<Duration>
SipPhone::OnInviteRejected(UserAgent& ua, CallHandle call, const Message& response)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return std::nullopt;
    }
    const uint16_t status = response.GetStatusCode();
    if (m_followRedirects)
    {
        if (const auto wait = FollowRedirect(*user, call, response))
        {
            return wait;
        }
    }
    const profile::Receipt receipt = profile::ReceiptFor(*m_profile, status);
    if (user->retries >= m_maxRetries)
    {
        return std::nullopt;
    }
    if (receipt.action() == profile::RESEND_WITH_CONTENT_LENGTH)
    {
        ++user->retries;
        ++m_counters.retries;
        Fire(*user, DeviceEventKind::Retry, status, profile::TONE_UNSPECIFIED, receipt.action());
        return Duration(0);
    }
    if (receipt.action() == profile::RETRY_AFTER)
    {
        const auto after = RetryAfterSeconds(response);
        if (!after)
        {
            return std::nullopt;
        }
        ++user->retries;
        ++m_counters.retries;
        Fire(*user, DeviceEventKind::Retry, status, profile::TONE_UNSPECIFIED, receipt.action(),
             "after " + std::to_string(*after) + " s");
        return std::chrono::seconds(*after);
    }
    return std::nullopt;
}

std::optional<Duration>
SipPhone::FollowRedirect(User& user, CallHandle call, const Message& response)
{
    // RFC 3261 8.1.3.4: the Contacts of a 3xx are tried in turn, the highest q first; a
    // rejection of a redirected INVITE moves on to the next. 305 (Use Proxy) is not followed.
    const uint16_t status = response.GetStatusCode();
    if (status >= 300 && status < 400 && status != 305 && user.redirects < kMaxRedirects)
    {
        std::vector<std::pair<uint16_t, std::string>> targets;
        for (const NameAddr& contact : response.GetContacts())
        {
            uint16_t q = 1000;
            if (contact.q && !ParseQValue(*contact.q, &q))
            {
                continue;
            }
            targets.emplace_back(q, std::string(contact.uri.text));
        }
        std::stable_sort(targets.begin(), targets.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        user.redirectTargets = std::make_unique<std::vector<std::string>>();
        for (auto it = targets.rbegin(); it != targets.rend(); ++it)
        {
            user.redirectTargets->push_back(std::move(it->second)); // the best at the back
        }
        ++user.redirects;
    }
    while (user.redirectTargets && !user.redirectTargets->empty())
    {
        const std::string target = std::move(user.redirectTargets->back());
        user.redirectTargets->pop_back();
        if (user.ua->Redirect(call, target))
        {
            ++m_counters.redirectsFollowed;
            Fire(user, DeviceEventKind::Retry, status, profile::TONE_UNSPECIFIED,
                 profile::RECEIPT_ACTION_UNSPECIFIED, "to " + target);
            return Duration(0);
        }
    }
    return std::nullopt;
}

void
SipPhone::OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status, std::string_view reason)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    if (!user->caller)
    {
        // Callee: the caller cancelled (487), or the INVITE expired ringing: the fail-safe
        // (the profile's INVITE_EXPIRED code, or RFC 3261 13.3.1's 487 without one).
        if (reason == kInviteExpiredReason)
        {
            ++m_counters.callsUnanswered;
            Fire(*user, DeviceEventKind::Rejected, status, profile::TONE_UNSPECIFIED,
                 profile::RECEIPT_ACTION_UNSPECIFIED,
                 std::string(profile::ConditionText(profile::INVITE_EXPIRED)));
        }
        Fire(*user, DeviceEventKind::Cleared, status);
        EndCall(*user);
        return;
    }
    ++m_counters.callsFailed;
    profile::Receipt receipt = profile::ReceiptFor(*m_profile, status);
    // A retry action that was not (or no longer) possible: what the profile says otherwise.
    const auto action = receipt.action();
    if ((action == profile::RETRY_WITH_CREDENTIALS || action == profile::RETRY_AFTER
         || action == profile::RESEND_WITH_CONTENT_LENGTH)
        && receipt.has_otherwise())
    {
        receipt = profile::Receipt(receipt.otherwise());
    }
    ApplyReceipt(*user, receipt, status, reason);
    Fire(*user, DeviceEventKind::Cleared, status, profile::TONE_UNSPECIFIED, receipt.action());
    EndCall(*user);
}

void
SipPhone::OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote)
{
    User* user = FindUser(ua);
    if (user == nullptr || user->call != call)
    {
        return;
    }
    Fire(*user, DeviceEventKind::Cleared, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, byRemote ? "remote hung up" : "hung up");
    EndCall(*user);
}

void
SipPhone::OnRegistered(UserAgent& ua, uint32_t expires)
{
    if (User* user = FindUser(ua))
    {
        ++m_counters.registrations;
        Fire(*user, DeviceEventKind::Registered, 200, profile::TONE_UNSPECIFIED,
             profile::RECEIPT_ACTION_UNSPECIFIED, "expires " + std::to_string(expires));
    }
}

void
SipPhone::OnRegistrationFailed(UserAgent& ua, uint16_t status)
{
    if (User* user = FindUser(ua))
    {
        ++m_counters.registrationFailures;
        const profile::Receipt receipt = profile::ReceiptFor(*m_profile, status);
        Fire(*user, DeviceEventKind::RegistrationFailed, status, profile::TONE_UNSPECIFIED,
             receipt.action());
        if (m_registerRetry.IsStrictlyPositive())
        {
            uint32_t index = 0;
            FindUser(ua, &index);
            ns3::Simulator::Schedule(m_registerRetry, [this, index]() {
                if (m_started)
                {
                    ++m_counters.reregistrations;
                    Register(index);
                }
            });
        }
    }
}

} // namespace sipsim

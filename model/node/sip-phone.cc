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
              .AddAttribute("DelayedOffer",
                            "Callers send INVITEs without SDP: the callee offers in its 2xx and "
                            "the caller answers in the ACK (RFC 3261 13.2.1, RFC 3264 4; RFC "
                            "3665 3.6). An offer with no codec in common gets no answer, and the "
                            "caller hangs up at once.",
                            ns3::BooleanValue(false),
                            ns3::MakeBooleanAccessor(&SipPhone::m_delayedOffer),
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

} // namespace sipsim

#include "node/sip-gateway.h"

#include "node/node-config.h"
#include "ua/ua-messages.h"

#include <algorithm>
#include <cmath>
#include <ns3/abort.h>
#include <ns3/boolean.h>
#include <ns3/double.h>
#include <ns3/log.h>
#include <ns3/pointer.h>
#include <ns3/simulator.h>
#include <ns3/string.h>
#include <ns3/trace-source-accessor.h>
#include <ns3/uinteger.h>

namespace sipsim {

NS_LOG_COMPONENT_DEFINE("SipGateway");
NS_OBJECT_ENSURE_REGISTERED(SipGateway);

namespace {} // namespace

ns3::TypeId
SipGateway::GetTypeId()
{
    static ns3::TypeId tid
        = ns3::TypeId("sipsim::SipGateway")
              .SetParent<ns3::Application>()
              .SetGroupName("Sipsim")
              .AddConstructor<SipGateway>()
              .AddAttribute("Profile",
                            "Behaviour profile: a name (looked up as NAME.textproto, see "
                            "profile::FindProfileFile) or a path. Loaded at start; a profile that "
                            "does not load aborts with the loader's message.",
                            ns3::StringValue("cpe-sip-gateway"),
                            ns3::MakeStringAccessor(&SipGateway::m_profileName),
                            ns3::MakeStringChecker())
              .AddAttribute("Aor",
                            "Address of record of the gateway's user agent (\"sip:gw@10.1.1.2\"): "
                            "From of the calls it places; its host's fallback UA takes every "
                            "number.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipGateway::m_aor),
                            ns3::MakeStringChecker())
              .AddAttribute("Username",
                            "User name answering 401/407 challenges; empty: the AOR's user part.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipGateway::m_username),
                            ns3::MakeStringChecker())
              .AddAttribute("Password",
                            "Password answering 401/407 challenges (Digest; Basic too when the "
                            "profile lists BASIC); empty: challenges fail the call.",
                            ns3::StringValue(""), ns3::MakeStringAccessor(&SipGateway::m_password),
                            ns3::MakeStringChecker())
              .AddAttribute("OutboundProxy",
                            "Outbound proxy address for the calls it places (RFC 3261 8.1.2); "
                            "0.0.0.0: none (requests go to the Request-URI's host).",
                            ns3::Ipv4AddressValue(ns3::Ipv4Address::GetAny()),
                            ns3::MakeIpv4AddressAccessor(&SipGateway::m_proxyAddress),
                            ns3::MakeIpv4AddressChecker())
              .AddAttribute("OutboundProxyPort", "UDP port of the outbound proxy.",
                            ns3::UintegerValue(5060),
                            ns3::MakeUintegerAccessor(&SipGateway::m_proxyPort),
                            ns3::MakeUintegerChecker<uint16_t>(1))
              .AddAttribute("Channels", "Trunk channels toward the PSTN.", ns3::UintegerValue(30),
                            ns3::MakeUintegerAccessor(&SipGateway::m_channels),
                            ns3::MakeUintegerChecker<uint32_t>())
              .AddAttribute("FullStatus",
                            "Status refusing a SIP call when every trunk is in use: 503 (the "
                            "profile's NO_CAPACITY row) or 486 (the USER_BUSY row's option).",
                            ns3::UintegerValue(503),
                            ns3::MakeUintegerAccessor(&SipGateway::m_fullStatus),
                            ns3::MakeUintegerChecker<uint16_t>(486, 503))
              .AddAttribute("RetryAfter",
                            "Retry-After of the full-gateway refusal (whole seconds); 0: no "
                            "Retry-After header.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipGateway::m_retryAfter),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("NumberPrefix",
                            "Request-URI user parts routed to the PSTN: digits (optionally after "
                            "a '+') that start with this prefix; empty: any such number. Others "
                            "get the profile's UNKNOWN_CALLEE code (404).",
                            ns3::StringValue(""),
                            ns3::MakeStringAccessor(&SipGateway::m_numberPrefix),
                            ns3::MakeStringChecker())
              .AddAttribute("PstnAnswerProbability",
                            "Probability that the called PSTN line answers (of the lines that "
                            "are not busy; the rest do not answer).",
                            ns3::DoubleValue(1.0),
                            ns3::MakeDoubleAccessor(&SipGateway::m_answerProbability),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0))
              .AddAttribute("PstnBusyProbability",
                            "Probability that the called PSTN line is busy (486), drawn first.",
                            ns3::DoubleValue(0.0),
                            ns3::MakeDoubleAccessor(&SipGateway::m_busyProbability),
                            ns3::MakeDoubleChecker<double>(0.0, 1.0))
              .AddAttribute("PstnRingDelay",
                            "Seconds from the INVITE's acceptance until the PSTN line alerts "
                            "(180 Ringing) or is known busy (486).",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=0.5]"),
                            ns3::MakePointerAccessor(&SipGateway::m_ringDelay),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("PstnAnswerDelay",
                            "Seconds from alerting until an answering PSTN line answers (200).",
                            ns3::StringValue("ns3::ConstantRandomVariable[Constant=3]"),
                            ns3::MakePointerAccessor(&SipGateway::m_answerDelay),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("HoldingTime",
                            "Seconds from the answer until the PSTN party hangs up (BYE), for "
                            "calls in both directions.",
                            ns3::StringValue("ns3::ExponentialRandomVariable[Mean=120]"),
                            ns3::MakePointerAccessor(&SipGateway::m_holdingTime),
                            ns3::MakePointerChecker<ns3::RandomVariableStream>())
              .AddAttribute("NoAnswerTimeout",
                            "Time from alerting until an unanswered PSTN line gets the profile's "
                            "NO_ANSWER_TIMEOUT code (408); 0: the profile's "
                            "settings.no_answer_timeout_s.",
                            ns3::TimeValue(ns3::Seconds(0)),
                            ns3::MakeTimeAccessor(&SipGateway::m_noAnswerTimeout),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("PstnCallerPatience",
                            "A PSTN subscriber whose call into SIP is not answered this long "
                            "after dialling hangs up: the gateway CANCELs the INVITE (RFC 3261 "
                            "9.1) and frees the trunk. 0: the subscriber waits for a final "
                            "response.",
                            ns3::TimeValue(ns3::Seconds(60)),
                            ns3::MakeTimeAccessor(&SipGateway::m_pstnPatience),
                            ns3::MakeTimeChecker(ns3::Seconds(0)))
              .AddAttribute("PstnCallRate",
                            "Poisson rate of PSTN-originated calls (calls per second) to "
                            "PstnTargets; 0: none.",
                            ns3::DoubleValue(0.0),
                            ns3::MakeDoubleAccessor(&SipGateway::m_pstnCallRate),
                            ns3::MakeDoubleChecker<double>(0.0))
              .AddAttribute(
                  "PstnTargets", "Comma-separated SIP URIs the PSTN calls go to, chosen uniformly.",
                  ns3::StringValue(""), ns3::MakeStringAccessor(&SipGateway::m_pstnTargets),
                  ns3::MakeStringChecker())
              .AddTraceSource("DeviceEvent",
                              "What the PSTN side experiences: alerting, answer, tones, "
                              "notifications, clearing, blocked calls.",
                              ns3::MakeTraceSourceAccessor(&SipGateway::m_deviceEvent),
                              "sipsim::DeviceEventTracedCallback")
              .AddTraceSource("BusyTrunks", "Trunk channels in use.",
                              ns3::MakeTraceSourceAccessor(&SipGateway::m_busyTrunks),
                              "ns3::TracedValueCallback::Uint32");
    return tid;
}

SipGateway::SipGateway()
    : m_outcomeRng(ns3::CreateObject<ns3::UniformRandomVariable>())
    , m_arrivalRng(ns3::CreateObject<ns3::ExponentialRandomVariable>())
    , m_targetRng(ns3::CreateObject<ns3::UniformRandomVariable>())
    , m_busyTrunks(0)
{}

SipGateway::~SipGateway() = default;

void
SipGateway::DoDispose()
{
    m_nextArrival.Cancel();
    for (auto& [handle, call] : m_calls)
    {
        (void) handle;
        call.alert.Cancel();
        call.answer.Cancel();
        call.noAnswer.Cancel();
        call.hangup.Cancel();
    }
    m_calls.clear();
    // The host is gone once the endpoint has been disposed (its stack is then null).
    if (m_ua != nullptr && m_endpoint && m_endpoint->GetStack())
    {
        m_ua->SetListener(nullptr);
    }
    m_ua = nullptr;
    m_endpoint = nullptr;
    m_ringDelay = nullptr;
    m_answerDelay = nullptr;
    m_holdingTime = nullptr;
    m_outcomeRng = nullptr;
    m_arrivalRng = nullptr;
    m_targetRng = nullptr;
    ns3::Application::DoDispose();
}

int64_t
SipGateway::AssignStreams(int64_t stream)
{
    m_ringDelay->SetStream(stream);
    m_answerDelay->SetStream(stream + 1);
    m_holdingTime->SetStream(stream + 2);
    m_outcomeRng->SetStream(stream + 3);
    m_arrivalRng->SetStream(stream + 4);
    m_targetRng->SetStream(stream + 5);
    return 6;
}

void
SipGateway::LoadProfile()
{
    if (m_profile)
    {
        return;
    }
    std::string error;
    m_profile = profile::LoadProfileByName(m_profileName, &error);
    NS_ABORT_MSG_IF(!m_profile, "SipGateway: " << error);
    std::optional<std::vector<sdp::Codec>> codecs = ProfileCodecs(*m_profile, &error);
    NS_ABORT_MSG_IF(!codecs || codecs->empty(),
                    "SipGateway: profile " << m_profileName << " has no usable codecs " << error);
    m_codecs = std::move(*codecs);
}

const profile::DeviceProfile&
SipGateway::GetProfile()
{
    LoadProfile();
    return *m_profile;
}

ns3::Time
SipGateway::GetNoAnswerTimeout()
{
    if (!m_noAnswerTimeout.IsZero())
    {
        return m_noAnswerTimeout;
    }
    return ns3::Seconds(static_cast<double>(GetProfile().settings().no_answer_timeout_s()));
}

void
SipGateway::StartApplication()
{
    LoadProfile();
    NS_ABORT_MSG_IF(m_fullStatus != 486 && m_fullStatus != 503,
                    "SipGateway: FullStatus must be 486 or 503, not " << m_fullStatus);
    if (m_ua == nullptr)
    {
        m_endpoint = SipEndpoint::Get(GetNode());
        m_endpoint->GetStack()->SetAttribute(
            "AnswerMalformedRequests",
            ns3::BooleanValue(profile::CodeFor(*m_profile, profile::MALFORMED_REQUEST) != 0));
        UaConfig config;
        config.aor = m_aor;
        config.username = m_username;
        config.password = m_password;
        config.allowBasicAuth = profile::SupportsAuth(*m_profile, profile::BASIC);
        if (m_proxyAddress != ns3::Ipv4Address::GetAny())
        {
            Peer proxy;
            proxy.transport = TransportProtocol::Udp;
            proxy.address = m_proxyAddress.Get();
            proxy.port = m_proxyPort;
            config.outboundProxy = proxy;
        }
        UaHost& host = m_endpoint->GetHost();
        m_ua = host.AddUserAgent(config, this);
        NS_ABORT_MSG_IF(m_ua == nullptr, "SipGateway: cannot add a user agent for Aor \""
                                             << m_aor
                                             << "\" (a sip URI with a user part, unique "
                                                "on the node)");
        host.SetFallbackUserAgent(m_ua);
    }
    m_targets = SplitCommaList(m_pstnTargets);
    m_running = true;
    ScheduleNextPstnArrival();
}

void
SipGateway::StopApplication()
{
    m_running = false;
    m_nextArrival.Cancel();
    std::vector<uint32_t> handles;
    handles.reserve(m_calls.size());
    for (const auto& [handle, call] : m_calls)
    {
        (void) call;
        handles.push_back(handle);
    }
    std::sort(handles.begin(), handles.end()); // deterministic order
    for (uint32_t handle : handles)
    {
        ReleaseTrunk(handle);
        if (m_ua != nullptr)
        {
            m_ua->Hangup(CallHandle{handle});
        }
        Fire(DeviceEventKind::Cleared, handle, 0, profile::TONE_UNSPECIFIED,
             profile::RECEIPT_ACTION_UNSPECIFIED, "gateway stopped");
    }
}

// --- trunks and events ------------------------------------------------------------------------

void
SipGateway::SeizeTrunk(uint32_t call, TrunkCall trunk)
{
    m_calls.emplace(call, std::move(trunk));
    m_busyTrunks = m_busyTrunks + 1;
}

void
SipGateway::ReleaseTrunk(uint32_t call)
{
    auto it = m_calls.find(call);
    if (it == m_calls.end())
    {
        return;
    }
    it->second.alert.Cancel();
    it->second.answer.Cancel();
    it->second.noAnswer.Cancel();
    it->second.hangup.Cancel();
    m_calls.erase(it);
    m_busyTrunks = m_busyTrunks - 1;
}

void
SipGateway::Fire(DeviceEventKind kind, uint32_t call, uint16_t status, profile::Tone tone,
                 profile::ReceiptAction action, std::string text)
{
    DeviceEvent event;
    event.node = GetNode() ? GetNode()->GetId() : 0;
    event.user = m_aor;
    event.call = call;
    event.kind = kind;
    event.status = status;
    event.tone = tone;
    event.action = action;
    event.text = std::move(text);
    m_deviceEvent(event);
}

uint16_t
SipGateway::RtpPort(uint32_t call) const
{
    // One even port per trunk call, within 16384-32766.
    return static_cast<uint16_t>(16384 + 2 * (call % 8191));
}

std::string
SipGateway::LocalSdp(uint32_t call, const sdp::SessionDescription* offer) const
{
    sdp::SdpParams params;
    params.sessionId = call;
    params.sessionVersion = 1;
    params.address = m_endpoint ? FormatIpv4(m_endpoint->GetStack()->GetLocalAddress().Get())
                                : std::string("0.0.0.0");
    params.port = RtpPort(call);
    params.codecs = m_codecs;
    if (offer != nullptr)
    {
        std::optional<std::string> answer = sdp::BuildAnswer(*offer, m_codecs, params);
        return answer ? *answer : std::string();
    }
    return sdp::BuildSdp(params);
}

// --- SIP to PSTN ------------------------------------------------------------------------------

bool
SipGateway::IsRoutable(const Message& invite) const
{
    const Uri& uri = invite.GetRequestUri();
    if (!uri.IsSipOrSips())
    {
        return false;
    }
    const std::string user = uri.UserUnescaped();
    std::string_view digits(user);
    if (!digits.empty() && digits.front() == '+')
    {
        digits.remove_prefix(1);
    }
    if (digits.empty()
        || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    {
        return false;
    }
    return std::string_view(user).substr(0, m_numberPrefix.size()) == m_numberPrefix;
}

void
SipGateway::Refuse(CallHandle call, uint16_t code,
                   const std::vector<std::pair<std::string, std::string>>& headers)
{
    const std::string reason = profile::ReasonFor(*m_profile, code);
    m_ua->Reject(call, code, reason, headers);
    Fire(DeviceEventKind::Rejected, call.value, code, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, reason);
}

void
SipGateway::OnCallOffered(UserAgent& ua, CallHandle call, const Message& invite)
{
    (void) ua;
    ++m_counters.sipCallsOffered;
    if (!m_running)
    {
        m_ua->Reject(call, 503);
        return;
    }
    if (!IsRoutable(invite))
    {
        ++m_counters.unknownNumber;
        Refuse(call, static_cast<uint16_t>(profile::CodeFor(*m_profile, profile::UNKNOWN_CALLEE)));
        return;
    }
    std::optional<sdp::SessionDescription> offer;
    if (!invite.GetBody().empty())
    {
        offer = sdp::ParseSdp(invite.GetBody());
    }
    std::string body = LocalSdp(call.value, offer ? &*offer : nullptr);
    if (body.empty())
    {
        ++m_counters.sdpMismatch;
        Refuse(call, static_cast<uint16_t>(profile::CodeFor(*m_profile, profile::SDP_MISMATCH)),
               {{"Accept", std::string(kUaAccept)}});
        return;
    }
    if (m_busyTrunks >= m_channels)
    {
        ++m_counters.sipCallsRefusedFull;
        std::vector<std::pair<std::string, std::string>> headers;
        if (!m_retryAfter.IsZero())
        {
            headers.emplace_back("Retry-After",
                                 std::to_string(static_cast<uint64_t>(m_retryAfter.GetSeconds())));
        }
        Refuse(call, m_fullStatus, headers);
        return;
    }
    ++m_counters.sipCallsAccepted;
    TrunkCall trunk;
    trunk.sdp = std::move(body);
    const double u = m_outcomeRng->GetValue();
    if (u < m_busyProbability)
    {
        trunk.outcome = PstnOutcome::Busy;
    }
    else if (u < m_busyProbability + m_answerProbability)
    {
        trunk.outcome = PstnOutcome::Answer;
    }
    else
    {
        trunk.outcome = PstnOutcome::NoAnswer;
    }
    trunk.alert = ns3::Simulator::Schedule(ns3::Seconds(m_ringDelay->GetValue()),
                                           &SipGateway::OnAlert, this, call.value);
    SeizeTrunk(call.value, std::move(trunk));
}

void
SipGateway::OnAlert(uint32_t handle)
{
    auto it = m_calls.find(handle);
    if (it == m_calls.end())
    {
        return;
    }
    TrunkCall& call = it->second;
    if (call.outcome == PstnOutcome::Busy)
    {
        ++m_counters.pstnBusy;
        ReleaseTrunk(handle);
        Refuse(CallHandle{handle},
               static_cast<uint16_t>(profile::CodeFor(*m_profile, profile::USER_BUSY)));
        return;
    }
    m_ua->Ring(CallHandle{handle});
    Fire(DeviceEventKind::Ringing, handle);
    if (call.outcome == PstnOutcome::Answer)
    {
        call.answer = ns3::Simulator::Schedule(ns3::Seconds(m_answerDelay->GetValue()),
                                               &SipGateway::OnPstnAnswer, this, handle);
    }
    call.noAnswer
        = ns3::Simulator::Schedule(GetNoAnswerTimeout(), &SipGateway::OnNoAnswer, this, handle);
}

void
SipGateway::OnPstnAnswer(uint32_t handle)
{
    auto it = m_calls.find(handle);
    if (it == m_calls.end())
    {
        return;
    }
    TrunkCall& call = it->second;
    call.noAnswer.Cancel();
    call.answered = true;
    ++m_counters.sipCallsAnswered;
    m_ua->Answer(CallHandle{handle}, call.sdp);
    Fire(DeviceEventKind::Answered, handle);
    call.hangup = ns3::Simulator::Schedule(ns3::Seconds(m_holdingTime->GetValue()),
                                           &SipGateway::OnHoldingExpired, this, handle);
}

void
SipGateway::OnNoAnswer(uint32_t handle)
{
    if (m_calls.find(handle) == m_calls.end())
    {
        return;
    }
    ++m_counters.noAnswer;
    ReleaseTrunk(handle);
    Refuse(CallHandle{handle},
           static_cast<uint16_t>(profile::CodeFor(*m_profile, profile::NO_ANSWER_TIMEOUT)));
}

void
SipGateway::OnHoldingExpired(uint32_t handle)
{
    auto it = m_calls.find(handle);
    if (it == m_calls.end())
    {
        return;
    }
    if (!it->second.fromPstn)
    {
        ++m_counters.sipCallsEndedByPstn;
    }
    ReleaseTrunk(handle);
    m_ua->Hangup(CallHandle{handle});
    Fire(DeviceEventKind::Cleared, handle, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, "PSTN party hung up");
}

// --- PSTN to SIP ------------------------------------------------------------------------------

bool
SipGateway::PlaceCall(const std::string& targetUri)
{
    if (!m_running || m_ua == nullptr)
    {
        return false;
    }
    if (m_busyTrunks >= m_channels)
    {
        ++m_counters.pstnCallsBlocked;
        Fire(DeviceEventKind::Blocked, 0, 0, profile::TONE_UNSPECIFIED,
             profile::RECEIPT_ACTION_UNSPECIFIED, targetUri);
        return false;
    }
    // The handle is not known before MakeCall: the offer is numbered by the call count.
    sdp::SdpParams params;
    params.sessionId = m_counters.pstnCallsPlaced + 1;
    params.sessionVersion = 1;
    params.address = FormatIpv4(m_endpoint->GetStack()->GetLocalAddress().Get());
    params.port = RtpPort(static_cast<uint32_t>(m_counters.pstnCallsPlaced + 1));
    params.codecs = m_codecs;
    const CallHandle call = m_ua->MakeCall(targetUri, sdp::BuildSdp(params));
    if (!call)
    {
        return false;
    }
    ++m_counters.pstnCallsPlaced;
    TrunkCall trunk;
    trunk.fromPstn = true;
    if (m_pstnPatience.IsStrictlyPositive())
    {
        // For a PSTN-originated call, noAnswer is the subscriber giving up.
        trunk.noAnswer = ns3::Simulator::Schedule(m_pstnPatience, &SipGateway::OnPstnCallerGivesUp,
                                                  this, call.value);
    }
    SeizeTrunk(call.value, std::move(trunk));
    Fire(DeviceEventKind::CallPlaced, call.value, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, targetUri);
    return true;
}

void
SipGateway::OnPstnCallerGivesUp(uint32_t call)
{
    auto it = m_calls.find(call);
    if (it == m_calls.end() || it->second.answered)
    {
        return;
    }
    ++m_counters.pstnCallsAbandoned;
    // CANCEL now or once a provisional response arrives; the 487 ends the call and frees the
    // trunk (OnCallFailed).
    m_ua->Hangup(CallHandle{call});
}

void
SipGateway::ScheduleNextPstnArrival()
{
    if (!m_running || m_pstnCallRate <= 0.0 || m_targets.empty())
    {
        return;
    }
    m_arrivalRng->SetAttribute("Mean", ns3::DoubleValue(1.0 / m_pstnCallRate));
    m_nextArrival = ns3::Simulator::Schedule(ns3::Seconds(m_arrivalRng->GetValue()),
                                             &SipGateway::OnPstnArrival, this);
}

void
SipGateway::OnPstnArrival()
{
    const auto n = static_cast<uint32_t>(m_targets.size());
    const uint32_t index = std::min(n - 1, m_targetRng->GetInteger(0, n - 1));
    PlaceCall(m_targets[index]);
    ScheduleNextPstnArrival();
}

void
SipGateway::OnCallProgress(UserAgent& ua, CallHandle call, uint16_t code)
{
    (void) ua;
    if (code == 180 && m_calls.count(call.value) != 0)
    {
        Fire(DeviceEventKind::Tone, call.value, code, profile::RINGBACK);
    }
}

std::optional<Duration>
SipGateway::OnInviteRejected(UserAgent& ua, CallHandle call, const Message& response)
{
    (void) ua, (void) call, (void) response;
    return std::nullopt; // the gateway never retries by itself (the core did 401/407)
}

void
SipGateway::OnCallAnswered(UserAgent& ua, CallHandle call)
{
    (void) ua;
    auto it = m_calls.find(call.value);
    if (it == m_calls.end() || !it->second.fromPstn)
    {
        return; // SIP-originated: the answer was handled when the 200 was sent
    }
    it->second.answered = true;
    ns3::Simulator::Cancel(it->second.noAnswer);
    ++m_counters.pstnCallsAnswered;
    Fire(DeviceEventKind::Answered, call.value, 200);
    it->second.hangup = ns3::Simulator::Schedule(ns3::Seconds(m_holdingTime->GetValue()),
                                                 &SipGateway::OnHoldingExpired, this, call.value);
}

void
SipGateway::OnCallFailed(UserAgent& ua, CallHandle call, uint16_t status, std::string_view reason)
{
    (void) ua;
    auto it = m_calls.find(call.value);
    if (it == m_calls.end())
    {
        return;
    }
    if (!it->second.fromPstn)
    {
        // SIP-originated, never answered: the caller cancelled (487).
        ++m_counters.sipCallsCancelled;
        ReleaseTrunk(call.value);
        Fire(DeviceEventKind::Cleared, call.value, status, profile::TONE_UNSPECIFIED,
             profile::RECEIPT_ACTION_UNSPECIFIED, std::string(reason));
        return;
    }
    ++m_counters.pstnCallsFailed;
    ReleaseTrunk(call.value);
    profile::Receipt receipt = profile::ReceiptFor(*m_profile, status);
    if (receipt.action() == profile::RETRY_WITH_CREDENTIALS
        || receipt.action() == profile::RETRY_AFTER
        || receipt.action() == profile::RESEND_WITH_CONTENT_LENGTH)
    {
        // The core's retry did not help (or the gateway does not retry): the fallback applies.
        profile::Receipt otherwise = receipt.otherwise();
        receipt = otherwise;
    }
    const std::string text = std::to_string(status) + " " + std::string(reason);
    if (receipt.tone() != profile::TONE_UNSPECIFIED)
    {
        Fire(DeviceEventKind::Tone, call.value, status, receipt.tone(), receipt.action());
    }
    if (receipt.action() == profile::NOTIFY || receipt.notify_user())
    {
        Fire(DeviceEventKind::Notification, call.value, status, receipt.tone(), receipt.action(),
             text);
    }
    Fire(DeviceEventKind::Cleared, call.value, status, receipt.tone(), receipt.action(), text);
}

void
SipGateway::OnCallEnded(UserAgent& ua, CallHandle call, bool byRemote)
{
    (void) ua;
    auto it = m_calls.find(call.value);
    if (it == m_calls.end())
    {
        return; // ended by the gateway (its trunk is already free)
    }
    if (it->second.fromPstn)
    {
        ++m_counters.pstnCallsEndedBySip;
    }
    else
    {
        ++m_counters.sipCallsEndedBySip;
    }
    ReleaseTrunk(call.value);
    Fire(DeviceEventKind::Cleared, call.value, 0, profile::TONE_UNSPECIFIED,
         profile::RECEIPT_ACTION_UNSPECIFIED, byRemote ? "SIP side hung up" : "call ended");
}

} // namespace sipsim

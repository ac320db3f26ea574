/*
 * The proxy core: RFC 3261 16 (stateful proxy), 8.3 (redirect server), 10.3 (registrar, by
 * Registrar), 22.3 (proxy authentication, by ProxyAuthenticator).
 *
 * Choices where the RFC leaves room, and deviations (also in the report of issue 5):
 * - Loop detection (16.3 step 4, 16.6 step 8): the branch is "z9hG4bK" <hash> "." <counter>;
 *   the hash covers the To tag, From tag, Call-ID, CSeq number, Request-URI, Route,
 *   Proxy-Require and Proxy-Authorization of the request as received, and our own address.
 *   The topmost Via is left out although 16.11 lists it for stateless branches: a request that
 *   comes back after a loop carries the previous hop's Via on top, so a hash over it would
 *   never match and no loop would ever be detected.
 * - 16.7 step 6: within the chosen class the proxy prefers 401/407 (challenges aggregated,
 *   step 7), then 415, 420, 484 (the responses the RFC names as affecting resubmission), then
 *   the lowest status code (first received on ties), so the choice does not depend on the
 *   order responses arrived in.
 * - 16.10: a CANCEL matching no response context is answered 481 (Cisco SPS) instead of being
 *   forwarded statelessly.
 * - Methods: an extension method is answered 501 and a known method outside the allowed set
 *   405 with Allow (Cisco SPS), although 16 lets a proxy forward any method.
 * - 3xx responses are not recursed on (16.5 allows it); they compete as final responses.
 * - A 503 with Retry-After from a next hop blocks that hop until the time has passed
 *   (21.5.4: the sender honours Retry-After; RFC 6357 overload control): its targets are not
 *   tried, and a request with no other target gets our own 503 with the remaining
 *   Retry-After, without being sent.
 * - Redirect mode redirects only targets found in the location service; requests for other
 *   domains are proxied by the static routes as in proxy mode.
 */
#include "proxy/proxy-core.h"

#include "message/sip-text.h"
#include "proxy/proxy-messages.h"

#include <algorithm>
#include <cstdio>
#include <tuple>

namespace sipsim {

namespace {

constexpr std::string_view kMagicCookie = "z9hG4bK";

/// 64-bit FNV-1a, enough for loop detection (not a security measure).
class Fnv1a
{
  public:
    void Add(std::string_view s)
    {
        for (const char c : s)
        {
            m_hash ^= static_cast<uint8_t>(c);
            m_hash *= 0x100000001b3ULL;
        }
        // a separator so that ("ab", "c") and ("a", "bc") differ
        m_hash ^= 0xff;
        m_hash *= 0x100000001b3ULL;
    }

    std::string Hex() const
    {
        char buffer[17];
        std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(m_hash));
        return buffer;
    }

  private:
    uint64_t m_hash = 0xcbf29ce484222325ULL;
};

/// The transport a URI asks for (";transport=tcp"), UDP otherwise.
TransportProtocol
UriTransport(const Uri& uri)
{
    if (const auto t = uri.params.Get("transport"); t && text::EqualsNoCase(*t, "tcp"))
    {
        return TransportProtocol::Tcp;
    }
    return TransportProtocol::Udp;
}

/// The peer an IPv4 URI names (RFC 3263 is not modelled: IPv4 literals only).
std::optional<Peer>
PeerOfUri(const Uri& uri)
{
    const std::optional<Ipv4> address = ParseIpv4(uri.host);
    if (!address)
    {
        return std::nullopt;
    }
    return Peer{UriTransport(uri), *address, static_cast<uint16_t>(uri.port < 0 ? 5060 : uri.port)};
}

std::string
Lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
    {
        c = text::ToLower(c);
    }
    return out;
}

bool
IsDialogCreating(Method method)
{
    return method == Method::Invite || method == Method::Subscribe || method == Method::Refer
           || method == Method::Notify;
}

/// "0.5" for 500.
std::string
FormatQ(uint16_t q)
{
    if (q >= 1000)
    {
        return "1";
    }
    std::string out = "0." + std::to_string(1000 + q).substr(1);
    while (out.size() > 3 && out.back() == '0')
    {
        out.pop_back();
    }
    return out;
}

} // namespace

ProxyCore::ProxyCore(TransactionLayer& layer, TimerService& timers, ProxyConfig config)
    : m_layer(layer)
    , m_timers(timers)
    , m_config(std::move(config))
{
    if (m_config.registrar)
    {
        RegistrarConfig rc = m_config.registrarConfig;
        if (rc.domains.empty())
        {
            rc.domains = m_config.domains;
        }
        m_registrar = std::make_unique<Registrar>(m_locations, m_timers, std::move(rc));
    }
    if (m_config.authenticate)
    {
        m_auth = std::make_unique<ProxyAuthenticator>(m_timers, m_config.authConfig);
    }
    m_layer.SetUser(this);
}

ProxyCore::~ProxyCore()
{
    for (auto& [server, context] : m_contexts)
    {
        for (Branch& branch : context.branches)
        {
            m_timers.Cancel(branch.timerC);
        }
    }
    m_layer.SetUser(nullptr);
}

std::string
ProxyCore::LoopHash(const Message& request, const Peer& self)
{
    Fnv1a hash;
    hash.Add(request.GetTo() ? request.GetTo()->Tag() : std::string_view());
    hash.Add(request.GetFrom() ? request.GetFrom()->Tag() : std::string_view());
    hash.Add(request.GetCallId());
    hash.Add(request.GetCSeq() ? std::to_string(request.GetCSeq()->number) : std::string());
    hash.Add(request.GetRequestUriText());
    for (const HeaderId id :
         {HeaderId::Route, HeaderId::ProxyRequire, HeaderId::ProxyAuthorization})
    {
        for (const HeaderField& field : request.GetHeaders())
        {
            if (field.id == id)
            {
                hash.Add(field.value);
            }
        }
    }
    hash.Add(self.ToString());
    return hash.Hex();
}

// --- helpers ----------------------------------------------------------------------------------

bool
ProxyCore::IsOurDomain(std::string_view host) const
{
    return std::any_of(m_config.domains.begin(), m_config.domains.end(),
                       [host](const std::string& d) { return text::EqualsNoCase(d, host); });
}

bool
ProxyCore::IsSelf(const Uri& uri) const
{
    const std::optional<Ipv4> address = ParseIpv4(uri.host);
    return address && *address == m_config.self.address
           && (uri.port < 0 ? 5060 : uri.port) == m_config.self.port;
}

bool
ProxyCore::IsOurVia(const Via& via) const
{
    const std::optional<Ipv4> address = ParseIpv4(via.host);
    return address && *address == m_config.self.address
           && (via.port < 0 ? 5060 : via.port) == m_config.self.port;
}

Message
ProxyCore::MakeReply(const Message& request, uint16_t code, std::string_view reason)
{
    const std::string tag = code > 100 ? "px" + std::to_string(++m_tagSerial) : std::string();
    return MakeResponseTo(request, code, reason, tag);
}

void
ProxyCore::Reply(TransactionId id, const Message& request, Message response)
{
    ++m_counters.generated[response.GetStatusCode()];
    if (m_observer)
    {
        m_observer->OnGenerated(request, response);
    }
    m_layer.SendResponse(id, std::move(response));
}

void
ProxyCore::Reply(TransactionId id, const Message& request, uint16_t code, std::string_view reason)
{
    Reply(id, request, MakeReply(request, code, reason));
}

ProxyCore::Context*
ProxyCore::FindContextByClient(TransactionId client, size_t* branch)
{
    const auto it = m_clientToServer.find(client);
    if (it == m_clientToServer.end())
    {
        return nullptr;
    }
    const auto ctx = m_contexts.find(it->second);
    if (ctx == m_contexts.end())
    {
        return nullptr;
    }
    for (size_t i = 0; i < ctx->second.branches.size(); ++i)
    {
        if (ctx->second.branches[i].client == client)
        {
            *branch = i;
            return &ctx->second;
        }
    }
    return nullptr;
}

// --- 16.3 request validation -------------------------------------------------------------------

bool
ProxyCore::CheckRequestUri(TransactionId id, const Message& request)
{
    // 16.3 step 2: a scheme the proxy does not understand: 416.
    const Uri& uri = request.GetRequestUri();
    if (uri.scheme == UriScheme::Other)
    {
        Reply(id, request, 416);
        return true;
    }
    if (request.GetRequestUriText().size() > m_config.maxRequestUriLength)
    {
        Reply(id, request, 414);
        return true;
    }
    return false;
}

bool
ProxyCore::CheckMaxForwards(TransactionId id, const Message& request)
{
    // 16.3 step 3: "If the request has a Max-Forwards value of zero, the element MUST NOT
    // forward the request" and returns 483 (the OPTIONS exception is not modelled).
    if (request.GetMaxForwards() == 0)
    {
        Reply(id, request, 483);
        return true;
    }
    return false;
}

bool
ProxyCore::CheckLoop(TransactionId id, const Message& request)
{
    // 16.3 step 4: a Via we placed whose branch carries the hash of this very request: a loop
    // (482); a different hash: a spiral (routing inputs changed), processed normally.
    std::string hash;
    for (const Via& via : request.GetVias())
    {
        if (!IsOurVia(via) || via.branch.substr(0, kMagicCookie.size()) != kMagicCookie)
        {
            continue;
        }
        if (hash.empty())
        {
            hash = LoopHash(request, m_config.self);
        }
        std::string_view rest = via.branch.substr(kMagicCookie.size());
        rest = rest.substr(0, rest.find('.'));
        if (rest == hash)
        {
            Reply(id, request, 482);
            return true;
        }
    }
    return false;
}

bool
ProxyCore::CheckProxyRequire(TransactionId id, const Message& request)
{
    // 16.3 step 5 (8.2.2.3): 420 listing every tag not understood in Unsupported.
    std::string unsupported;
    for (const std::string_view tag : request.GetTokens(HeaderId::ProxyRequire))
    {
        if (m_config.supportedExtensions.count(std::string(tag)) == 0)
        {
            unsupported += unsupported.empty() ? "" : ", ";
            unsupported += tag;
        }
    }
    if (unsupported.empty())
    {
        return false;
    }
    Message response = MakeReply(request, 420);
    response.AddHeader(HeaderId::Unsupported, unsupported);
    Reply(id, request, std::move(response));
    return true;
}

bool
ProxyCore::CheckMethod(TransactionId id, const Message& request)
{
    if (request.GetMethod() == Method::Extension)
    {
        if (m_config.rejectUnknownMethods)
        {
            Reply(id, request, 501);
            return true;
        }
        return false;
    }
    if (m_config.allowedMethods.count(std::string(request.GetMethodName())) == 0)
    {
        // 405 MUST carry Allow (RFC 3261 21.4.6).
        Message response = MakeReply(request, 405);
        std::string allow;
        for (const std::string& m : m_config.allowedMethods)
        {
            allow += allow.empty() ? "" : ", ";
            allow += m;
        }
        response.AddHeader(HeaderId::Allow, allow);
        Reply(id, request, std::move(response));
        return true;
    }
    return false;
}

bool
ProxyCore::CheckProxyAuthorization(TransactionId id, const Message& request)
{
    // 16.3 step 6, 22.3: REGISTER (the registrar's business), ACK and CANCEL (hop-by-hop,
    // cannot be resubmitted) and in-dialog requests are not challenged.
    if (!m_auth || request.GetMethod() == Method::Register
        || (request.GetTo() && !request.GetTo()->Tag().empty()))
    {
        return false;
    }
    std::optional<Message> answer = m_auth->Check(request);
    if (!answer)
    {
        return false;
    }
    Reply(id, request, std::move(*answer));
    return true;
}

// --- requests ----------------------------------------------------------------------------------

void
ProxyCore::OnRequest(TransactionId id, const Message& request, const Peer& from)
{
    ++m_counters.requests;
    if (request.GetMethod() == Method::Cancel)
    {
        HandleCancel(id, request);
        return;
    }
    if (request.MissingRequiredHeader() != HeaderId::Unknown)
    {
        Reply(id, request, 400, "Missing Required Header");
        return;
    }
    if (CheckRequestUri(id, request) || CheckMaxForwards(id, request) || CheckLoop(id, request)
        || CheckProxyRequire(id, request) || CheckMethod(id, request)
        || CheckProxyAuthorization(id, request))
    {
        return;
    }
    const bool inDialog = request.GetTo() && !request.GetTo()->Tag().empty();
    const Uri& requestUri = request.GetRequestUri();
    if (request.GetMethod() == Method::Register && m_registrar
        && (m_registrar->IsDomain(requestUri.host) || IsOurDomain(requestUri.host)))
    {
        Reply(id, request, m_registrar->HandleRegister(request));
        return;
    }

    Message forward = request;
    ProcessRouteInformation(&forward);
    const Uri& target = forward.GetRequestUri();
    if (!forward.HasHeader(HeaderId::Route) && !target.hasUser
        && (IsOurDomain(target.host) || IsSelf(target)))
    {
        // Addressed to the proxy itself (11.2 for OPTIONS).
        if (request.GetMethod() == Method::Options)
        {
            Message response = MakeReply(request, 200);
            std::string allow;
            for (const std::string& m : m_config.allowedMethods)
            {
                allow += allow.empty() ? "" : ", ";
                allow += m;
            }
            response.AddHeader(HeaderId::Allow, allow);
            Reply(id, request, std::move(response));
        }
        else
        {
            Reply(id, request, 404);
        }
        return;
    }

    bool fromLocation = false;
    std::vector<Target> targets = DetermineTargets(forward, inDialog, &fromLocation);
    if (targets.empty())
    {
        // Cisco SPS: "404 Not found: generates" (no binding, or no route to the domain).
        Reply(id, request, 404);
        return;
    }
    if (fromLocation && m_config.mode == ProxyMode::Redirect)
    {
        Redirect(id, request, targets);
        return;
    }

    // Next hops inside their Retry-After time are not tried (21.5.4, RFC 6357).
    Duration shortest = Duration::max();
    const size_t before = targets.size();
    targets.erase(std::remove_if(targets.begin(), targets.end(),
                                 [&](const Target& t) {
                                     const Duration left = BlockedFor(t.nextHop);
                                     if (left.count() > 0)
                                     {
                                         shortest = std::min(shortest, left);
                                         return true;
                                     }
                                     return false;
                                 }),
                  targets.end());
    m_counters.nextHopBlocked += before - targets.size();
    if (targets.empty())
    {
        Message response = MakeReply(request, 503);
        const auto seconds
            = (shortest + std::chrono::seconds(1) - Duration(1)) / std::chrono::seconds(1);
        response.AddHeader(HeaderId::RetryAfter, std::to_string(seconds));
        Reply(id, request, std::move(response));
        return;
    }

    if (request.GetMethod() == Method::Invite)
    {
        // 16.2: the proxy sends 100 (Trying) at once, so the upstream INVITE client stops
        // retransmitting while downstream branches are tried.
        Reply(id, request, 100);
    }
    Context& context = m_contexts[id];
    context.server = id;
    context.request = request;
    context.forward = std::move(forward);
    context.from = from;
    context.invite = request.GetMethod() == Method::Invite;
    std::stable_sort(targets.begin(), targets.end(),
                     [](const Target& a, const Target& b) { return a.q > b.q; });
    if (targets.size() > 1)
    {
        ++m_counters.forks;
    }
    context.pendingTargets = std::move(targets);
    ForwardToNextTargets(context);
    FinishIfDone(context);
}

void
ProxyCore::ProcessRouteInformation(Message* request) const
{
    // 16.4: a Request-URI we placed in a Record-Route (a strict router upstream): the last
    // Route value becomes the Request-URI.
    std::vector<NameAddr> routes = request->GetRoutes();
    if (!routes.empty() && IsSelf(request->GetRequestUri()))
    {
        const std::string last = routes.back().uri.ToString();
        std::vector<std::string> keep;
        std::vector<std::string_view> values = request->GetHeaderValues(HeaderId::Route);
        for (size_t i = 0; i + 1 < values.size(); ++i)
        {
            keep.emplace_back(values[i]);
        }
        request->RemoveHeader(HeaderId::Route);
        for (const std::string& v : keep)
        {
            request->AddHeader(HeaderId::Route, v);
        }
        request->SetRequestUri(last);
        routes = request->GetRoutes();
    }
    // 16.4: "If the first value in the Route header field indicates this proxy, the proxy
    // MUST remove that value from the request."
    if (!routes.empty()
        && (IsSelf(routes.front().uri)
            || (!routes.front().uri.hasUser && IsOurDomain(routes.front().uri.host))))
    {
        request->RemoveFirstValue(HeaderId::Route);
    }
}

std::optional<Peer>
ProxyCore::NextHopForHost(const Uri& uri) const
{
    if (const auto it = m_config.routes.find(Lower(uri.host)); it != m_config.routes.end())
    {
        return it->second;
    }
    if (std::optional<Peer> peer = PeerOfUri(uri))
    {
        return peer;
    }
    return m_config.defaultRoute;
}

std::vector<ProxyCore::Target>
ProxyCore::DetermineTargets(const Message& request, bool inDialog, bool* fromLocation) const
{
    std::vector<Target> targets;
    const std::string requestUri(request.GetRequestUriText());
    // 16.6 step 7 (loose routing): a remaining Route decides the next hop; the Request-URI
    // stays as it is (16.5: "the target set is the Request-URI").
    const std::vector<NameAddr> routes = request.GetRoutes();
    if (!routes.empty())
    {
        if (std::optional<Peer> hop = NextHopForHost(routes.front().uri))
        {
            targets.push_back(Target{requestUri, *hop, 1000});
        }
        return targets;
    }
    const Uri& uri = request.GetRequestUri();
    // 16.5: a Request-URI of our domains: the location service (not for in-dialog requests,
    // whose Request-URI is a remote target already).
    if (!inDialog && (IsOurDomain(uri.host) || IsSelf(uri)))
    {
        *fromLocation = true;
        for (const Binding& binding :
             m_locations.Lookup(LocationService::AorKey(uri), m_timers.Now()))
        {
            Uri contact;
            if (ParseUri(binding.contact, &contact) != nullptr)
            {
                continue;
            }
            if (std::optional<Peer> hop = NextHopForHost(contact))
            {
                targets.push_back(Target{binding.contact, *hop, binding.q});
            }
        }
        return targets;
    }
    // 16.5: another domain: the Request-URI unchanged, to a static route for it.
    if (std::optional<Peer> hop = NextHopForHost(uri))
    {
        targets.push_back(Target{requestUri, *hop, 1000});
    }
    return targets;
}

void
ProxyCore::Redirect(TransactionId id, const Message& request, const std::vector<Target>& targets)
{
    // 8.3, 21.3.1/21.3.2: one location: 302; several: 300 with all of them, q-ordered. 380
    // (alternative service) is never generated.
    Message response = MakeReply(request, targets.size() == 1 ? 302 : 300);
    for (const Target& t : targets)
    {
        std::string contact = "<" + t.uri + ">";
        if (t.q < 1000)
        {
            contact += ";q=" + FormatQ(t.q);
        }
        response.AddHeader(HeaderId::Contact, contact);
    }
    Reply(id, request, std::move(response));
}

void
ProxyCore::ForwardToNextTargets(Context& context)
{
    // 16.6 step 1 / 16.7: parallel forking takes every target; sequential forking the group of
    // the highest q-value left (targets are sorted by q).
    while (!context.pendingTargets.empty())
    {
        size_t take = context.pendingTargets.size();
        if (m_config.forking == ForkMode::Sequential)
        {
            take = 1;
            while (take < context.pendingTargets.size()
                   && context.pendingTargets[take].q == context.pendingTargets.front().q)
            {
                ++take;
            }
        }
        std::vector<Target> group(context.pendingTargets.begin(),
                                  context.pendingTargets.begin() + take);
        context.pendingTargets.erase(context.pendingTargets.begin(),
                                     context.pendingTargets.begin() + take);
        bool launched = false;
        for (const Target& target : group)
        {
            const TransactionId client = ForwardRequest(context, target);
            if (client != 0)
            {
                launched = true;
            }
        }
        if (launched)
        {
            return;
        }
    }
}

TransactionId
ProxyCore::ForwardRequest(Context& context, const Target& target)
{
    // 16.6 step 1: a copy of the received request; step 2: the Request-URI is the target.
    Message out = context.forward;
    if (target.uri != out.GetRequestUriText())
    {
        out.SetRequestUri(target.uri);
    }
    // Step 3: Max-Forwards decremented, or 70 when absent.
    const int maxForwards = out.GetMaxForwards();
    out.SetHeader(HeaderId::MaxForwards, std::to_string(maxForwards < 0 ? 70 : maxForwards - 1));
    // Step 4: Record-Route, to stay on the path of the dialog this request creates.
    const bool inDialog = out.GetTo() && !out.GetTo()->Tag().empty();
    if (m_config.recordRoute && !inDialog && IsDialogCreating(out.GetMethod()))
    {
        std::string rr = "<sip:" + FormatIpv4(m_config.self.address) + ":"
                         + std::to_string(m_config.self.port);
        if (m_config.self.transport == TransportProtocol::Tcp)
        {
            rr += ";transport=tcp";
        }
        rr += ";lr>";
        out.PrependHeader(HeaderId::RecordRoute, rr);
    }
    if (m_observer)
    {
        m_observer->OnForwardedRequest(out, target.nextHop);
    }
    // Step 8: the Via (added by the layer) carries the loop-detection hash in its branch.
    m_layer.SetBranchPrefix(LoopHash(context.request, m_config.self));
    const TransactionId client = m_layer.SendRequest(std::move(out), target.nextHop);
    if (client == 0)
    {
        return 0;
    }
    ++m_counters.forwardedRequests;
    Branch branch;
    branch.client = client;
    branch.target = target;
    context.branches.push_back(branch);
    m_clientToServer[client] = context.server;
    if (context.invite)
    {
        StartTimerC(client); // step 11
    }
    return client;
}

void
ProxyCore::HandleCancel(TransactionId id, const Message& cancel)
{
    ++m_counters.cancelsReceived;
    // 16.10: the response context of the INVITE the CANCEL matches (9.2: its INVITE server
    // transaction by the rules of 17.2.3, the method aside).
    const TransactionId invite = m_layer.FindInviteServer(cancel);
    const auto ctx = invite == 0 ? m_contexts.end() : m_contexts.find(invite);
    if (ctx == m_contexts.end())
    {
        Reply(id, cancel, 481); // Cisco SPS "481: generates" (RFC: forward statelessly)
        return;
    }
    // "the element MUST immediately return a 200 (OK) response to the CANCEL request" and
    // cancel every pending client transaction; the 487s come back as the final response.
    Reply(id, cancel, 200);
    Context& context = ctx->second;
    if (!context.finalSent)
    {
        context.noNewBranches = true;
        context.pendingTargets.clear();
        CancelPendingBranches(context);
    }
}

void
ProxyCore::OnAck(const Message& ack, const Peer& from)
{
    (void) from;
    ++m_counters.requests;
    // 16.11 / 16.6: an ACK for a 2xx (or an in-dialog one) is forwarded statelessly by its
    // Route, else by its Request-URI; never to the location service.
    if (ack.GetMaxForwards() == 0)
    {
        return;
    }
    Message out = ack;
    ProcessRouteInformation(&out);
    bool fromLocation = false;
    const std::vector<Target> targets = DetermineTargets(out, true, &fromLocation);
    if (targets.empty())
    {
        return;
    }
    const int maxForwards = out.GetMaxForwards();
    out.SetHeader(HeaderId::MaxForwards, std::to_string(maxForwards < 0 ? 70 : maxForwards - 1));
    if (m_observer)
    {
        m_observer->OnForwardedRequest(out, targets.front().nextHop);
    }
    // 16.11: the branch of a statelessly forwarded request is a function of the request.
    m_layer.SetBranchPrefix(LoopHash(ack, m_config.self));
    m_layer.SendAck(std::move(out), targets.front().nextHop);
    ++m_counters.statelessRequests;
}

// --- responses ---------------------------------------------------------------------------------

void
ProxyCore::OnResponse(TransactionId id, const Message& response)
{
    size_t index = 0;
    Context* context = FindContextByClient(id, &index);
    const uint16_t code = response.GetStatusCode();
    if (context == nullptr)
    {
        return; // the 200 to one of our CANCELs, or a branch already released
    }
    ++m_counters.responses;
    // 16.7 step 3: what goes upstream is the response with our Via off the top.
    const auto upstream = [&response]() {
        Message out = response;
        out.RemoveFirstValue(HeaderId::Via);
        return out;
    };
    Branch& branch = context->branches[index];
    if (code < 200)
    {
        // Any provisional lets the CANCEL go (9.1).
        branch.provisional = true;
        if (branch.cancelRequested)
        {
            CancelBranch(branch);
        }
        if (context->invite && code > 100 && branch.timerC != 0)
        {
            StartTimerC(id); // 16.7 step 2: a 101-199 resets Timer C
        }
        // 16.7 step 5: 100 is never forwarded (nor copied), other provisionals at once.
        if (code > 100 && !context->finalSent)
        {
            ForwardResponse(*context, upstream());
        }
        return;
    }
    Message out = upstream();
    m_timers.Cancel(branch.timerC);
    branch.timerC = 0;
    if (code < 300)
    {
        // 16.7 step 5: every 2xx is forwarded at once (of every branch, for INVITE); step 10:
        // the other pending branches are cancelled.
        branch.done = true;
        context->finalSent = true;
        context->noNewBranches = true;
        context->pendingTargets.clear();
        ForwardResponse(*context, std::move(out));
        CancelPendingBranches(*context);
        FinishIfDone(*context);
        return;
    }
    ProcessBranchFinal(*context, index, out, false);
}

void
ProxyCore::ProcessBranchFinal(Context& context, size_t index, const Message& response,
                              bool generated)
{
    Branch& branch = context.branches[index];
    if (branch.done)
    {
        return; // already settled by Timer C (16.8) or a failure
    }
    branch.done = true;
    m_timers.Cancel(branch.timerC);
    branch.timerC = 0;
    const uint16_t code = response.GetStatusCode();
    if (code == 503)
    {
        NoteRetryAfter(branch.target.nextHop, response);
    }
    // 16.7 step 4: kept in the response context.
    context.finals.push_back(Final{response, generated});
    if (code >= 600 && !context.finalSent)
    {
        // 16.7 step 5: a 6xx is not forwarded at once, but every pending client transaction is
        // cancelled and no new branch is created.
        context.noNewBranches = true;
        context.pendingTargets.clear();
        CancelPendingBranches(context);
    }
    FinishIfDone(context);
}

void
ProxyCore::CancelPendingBranches(Context& context)
{
    if (!context.invite)
    {
        return; // CANCEL applies to INVITE only (9)
    }
    for (Branch& branch : context.branches)
    {
        if (!branch.done)
        {
            CancelBranch(branch);
        }
    }
}

void
ProxyCore::CancelBranch(Branch& branch)
{
    branch.cancelRequested = true;
    if (!branch.provisional)
    {
        return; // 9.1: not before a provisional response; sent when one arrives
    }
    const TransactionId cancel = m_layer.SendCancel(branch.client);
    if (cancel != 0)
    {
        ++m_counters.cancelsSent;
        if (m_observer)
        {
            if (const Message* request = m_layer.GetRequest(cancel))
            {
                m_observer->OnForwardedRequest(*request, branch.target.nextHop);
            }
        }
    }
    branch.cancelRequested = false;
}

void
ProxyCore::StartTimerC(TransactionId client)
{
    size_t index = 0;
    Context* context = FindContextByClient(client, &index);
    if (context == nullptr)
    {
        return;
    }
    Branch& branch = context->branches[index];
    branch.timerCDue = m_timers.Now() + m_config.timerC;
    if (branch.timerC == 0)
    {
        branch.timerC = m_timers.Schedule(m_config.timerC, [this, client]() { OnTimerC(client); });
    }
}

void
ProxyCore::OnTimerC(TransactionId client)
{
    size_t index = 0;
    Context* context = FindContextByClient(client, &index);
    if (context == nullptr)
    {
        return;
    }
    Branch& branch = context->branches[index];
    branch.timerC = 0;
    if (branch.done)
    {
        return;
    }
    if (const Duration now = m_timers.Now(); now < branch.timerCDue)
    {
        // Reset by a provisional since it was scheduled (16.7 step 2): the rest of the time.
        branch.timerC
            = m_timers.Schedule(branch.timerCDue - now, [this, client]() { OnTimerC(client); });
        return;
    }
    ++m_counters.timerC;
    // 16.8: with a provisional response, CANCEL (its 487, or the 9.1 timeout, settles the
    // branch); without one, "behave as if the transaction received a 408".
    if (branch.provisional)
    {
        CancelBranch(branch);
        return;
    }
    ProcessBranchFinal(*context, index, MakeReply(context->request, 408), true);
}

void
ProxyCore::OnFailure(TransactionId id, TransactionKind kind, TransactionFailure failure)
{
    if (kind == TransactionKind::InviteServer || kind == TransactionKind::NonInviteServer)
    {
        return;
    }
    size_t index = 0;
    Context* context = FindContextByClient(id, &index);
    if (context == nullptr)
    {
        return;
    }
    // 16.7 step 1 / 8.1.3.1: a timeout counts as a 408; 16.9: a transport error as a 503.
    const uint16_t code = failure == TransactionFailure::Timeout ? 408 : 503;
    ProcessBranchFinal(*context, index, MakeReply(context->request, code), true);
}

void
ProxyCore::OnTerminated(TransactionId id, TransactionKind kind)
{
    (void) kind;
    const auto it = m_clientToServer.find(id);
    if (it == m_clientToServer.end())
    {
        return;
    }
    const TransactionId server = it->second;
    size_t index = 0;
    if (Context* context = FindContextByClient(id, &index))
    {
        Branch& branch = context->branches[index];
        m_timers.Cancel(branch.timerC);
        branch.timerC = 0;
        branch.client = 0; // gone
        m_clientToServer.erase(it);
        if (!branch.done)
        {
            // Ended without a final response nor a failure report: count it as a 408.
            branch.done = true;
            context->finals.push_back(Final{MakeReply(context->request, 408), true});
            FinishIfDone(*context);
            return;
        }
    }
    else
    {
        m_clientToServer.erase(it);
    }
    ReleaseIfIdle(server);
}

void
ProxyCore::FinishIfDone(Context& context)
{
    const TransactionId server = context.server;
    if (!context.finalSent)
    {
        for (;;)
        {
            if (std::any_of(context.branches.begin(), context.branches.end(),
                            [](const Branch& b) { return !b.done; }))
            {
                return;
            }
            if (context.noNewBranches || context.pendingTargets.empty())
            {
                break;
            }
            ForwardToNextTargets(context); // sequential forking: the next q group
        }
        // 16.7 step 6: every branch is done: the best response goes upstream.
        Final best = ChooseBestResponse(context);
        context.finalSent = true;
        ForwardResponse(context, std::move(best.response), best.generated);
    }
    ReleaseIfIdle(server);
}

ProxyCore::Final
ProxyCore::ChooseBestResponse(const Context& context)
{
    const std::vector<Final>& finals = context.finals;
    if (finals.empty())
    {
        return Final{MakeReply(context.request, 408), true}; // 16.7 step 6: no final at all
    }
    const auto rank = [](uint16_t code) {
        // 6xx first, else the lowest class; within a class the resubmission hints (401/407,
        // 415, 420, 484), then the lowest code.
        const int cls = code >= 600 ? 0 : code / 100;
        int preference = 10;
        switch (code)
        {
            case 401:
            case 407:
                preference = 0;
                break;
            case 415:
                preference = 1;
                break;
            case 420:
                preference = 2;
                break;
            case 484:
                preference = 3;
                break;
            default:
                break;
        }
        return std::make_tuple(cls, preference, static_cast<int>(code));
    };
    size_t best = 0;
    for (size_t i = 1; i < finals.size(); ++i)
    {
        if (rank(finals[i].response.GetStatusCode()) < rank(finals[best].response.GetStatusCode()))
        {
            best = i;
        }
    }
    Final chosen = finals[best];
    const uint16_t code = chosen.response.GetStatusCode();
    if (code == 401 || code == 407)
    {
        // 16.7 step 7: every challenge of every 401/407 goes into the chosen response.
        for (size_t i = 0; i < finals.size(); ++i)
        {
            const uint16_t c = finals[i].response.GetStatusCode();
            if (i == best || (c != 401 && c != 407))
            {
                continue;
            }
            for (const HeaderField& field : finals[i].response.GetHeaders())
            {
                if (field.id == HeaderId::WwwAuthenticate
                    || field.id == HeaderId::ProxyAuthenticate)
                {
                    chosen.response.AddHeader(field.id, field.value);
                }
            }
        }
    }
    if (code == 503 && !m_config.forward503)
    {
        // 16.7 step 6: "If the selected response is a 503 (Service Unavailable), the proxy
        // MUST generate a 500 (Server Internal Error)" (forward503: a profile that forwards).
        return Final{MakeReply(context.request, 500), true};
    }
    return chosen;
}

void
ProxyCore::ForwardResponse(Context& context, Message response, bool generated)
{
    if (generated)
    {
        ++m_counters.generated[response.GetStatusCode()];
        if (m_observer)
        {
            m_observer->OnGenerated(context.request, response);
        }
    }
    else
    {
        ++m_counters.forwardedResponses;
        if (m_observer)
        {
            m_observer->OnForwardedResponse(response);
        }
    }
    const uint16_t code = response.GetStatusCode();
    const bool is2xx = code >= 200 && code < 300;
    // Only a 2xx is needed again when the server transaction refuses it (below).
    if (m_layer.SendResponse(context.server, is2xx ? Message(response) : std::move(response)))
    {
        return;
    }
    // The server transaction is gone (or refuses): a 2xx still goes upstream, statelessly by
    // its Via (16.7 step 5, 16.11).
    if (is2xx)
    {
        m_layer.SendStatelessResponse(response, context.from);
    }
}

void
ProxyCore::ReleaseIfIdle(TransactionId server)
{
    const auto it = m_contexts.find(server);
    if (it == m_contexts.end() || !it->second.finalSent)
    {
        return;
    }
    for (const Branch& branch : it->second.branches)
    {
        if (branch.client != 0)
        {
            return; // a client transaction is still alive (late 2xx are forwarded)
        }
    }
    for (Branch& branch : it->second.branches)
    {
        m_timers.Cancel(branch.timerC);
    }
    m_contexts.erase(it);
}

void
ProxyCore::OnStrayResponse(const Message& response, const Peer& from)
{
    (void) from;
    // 16.11 / 18.2.2: a 2xx matching no client transaction (a retransmission after ours
    // ended): our Via popped, sent where the next Via says.
    const Via* top = response.GetTopVia();
    if (top == nullptr || !IsOurVia(*top))
    {
        return;
    }
    Message out = response;
    out.RemoveFirstValue(HeaderId::Via);
    if (out.GetTopVia() == nullptr)
    {
        return;
    }
    ++m_counters.strayResponses;
    ++m_counters.forwardedResponses;
    if (m_observer)
    {
        m_observer->OnForwardedResponse(out);
    }
    m_layer.SendStatelessResponse(out, Peer{});
}

// --- next-hop Retry-After ------------------------------------------------------------------------

void
ProxyCore::NoteRetryAfter(const Peer& hop, const Message& response)
{
    const std::optional<RetryAfter> ra = response.GetRetryAfter();
    if (!ra || ra->seconds == 0)
    {
        return;
    }
    const Duration until = m_timers.Now() + std::chrono::seconds(ra->seconds);
    Duration& stored = m_unavailableUntil[{hop.address, hop.port}];
    stored = std::max(stored, until);
}

Duration
ProxyCore::BlockedFor(const Peer& hop) const
{
    const auto it = m_unavailableUntil.find({hop.address, hop.port});
    if (it == m_unavailableUntil.end() || it->second <= m_timers.Now())
    {
        return Duration(0);
    }
    return it->second - m_timers.Now();
}

} // namespace sipsim

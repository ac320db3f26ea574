/*
 * A SIP proxy server node model (the Cisco SIP Proxy Server of Table E-3 by default): a
 * stateful proxy, registrar and redirect server (RFC 3261 10, 16, 22.3) on the node's
 * SipStack, configured by ns-3 attributes and by its behaviour profile
 * (profiles/cisco-sps.textproto): which responses it generates and which it forwards.
 *
 * The proxy is the transaction user of its node's stack: a proxy node hosts no phones. Its
 * capacity (processing time per message, finite queue, workers, overload policy) is a
 * ProcessingQueue installed on the same stack (SipProxyHelper::SetQueueAttribute).
 */
#ifndef SIPSIM_SIP_PROXY_H
#define SIPSIM_SIP_PROXY_H

#include "profile/device-profile.h"
#include "proxy/proxy-core.h"

#include <map>
#include <memory>
#include <ns3/application.h>
#include <ns3/nstime.h>
#include <ns3/traced-callback.h>
#include <string>

namespace sipsim {

class SipStack;

class SipProxy
    : public ns3::Application
    , private ProxyObserver
{
  public:
    /// Signature of the "Generated" trace source: a request and the response the proxy made.
    typedef void (*GeneratedTracedCallback)(const Message& request, const Message& response);

    static ns3::TypeId GetTypeId();
    SipProxy();
    ~SipProxy() override;

    /// The core, once the application has started (nullptr before).
    ProxyCore* GetCore() { return m_core.get(); }

    const profile::DeviceProfile& GetProfile() const;

    /**
     * A crash and restart: the core and everything it held (bindings, transactions' contexts,
     * next hops blocked by Retry-After) is lost and a fresh one starts. For fault injection.
     */
    void Restart();

    /// The configuration the attributes and the profile make (what StartApplication uses).
    /// Aborts on what CheckConfiguration reports: check first where input comes from users.
    ProxyConfig MakeConfig() const;

    /**
     * The first problem of the text attributes (Routes, DefaultRoute, Users, DigestAlgorithms)
     * and of the profile against the modes (a Profile that is no proxy's, Redirect with a
     * profile that never redirects): {attribute name, what is wrong}; {"", ""} when none.
     * The scenario check reports it at the attribute; MakeConfig would abort on it.
     */
    std::pair<std::string, std::string> CheckConfiguration() const;

    /**
     * The user table (user -> digest password) as a value: what the "Users" attribute holds as
     * text, for C++ callers such as the scenario runner. Entries here win over the attribute's
     * for the same user. Takes effect at the next start.
     */
    void SetUsers(std::map<std::string, std::string> users);

    /**
     * Static routes (domain -> next hop) as values: what the "Routes" attribute holds as text.
     * Entries here win over the attribute's for the same domain. Takes effect at the next start.
     */
    void SetRoutes(std::map<std::string, Peer> routes);

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void LoadProfile() const;

    // ProxyObserver
    void OnGenerated(const Message& request, const Message& response) override;

    // Attributes
    std::string m_profileName;
    std::string m_domains;
    bool m_redirect = false;
    bool m_sequential = false;
    bool m_recordRoute = true;
    ns3::Time m_timerC;
    uint32_t m_maxRequestUriLength = 256;
    std::string m_extensions;
    std::string m_allowedMethods;
    std::string m_routes;
    std::string m_defaultRoute;
    bool m_registrar = true;
    bool m_registrarAuth = false;
    bool m_proxyAuth = false;
    std::string m_users;
    std::string m_realm;
    bool m_preauthentication = false;
    std::string m_preauthorized;
    ns3::Time m_nonceLifetime;
    std::string m_digestAlgorithms;
    uint32_t m_minExpires = 60;
    uint32_t m_maxExpires = 86400;

    std::map<std::string, std::string> m_userTable; ///< SetUsers
    std::map<std::string, Peer> m_routeTable;       ///< SetRoutes

    mutable std::shared_ptr<const profile::DeviceProfile> m_profile;
    ns3::Ptr<SipStack> m_stack;
    std::unique_ptr<ProxyCore> m_core;
    ns3::TracedCallback<const Message&, const Message&> m_generated;
};

} // namespace sipsim

#endif // SIPSIM_SIP_PROXY_H

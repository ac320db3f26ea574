/*
 * SipPhone, registration: REGISTER on start, refreshes and retries, the registration faults
 * (RFC 3665 2.2-2.4) and keep-alive OPTIONS with re-registration when they recover.
 */
#include "node/node-config.h"
#include "node/sip-endpoint.h"
#include "node/sip-phone.h"
#include "sdp/sdp.h"
#include "ua/ua-messages.h"
#include "ua/user-agent.h"

#include <ns3/simulator.h>

namespace sipsim {

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

/*
 * The location service: bindings by address of record (RFC 3261 10.3).
 */
#include "proxy/location-service.h"

#include <algorithm>
#include <cctype>

namespace sipsim {

std::string
LocationService::AorKey(const Uri& uri)
{
    if (!uri.hasUser)
    {
        return {};
    }
    std::string key = uri.UserUnescaped();
    key += '@';
    for (const char c : uri.host)
    {
        key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return key;
}

std::vector<Binding>
LocationService::Lookup(std::string_view aorKey, Duration now) const
{
    std::vector<Binding> out;
    const auto it = m_bindings.find(aorKey);
    if (it == m_bindings.end())
    {
        return out;
    }
    // Stored in update order (most recent last): walked backwards, the stable sort keeps the
    // most recently updated first among equal q-values.
    for (auto b = it->second.rbegin(); b != it->second.rend(); ++b)
    {
        if (b->expiresAt > now)
        {
            out.push_back(*b);
        }
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const Binding& a, const Binding& b) { return a.q > b.q; });
    return out;
}

void
LocationService::Update(const std::string& aorKey, Binding binding)
{
    auto& list = m_bindings[aorKey];
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Binding& b) { return b.contact == binding.contact; }),
               list.end());
    list.push_back(std::move(binding));
}

bool
LocationService::Remove(const std::string& aorKey, std::string_view contact)
{
    const auto it = m_bindings.find(aorKey);
    if (it == m_bindings.end())
    {
        return false;
    }
    auto& list = it->second;
    const auto before = list.size();
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Binding& b) { return b.contact == contact; }),
               list.end());
    const bool removed = list.size() != before;
    if (list.empty())
    {
        m_bindings.erase(it);
    }
    return removed;
}

void
LocationService::RemoveAll(const std::string& aorKey)
{
    const auto it = m_bindings.find(aorKey);
    if (it != m_bindings.end())
    {
        m_bindings.erase(it);
    }
}

const Binding*
LocationService::Find(std::string_view aorKey, std::string_view contact) const
{
    const auto it = m_bindings.find(aorKey);
    if (it == m_bindings.end())
    {
        return nullptr;
    }
    for (const auto& b : it->second)
    {
        if (b.contact == contact)
        {
            return &b;
        }
    }
    return nullptr;
}

size_t
LocationService::Purge(Duration now)
{
    size_t removed = 0;
    for (auto it = m_bindings.begin(); it != m_bindings.end();)
    {
        auto& list = it->second;
        const auto before = list.size();
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [now](const Binding& b) { return b.expiresAt <= now; }),
                   list.end());
        removed += before - list.size();
        it = list.empty() ? m_bindings.erase(it) : std::next(it);
    }
    return removed;
}

} // namespace sipsim

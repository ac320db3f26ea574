#include "run/check-attributes.h"

#include "scenario/scenario-loader.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ns3/attribute.h>
#include <ns3/string.h>

namespace sipsim::run {

namespace {

/// "ns3::Type[Attr=value|Attr=value]" as an ObjectFactory string, checked without aborting.
bool
CheckFactoryString(const std::string& text, std::string* why, int depth = 0)
{
    if (depth > 4)
    {
        *why = "random variables nested too deeply";
        return false;
    }
    const auto open = text.find('[');
    const std::string type = text.substr(0, open);
    ns3::TypeId tid;
    if (!ns3::TypeId::LookupByNameFailSafe(type, &tid))
    {
        *why = "'" + type
               + "' is not an ns-3 type (write e.g. "
                 "ns3::ExponentialRandomVariable[Mean=2])";
        return false;
    }
    if (open == std::string::npos)
    {
        return true;
    }
    if (text.back() != ']')
    {
        *why = "'" + text + "' does not end with ']'";
        return false;
    }
    const std::string inner = text.substr(open + 1, text.size() - open - 2);
    size_t at = 0;
    while (at < inner.size())
    {
        // Split on '|' outside brackets.
        size_t end = at;
        int nesting = 0;
        while (end < inner.size() && (inner[end] != '|' || nesting > 0))
        {
            nesting += inner[end] == '[' ? 1 : (inner[end] == ']' ? -1 : 0);
            ++end;
        }
        const std::string pair = inner.substr(at, end - at);
        const auto eq = pair.find('=');
        if (eq == std::string::npos)
        {
            *why = "'" + pair + "' is not Name=value";
            return false;
        }
        if (!CheckAttribute(tid, pair.substr(0, eq), pair.substr(eq + 1), why))
        {
            return false;
        }
        at = end + 1;
    }
    return true;
}

} // namespace

bool
CheckAttribute(ns3::TypeId tid, const std::string& name, const std::string& value, std::string* why)
{
    ns3::TypeId::AttributeInformation info;
    if (!tid.LookupAttributeByName(name, &info))
    {
        *why = tid.GetName() + " has no attribute '" + name + "'";
        return false;
    }
    const std::string type = info.checker->GetValueTypeName();
    const std::string expected = info.checker->HasUnderlyingTypeInformation()
                                     ? info.checker->GetUnderlyingTypeInformation()
                                     : type;
    double number = 0;
    // ns-3 aborts on a Time, DataRate or object string it cannot parse: parse those first.
    if (type == "ns3::TimeValue" && !scenario::ParseDelay(value, &number))
    {
        *why = "'" + value + "' is not a time (write \"30s\", \"500ms\")";
        return false;
    }
    if (type == "ns3::DataRateValue" && !scenario::ParseRate(value, &number))
    {
        *why = "'" + value + "' is not a data rate (write \"100Mbps\")";
        return false;
    }
    if (type == "ns3::PointerValue" || type == "ns3::ObjectFactoryValue")
    {
        std::string inner;
        if (!CheckFactoryString(value, &inner))
        {
            *why = "'" + value + "' is not an object for " + name + ": " + inner;
            return false;
        }
    }
    // Numbers: ns-3 aborts on trailing text ("2x"); a whole-string parse first.
    if (type == "ns3::DoubleValue" || type == "ns3::UintegerValue" || type == "ns3::IntegerValue")
    {
        char* end = nullptr;
        errno = 0;
        if (type == "ns3::DoubleValue")
        {
            std::strtod(value.c_str(), &end);
        }
        else if (type == "ns3::UintegerValue")
        {
            const bool negative = value.find('-') != std::string::npos;
            std::strtoull(value.c_str(), &end, 10);
            end = negative ? nullptr : end;
        }
        else
        {
            std::strtoll(value.c_str(), &end, 10);
        }
        if (value.empty() || end == nullptr || *end != '\0' || errno != 0)
        {
            *why = "'" + value + "' is not a number (" + expected + ")";
            return false;
        }
    }
    if (type == "ns3::Ipv4AddressValue")
    {
        unsigned a = 0, b = 0, c = 0, d = 0;
        char tail = 0;
        if (std::sscanf(value.c_str(), "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4 || a > 255
            || b > 255 || c > 255 || d > 255)
        {
            *why = "'" + value + "' is not an IPv4 address";
            return false;
        }
    }
    if (!info.checker->CreateValidValue(ns3::StringValue(value)))
    {
        *why = "'" + value + "' is not a valid value of " + name + " (" + expected + ")";
        return false;
    }
    return true;
}

} // namespace sipsim::run

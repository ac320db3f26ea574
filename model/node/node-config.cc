#include "node/node-config.h"

namespace sipsim {

std::vector<std::string>
SplitCommaList(std::string_view list)
{
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos <= list.size())
    {
        size_t comma = list.find(',', pos);
        if (comma == std::string_view::npos)
        {
            comma = list.size();
        }
        std::string_view item = list.substr(pos, comma - pos);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
        {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
        {
            item.remove_suffix(1);
        }
        if (!item.empty())
        {
            out.emplace_back(item);
        }
        pos = comma + 1;
    }
    return out;
}

std::optional<std::vector<sdp::Codec>>
ProfileCodecs(const profile::DeviceProfile& profile, std::string* error)
{
    std::string list;
    for (const auto& codec : profile.codecs())
    {
        list += (list.empty() ? "" : ",") + codec;
    }
    return sdp::ParseCodecList(list, error);
}

} // namespace sipsim

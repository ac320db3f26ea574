#include "node/device-event.h"

namespace sipsim {

std::string_view
DeviceEventKindName(DeviceEventKind kind)
{
    switch (kind)
    {
        case DeviceEventKind::CallPlaced:
            return "CallPlaced";
        case DeviceEventKind::Ringing:
            return "Ringing";
        case DeviceEventKind::Tone:
            return "Tone";
        case DeviceEventKind::Notification:
            return "Notification";
        case DeviceEventKind::Answered:
            return "Answered";
        case DeviceEventKind::Retry:
            return "Retry";
        case DeviceEventKind::Rejected:
            return "Rejected";
        case DeviceEventKind::Cleared:
            return "Cleared";
        case DeviceEventKind::Registered:
            return "Registered";
        case DeviceEventKind::RegistrationFailed:
            return "RegistrationFailed";
        case DeviceEventKind::Blocked:
            return "Blocked";
    }
    return "?";
}

std::string
FormatDeviceEvent(const DeviceEvent& event)
{
    std::string text = std::to_string(event.node) + " " + event.user;
    if (event.call != 0)
    {
        text += " call " + std::to_string(event.call);
    }
    text += " ";
    text += DeviceEventKindName(event.kind);
    if (event.tone != profile::TONE_UNSPECIFIED)
    {
        text += " ";
        text += profile::ToneText(event.tone);
    }
    if (event.status != 0)
    {
        text += " " + std::to_string(event.status);
    }
    if (event.action != profile::RECEIPT_ACTION_UNSPECIFIED)
    {
        text += " (";
        text += profile::ActionText(event.action);
        text += ")";
    }
    if (!event.text.empty())
    {
        text += " \"" + event.text + "\"";
    }
    return text;
}

} // namespace sipsim

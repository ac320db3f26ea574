/*
 * What a device's user experiences, as a trace event: the tables of the vendor guides speak
 * of tones ("the caller hears a busy or fast busy tone") and notifications ("the phone
 * notifies the user"), so the node models report those, with the profile action that caused
 * them. Phones and gateways fire the same event type from their "DeviceEvent" trace source.
 */
#ifndef SIPSIM_DEVICE_EVENT_H
#define SIPSIM_DEVICE_EVENT_H

#include "profile/device-profile.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace sipsim {

enum class DeviceEventKind : uint8_t
{
    CallPlaced,   ///< the user dialled (phone) or a PSTN call arrived (gateway): INVITE sent
    Ringing,      ///< callee: the device rings (phone) or alerts the PSTN line (gateway)
    Tone,         ///< the user hears `tone` (ringback, busy, fast busy, reorder)
    Notification, ///< the device shows the user `text` (the status and reason)
    Answered,     ///< the call is established
    Retry,        ///< the INVITE is sent again, as `action` says (credentials, Content-Length,
                  ///< Retry-After)
    Rejected,     ///< callee: the device answered the INVITE with final `status`
    Cleared,      ///< the call ended; `status` is the failure status, 0 after a normal end
    Registered,   ///< REGISTER succeeded
    RegistrationFailed, ///< REGISTER failed with `status`
    Blocked,            ///< gateway: a PSTN call found every trunk busy (no INVITE sent)
};

std::string_view DeviceEventKindName(DeviceEventKind kind);

/// One event of one user of a device (one phone user, or one trunk call of a gateway).
struct DeviceEvent
{
    uint32_t node = 0; ///< ns-3 node id
    std::string user;  ///< the phone user's AOR, or the gateway's AOR
    uint32_t call = 0; ///< the call's CallHandle value; 0 when the event has no call
    DeviceEventKind kind = DeviceEventKind::Notification;
    uint16_t status = 0; ///< the response the event is about (received or sent)
    profile::Tone tone = profile::TONE_UNSPECIFIED;
    /// For events caused by a received response: the profile's receipt action for it.
    profile::ReceiptAction action = profile::RECEIPT_ACTION_UNSPECIFIED;
    std::string text; ///< notification text, or a short detail
};

/// "12 sip:alice@a.example call 3 Tone busy 486 (graceful disconnect)": for logs and tests.
std::string FormatDeviceEvent(const DeviceEvent& event);

/// Signature of the "DeviceEvent" trace sources.
typedef void (*DeviceEventTracedCallback)(const DeviceEvent& event);

} // namespace sipsim

#endif // SIPSIM_DEVICE_EVENT_H

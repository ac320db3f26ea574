/*
 * A SIP dialog (RFC 3261 12): the peer-to-peer relationship between two user agents that
 * persists for some time, identified by Call-ID, local tag and remote tag, with the state
 * needed to build and check requests inside it.
 */
#ifndef SIPSIM_DIALOG_H
#define SIPSIM_DIALOG_H

#include "message/sip-message.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sipsim {

/// RFC 3261 12: a dialog is early (created by a provisional response) or confirmed (2xx).
enum class DialogState : uint8_t
{
    Early,
    Confirmed,
    Terminated,
};

std::string_view DialogStateName(DialogState state);

/// RFC 3261 12: the dialog ID, from the point of view of the user agent that holds it.
struct DialogId
{
    std::string callId;
    std::string localTag;
    std::string remoteTag;

    bool operator==(const DialogId& o) const
    {
        return callId == o.callId && localTag == o.localTag && remoteTag == o.remoteTag;
    }

    bool operator!=(const DialogId& o) const { return !(*this == o); }
};

/**
 * The state of one dialog (RFC 3261 12.1) and the rules that use it: building requests inside
 * the dialog (12.2.1.1), processing their responses (12.2.1.2, 13.2.2.4) and checking the
 * requests that arrive in it (12.2.2).
 *
 * URIs (local, remote, remote target, route set) are kept as text; nothing here points into a
 * message, so a Dialog outlives the messages it was created from.
 */
class Dialog
{
  public:
    /**
     * RFC 3261 12.1.2: the dialog a UAC creates from a response to its request: a 101-199
     * response with a To tag (early dialog) or a 2xx (confirmed dialog). The route set is the
     * response's Record-Route in reverse order, the remote target its Contact (the request's
     * Request-URI when the response has none), the local sequence number the request's CSeq.
     * \param secureTransport true when the request was sent over TLS; with a SIPS Request-URI
     *        the dialog is then secure (the simulator has no TLS, so this is normally false)
     * \return nullopt when the response cannot create a dialog (100, 3xx-6xx, a provisional
     *         response without To tag, or a request/response missing Call-ID, From or To)
     */
    static std::optional<Dialog> CreateAsUac(const Message& request, const Message& response,
                                             bool secureTransport = false);

    /**
     * RFC 3261 12.1.1: the dialog a UAS creates when it answers request with a 101-199
     * (state Early) or a 2xx (state Confirmed) carrying localTag in the To header. The route
     * set is the request's Record-Route in order, the remote target its Contact (the From URI
     * when it has none), the remote sequence number its CSeq; the local sequence number is
     * empty.
     * \return nullopt when the request lacks Call-ID, From, To or CSeq, or localTag is empty
     */
    static std::optional<Dialog> CreateAsUas(const Message& request, std::string_view localTag,
                                             DialogState state, bool secureTransport = false);

    const DialogId& GetId() const { return m_id; }

    const std::string& GetCallId() const { return m_id.callId; }

    const std::string& GetLocalTag() const { return m_id.localTag; }

    const std::string& GetRemoteTag() const { return m_id.remoteTag; }

    DialogState GetState() const { return m_state; }

    bool IsEarly() const { return m_state == DialogState::Early; }

    bool IsConfirmed() const { return m_state == DialogState::Confirmed; }

    bool IsTerminated() const { return m_state == DialogState::Terminated; }

    /// The local sequence number (CSeq of the last request sent), nullopt while empty.
    std::optional<uint32_t> GetLocalSeq() const;

    /// The remote sequence number (CSeq of the last request received), nullopt while empty.
    std::optional<uint32_t> GetRemoteSeq() const;

    const std::string& GetLocalUri() const { return m_localUri; }

    const std::string& GetRemoteUri() const { return m_remoteUri; }

    const std::string& GetRemoteTarget() const { return m_remoteTarget; }

    /// The route set, URIs with their parameters, in the order requests visit them.
    const std::vector<std::string>& GetRouteSet() const { return m_routeSet; }

    bool IsSecure() const { return m_secure; }

    /// True when the first route URI lacks the lr parameter (RFC 3261 12.2.1.1, 16.12.1.2).
    bool FirstRouteIsStrict() const;

    /**
     * The URI whose host, port and transport the request goes to (RFC 3261 12.2.1.1 and 8.1.2):
     * the first URI of the route set, or the remote target when the route set is empty. (With
     * a strict first route that URI is also the Request-URI.)
     */
    const std::string& NextHopUri() const;

    /**
     * Builds a request inside the dialog (RFC 3261 12.2.1.1): To with the remote URI and tag,
     * From with the local URI and tag, Call-ID, CSeq, Max-Forwards 70, and the Request-URI and
     * Route from the remote target and route set (loose routing: Request-URI = remote target,
     * Route = route set; strict routing: Request-URI = first route URI without the parameters
     * a Request-URI may not carry, Route = the other routes then the remote target).
     *
     * The CSeq number is the local sequence number plus one (1 when empty), which becomes the
     * new local sequence number; ACK and CANCEL instead carry the number of the last INVITE
     * sent in the dialog and leave the local sequence number alone (13.2.2.4, 9.1).
     *
     * Contact, body and Content-Length are left to the caller. No Via: the transaction layer
     * adds it.
     */
    Message CreateRequest(std::string_view method);

    /// The CSeq number of the last INVITE sent in the dialog (the creating INVITE for a UAC).
    std::optional<uint32_t> GetLastInviteSeq() const;

    /**
     * Checks and records a request received in the dialog (RFC 3261 12.2.2).
     * A request whose CSeq number is lower than the remote sequence number is out of order:
     * the answer is 500. Otherwise the remote sequence number becomes the request's, and a
     * target refresh request (INVITE, UPDATE) with a Contact replaces the remote target.
     * ACK and CANCEL carry the CSeq of their INVITE and are not checked.
     * \return 0 to accept the request, or the status code to reject it with (500; 481 when
     *         the dialog is terminated; 400 when the request has no CSeq)
     */
    uint16_t ReceiveRequest(const Message& request);

    /**
     * Processes, on the UAC side, a response to a request sent in (or creating) this dialog:
     * - 2xx while Early: the dialog is confirmed, its route set recomputed from the response's
     *   Record-Route and its remote target taken from the Contact (RFC 3261 13.2.2.4, 12.1.2);
     * - 2xx to a target refresh request (INVITE, UPDATE): the remote target becomes the
     *   Contact URI (12.2.1.2);
     * - 481 or 408 to a request in a confirmed dialog: the dialog terminates (12.2.1.2);
     * - 300-699 to the INVITE that created an early dialog: the dialog terminates (12.3).
     * Responses whose Call-ID or tags do not match the dialog are ignored.
     * \return true when the response matched the dialog
     */
    bool ReceiveResponse(const Message& response);

    /// UAS: the 2xx to the dialog-creating INVITE was sent (RFC 3261 12.1.1). Early -> Confirmed.
    void Confirm();

    /// Ends the dialog (BYE sent or received, RFC 3261 15).
    void Terminate() { m_state = DialogState::Terminated; }

    /// True when a request received by this UA (To tag = local, From tag = remote) is in it.
    bool MatchesRequest(const Message& request) const;

    /// True when a response received by this UA (From tag = local, To tag = remote) is in it.
    bool MatchesResponse(const Message& response) const;

  private:
    Dialog() = default;

    /// Route set from Record-Route values (reversed for a UAC), URIs with their parameters.
    void SetRouteSet(const Message& message, bool reverse);
    /// Remote target from the first Contact, or fallback when there is none.
    void SetRemoteTarget(const Message& message, std::string_view fallback);

    DialogId m_id;
    std::string m_localUri;
    std::string m_remoteUri;
    std::string m_remoteTarget;
    std::vector<std::string> m_routeSet;
    uint32_t m_localSeq = 0;
    uint32_t m_remoteSeq = 0;
    uint32_t m_lastInviteSeq = 0;
    bool m_hasLocalSeq = false;
    bool m_hasRemoteSeq = false;
    bool m_hasLastInvite = false;
    bool m_secure = false;
    DialogState m_state = DialogState::Early;
};

/**
 * A Request-URI from a route URI: the URI without the parameters and headers a Request-URI
 * may not carry (RFC 3261 19.1.1 table: "method" and the "?headers" component).
 */
std::string StripForRequestUri(std::string_view uri);

} // namespace sipsim

#endif // SIPSIM_DIALOG_H

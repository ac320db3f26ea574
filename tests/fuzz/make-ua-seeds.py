#!/usr/bin/env python3
"""Writes the seed corpus of sipsim-ua-fuzzer (tests/fuzz/ua-fuzzer.cc) to tests/fuzz/ua-corpus/.

The seeds answer the transactions the fuzzer's setup leaves open, with the identifiers it
produces (without REGISTER digest; print them with SIPSIM_UA_FUZZ_VERBOSE=2):

  setup call alice -> bob:  Call-ID 6-7c14a040@10.0.0.1, alice tag 7c14a040-5,
                            bob tag 22895713-7, alice's INVITE branch z9hG4bKua.3,
                            proxy's INVITE to bob z9hG4bKpx.1
  alice -> carol:           Call-ID 9-7c14a040@10.0.0.1, tag 7c14a040-8, CSeq 1 INVITE,
                            branch z9hG4bKua.5; forwarded by the proxy with z9hG4bKpx.3
  bob's REGISTER refresh:   Call-ID 3-22895713@10.0.0.1, tag 22895713-4, CSeq 2,
                            branch z9hG4bKua.6

The regress-* files next to the seeds are inputs the fuzzer found, one per bug it revealed
(fixed since); this script does not write them. (Not named crash-*: .gitignore drops those.)

Run from anywhere: python3 tests/fuzz/make-ua-seeds.py
"""
import os

SEP = b"\n#~#"

# Record kinds.
TEXT_TO_UA, TEXT_TO_PROXY, RESPOND, REPLAY, ACTION, ERROR = 0, 2, 4, 5, 6, 7
# Peers a message comes from.
PROXY, UA, CAROL, STRANGER, PROXY_TCP, CAROL_TCP, STRANGER_TCP, UA_TCP = range(8)
# Config flags.
CONNECTED, LOSSY, REFUSE_TCP, NO_SETUP_CALL = 1, 2, 4, 8
# Answer policies.
NOTHING, RING, ANSWER, RING_AND_ANSWER, REJECT, RING_ANSWER_LATER = range(6)
# Actions.
(MAKE_CALL, HANGUP, CANCEL, RING_CALL, ANSWER_CALL, REJECT_CALL, REGISTER, UNREGISTER, OPTIONS,
 HANGUP_ALL, READD, SET_POLICY) = range(12)
STATUSES = [100, 180, 183, 200, 202, 301, 302, 401, 407, 408, 423, 480, 481, 486, 487, 491, 500,
            503, 600, 603, 699, 199, 299, 101]

VIA_UA_CAROL = "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKua.5;rport=5060;received=10.0.0.1\r\n"
VIA_PX_CAROL = "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKpx.3;rport=5060;received=10.0.0.10\r\n"
CAROL_DIALOG = ("From: <sip:alice@example.com>;tag=7c14a040-8\r\n"
                "To: <sip:carol@example.com>;tag=c1\r\n"
                "Call-ID: 9-7c14a040@10.0.0.1\r\n")
SETUP_DIALOG_FROM_BOB = ("To: <sip:alice@example.com>;tag=7c14a040-5\r\n"
                         "From: <sip:bob@example.com>;tag=22895713-7\r\n"
                         "Call-ID: 6-7c14a040@10.0.0.1\r\n")
CHALLENGE = 'Digest realm="example.com", nonce="6e6f6e6365", algorithm=MD5, qop="auth"'


def advance(ms=0, seconds=0):
    """The advance byte closest to the given time (units 1 ms, 20 ms, 500 ms, 8 s)."""
    total = ms + 1000 * seconds
    for unit, index in ((1, 0), (20, 1), (500, 2), (8000, 3)):
        if total <= 63 * unit:
            return (index << 6) | (total // unit)
    return 0xFF


def record(kind, a=0, adv=0, b=0, payload=""):
    data = payload.encode() if isinstance(payload, str) else payload
    return bytes([kind, a, adv, b]) + data


def respond(k, status, tag=0, extra="", adv=0):
    """Response `status` to the k-th most recent request the nodes sent."""
    return record(RESPOND, k, adv, STATUSES.index(status) + 24 * tag, extra)


def action(op, who=0, arg=0, adv=0):
    return record(ACTION, op, adv, (arg << 1) | who)


def config(flags, bob=RING_AND_ANSWER, alice=RING_AND_ANSWER, auth=0):
    return bytes([flags, bob, alice, auth])


def response_to_alice_invite(status, extra="", reason="X"):
    return (f"SIP/2.0 {status} {reason}\r\n" + VIA_UA_CAROL + CAROL_DIALOG
            + "CSeq: 1 INVITE\r\n" + extra + "Content-Length: 0\r\n\r\n")


def response_from_carol(status, extra=""):
    return (f"SIP/2.0 {status} X\r\n" + VIA_PX_CAROL + VIA_UA_CAROL + CAROL_DIALOG
            + "CSeq: 1 INVITE\r\n" + extra + "Content-Length: 0\r\n\r\n")


def register_response(status, extra=""):
    return (f"SIP/2.0 {status} X\r\n"
            "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKua.6;rport=5060;received=10.0.0.1\r\n"
            "From: <sip:bob@example.com>;tag=22895713-4\r\n"
            "To: <sip:bob@example.com>;tag=r1\r\n"
            "Call-ID: 3-22895713@10.0.0.1\r\n"
            "CSeq: 2 REGISTER\r\n" + extra + "Content-Length: 0\r\n\r\n")


def request(method, uri, via, headers, cseq, body=""):
    text = (f"{method} {uri} SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + headers
            + f"CSeq: {cseq} {method}\r\n")
    if body:
        text += "Content-Type: application/sdp\r\n"
    return text + f"Content-Length: {len(body)}\r\n\r\n" + body


def stranger_invite(branch, tag, call_id, to_tag="", method="INVITE", cseq=1, extra=""):
    to = "To: <sip:bob@example.com>" + (f";tag={to_tag}" if to_tag else "") + "\r\n"
    headers = (to + f"From: <sip:eve@10.0.0.99>;tag={tag}\r\n" + f"Call-ID: {call_id}\r\n"
               + "Contact: <sip:eve@10.0.0.99:5070>\r\n" + extra)
    via = f"Via: SIP/2.0/UDP 10.0.0.99:5070;branch={branch};rport\r\n"
    return request(method, "sip:bob@10.0.0.1:5060", via, headers, cseq,
                   "v=0\r\n" if method == "INVITE" else "")


SEEDS = {
    # Disconnected: the input plays the proxy towards the UA. Carol rings and answers, then
    # hangs up; bob's refresh is granted 60 s (refreshed at 30 s, which times out).
    "carol-answers-via-proxy": [
        config(0),
        record(TEXT_TO_UA, PROXY, advance(ms=300), 0, response_to_alice_invite(
            180, "Record-Route: <sip:10.0.0.10:5060;lr>\r\nContact: <sip:carol@10.0.0.3>\r\n")),
        record(TEXT_TO_UA, PROXY, advance(ms=600), 0, response_to_alice_invite(
            200, "Record-Route: <sip:10.0.0.10:5060;lr>\r\nContact: <sip:carol@10.0.0.3>\r\n")),
        record(TEXT_TO_UA, PROXY, advance(ms=40), 0, register_response(
            200, "Contact: <sip:bob@10.0.0.1:5060>;expires=60\r\n")),
        record(TEXT_TO_UA, PROXY, advance(seconds=5), 0, request(
            "BYE", "sip:alice@10.0.0.1:5060",
            "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKc.1\r\n",
            "To: <sip:alice@example.com>;tag=7c14a040-8\r\nFrom: <sip:carol@example.com>;tag=c1\r\n"
            "Call-ID: 9-7c14a040@10.0.0.1\r\n", 1)),
        record(TEXT_TO_UA, PROXY, advance(seconds=40), 0, register_response(200)),
    ],
    # Connected: the input plays carol behind the proxy.
    "carol-answers-behind-proxy": [
        config(CONNECTED),
        record(TEXT_TO_PROXY, CAROL, advance(ms=100), 0, response_from_carol(
            180, "Contact: <sip:carol@10.0.0.3>\r\nRecord-Route: <sip:10.0.0.10:5060;lr>\r\n")),
        record(TEXT_TO_PROXY, CAROL, advance(ms=500), 0, response_from_carol(
            200, "Contact: <sip:carol@10.0.0.3>\r\nRecord-Route: <sip:10.0.0.10:5060;lr>\r\n")),
        record(TEXT_TO_PROXY, CAROL, advance(seconds=3), 0, request(
            "BYE", "sip:alice@10.0.0.1:5060", "Via: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bKc.2\r\n",
            "Route: <sip:10.0.0.10:5060;lr>\r\n"
            "To: <sip:alice@example.com>;tag=7c14a040-8\r\nFrom: <sip:carol@example.com>;tag=c1\r\n"
            "Call-ID: 9-7c14a040@10.0.0.1\r\n", 1)),
    ],
    # Connected: carol rings, alice hangs up (CANCEL through the proxy), carol never answers.
    "carol-rings-then-silence": [
        config(CONNECTED),
        record(TEXT_TO_PROXY, CAROL, advance(ms=100), 0, response_from_carol(180)),
        action(HANGUP, 0, 1, advance(seconds=2)),
    ],
    # Responses built from the requests the nodes sent: ringing, forks, failures.
    "respond-to-recent": [
        config(CONNECTED | LOSSY, RING_ANSWER_LATER),
        respond(0, 183, 1, adv=advance(ms=60)),
        respond(0, 200, 1, "Contact: <sip:carol@10.0.0.3>\r\n", advance(ms=100)),
        respond(2, 200, 2, "Contact: <sip:carol2@10.0.0.3>\r\n", advance(ms=10)),
        respond(1, 486, 3, adv=advance(ms=10)),
        respond(3, 481, 0, adv=advance(seconds=1)),
        record(REPLAY, 0, advance(ms=1), 2),
        record(REPLAY, 3, advance(ms=1), 1),
    ],
    # Disconnected: bob's refresh is challenged, retried with credentials, then refused with 423.
    "register-challenge-423": [
        config(0),
        record(TEXT_TO_UA, PROXY, advance(ms=20), 0,
               register_response(401, f"WWW-Authenticate: {CHALLENGE}\r\n")),
        respond(0, 423, 0, "Min-Expires: 900\r\n", advance(ms=20)),
        respond(0, 200, 0, "Expires: 40\r\n", advance(ms=20)),
        record(TEXT_TO_UA, PROXY, advance(seconds=30), 0, register_response(500)),
    ],
    # Disconnected: alice's INVITE is challenged by the proxy (407), retried, answered.
    "invite-proxy-auth": [
        config(0),
        record(TEXT_TO_UA, PROXY, advance(ms=20), 0, response_to_alice_invite(
            407, f'Proxy-Authenticate: {CHALLENGE.replace("auth", "auth,auth-int")}\r\n')),
        respond(0, 180, 1, adv=advance(ms=20)),
        respond(0, 200, 1, "Contact: <sip:carol@10.0.0.3>\r\n", advance(ms=20)),
        action(HANGUP, 0, 1, advance(seconds=1)),
        respond(0, 200, 0, adv=advance(ms=20)),
    ],
    # An incoming call for bob from a stranger: rings, is cancelled; a second one is answered,
    # ACKed, re-INVITEd, then ended with a BYE.
    "incoming-calls": [
        config(0, RING),
        record(TEXT_TO_UA, STRANGER, advance(ms=5), 0,
               stranger_invite("z9hG4bKe.1", "e1", "call-e1@10.0.0.99")),
        record(TEXT_TO_UA, STRANGER, advance(ms=300), 0,
               stranger_invite("z9hG4bKe.1", "e1", "call-e1@10.0.0.99", method="CANCEL")),
        action(SET_POLICY, 1, RING_AND_ANSWER, advance(ms=1)),
        record(TEXT_TO_UA, STRANGER, advance(ms=100), 0,
               stranger_invite("z9hG4bKe.2", "e2", "call-e2@10.0.0.99")),
        record(TEXT_TO_UA, STRANGER, advance(ms=700), 0,
               stranger_invite("z9hG4bKe.3", "e2", "call-e2@10.0.0.99", "22895713-b", "ACK")),
        record(TEXT_TO_UA, STRANGER, advance(ms=200), 0,
               stranger_invite("z9hG4bKe.4", "e2", "call-e2@10.0.0.99", "22895713-b", cseq=2)),
        record(TEXT_TO_UA, STRANGER, advance(ms=200), 0,
               stranger_invite("z9hG4bKe.5", "e2", "call-e2@10.0.0.99", "22895713-b", "BYE",
                               cseq=3)),
    ],
    # In the setup call: bob (played by the input, through the proxy's Route) re-INVITEs and
    # hangs up; a BYE with an old CSeq; a request in no dialog.
    "setup-dialog-requests": [
        config(0),
        record(TEXT_TO_UA, PROXY, advance(ms=5), 0, request(
            "INVITE", "sip:alice@10.0.0.1:5060", "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKb.1\r\n",
            SETUP_DIALOG_FROM_BOB + "Contact: <sip:bob@10.0.0.1:5060>\r\n", 5, "v=0\r\n")),
        record(TEXT_TO_UA, PROXY, advance(ms=50), 0, request(
            "OPTIONS", "sip:alice@10.0.0.1:5060", "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKb.2\r\n",
            SETUP_DIALOG_FROM_BOB, 4)),
        record(TEXT_TO_UA, PROXY, advance(ms=50), 0, request(
            "BYE", "sip:alice@10.0.0.1:5060", "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKb.3\r\n",
            SETUP_DIALOG_FROM_BOB, 6)),
        record(TEXT_TO_UA, PROXY, advance(ms=50), 0, request(
            "BYE", "sip:alice@10.0.0.1:5060", "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKb.4\r\n",
            SETUP_DIALOG_FROM_BOB.replace("22895713-7", "nope"), 7)),
    ],
    # Two forks answer alice's INVITE with 200s (the second is ACKed and hung up), stray 2xx
    # retransmissions after the transaction is gone.
    "forked-answers": [
        config(0),
        record(TEXT_TO_UA, PROXY, advance(ms=20), 0, response_to_alice_invite(
            200, "Contact: <sip:carol@10.0.0.3>\r\n")),
        record(TEXT_TO_UA, PROXY, advance(ms=20), 0, response_to_alice_invite(
            200, "Contact: <sip:carol@10.0.0.4>\r\n").replace("tag=c1", "tag=c2")),
        record(TEXT_TO_UA, PROXY, advance(seconds=40), 0, response_to_alice_invite(
            200, "Contact: <sip:carol@10.0.0.3>\r\n")),
    ],
    # API actions with the nodes connected: calls between alice and bob, OPTIONS, re-added UA.
    "actions-connected": [
        config(CONNECTED, RING),
        action(MAKE_CALL, 1, 2, advance(ms=10)),
        action(ANSWER_CALL, 0, 1, advance(ms=100)),
        action(OPTIONS, 0, 3, advance(ms=10)),
        action(MAKE_CALL, 0, 1, advance(ms=10)),
        action(REJECT_CALL, 1, 3, advance(ms=100)),
        action(HANGUP, 0, 0, advance(seconds=1)),
        action(READD, 1, 0, advance(ms=10)),
        action(REGISTER, 1, 0, advance(ms=10)),
        action(UNREGISTER, 0, 0, advance(ms=10)),
        action(HANGUP_ALL, 0, 0, advance(seconds=2)),
    ],
    # Timers only: losses, transport errors, TCP refused, long silences (Timers B, F, H, M, L,
    # registration refresh).
    "timers-and-errors": [
        config(CONNECTED | LOSSY | REFUSE_TCP, RING_ANSWER_LATER),
        record(ERROR, PROXY, advance(ms=1), 0),
        action(MAKE_CALL, 0, 3, advance(ms=10)),
        record(ERROR, CAROL, advance(seconds=10), 1),
        record(TEXT_TO_UA, STRANGER_TCP, advance(ms=5), 0,
               stranger_invite("z9hG4bKt.1", "t1", "call-t1@10.0.0.99")),
        record(ERROR, STRANGER_TCP, advance(ms=600), 0),
        record(0, 0, advance(seconds=200), 0),
        record(0, 0, advance(seconds=200), 0),
    ],
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ua-corpus")
    os.makedirs(out, exist_ok=True)
    for name, records in SEEDS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(SEP.join(records))


if __name__ == "__main__":
    main()

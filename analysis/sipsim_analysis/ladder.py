"""Message sequence charts ("call ladders") of one call, like Wireshark's flow graph.

Columns are the SIP nodes the call's messages went through, time runs downward, each message
is an arrow from its sender to its receiver labelled with its method or status. The trace
records every message twice (sent by one node, received by another): :func:`ladder_events`
pairs them, so an arrow is one message on the wire; a copy that was sent but never received
(lost) is drawn in red ending in a cross, a retransmission in orange.

When the caller and the callee are users of the same node (a PHONES node hosting both), that
node gets two columns, "(caller)" and "(callee)", and each message goes to the side of the user
agent that sent or received it: the side of the transaction it belongs to (its Via branch),
INVITE and ACK by their direction, and a BYE or other in-dialog request by its CSeq (the
caller's requests continue the CSeq numbers of its INVITEs).

Needs the message records (``outputs.messages: true``).
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

#: Reason phrases of RFC 3261 21 (and a few extensions) for the labels.
REASONS = {
    100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
    183: "Session Progress", 200: "OK", 202: "Accepted", 300: "Multiple Choices",
    301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy", 380: "Alternative Service",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
    408: "Request Timeout", 410: "Gone", 413: "Request Entity Too Large", 415:
    "Unsupported Media Type", 416: "Unsupported URI Scheme", 420: "Bad Extension",
    423: "Interval Too Brief", 480: "Temporarily Unavailable",
    481: "Call/Transaction Does Not Exist", 482: "Loop Detected", 483: "Too Many Hops",
    484: "Address Incomplete", 485: "Ambiguous", 486: "Busy Here", 487: "Request Terminated",
    488: "Not Acceptable Here", 491: "Request Pending", 500: "Server Internal Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Server Time-out", 505: "Version Not Supported", 600: "Busy Everywhere",
    603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable",
}


class LadderError(ValueError):
    """The call cannot be drawn (no message records, unknown Call-ID)."""


def label_of(method, status):
    """``INVITE`` for a request, ``407 Proxy Authentication Required`` for a response."""
    if status:
        reason = REASONS.get(int(status), "")
        return f"{int(status)} {reason}".strip()
    return method


def call_ids(trace):
    """The call records with the Call-ID of their first INVITE (matched on the caller's node
    and the INVITE's time); ``call_id`` is empty when the trace has no message records."""
    calls = trace.calls.copy()
    messages = trace.messages
    if messages is None or not len(messages):
        calls["call_id"] = ""
        return calls
    invites = messages[messages["tx"] & (messages["method"] == "INVITE")
                       & ~messages["retransmission"]]
    first = invites.drop_duplicates("call_id")[["node", "time_ns", "call_id"]]
    first = first.drop_duplicates(["node", "time_ns"])
    merged = calls.merge(first, how="left", left_on=["caller_node", "invite_ns"],
                         right_on=["node", "time_ns"], suffixes=("", "_msg"))
    merged["call_id"] = merged["call_id"].fillna("")
    return merged.drop(columns=[c for c in ("node", "time_ns") if c in merged.columns
                                and c not in calls.columns])


def _sides(msgs):
    """Endpoint of each message: (node, side) with side "" unless a node hosts both ends."""
    sides = {}
    split = set()
    for node, group in msgs.groupby("node"):
        invites = group[(group["method"] == "INVITE")]
        if invites["tx"].any() and (~invites["tx"]).any() and \
                set(invites.loc[invites["tx"], "branch"]).isdisjoint(
                    set(invites.loc[~invites["tx"], "branch"])):
            # Both a sent and a received INVITE: a proxy forwards too, but a proxy's received
            # and sent INVITEs go to different peers; a node with both ends of the call sends
            # its INVITE to the same peer it receives the other one from.
            sent_peers = set(invites.loc[invites["tx"], "peer"])
            received_peers = set(invites.loc[~invites["tx"], "peer"])
            if sent_peers & received_peers and node in _caller_nodes(msgs):
                split.add(node)
    for node in split:
        group = msgs[msgs["node"] == node]
        branch_side = {}
        caller_cseqs = set(group.loc[group["tx"] & (group["method"] == "INVITE"), "cseq"])
        top_invite_cseq = max(caller_cseqs) if caller_cseqs else 0
        tx_request_side = {}
        for index, m in group.iterrows():
            if m["status"] == 0:  # a request
                if m["method"] in ("INVITE", "CANCEL") or (m["method"] == "ACK"
                                                           and m["branch"] in branch_side):
                    side = branch_side.get(m["branch"]) or ("caller" if m["tx"] else "callee")
                    if m["method"] == "ACK":
                        side = branch_side[m["branch"]]
                elif m["method"] == "ACK":
                    side = "caller" if m["tx"] else "callee"
                elif m["tx"]:
                    side = "caller" if m["cseq"] > top_invite_cseq else "callee"
                    tx_request_side[(m["method"], m["cseq"])] = side
                else:
                    sent = tx_request_side.get((m["method"], m["cseq"]))
                    if sent is not None:
                        side = "callee" if sent == "caller" else "caller"
                    else:
                        side = "callee" if m["cseq"] > top_invite_cseq else "caller"
                branch_side.setdefault(m["branch"], side)
            else:
                side = branch_side.get(m["branch"], "caller")
            sides[index] = side
    return sides, split


def _caller_nodes(msgs):
    first = msgs[msgs["tx"] & (msgs["method"] == "INVITE")]
    return set(first["node"].iloc[:1])


def ladder_events(trace, call_id):
    """The messages of one call as arrows, in time order.

    Returns a DataFrame with columns time_s, rx_time_s, src, dst (column names), label,
    method, status, cseq, retransmission, lost (sent, never received), and the list of column
    names in drawing order.
    """
    messages = trace.messages
    if messages is None or not len(messages):
        raise LadderError(f"{trace.path}: the trace has no message records "
                          f"(run the scenario with outputs.messages: true)")
    msgs = messages[messages["call_id"] == call_id]
    if not len(msgs):
        raise LadderError(f"{trace.path}: no message with Call-ID {call_id!r}")
    msgs = msgs.sort_values("time_ns", kind="stable")
    sides, split = _sides(msgs)

    def endpoint(index, node):
        name = trace.node_name(node)
        return f"{name} ({sides[index]})" if node in split else name

    columns = []
    for index, m in msgs.iterrows():
        col = endpoint(index, m["node"])
        if col not in columns:
            columns.append(col)
    # Pair each received copy with the latest unmatched copy sent before it by another column.
    pending = {}
    sent = []
    events = []
    address_of_node = {}
    for index, m in msgs.iterrows():
        col = endpoint(index, m["node"])
        key = (m["method"], m["status"], m["cseq"], m["cseq_method"], m["branch"])
        if m["tx"]:
            entry = {"time_s": m["time_s"], "src": col, "node": m["node"], "peer": m["peer"],
                     "key": key, "retransmission": bool(m["retransmission"]), "matched": False,
                     "method": m["method"], "status": int(m["status"]), "cseq": int(m["cseq"])}
            pending.setdefault(key, []).append(entry)
            sent.append(entry)
        else:
            candidates = [e for e in pending.get(key, [])
                          if not e["matched"] and e["src"] != col and e["time_s"] <= m["time_s"]]
            if candidates:
                entry = candidates[-1]
                entry["matched"] = True
                entry["dst"] = col
                entry["rx_time_s"] = m["time_s"]
                address_of_node[entry["peer"]] = col
            else:  # received, its sending not recorded: from the peer's column when known
                events.append({"time_s": m["time_s"], "rx_time_s": m["time_s"], "src": m["peer"],
                               "dst": col, "method": m["method"], "status": int(m["status"]),
                               "cseq": int(m["cseq"]), "retransmission": False, "lost": False})
    for entry in sent:
        dst = entry.get("dst") or address_of_node.get(entry["peer"])
        if dst is None:
            dst = _column_of_peer(trace, entry["peer"], columns, entry["src"])
        events.append({"time_s": entry["time_s"], "rx_time_s": entry.get("rx_time_s"),
                       "src": entry["src"], "dst": dst, "method": entry["method"],
                       "status": entry["status"], "cseq": entry["cseq"],
                       "retransmission": entry["retransmission"], "lost": not entry["matched"]})
    for event in events:
        if event["src"] not in columns:
            columns.append(event["src"])
        if event["dst"] not in columns:
            columns.append(event["dst"])
    frame = pd.DataFrame(events)
    frame["label"] = [label_of(m, s) for m, s in zip(frame["method"], frame["status"])]
    frame = frame.sort_values("time_s", kind="stable").reset_index(drop=True)
    return frame, columns


def _column_of_peer(trace, peer, columns, src):
    """A column for a message's peer address when no received copy told us its node."""
    others = [c for c in columns if c != src]
    return others[0] if len(others) == 1 else peer


def endpoint_sequence(events, column):
    """Labels of the messages sent or received by one column, in order (lost copies left out
    of what the column received)."""
    out = []
    for event in events.itertuples():
        if event.src == column or (event.dst == column and not event.lost):
            out.append(event.label)
    return out


def draw_ladder(trace, call_id, out_base, title=None):
    """Draws the ladder of ``call_id`` into ``out_base + ".svg"`` and ``".png"``.

    Returns ``(events, columns, [svg_path, png_path])``.
    """
    events, columns = ladder_events(trace, call_id)
    n = len(events)
    width = max(7.0, 2.6 * len(columns) + 2.0)
    height = max(3.0, 0.42 * n + 1.8)
    fig, ax = plt.subplots(figsize=(width, height))
    x = {col: i for i, col in enumerate(columns)}
    top, bottom = -0.8, n - 0.2
    for col, xi in x.items():
        ax.plot([xi, xi], [top + 0.3, bottom], color="0.55", lw=1.2, zorder=1)
        ax.text(xi, top, col, ha="center", va="bottom", fontsize=10, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.3", "fc": "0.93", "ec": "0.6"})
    # Microseconds when messages follow each other closer than 0.1 ms (LAN links of 10 us).
    gaps = events["time_s"].sort_values().diff().dropna()
    digits = 6 if ((gaps > 0) & (gaps < 1e-4)).any() else 4
    for row, event in enumerate(events.itertuples()):
        x0, x1 = x[event.src], x[event.dst]
        color, style = "black", "-"
        label = event.label
        if event.retransmission:
            color, style = "tab:orange", "--"
            label += " (retransmission)"
        if event.lost:
            color, style = "tab:red", ":"
            label += " (lost)"
        end = x1 if not event.lost else x0 + (x1 - x0) * 0.8
        ax.annotate("", xy=(end, row), xytext=(x0, row),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4, "ls": style,
                                "shrinkA": 0, "shrinkB": 0}, zorder=3)
        if event.lost:
            ax.plot([end], [row], marker="x", color="tab:red", ms=9, mew=2, zorder=4)
        ax.text((x0 + x1) / 2.0, row - 0.08, label, ha="center", va="bottom", fontsize=9,
                color=color, zorder=5)
        ax.text(-0.55, row, f"{event.time_s:.{digits}f} s", ha="right", va="center", fontsize=8,
                color="0.3", family="monospace")
    ax.set_xlim(-1.45, len(columns) - 0.4)
    ax.set_ylim(bottom + 0.4, top - 0.6)
    ax.axis("off")
    h = trace.header
    ax.set_title(title or f"Call-ID {call_id}\n{h.scenario_name} (seed {h.seed}, run {h.run}); "
                          f"time of sending at left, time runs downward", fontsize=11)
    fig.tight_layout()
    paths = [f"{out_base}.svg", f"{out_base}.png"]
    for path in paths:
        fig.savefig(path, dpi=110)
    plt.close(fig)
    return events, columns, paths

"""KPIs of a run, recomputed in Python from the trace records.

:func:`summarize` gives the figures of ``summary.json`` (``model/trace/trace-summary.cc``) with
the same keys and meaning, computed independently from the DataFrames of a
:class:`~sipsim_analysis.frames.Trace`:

* the warm-up (``warmup_s`` of the run's effective scenario in the trace header) leaves out
  calls *placed* before it (``invite_ns``), and messages, transactions, samples and user
  events dated before it; registrations, faults and the trailer always count;
* calls: ``attempted`` every call record, ``answered`` those with an answer time, then one
  count per outcome (``completed``, ``failed``, ``blocked`` = no free trunk at a gateway for a
  PSTN call, ``run_ended_in_call``, ``run_ended_setup``) and the failures by final status;
* post-dial delay (INVITE to first 18x, or to the answer or failure when no 18x came) over the
  calls that have one: mean and nearest-rank percentiles (the ceil(q n)-th smallest value);
* messages: total records, retransmissions (sent copies marked as such), per node;
* transactions by result; per proxy (by sample name): samples, peak queue (largest of
  ``queue_length`` and ``peak_queue_length``), the time-averaged utilization of its last sample
  and the largest per-interval utilization.

:func:`compare_summaries` lists the differences between two summaries (the test of the
C++ numbers). :func:`kpi_table` flattens a summary into a two-column table for reports.
"""

import json
import math

import numpy as np
import pandas as pd


def _nearest_rank(sorted_values, q):
    rank = math.ceil(q * len(sorted_values))
    rank = min(max(rank, 1), len(sorted_values))
    return sorted_values[rank - 1]


def warmup_ns_of(trace, warmup_s=None):
    """The warm-up in ns, truncated as the simulator does (``int64(warmup_s * 1e9)``)."""
    seconds = trace.warmup_s if warmup_s is None else warmup_s
    return int(seconds * 1e9)


def measured(frame, column, warmup_ns):
    """Rows of ``frame`` whose ``column`` is at or after the warm-up."""
    return frame[frame[column] >= warmup_ns]


def summarize(trace, warmup_s=None):
    """The summary of a trace as a dict shaped like ``summary.json``.

    ``warmup_s`` overrides the run's warm-up (by default the effective scenario's, which
    includes a ``--set warmup_s=...``; for traces older than the header's
    ``effective_scenario_text``, the scenario file's).
    """
    missing = [name for name in ("messages", "transactions", "calls", "registrations",
                                 "samples", "faults", "user_events")
               if getattr(trace, name) is None]
    if missing:
        raise ValueError(f"summarize needs every record kind; not loaded: {missing}")
    w = warmup_ns_of(trace, warmup_s)
    messages = measured(trace.messages, "time_ns", w)
    transactions = measured(trace.transactions, "time_ns", w)
    calls = measured(trace.calls, "invite_ns", w)
    samples = measured(trace.samples, "time_ns", w)
    user_events = measured(trace.user_events, "time_ns", w)

    outcome = calls["outcome"]
    failed = calls[outcome == "FAILED"]
    by_status = failed["final_status"].value_counts().sort_index()
    summary_calls = {
        "attempted": int(len(calls)),
        "answered": int((calls["answer_ns"] >= 0).sum()),
        "completed": int((outcome == "COMPLETED").sum()),
        "failed": int(len(failed)),
        "blocked": int((outcome == "BLOCKED_NO_TRUNK").sum()),
        "run_ended_in_call": int((outcome == "RUN_ENDED_IN_CALL").sum()),
        "run_ended_setup": int((outcome == "RUN_ENDED_SETUP").sum()),
        "failed_by_status": {str(int(s)): int(n) for s, n in by_status.items()},
    }

    delays = sorted(float(v) for v in calls["post_dial_delay_s"] if v >= 0)
    pdd = {"count": len(delays), "mean_s": 0.0, "p50_s": 0.0, "p95_s": 0.0, "p99_s": 0.0,
           "max_s": 0.0}
    if delays:
        total = 0.0
        for value in delays:  # ascending order, as the C++ sum: the same rounding
            total += value
        pdd.update(mean_s=total / len(delays), p50_s=_nearest_rank(delays, 0.50),
                   p95_s=_nearest_rank(delays, 0.95), p99_s=_nearest_rank(delays, 0.99),
                   max_s=delays[-1])

    registrations = trace.registrations
    summary_registrations = {"ok": int(registrations["ok"].sum()),
                             "failed": int((~registrations["ok"]).sum())}

    by_node = {}
    if len(messages):
        grouped = messages.assign(sent=messages["tx"], received=~messages["tx"],
                                  rtx=messages["tx"] & messages["retransmission"])
        for node, row in grouped.groupby("node")[["sent", "received", "rtx"]].sum().iterrows():
            by_node[str(int(node))] = {"sent": int(row["sent"]), "received": int(row["received"]),
                                       "retransmissions": int(row["rtx"])}
    summary_messages = {
        "total": int(len(messages)),
        "retransmissions": int((messages["tx"] & messages["retransmission"]).sum()),
        "by_node": by_node,
    }

    summary_transactions = {str(k): int(v) for k, v in
                            sorted(transactions["result"].value_counts().items())}

    proxies = {}
    proxy_samples = samples[samples["role"] == "PROXY"]
    for name, group in proxy_samples.groupby("name", sort=True):
        proxies[str(name)] = {
            "node": int(group["node"].iloc[-1]),
            "samples": int(len(group)),
            "peak_queue": int(max(group["queue_length"].max(), group["peak_queue_length"].max())),
            "mean_utilization": float(group["mean_utilization"].iloc[-1]),
            "peak_utilization": float(max(0.0, group["utilization"].max())),
        }

    trailer = trace.trailer
    records = (len(messages) + len(transactions) + len(trace.calls[trace.calls["invite_ns"] >= w])
               + len(registrations) + len(samples) + len(trace.faults) + len(user_events)
               + trace.unknown_records)
    run = {
        "complete": bool(trailer.complete) if trailer is not None else False,
        "stop_reason": trailer.stop_reason if trailer is not None else "",
        "end_ns": int(trailer.end_ns) if trailer is not None else 0,
        "records": int(records),
        "faults": int(len(trace.faults)),
        "user_events": int(len(user_events)),
    }
    return {"run": run, "calls": summary_calls, "post_dial_delay": pdd,
            "registrations": summary_registrations, "messages": summary_messages,
            "transactions": summary_transactions, "proxies": proxies}


def format_number(value):
    """A double as summary.json writes it (``%.9g``)."""
    if not math.isfinite(value):
        return "null"
    return "%.9g" % value


def to_json(summary):
    """The summary as JSON text (numbers of floating type written with 9 significant digits)."""
    def convert(value):
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, float):
            return json.loads(format_number(value)) if math.isfinite(value) else None
        return value
    return json.dumps(convert(summary), indent=2) + "\n"


def compare_summaries(ours, theirs, rel_tol=1e-9, path=""):
    """Differences between two summaries, as ``["calls.failed: 3 != 4", ...]``.

    Integers, strings and booleans must be equal; floating values must be equal once written
    as summary.json writes them (``%.9g``), or within ``rel_tol`` relative.
    """
    problems = []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            where = f"{path}.{key}" if path else key
            if key not in ours:
                problems.append(f"{where}: missing in ours")
            elif key not in theirs:
                problems.append(f"{where}: missing in theirs")
            else:
                problems += compare_summaries(ours[key], theirs[key], rel_tol, where)
        return problems
    if isinstance(ours, float) or isinstance(theirs, float):
        a, b = float(ours), float(theirs)
        same = (format_number(a) == format_number(b) or float(format_number(a)) == b
                or math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0))
        if not same:
            problems.append(f"{path}: {a!r} != {b!r}")
        return problems
    if type(ours) is not type(theirs) or ours != theirs:
        problems.append(f"{path}: {ours!r} != {theirs!r}")
    return problems


def kpi_table(summary, trace=None):
    """The main KPIs as a DataFrame (kpi, value, unit, meaning)."""
    calls = summary["calls"]
    pdd = summary["post_dial_delay"]
    rows = [
        ("calls attempted", calls["attempted"], "calls", "call records placed after the warm-up"),
        ("calls answered", calls["answered"], "calls", "established (2xx)"),
        ("calls completed", calls["completed"], "calls", "established and cleared normally"),
        ("calls failed", calls["failed"], "calls", "never established (final_status says why)"),
        ("calls blocked", calls["blocked"], "calls", "PSTN calls that found every trunk busy"),
        ("still up at the end", calls["run_ended_in_call"], "calls", "established when the run ended"),
        ("still in set-up at the end", calls["run_ended_setup"], "calls", "no final response yet"),
        ("completed ratio", completed_ratio(summary), "",
         "(completed + still up) / (attempted - still in set-up)"),
    ]
    for status, count in calls["failed_by_status"].items():
        rows.append((f"failed with {status}", count, "calls", "final status at the caller"))
    rows += [
        ("post-dial delay count", pdd["count"], "calls", "calls with a post-dial delay"),
        ("post-dial delay mean", pdd["mean_s"], "s", "INVITE to first 18x (or final)"),
        ("post-dial delay p50", pdd["p50_s"], "s", "nearest-rank percentile"),
        ("post-dial delay p95", pdd["p95_s"], "s", "nearest-rank percentile"),
        ("post-dial delay p99", pdd["p99_s"], "s", "nearest-rank percentile"),
        ("post-dial delay max", pdd["max_s"], "s", ""),
        ("registrations ok", summary["registrations"]["ok"], "registrations", "whole run"),
        ("registrations failed", summary["registrations"]["failed"], "registrations", "whole run"),
        ("messages", summary["messages"]["total"], "messages", "sent + received records"),
        ("retransmissions", summary["messages"]["retransmissions"], "messages",
         "sent copies marked retransmission"),
    ]
    for result, count in summary["transactions"].items():
        rows.append((f"transactions {result}", count, "transactions", "terminated transactions"))
    for name, load in summary["proxies"].items():
        # A proxy without a capacity model has no queue and no workers: its load is "n/a",
        # not 0 (it is infinitely fast).
        modelled = trace is None or trace.scenario is None \
            or _has_capacity(trace.scenario, name)
        na = "n/a (no capacity model)"
        rows += [
            (f"proxy {name} peak queue", load["peak_queue"] if modelled else na, "messages",
             "longest processing queue"),
            (f"proxy {name} mean utilization", load["mean_utilization"] if modelled else na, "",
             "time average since the queue's start"),
            (f"proxy {name} peak utilization", load["peak_utilization"] if modelled else na, "",
             "largest per-interval utilization"),
        ]
    return pd.DataFrame(rows, columns=["kpi", "value", "unit", "meaning"], dtype=object)


def _has_capacity(scenario, node):
    """Whether the proxy has a processing queue at some time of the run."""
    groups = [g for g in scenario.groups if g.node == node and g.HasField("proxy")]
    faults = [f for f in scenario.faults if f.HasField("capacity") and f.capacity.node == node]
    return any(g.proxy.HasField("capacity") and g.proxy.capacity.workers > 0 for g in groups) \
        or any(f.capacity.capacity.workers > 0 for f in faults)


def completed_ratio(summary):
    """(completed + still up at the end) / (attempted - still in set-up), as the expectations."""
    calls = summary["calls"]
    denominator = calls["attempted"] - calls["run_ended_setup"]
    if calls["attempted"] == 0 or denominator <= 0:
        return 0.0
    return (calls["completed"] + calls["run_ended_in_call"]) / denominator


def flat_kpis(summary):
    """Scalar KPIs of a summary as a flat dict (for replications): name -> value."""
    calls = summary["calls"]
    pdd = summary["post_dial_delay"]
    out = {
        "attempted": calls["attempted"], "answered": calls["answered"],
        "completed": calls["completed"], "failed": calls["failed"],
        "blocked": calls["blocked"], "completed_ratio": completed_ratio(summary),
        "pdd_mean_s": pdd["mean_s"], "pdd_p50_s": pdd["p50_s"], "pdd_p95_s": pdd["p95_s"],
        "pdd_p99_s": pdd["p99_s"], "registrations_failed": summary["registrations"]["failed"],
        "retransmissions": summary["messages"]["retransmissions"],
    }
    for status, count in calls["failed_by_status"].items():
        out[f"failed_{status}"] = count
        out[f"failed_{status}_ratio"] = count / calls["attempted"] if calls["attempted"] else 0.0
    for name, load in summary["proxies"].items():
        out[f"proxy_{name}_peak_queue"] = load["peak_queue"]
        out[f"proxy_{name}_mean_utilization"] = load["mean_utilization"]
    return out


def response_codes_by_node(trace):
    """Responses per node, direction and status (from the message records).

    Returns a DataFrame indexed by (node, node_name, direction) with one column per status.
    Empty when the trace has no message records (``outputs.messages`` off).
    """
    messages = trace.messages
    if messages is None or not len(messages):
        return pd.DataFrame()
    responses = messages[messages["status"] > 0]
    if not len(responses):
        return pd.DataFrame()
    table = (responses.assign(direction=np.where(responses["tx"], "sent", "received"))
             .groupby(["node", "node_name", "direction", "status"]).size()
             .unstack("status", fill_value=0))
    table.columns = [str(c) for c in table.columns]
    return table


def final_status_by_caller(trace, warmup_s=None):
    """Call final statuses per caller node (from the call records): rows node, columns status."""
    calls = measured(trace.calls, "invite_ns", warmup_ns_of(trace, warmup_s))
    if not len(calls):
        return pd.DataFrame()
    table = (calls.groupby(["caller_node", "caller_node_name", "final_status"]).size()
             .unstack("final_status", fill_value=0))
    table.columns = [str(c) for c in table.columns]
    return table


def post_dial_delay_percentiles(trace, warmup_s=None, quantiles=(0.5, 0.9, 0.95, 0.99)):
    """Nearest-rank post-dial delay percentiles (s), overall and per caller node."""
    calls = measured(trace.calls, "invite_ns", warmup_ns_of(trace, warmup_s))
    calls = calls[calls["post_dial_delay_s"] >= 0]
    rows = []
    groups = [("all", calls)] + [(name, group) for name, group in
                                  calls.groupby("caller_node_name")]
    for name, group in groups:
        values = sorted(group["post_dial_delay_s"])
        row = {"callers": name, "calls": len(values)}
        for q in quantiles:
            row[f"p{round(q * 100):d}_s"] = _nearest_rank(values, q) if values else float("nan")
        row["mean_s"] = float(np.mean(values)) if values else float("nan")
        rows.append(row)
    return pd.DataFrame(rows)


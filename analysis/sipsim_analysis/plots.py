"""PNG plots of one run (matplotlib, Agg backend): what ``sipsim-analyze report`` draws.

Every function takes a :class:`~sipsim_analysis.frames.Trace` and an output path, writes the
figure and returns the path. A figure whose data the trace does not hold (no message records,
no proxy samples, ...) is still written, saying what is missing, so a report always has the
same files.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import reference  # noqa: E402
from .kpi import measured, warmup_ns_of  # noqa: E402

_NICE_BINS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)
_FIGSIZE = (12.0, 4.8)
_DPI = 110


def bin_width(duration_s, target_bins=80):
    """A round bin width giving about ``target_bins`` bins over the run (at least 0.1 s)."""
    wanted = max(duration_s / target_bins, 0.1)
    for width in _NICE_BINS:
        if width >= wanted:
            return float(width)
    return float(_NICE_BINS[-1])


def _new(title, xlabel, ylabel, rows=1, sharex=True, height=None):
    size = (_FIGSIZE[0], height or (_FIGSIZE[1] if rows == 1 else 3.0 * rows + 0.8))
    fig, axes = plt.subplots(rows, 1, figsize=size, sharex=sharex, squeeze=False)
    axes = list(axes[:, 0])
    fig.suptitle(title, fontsize=13)
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.set_ylabel(ylabel)
    axes[-1].set_xlabel(xlabel)
    return fig, axes


def _legend(ax, **kwargs):
    """The legend to the right of the axes, where it never hides data."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, framealpha=0.9,
                  borderaxespad=0.0, **kwargs)


def _seconds(value):
    """A duration for a label: ms below 1 s."""
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def _save(fig, path):
    """Writes the figure and returns its path; a figure that has nothing to show (every data
    axis said so through _no_data) is not written, and the return is None."""
    empty = getattr(fig, "sipsim_empty", False)
    if empty:
        plt.close(fig)
        return None
    fig.tight_layout()
    fig.savefig(path, dpi=_DPI, bbox_inches="tight")
    plt.close(fig)
    return str(path)


def _no_data(ax, text):
    """Marks the plot as having no data (it is then not written), saying why."""
    ax.figure.sipsim_empty = True
    ax.figure.sipsim_why = text
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=11,
            color="0.35", wrap=True)


def _warmup(ax, trace):
    if trace.warmup_s > 0:
        ax.axvspan(0, trace.warmup_s, color="0.85", alpha=0.6, lw=0,
                   label=f"warm-up ({trace.warmup_s:g} s, not measured)")


def _rate(times_s, width, duration):
    """(bin centres, events per second) of event times."""
    edges = np.arange(0.0, duration + width, width)
    if len(edges) < 2:
        edges = np.array([0.0, width])
    counts, _ = np.histogram(times_s, bins=edges)
    return (edges[:-1] + edges[1:]) / 2.0, counts / width


def _subtitle(trace):
    h = trace.header
    return f"{h.scenario_name} (seed {h.seed}, run {h.run})"


def call_rates(trace, path, width=None):
    """Completed, failed (and blocked) call attempts per second, by the time they were placed,
    with the offered call rate of the scenario."""
    duration = trace.duration_s
    width = width or bin_width(duration)
    fig, (ax,) = _new(f"Call outcomes over time - {_subtitle(trace)}",
                      "time the call was placed (s)", f"calls per second ({width:g} s bins)")
    _warmup(ax, trace)
    calls = trace.calls
    if calls is None or not len(calls):
        _no_data(ax, "no call records in this trace")
    else:
        series = [("completed (incl. still up at the end)",
                   calls["outcome"].isin(["COMPLETED", "RUN_ENDED_IN_CALL"]), "tab:green"),
                  ("failed", calls["outcome"] == "FAILED", "tab:red"),
                  ("blocked (no trunk)", calls["outcome"] == "BLOCKED_NO_TRUNK", "tab:purple"),
                  ("in set-up at the end", calls["outcome"] == "RUN_ENDED_SETUP", "tab:gray")]
        for label, mask, color in series:
            if mask.any():
                x, y = _rate(calls.loc[mask, "invite_s"], width, duration)
                ax.step(x, y, where="mid", color=color, label=f"{label}: {int(mask.sum())}")
        if trace.scenario is not None:
            offered = reference.call_rate(trace.scenario)
            if offered > 0:
                ax.axhline(offered, color="black", ls="--", lw=1,
                           label=f"offered: {offered:g} calls/s")
        ax.set_ylim(0, ax.get_ylim()[1] * 1.1)
    ax.set_xlim(0, duration)
    _legend(ax)
    return _save(fig, path)


def pdd_cdf(trace, path, warmup_s=None):
    """Empirical CDF of the post-dial delay (after the warm-up), overall and per caller node,
    with the nearest-rank p50 and p95 marked."""
    fig, (ax,) = _new(f"Post-dial delay CDF - {_subtitle(trace)}", "post-dial delay (s)",
                      "fraction of calls with delay <= x")
    calls = measured(trace.calls, "invite_ns", warmup_ns_of(trace, warmup_s))
    calls = calls[calls["post_dial_delay_s"] >= 0]
    if not len(calls):
        _no_data(ax, "no call with a post-dial delay")
        return _save(fig, path)
    groups = [("all calls", calls)]
    by_node = list(calls.groupby("caller_node_name"))
    if len(by_node) > 1:
        groups += [(f"callers on {name}", group) for name, group in by_node]
    for index, (label, group) in enumerate(groups):
        values = np.sort(group["post_dial_delay_s"].to_numpy())
        y = np.arange(1, len(values) + 1) / len(values)
        ax.step(values, y, where="post", lw=2.2 if index == 0 else 1.2,
                label=f"{label} ({len(values)})")
    values = np.sort(calls["post_dial_delay_s"].to_numpy())
    for q, style in ((0.5, ":"), (0.95, "--")):
        rank = min(max(math.ceil(q * len(values)), 1), len(values))
        v = values[rank - 1]
        ax.axvline(v, color="black", ls=style, lw=1, label=f"p{int(q * 100)} = {_seconds(v)}")
    positive = values[values > 0]
    if len(positive) and positive.max() / positive.min() > 50:
        ax.set_xscale("log")
        ax.set_xlabel("post-dial delay (s, log scale)")
    ax.set_ylim(0, 1.02)
    _legend(ax)
    return _save(fig, path)


def proxy_load(trace, path):
    """Proxy processing queue length (sampled, and peak per interval) and utilization over
    time, with the M/M/c mean queue length and utilization when the proxy's service times are
    exponential."""
    samples = trace.samples
    proxies = samples[samples["role"] == "PROXY"] if samples is not None else None
    fig, (ax_q, ax_u) = _new(f"Proxy load - {_subtitle(trace)}", "time (s)", "", rows=2)
    ax_q.set_ylabel("messages waiting")
    ax_u.set_ylabel("utilization (busy workers / workers)")
    for ax in (ax_q, ax_u):
        _warmup(ax, trace)
    if proxies is None or not len(proxies):
        _no_data(ax_q, "no proxy samples (set outputs.sample_interval_s)")
    elif proxies["queue_length"].max() == 0 and proxies["peak_queue_length"].max() == 0 \
            and proxies["utilization"].max() == 0:
        _no_data(ax_q, "the proxies have no processing queue (no capacity in the scenario):\n"
                       "queue length and utilization are 0")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    queue_top = 1
    clipped = []
    if proxies is not None:
        for index, (name, group) in enumerate(proxies.groupby("name")):
            color = colors[index % len(colors)]
            ax_q.step(group["time_s"], group["peak_queue_length"], where="pre", color=color,
                      alpha=0.45, lw=1, label=f"{name}: peak in interval")
            ax_q.plot(group["time_s"], group["queue_length"], color=color, lw=1.6,
                      label=f"{name}: at sample time")
            ax_u.step(group["time_s"], group["utilization"], where="pre", color=color, lw=1.4,
                      label=f"{name}: per interval")
            ax_u.plot(group["time_s"], group["mean_utilization"], color=color, ls=":", lw=1.4,
                      label=f"{name}: running time average")
            capacity = (reference.proxy_capacity(trace.scenario, name)
                        if trace.scenario is not None else None)
            if capacity is not None and capacity.reject_threshold > 0 \
                    and capacity.policy == 1:  # REJECT_503
                ax_q.axhline(capacity.reject_threshold, color="tab:orange", ls="-.", lw=1,
                             label=f"{name}: 503 threshold ({capacity.reject_threshold})")
            if capacity is not None and capacity.queue_limit > 0:
                ax_q.axhline(capacity.queue_limit, color="tab:red", ls="-.", lw=1,
                             label=f"{name}: queue limit ({capacity.queue_limit})")
            after = group[group["time_s"] >= trace.warmup_s]
            queue_top = max(queue_top, int(after["peak_queue_length"].max() if len(after) else 0),
                            int(capacity.queue_limit) if capacity is not None else 0)
            early = group[group["time_s"] < trace.warmup_s]
            if len(early) and early["peak_queue_length"].max() > queue_top * 1.25 + 1:
                clipped.append(f"{name}: peak {int(early['peak_queue_length'].max())} in the "
                               f"warm-up, off the scale")
            ref = reference.proxy_references(trace, name)
            if ref is not None:
                kind = (f"M/M/{ref['servers']}" if ref["exact"]
                        else f"M/M/{ref['servers']} (approx.: mixed service means)")
                kind += (", lambda from the messages" if ref["source"] == "messages"
                         else ", lambda from the scenario's call rate")
                if ref["lq"] is not None:
                    ax_q.axhline(ref["lq"], color=color, ls="--", lw=1.2,
                                 label=f"{name}: {kind} mean queue Lq = {ref['lq']:.2f}")
                ax_u.axhline(min(ref["rho"], 1.0), color=color, ls="--", lw=1.2,
                             label=f"{name}: {kind} rho = {ref['rho']:.2f}")
    ax_q.set_ylim(0, queue_top * 1.25 + 1)
    for text in clipped:
        ax_q.plot([], [], " ", label=text)
    ax_u.set_ylim(0, 1.05)
    ax_u.set_xlim(0, trace.duration_s)
    for ax in (ax_q, ax_u):
        _legend(ax)
    return _save(fig, path)


def busy_trunks(trace, path):
    """Busy trunk channels of each gateway over time, with its channel count and the Erlang B
    mean of busy trunks (the carried load A (1 - B))."""
    samples = trace.samples
    gateways = samples[samples["role"] == "GATEWAY"] if samples is not None else None
    fig, (ax,) = _new(f"Gateway trunks - {_subtitle(trace)}", "time (s)", "busy trunk channels")
    _warmup(ax, trace)
    refs = {r["node"]: r for r in reference.gateway_references(trace.scenario)}
    if gateways is None or not len(gateways):
        _no_data(ax, "no gateway samples (no gateway, or outputs.sample_interval_s unset)")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    top = 1
    if gateways is not None:
        for index, (name, group) in enumerate(gateways.groupby("name")):
            color = colors[index % len(colors)]
            after = group[group["time_s"] >= trace.warmup_s]
            ax.step(group["time_s"], group["busy_trunks"], where="post", color=color, lw=1,
                    marker="o" if len(group) < 20 else None,
                    label=f"{name}: busy trunks (mean {after['busy_trunks'].mean():.2f} "
                          f"after the warm-up)")
            if len(group) < 20:
                ax.plot([], [], " ", label=f"only {len(group)} samples: set "
                                           f"outputs.sample_interval_s for a time series")
            top = max(top, int(group["busy_trunks"].max()))
            ref = refs.get(name)
            if ref is not None:
                ax.axhline(ref["channels"], color=color, lw=2, alpha=0.5,
                           label=f"{name}: {ref['channels']} channels")
                ax.axhline(ref["carried_erlangs"], color=color, ls="--", lw=1.4,
                           label=f"{name}: Erlang B carried load A(1-B) = "
                                 f"{ref['carried_erlangs']:.2f} (A = {ref['offered_erlangs']:.2f})")
                top = max(top, ref["channels"])
    ax.set_ylim(0, top * 1.25 + 0.5)
    ax.set_xlim(0, trace.duration_s)
    _legend(ax)
    return _save(fig, path)


def retransmissions(trace, path, width=None):
    """Retransmitted messages per second over time, per sending node."""
    duration = trace.duration_s
    width = width or bin_width(duration)
    fig, (ax,) = _new(f"Retransmissions over time - {_subtitle(trace)}", "time (s)",
                      f"retransmissions per second ({width:g} s bins)")
    _warmup(ax, trace)
    messages = trace.messages
    if messages is None or not len(messages):
        _no_data(ax, "no message records in this trace (set outputs.messages: true)")
    else:
        rtx = messages[messages["tx"] & messages["retransmission"]]
        if not len(rtx):
            _no_data(ax, f"no retransmission among {len(messages)} message records")
        for name, group in rtx.groupby("node_name"):
            x, y = _rate(group["time_s"], width, duration)
            ax.step(x, y, where="mid", lw=1.3, label=f"sent by {name}: {len(group)}")
        if len(rtx):
            x, y = _rate(rtx["time_s"], width, duration)
            ax.step(x, y, where="mid", color="black", lw=0.8, alpha=0.6,
                    label=f"all nodes: {len(rtx)}")
        for fault in (trace.faults.itertuples() if trace.faults is not None else []):
            ax.axvline(fault.time_s, color="tab:red", ls=":", lw=1)
        if trace.faults is not None and len(trace.faults):
            ax.plot([], [], color="tab:red", ls=":", label="fault injected")
    ax.set_ylim(bottom=0)
    ax.set_xlim(0, duration)
    _legend(ax)
    return _save(fig, path)


def gateway_blocking(trace, ref, warmup_s=None, batches=10):
    """Simulated blocking of a gateway: batch means with a 95 % Student-t interval.

    The calls are those offered to the gateway: SIP calls to its numbers (the callee's user
    part starts with its number prefix) and the PSTN calls it placed. Blocked are those that
    failed with the gateway's full status (503 or 486) or found no trunk (PSTN side); calls
    still in set-up at the end are left out. Returns a dict (mean, half_width, low, high,
    batch_means, calls, blocked).
    """
    calls = measured(trace.calls, "invite_ns", warmup_ns_of(trace, warmup_s))
    calls = calls[calls["outcome"] != "RUN_ENDED_SETUP"]
    to_gateway = calls["callee"].str.startswith("sip:" + ref.get("number_prefix", ""))
    calls = calls[to_gateway | (calls["caller_node_name"] == ref["node"])]
    blocked = (((calls["outcome"] == "FAILED") & (calls["final_status"] == ref["full_status"]))
               | (calls["outcome"] == "BLOCKED_NO_TRUNK"))
    start = warmup_s if warmup_s is not None else trace.warmup_s
    mean, half, low, high, means = reference.batch_means_ci(
        calls["invite_s"], blocked.astype(float), start, trace.duration_s, batches)
    return {"mean": mean, "half_width": half, "low": low, "high": high, "batch_means": means,
            "calls": int(len(calls)), "blocked": int(blocked.sum()), "batches": batches}


def blocking(trace, path, warmup_s=None, batches=10):
    """Per-batch blocking of each gateway with the batch-means 95 % interval and Erlang B."""
    refs = reference.gateway_references(trace.scenario)
    fig, (ax,) = _new(f"Gateway blocking vs Erlang B - {_subtitle(trace)}",
                      "time (s, batches of the measured period)",
                      "blocking probability (blocked / placed calls)")
    if not refs:
        _no_data(ax, "no gateway with an offered load in this scenario")
        return _save(fig, path)
    start = warmup_s if warmup_s is not None else trace.warmup_s
    edges = np.linspace(start, trace.duration_s, batches + 1)
    centres = (edges[:-1] + edges[1:]) / 2.0
    for ref in refs:
        result = gateway_blocking(trace, ref, warmup_s, batches)
        ax.bar(centres[:len(result["batch_means"])], result["batch_means"],
               width=(edges[1] - edges[0]) * 0.8, color="0.75",
               label=f"{ref['node']}: blocking per batch")
        ax.axhspan(result["low"], result["high"], color="tab:blue", alpha=0.2,
                   label=f"simulation: {result['mean']:.4f} +/- {result['half_width']:.4f} "
                         f"(95 % CI, {batches} batch means, {result['calls']} calls)")
        ax.axhline(result["mean"], color="tab:blue", lw=1.5)
        ax.axhline(ref["blocking"], color="black", ls="--", lw=1.5,
                   label=f"Erlang B(A = {ref['offered_erlangs']:.2f} E, N = {ref['channels']}) "
                         f"= {ref['blocking']:.4f}")
    ax.set_xlim(start, trace.duration_s)
    ax.set_ylim(0, max(ax.get_ylim()[1], 0.05) * 1.35)
    _legend(ax)
    return _save(fig, path)


#: The report's plots: file name -> function(trace, path).
REPORT_PLOTS = {
    "calls-per-second.png": call_rates,
    "post-dial-delay-cdf.png": pdd_cdf,
    "proxy-load.png": proxy_load,
    "busy-trunks.png": busy_trunks,
    "retransmissions.png": retransmissions,
}

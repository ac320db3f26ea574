"""Replications: KPIs of several runs of one scenario, mean and Student-t confidence intervals.

A replication is a run of the same scenario with another run number (``sipsim run --run N``):
independent random streams, so the KPIs of n replications are n independent observations and
``mean +/- t_{0.975, n-1} s / sqrt(n)`` is a 95 % confidence interval of their expectation.

With a swept parameter (``sweep``, a field path of the scenario such as
``traffic.calls_per_second`` or ``groups[2].gateway.channels``), runs are grouped by its value,
read from each run's effective scenario (the header's ``effective_scenario_text``: the file
with the ``--set`` overrides applied; ``scenario_text`` for older traces), and a KPI is plotted
against it with confidence bars and, where a model applies, its analytic reference computed
from each run's effective scenario (Erlang B for a gateway's blocking and 1 - B for the
completed ratio of calls that only a gateway can fail; M/M/c utilization for a proxy).
"""

import copy
import glob
import math
import os
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from . import reference  # noqa: E402
from .frames import load_trace  # noqa: E402
from .kpi import flat_kpis, summarize  # noqa: E402
from .plots import gateway_blocking  # noqa: E402

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")


class CompareError(ValueError):
    """Bad input to a comparison (no trace in a directory, unknown field path)."""


def _walk(message, path):
    """What a field path (``a.b[2].c``, ``attributes[Key]``) names in a Protobuf message: a
    sub-message or a value."""
    value = message
    for part in path.split("."):
        match = _TOKEN.fullmatch(part)
        if not match:
            raise CompareError(f"bad field path {path!r} at {part!r}")
        name, index = match.groups()
        descriptor = value.DESCRIPTOR.fields_by_name.get(name)
        if descriptor is None:
            raise CompareError(f"field path {path!r}: {value.DESCRIPTOR.name} has no field "
                               f"{name!r}")
        value = getattr(value, name)
        if index is not None:
            if descriptor.message_type is not None and descriptor.message_type.GetOptions().map_entry:
                value = value[index] if index in value else ""
            else:
                try:
                    value = value[int(index)]
                except (ValueError, IndexError) as error:
                    raise CompareError(f"field path {path!r}: no element {index}") from error
    return value


def field_value(message, path):
    """The value of a field path (``a.b[2].c``, ``attributes[Key]``) in a Protobuf message."""
    value = _walk(message, path)
    if hasattr(value, "DESCRIPTOR"):
        raise CompareError(f"field path {path!r} names a message, not a value")
    return value


def field_value_message(message, path):
    """The sub-message at ``path`` (like :func:`field_value`, but for a message)."""
    value = _walk(message, path)
    if not hasattr(value, "DESCRIPTOR"):
        raise CompareError(f"field path {path!r} names a value, not a message")
    return value


def set_field_value(message, path, value):
    """Sets the numeric scalar field at ``path`` (see :func:`field_value`) in ``message``."""
    parent_path, _, last = path.rpartition(".")
    parent = message
    if parent_path:
        parent = field_value_message(message, parent_path)
    match = _TOKEN.fullmatch(last)
    if not match or match.group(2) is not None:
        raise CompareError(f"field path {path!r}: not a scalar field")
    setattr(parent, match.group(1), value)


def gateway_completed_ratio(scenario):
    """The completed ratio that Erlang B predicts, 1 - B, when a gateway's blocking is the only
    way a call can fail: one gateway, every call to the PSTN, every PSTN party answers, no
    proxy capacity limit. ``None`` otherwise."""
    refs = reference.gateway_references(scenario)
    if len(refs) != 1 or scenario.traffic.callees.pstn_fraction < 1.0:
        return None
    gateway = [g for g in scenario.groups if g.HasField("gateway")][0].gateway
    if gateway.pstn_answer_probability < 1.0 or gateway.pstn_busy_probability > 0:
        return None
    if any(g.HasField("proxy") and g.proxy.HasField("capacity") for g in scenario.groups):
        return None
    return 1.0 - refs[0]["blocking"]


def scenario_references(scenario, proxies=()):
    """The analytic references a scenario determines, by KPI name: ``erlang_b[_NODE]`` (a
    gateway's blocking), ``erlang_b_completed_ratio`` (see :func:`gateway_completed_ratio`),
    ``mmc_rho_NODE`` and ``mmc_lq_NODE`` (a proxy's M/M/c utilization and mean queue length,
    from the scenario's traffic: :func:`reference.scenario_call_mix`)."""
    out = {}
    if scenario is None:
        return out
    refs = reference.gateway_references(scenario)
    for ref in refs:
        suffix = "" if len(refs) == 1 else f"_{ref['node']}"
        out[f"erlang_b{suffix}"] = ref["blocking"]
    ratio = gateway_completed_ratio(scenario)
    if ratio is not None:
        out["erlang_b_completed_ratio"] = ratio
    for name in proxies:
        capacity = reference.proxy_capacity(scenario, name)
        if capacity is None or capacity.workers == 0:
            continue
        dists = (capacity.invite_time, capacity.request_time, capacity.response_time)
        if any(d.WhichOneof("kind") != "exponential_mean" for d in dists):
            continue
        mix, _ = reference.scenario_call_mix(scenario, name, scenario.warmup_s,
                                             scenario.duration_s)
        if mix is None:
            continue
        rate = sum(mix)
        service = sum(d.exponential_mean * r for d, r in zip(dists, mix)) / rate
        model = reference.mmc(rate, service, capacity.workers)
        out[f"mmc_rho_{name}"] = model["rho"]
        out[f"mmc_lq_{name}"] = model["lq"] if model["lq"] is not None else math.nan
    return out


def find_trace(run_dir):
    """The trace file of a ``sipsim run --out`` directory (trace.pb or trace.pb.gz)."""
    if os.path.isfile(run_dir):
        return run_dir
    for name in ("trace.pb", "trace.pb.gz"):
        candidate = os.path.join(run_dir, name)
        if os.path.isfile(candidate):
            return candidate
    found = sorted(glob.glob(os.path.join(run_dir, "*.pb*")))
    found = [f for f in found if not f.endswith(".tmp")]
    if not found:
        raise CompareError(f"{run_dir}: no trace (trace.pb or trace.pb.gz) in this directory")
    return found[0]


def run_kpis(run_dir, sweep=None, warmup_s=None, allow_partial=False, with_scenario=False):
    """One run's scalar KPIs (recomputed from its trace) with its scenario, seed and run, the
    swept parameter's value (from the run's effective scenario), goodput and, with a gateway,
    the blocking, plus the analytic references of its effective scenario
    (:func:`scenario_references`). With ``with_scenario``, returns (row, scenario)."""
    trace = load_trace(find_trace(run_dir), allow_partial=allow_partial)
    summary = summarize(trace, warmup_s)
    row = {"run_dir": run_dir, "scenario": trace.header.scenario_name,
           "seed": trace.header.seed, "run": trace.header.run}
    if sweep:
        if trace.scenario is None:
            raise CompareError(f"{run_dir}: the scenario in the trace header does not parse")
        row["sweep"] = field_value(trace.scenario, sweep)
    period = trace.duration_s - (warmup_s if warmup_s is not None else trace.warmup_s)
    kpis = flat_kpis(summary)
    calls = summary["calls"]
    kpis["offered_cps"] = calls["attempted"] / period if period > 0 else math.nan
    kpis["goodput_cps"] = ((calls["completed"] + calls["run_ended_in_call"]) / period
                           if period > 0 else math.nan)
    refs = reference.gateway_references(trace.scenario)
    for ref in refs:
        simulated = gateway_blocking(trace, ref, warmup_s)
        suffix = "" if len(refs) == 1 else f"_{ref['node']}"
        kpis[f"blocking{suffix}"] = simulated["blocked"] / simulated["calls"] \
            if simulated["calls"] else math.nan
    kpis.update(scenario_references(trace.scenario, sorted(summary["proxies"])))
    row.update(kpis)
    return (row, trace.scenario) if with_scenario else row


def load_runs(run_dirs, sweep=None, warmup_s=None, allow_partial=False):
    """A DataFrame of :func:`run_kpis`, one row per run directory."""
    if not run_dirs:
        raise CompareError("no run directory given")
    rows = []
    scenarios = {}
    for directory in run_dirs:
        row, scenario = run_kpis(directory, sweep, warmup_s, allow_partial, with_scenario=True)
        rows.append(row)
        scenarios[directory] = scenario
    frame = pd.DataFrame(rows)
    #: run directory -> the run's effective scenario (for the reference curves of a sweep)
    frame.attrs["scenarios"] = scenarios
    names = set(frame["scenario"])
    if len(names) > 1 and not sweep:
        warnings.warn(f"the runs are of different scenarios: {sorted(names)}")
    keys = ["sweep", "seed", "run"] if sweep else ["seed", "run"]
    duplicated = frame.duplicated(keys)
    if duplicated.any():
        warnings.warn("some runs have the same seed and run number (not independent "
                      f"replications): {list(frame.loc[duplicated, 'run_dir'])}")
    return frame


def aggregate(runs, confidence=0.95):
    """Mean, standard deviation and Student-t interval of each KPI (per swept value).

    Returns a DataFrame with columns [sweep,] kpi, n, mean, sd, half_width, ci_low, ci_high.
    """
    info = {"run_dir", "scenario", "seed", "run", "sweep"}
    kpis = [c for c in runs.columns if c not in info]
    groups = runs.groupby("sweep", sort=True) if "sweep" in runs else [(None, runs)]
    rows = []
    for value, group in groups:
        for kpi in kpis:
            values = pd.to_numeric(group[kpi], errors="coerce")
            if _is_reference(kpi):
                values = values.dropna()  # a model without a value (unstable M/M/c: no Lq)
                if len(values) and values.max() - values.min() > 1e-12 * max(1.0, values.max()):
                    warnings.warn(f"{kpi} differs between the runs with {value!r}: the runs "
                                  "differ in more than the swept parameter")
            else:
                values = values.fillna(0.0)  # e.g. failed_<status> of a run without them
            mean, half, low, high = reference.student_t_ci(values, confidence)
            row = {"kpi": kpi, "n": int(len(values)), "mean": mean,
                   "sd": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                   "half_width": half, "ci_low": low, "ci_high": high}
            if value is not None:
                row = {"sweep": value, **row}
            rows.append(row)
    return pd.DataFrame(rows)


def _is_reference(kpi):
    return kpi.startswith("erlang_b") or kpi.startswith("mmc_")


def reference_kpi(kpi):
    """The analytic reference of a KPI (a column of :func:`scenario_references`) and its
    label, or (None, None)."""
    if kpi.startswith("blocking"):
        return "erlang_b" + kpi[len("blocking"):], "Erlang B"
    if kpi == "completed_ratio":
        return "erlang_b_completed_ratio", "1 - Erlang B"
    match = re.fullmatch(r"proxy_(.+)_mean_utilization", kpi)
    if match:
        return f"mmc_rho_{match[1]}", "M/M/c utilization rho (lambda from the call rate)"
    return None, None


def reference_curve(scenario, sweep, ref_kpi, low, high, points=60, extra=()):
    """The reference ``ref_kpi`` of ``scenario`` with the swept field set to values from
    ``low`` to ``high`` (integers for an integer field) and to the ``extra`` values: (xs, ys),
    or None when the field is not a number or the model does not apply over the range."""
    if scenario is None:
        return None
    try:
        current = field_value(scenario, sweep)
    except CompareError:
        return None
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        return None
    if isinstance(current, int):
        xs = list(range(int(math.ceil(low)), int(math.floor(high)) + 1))
    else:
        xs = list(np.linspace(low, high, points))
    xs = sorted(set(xs) | {type(current)(x) for x in extra})
    proxies = [ref_kpi[len("mmc_rho_"):]] if ref_kpi.startswith("mmc_rho_") else []
    ys = []
    for x in xs:
        variant = copy.deepcopy(scenario)
        try:
            set_field_value(variant, sweep, x)
        except (CompareError, TypeError, ValueError):
            return None
        ys.append(scenario_references(variant, proxies).get(ref_kpi, math.nan))
    if not xs or all(math.isnan(y) for y in ys):
        return None
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def _unit(path):
    """The unit of a scenario field, from the schema's naming conventions."""
    if path.endswith("calls_per_second") or path.endswith("call_rate"):
        return "calls/s"
    if path.endswith("bhca_per_user"):
        return "call attempts per user per hour"
    if path.endswith("_s") or path.endswith("_mean"):
        return "s"
    if path.endswith("channels"):
        return "trunk channels"
    if path.endswith("workers"):
        return "workers"
    return ""


_KPI_LABELS = {
    "goodput_cps": "goodput (completed calls/s)",
    "offered_cps": "attempted calls/s",
    "completed_ratio": "completed ratio (completed / placed calls)",
    "blocking": "blocking probability (blocked / placed calls)",
    "attempted": "calls attempted",
    "retransmissions": "retransmitted messages",
}


def _kpi_label(kpi):
    if kpi in _KPI_LABELS:
        return _KPI_LABELS[kpi]
    if kpi.startswith("blocking_"):
        return f"blocking probability at {kpi[len('blocking_'):]}"
    if kpi.endswith("_mean_utilization"):
        return f"mean utilization of {kpi[len('proxy_'):-len('_mean_utilization')]}"
    if kpi.endswith("_peak_queue"):
        return f"peak queue of {kpi[len('proxy_'):-len('_peak_queue')]} (messages)"
    if kpi.endswith("_s"):
        return kpi[:-2].replace("_", " ") + " (s)"
    return kpi.replace("_", " ")


def plot_sweep(table, kpi, sweep, path, runs=None, confidence=0.95):
    """A KPI's mean against the swept parameter with Student-t confidence bars, the single
    replications, and the KPI's analytic reference (:func:`reference_kpi`) where a model
    applies: its value for each run's effective scenario (markers) and, for a numeric swept
    field, the curve over the swept range. The plotted points are also written next to the
    plot, as ``<path without .png>.csv`` (sweep, kpi, n, mean, half_width, ci_low, ci_high,
    reference, reference_model)."""
    rows = table[table["kpi"] == kpi].sort_values("sweep")
    if not len(rows):
        raise CompareError(f"no KPI {kpi!r}; known: {sorted(set(table['kpi']))}")
    fig, ax = plt.subplots(figsize=(10.0, 6.0))
    n = int(rows["n"].min())
    level = f"{confidence * 100:g} %"
    ax.errorbar(rows["sweep"], rows["mean"], yerr=rows["half_width"].fillna(0.0), fmt="o-",
                color="tab:blue", capsize=6, lw=1.8, ms=7, zorder=3,
                label=f"simulation: mean of {n} replications with {level} CI (Student t)")
    if runs is not None and kpi in runs:
        ax.plot(runs["sweep"], runs[kpi], ".", color="0.3", ms=5, zorder=5,
                label="single replications")
    ref_kpi, ref_label = reference_kpi(kpi)
    ref = table[table["kpi"] == ref_kpi].sort_values("sweep") if ref_kpi else rows.iloc[0:0]
    ref = ref[ref["mean"].notna()]
    if len(ref):
        scenarios = runs.attrs.get("scenarios", {}) if runs is not None else {}
        curve = None
        if scenarios:
            first = scenarios[runs["run_dir"].iloc[0]]
            low, high = float(rows["sweep"].min()), float(rows["sweep"].max())
            curve = reference_curve(first, sweep, ref_kpi, low, high,
                                    extra=list(ref["sweep"].astype(float)))
            if curve is not None:  # the curve must go through each run's own reference
                at = np.interp(ref["sweep"].astype(float), curve[0], curve[1])
                if not np.allclose(at, ref["mean"], rtol=1e-6, atol=1e-9):
                    curve = None
        if curve is not None:
            ax.plot(curve[0], curve[1], "k--", lw=1.4, zorder=1,
                    label=f"{ref_label} (analytic, over the swept range)")
            ax.plot(ref["sweep"], ref["mean"], "kx", ms=9, mew=2, zorder=4,
                    label=f"{ref_label} of each run's effective scenario")
        else:
            ax.plot(ref["sweep"], ref["mean"], "kx--", ms=9, mew=2, lw=1.2, zorder=4,
                    label=f"{ref_label} of each run's effective scenario (analytic)")
    if kpi == "goodput_cps":
        offered = table[table["kpi"] == "offered_cps"].sort_values("sweep")
        if len(offered):
            ax.plot(offered["sweep"], offered["mean"], ":", color="0.4", lw=1.4,
                    label="attempted calls/s (offered)")
    unit = _unit(sweep)
    ax.set_xlabel(f"{sweep} ({unit})" if unit else sweep)
    ax.set_ylabel(_kpi_label(kpi))
    scenario = ", ".join(sorted(set(runs["scenario"]))) if runs is not None else ""
    values = len(rows)
    ax.set_title(f"{_kpi_label(kpi)} against {sweep}\n"
                 + (f"{scenario}: " if scenario else "")
                 + f"{values} values x {n} replications", fontsize=12)
    ax.grid(True, alpha=0.3)
    bottom, top = ax.get_ylim()
    ax.set_ylim(min(0.0, bottom), top + (top - min(0.0, bottom)) * 0.05)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize=9,
              framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    plotted = rows[["sweep", "n", "mean", "half_width", "ci_low", "ci_high"]].copy()
    plotted.insert(1, "kpi", kpi)
    plotted["reference"] = (plotted["sweep"].map(dict(zip(ref["sweep"], ref["mean"])))
                            if len(ref) else math.nan)
    plotted["reference_model"] = ref_label if len(ref) else ""
    plotted.to_csv(os.path.splitext(str(path))[0] + ".csv", index=False)
    return path

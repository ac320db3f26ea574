"""Replications: KPIs of several runs of one scenario, mean and Student-t confidence intervals.

A replication is a run of the same scenario with another run number (``sipsim run --run N``):
independent random streams, so the KPIs of n replications are n independent observations and
``mean +/- t_{0.975, n-1} s / sqrt(n)`` is a 95 % confidence interval of their expectation.

With a swept parameter (``sweep``, a field path of the scenario such as
``traffic.calls_per_second`` or ``groups[2].gateway.channels``), runs are grouped by its value,
read from the scenario text in each trace's header, and a KPI is plotted against it with
confidence bars (and Erlang B for the blocking of a gateway). The header keeps the scenario
*file*, not ``--set`` overrides: sweep by writing one scenario file per value.
"""

import glob
import math
import os
import re
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from . import reference  # noqa: E402
from .frames import load_trace  # noqa: E402
from .kpi import flat_kpis, summarize  # noqa: E402
from .plots import gateway_blocking  # noqa: E402

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?")


class CompareError(ValueError):
    """Bad input to a comparison (no trace in a directory, unknown field path)."""


def field_value(message, path):
    """The value of a field path (``a.b[2].c``, ``attributes[Key]``) in a Protobuf message."""
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
    if hasattr(value, "DESCRIPTOR"):
        raise CompareError(f"field path {path!r} names a message, not a value")
    return value


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


def run_kpis(run_dir, sweep=None, warmup_s=None, allow_partial=False):
    """One run's scalar KPIs (recomputed from its trace) with its scenario, seed and run, the
    swept parameter's value, goodput and, with a gateway, the blocking and its Erlang B."""
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
    for ref in reference.gateway_references(trace.scenario):
        simulated = gateway_blocking(trace, ref, warmup_s)
        suffix = "" if len(reference.gateway_references(trace.scenario)) == 1 else f"_{ref['node']}"
        kpis[f"blocking{suffix}"] = simulated["blocked"] / simulated["calls"] \
            if simulated["calls"] else math.nan
        kpis[f"erlang_b{suffix}"] = ref["blocking"]
    row.update(kpis)
    return row


def load_runs(run_dirs, sweep=None, warmup_s=None, allow_partial=False):
    """A DataFrame of :func:`run_kpis`, one row per run directory."""
    if not run_dirs:
        raise CompareError("no run directory given")
    rows = [run_kpis(d, sweep, warmup_s, allow_partial) for d in run_dirs]
    frame = pd.DataFrame(rows)
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
            values = pd.to_numeric(group[kpi], errors="coerce").fillna(0.0)
            mean, half, low, high = reference.student_t_ci(values, confidence)
            row = {"kpi": kpi, "n": int(len(values)), "mean": mean,
                   "sd": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                   "half_width": half, "ci_low": low, "ci_high": high}
            if value is not None:
                row = {"sweep": value, **row}
            rows.append(row)
    return pd.DataFrame(rows)


def _unit(path):
    """The unit of a scenario field, from the schema's naming conventions."""
    if path.endswith("calls_per_second") or path.endswith("call_rate"):
        return "offered calls/s"
    if path.endswith("_s") or path.endswith("_mean"):
        return "s"
    if path.endswith("channels"):
        return "trunk channels"
    if path.endswith("workers"):
        return "workers"
    return ""


def plot_sweep(table, kpi, sweep, path, runs=None):
    """A KPI's mean against the swept parameter with 95 % confidence bars (and Erlang B for a
    gateway's blocking)."""
    rows = table[table["kpi"] == kpi].sort_values("sweep")
    if not len(rows):
        raise CompareError(f"no KPI {kpi!r}; known: {sorted(set(table['kpi']))}")
    fig, ax = plt.subplots(figsize=(9.5, 5.0))
    n = int(rows["n"].min())
    ax.errorbar(rows["sweep"], rows["mean"], yerr=rows["half_width"].fillna(0.0), fmt="o-",
                capsize=5, lw=1.6, label=f"simulation: mean of {n} replications, 95 % CI (Student t)")
    if runs is not None and kpi in runs:
        ax.plot(runs["sweep"], runs[kpi], ".", color="0.6", ms=5, label="single replications")
    erlang = "erlang_b" + kpi[len("blocking"):] if kpi.startswith("blocking") else None
    if erlang:
        ref = table[table["kpi"] == erlang].sort_values("sweep")
        if len(ref):
            ax.plot(ref["sweep"], ref["mean"], "k--", lw=1.4, label="Erlang B (analytic)")
    if kpi == "goodput_cps":
        offered = table[table["kpi"] == "offered_cps"].sort_values("sweep")
        if len(offered):
            ax.plot(offered["sweep"], offered["mean"], ":", color="0.4",
                    label="attempted calls per second")
    units = {"goodput_cps": "completed calls per second", "offered_cps": "calls per second",
             "completed_ratio": "completed ratio", "blocking": "blocking probability"}
    ax.set_xlabel(f"{sweep} ({_unit(sweep)})" if _unit(sweep) else sweep)
    ax.set_ylabel(units.get(kpi, kpi.replace("_s", " (s)") if kpi.endswith("_s") else kpi))
    scenario = ", ".join(sorted(set(runs["scenario"]))) if runs is not None else ""
    ax.set_title(f"{kpi} against {sweep}" + (f" - {scenario}" if scenario else ""))
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize=9, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""sipsim-analyze compare: replications, Student-t intervals, sweeps, Erlang B."""

import csv
import math
import os

import numpy as np
import pytest
from scipy import stats

from conftest import run_cli, trace_file
from sipsim_analysis import load_trace, reference
from sipsim_analysis.plots import gateway_blocking

REPLICATIONS = (1, 2, 3)


@pytest.fixture(scope="module")
def gateway_runs(runs):
    return [runs.run("gateway-blocking", run=n) for n in REPLICATIONS]


def read_csv(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_replications_mean_and_student_t_interval(gateway_runs, tmp_path):
    out = tmp_path / "compare"
    result = run_cli("compare", *gateway_runs, "--out", str(out))
    assert result.returncode == 0, result.stderr
    per_run = read_csv(out / "runs.csv")
    assert sorted(int(r["run"]) for r in per_run) == list(REPLICATIONS)
    table = {row["kpi"]: row for row in read_csv(out / "compare.csv")}
    for kpi in ("completed_ratio", "blocking", "attempted", "pdd_p95_s"):
        values = np.array([float(r[kpi]) for r in per_run])
        assert len(set(values)) > 1 or kpi == "pdd_p95_s"  # independent replications differ
        n = len(values)
        half = stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n)
        row = table[kpi]
        assert int(row["n"]) == 3
        assert float(row["mean"]) == pytest.approx(values.mean(), rel=1e-12)
        assert float(row["half_width"]) == pytest.approx(half, rel=1e-9, abs=1e-15)
        assert float(row["ci_low"]) == pytest.approx(values.mean() - half, rel=1e-9, abs=1e-15)
        assert float(row["ci_high"]) == pytest.approx(values.mean() + half, rel=1e-9, abs=1e-15)


def test_erlang_b_within_the_confidence_interval(gateway_runs):
    trace = load_trace(trace_file(gateway_runs[0]))
    # The offered load and channels come from the scenario text in the trace header.
    refs = reference.gateway_references(trace.scenario)
    assert len(refs) == 1
    ref = refs[0]
    scenario_gateway = [g for g in trace.scenario.groups if g.HasField("gateway")][0].gateway
    assert ref["channels"] == scenario_gateway.channels
    assert ref["offered_erlangs"] == pytest.approx(
        trace.scenario.traffic.calls_per_second * scenario_gateway.pstn_holding.exponential_mean)
    expected = reference.erlang_b(ref["offered_erlangs"], ref["channels"])
    # One run: batch means.
    sim = gateway_blocking(trace, ref, batches=10)
    assert sim["calls"] > 2000 and sim["blocked"] > 200
    assert sim["low"] <= expected <= sim["high"], (sim, expected)
    assert sim["half_width"] < 0.06
    # Replications: one blocking ratio per run.
    ratios = []
    for directory in gateway_runs:
        one = load_trace(trace_file(directory), kinds=("call", "sample", "message"))
        result = gateway_blocking(one, ref)
        ratios.append(result["blocked"] / result["calls"])
    mean, half, low, high = reference.student_t_ci(ratios)
    assert low <= expected <= high, (ratios, expected)


def test_sweep_plot_goodput_against_offered_load(runs, tmp_path):
    directories = []
    for rate in (9, 27, 54):
        scenario = runs.variant("overload-503", [("calls_per_second: 54",
                                                  f"calls_per_second: {rate}"),
                                                 ("duration_s: 60", "duration_s: 30")],
                                f"cps{rate}")
        for run in (1, 2):
            directories.append(runs.run(f"overload-503-cps{rate}", run=run,
                                        scenario_file=scenario))
    out = tmp_path / "sweep"
    result = run_cli("compare", *directories, "--sweep", "traffic.calls_per_second",
                     "--kpi", "goodput_cps", "--kpi", "completed_ratio", "--out", str(out))
    assert result.returncode == 0, result.stderr
    for name in ("sweep-goodput_cps.png", "sweep-completed_ratio.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 15000
    rows = [r for r in read_csv(out / "compare.csv") if r["kpi"] == "goodput_cps"]
    assert [float(r["sweep"]) for r in rows] == [9.0, 27.0, 54.0]
    assert all(int(r["n"]) == 2 for r in rows)
    goodput = [float(r["mean"]) for r in rows]
    # Below capacity nearly all calls complete; above it goodput saturates near capacity.
    assert goodput[0] == pytest.approx(9.0, rel=0.2)
    assert goodput[2] < 30


def test_compare_rejects_a_directory_without_trace(tmp_path):
    result = run_cli("compare", str(tmp_path))
    assert result.returncode == 2 and "no trace" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_sweep_path(gateway_runs, tmp_path):
    result = run_cli("compare", gateway_runs[0], "--sweep", "traffic.no_such_field",
                     "--out", str(tmp_path))
    assert result.returncode == 2 and "no_such_field" in result.stderr
    assert os.path.exists(gateway_runs[0])

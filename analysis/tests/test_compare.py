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
    # The sweep is made with --set: the analysis reads each run's effective scenario.
    directories = []
    for rate in (9, 27, 54):
        for run in (1, 2):
            directories.append(runs.run("overload-503", f"traffic.calls_per_second={rate}",
                                        "duration_s=30", run=run))
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


GATEWAY_RATES = (0.4, 0.8, 1.2)  # calls/s; x 10 s holding: A = 4, 8, 12 erlangs on 10 trunks
SWEEP_SETS = ("duration_s=400", "warmup_s=20", "outputs.sample_interval_s=0")


@pytest.fixture(scope="module")
def gateway_sweep(runs, tmp_path_factory):
    """gateway-blocking at three offered loads x three replications, all with --set."""
    directories = {}
    for rate in GATEWAY_RATES:
        for run in REPLICATIONS:
            directories[(rate, run)] = runs.run(
                "gateway-blocking", f"traffic.calls_per_second={rate}", *SWEEP_SETS, run=run)
    out = tmp_path_factory.mktemp("gateway-sweep")
    result = run_cli("compare", *directories.values(), "--sweep", "traffic.calls_per_second",
                     "--kpi", "completed_ratio", "--kpi", "blocking", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return directories, out


def test_sweep_with_set_groups_runs_by_the_effective_value(gateway_sweep):
    directories, out = gateway_sweep
    per_run = read_csv(out / "runs.csv")
    assert len(per_run) == len(directories)
    by_dir = {r["run_dir"]: r for r in per_run}
    for (rate, run), directory in directories.items():
        row = by_dir[directory]
        assert float(row["sweep"]) == rate and int(row["run"]) == run
        trace = load_trace(trace_file(directory), kinds=("call",))
        # The file says 0.8 calls/s, 3000 s, warm-up 100 s: the overrides win.
        assert trace.scenario_source == "effective_scenario_text"
        assert trace.overrides[0] == f"traffic.calls_per_second={rate}"
        assert trace.file_scenario().traffic.calls_per_second == 0.8
        assert (trace.scenario.traffic.calls_per_second, trace.warmup_s) == (rate, 20)
        placed = int((trace.calls["invite_ns"] >= 20e9).sum())
        assert int(row["attempted"]) == placed < len(trace.calls)
    table = read_csv(out / "compare.csv")
    for kpi in ("completed_ratio", "blocking"):
        rows = [r for r in table if r["kpi"] == kpi]
        assert [float(r["sweep"]) for r in rows] == list(GATEWAY_RATES)
        plotted = read_csv(out / f"sweep-{kpi}.csv")
        assert [float(r["sweep"]) for r in plotted] == list(GATEWAY_RATES)
        for row, shown in zip(rows, plotted):
            values = np.array([float(r[kpi]) for r in per_run
                               if float(r["sweep"]) == float(row["sweep"])])
            assert len(values) == int(row["n"]) == int(shown["n"]) == len(REPLICATIONS)
            mean = values.mean()
            low, high = stats.t.interval(0.95, len(values) - 1, loc=mean,
                                         scale=stats.sem(values))
            for got in (row, shown):
                assert float(got["mean"]) == pytest.approx(mean, rel=1e-12)
                assert float(got["ci_low"]) == pytest.approx(low, rel=1e-9, abs=1e-12)
                assert float(got["ci_high"]) == pytest.approx(high, rel=1e-9, abs=1e-12)
    blocking = [float(r["mean"]) for r in table if r["kpi"] == "blocking"]
    assert blocking[0] < 0.05 < blocking[1] < blocking[2]  # more load, more blocking
    for name in ("sweep-completed_ratio.png", "sweep-blocking.png"):
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 20000


def test_sweep_references_come_from_each_runs_effective_scenario(gateway_sweep):
    _, out = gateway_sweep
    expected = {rate: reference.erlang_b(rate * 10.0, 10) for rate in GATEWAY_RATES}
    # The file's own load (8 E) would give 0.1217 at every value.
    assert len({round(b, 6) for b in expected.values()}) == 3
    for row in read_csv(out / "runs.csv"):
        rate = float(row["sweep"])
        assert float(row["erlang_b"]) == pytest.approx(expected[rate], rel=1e-12)
        assert float(row["erlang_b_completed_ratio"]) == pytest.approx(1 - expected[rate])
    blocking = read_csv(out / "sweep-blocking.csv")
    assert {r["reference_model"] for r in blocking} == {"Erlang B"}
    assert [float(r["reference"]) for r in blocking] == pytest.approx(
        [expected[r] for r in GATEWAY_RATES], rel=1e-12)
    completed = read_csv(out / "sweep-completed_ratio.csv")
    assert [float(r["reference"]) for r in completed] == pytest.approx(
        [1 - expected[r] for r in GATEWAY_RATES], rel=1e-12)


def test_trace_without_effective_scenario_falls_back_to_the_file(gateway_sweep, tmp_path):
    """A trace written before the header had effective_scenario_text and overrides."""
    from sipsim_analysis._proto import trace_pb2
    directories, _ = gateway_sweep
    with open(trace_file(directories[(1.2, 1)]), "rb") as handle:
        data = handle.read()
    size, shift, pos = 0, 0, 0
    while True:
        byte = data[pos]
        size |= (byte & 0x7F) << shift
        shift += 7
        pos += 1
        if not byte & 0x80:
            break
    header = trace_pb2.Header.FromString(data[pos:pos + size])
    assert header.effective_scenario_text and len(header.overrides) == 4
    header.ClearField("effective_scenario_text")
    header.ClearField("overrides")
    body = header.SerializeToString()
    prefix = bytearray()
    length = len(body)
    while True:
        prefix.append((length & 0x7F) | (0x80 if length > 0x7F else 0))
        length >>= 7
        if not length:
            break
    old = tmp_path / "old.pb"
    old.write_bytes(bytes(prefix) + body + data[pos + size:])
    trace = load_trace(str(old), kinds=("call",))
    assert trace.scenario_source == "scenario_text" and trace.overrides == []
    assert trace.scenario.traffic.calls_per_second == 0.8 and trace.warmup_s == 100
    assert reference.gateway_references(trace.scenario)[0]["offered_erlangs"] == \
        pytest.approx(8.0)


def test_compare_rejects_a_directory_without_trace(tmp_path):
    result = run_cli("compare", str(tmp_path))
    assert result.returncode == 2 and "no trace" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_sweep_path(gateway_runs, tmp_path):
    result = run_cli("compare", gateway_runs[0], "--sweep", "traffic.no_such_field",
                     "--out", str(tmp_path))
    assert result.returncode == 2 and "no_such_field" in result.stderr
    assert os.path.exists(gateway_runs[0])

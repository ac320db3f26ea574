"""sipsim-analyze report: tables and PNG plots."""

import csv
import json
import os

import pytest

from conftest import run_cli, trace_file
from sipsim_analysis import load_trace, plots, reference
from sipsim_analysis.report import write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

def assert_png(path, min_bytes=15000):
    with open(path, "rb") as handle:
        data = handle.read()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) >= min_bytes, (path, len(data))


def test_report_command_writes_every_plot_and_the_kpi_table(runs, tmp_path):
    directory = runs.run("lossy-access")  # messages, retransmissions, faults
    out = tmp_path / "report"
    result = run_cli("report", trace_file(directory), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "calls attempted" in result.stdout
    # The plots with data; the others are left out and the report says so.
    for name in ["calls-per-second.png", "post-dial-delay-cdf.png", "retransmissions.png"]:
        assert_png(out / name)
    report_md = (out / "report.md").read_text()
    for name in ["proxy-load.png", "busy-trunks.png"]:  # no capacity model, no gateway
        assert not (out / name).exists()
        assert name in report_md.split("Left out, no data in this trace:")[1]
    with open(os.path.join(directory, "summary.json"), encoding="utf-8") as handle:
        expected = json.load(handle)
    with open(out / "kpis.csv", encoding="utf-8") as handle:
        kpis = {row["kpi"]: row["value"] for row in csv.DictReader(handle)}
    assert int(kpis["calls attempted"]) == expected["calls"]["attempted"]
    assert int(kpis["retransmissions"]) == expected["messages"]["retransmissions"] >= 300
    assert float(kpis["post-dial delay p95"]) == pytest.approx(expected["post_dial_delay"]["p95_s"])
    with open(out / "response-codes.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {"sent", "received"} <= {row["direction"] for row in rows}
    # The callees' 486 Busy Here, sent by phones and received by the proxies and callers.
    sent_486 = sum(int(row["486"]) for row in rows if row["direction"] == "sent")
    assert sent_486 > 0 and sum(int(row["486"]) for row in rows) > sent_486
    with open(out / "post-dial-delay.csv", encoding="utf-8") as handle:
        pdd = list(csv.DictReader(handle))
    assert pdd[0]["callers"] == "all"
    assert float(pdd[0]["p95_s"]) == pytest.approx(expected["post_dial_delay"]["p95_s"])
    report = (out / "report.md").read_text()
    assert "## KPIs" in report and "## Responses per node" in report


def test_report_of_the_gateway_scenario_has_the_erlang_b_plot(runs, tmp_path):
    directory = runs.run("gateway-blocking")
    trace = load_trace(trace_file(directory))
    written = write_report(trace, str(tmp_path))
    for name in ["calls-per-second.png", "post-dial-delay-cdf.png", "busy-trunks.png",
                 "blocking.png"]:
        assert_png(written[name])
    assert "proxy-load.png" not in written  # no capacity model: nothing to plot
    refs = json.loads(open(written["references.json"]).read())
    gateway = refs["gateways"][0]
    assert gateway["channels"] == 10 and gateway["offered_erlangs"] == pytest.approx(8.0)
    trunks = trace.samples[trace.samples["role"] == "GATEWAY"]
    assert len(trunks) > 500 and trunks["busy_trunks"].max() == 10


def test_mmc_reference_for_a_proxy_with_exponential_service(runs, tmp_path):
    exponential = ("invite_time { constant: 0.020 }\n      request_time { constant: 0.010 }\n"
                   "      response_time { constant: 0.005 }\n      policy: REJECT_503",
                   "invite_time { exponential_mean: 0.010 }\n"
                   "      request_time { exponential_mean: 0.010 }\n"
                   "      response_time { exponential_mean: 0.010 }\n      policy: REJECT_503")
    scenario = runs.variant("overload-503", [exponential, ("calls_per_second: 54",
                                                           "calls_per_second: 12")], "mm1")
    directory = runs.run("overload-503-mm1", "outputs.messages=true", scenario_file=scenario)
    trace = load_trace(trace_file(directory))
    written = write_report(trace, str(tmp_path))
    proxies = json.loads(open(written["references.json"]).read())["proxies"]
    assert len(proxies) == 1 and proxies[0]["exact"] and proxies[0]["servers"] == 1
    rho = proxies[0]["rho"]
    assert 0.3 < rho < 0.9
    # Utilization is the one M/M/1 figure that does not depend on the arrival process:
    # the simulated time average must be close to rho = lambda / mu.
    measured = trace.samples[trace.samples["role"] == "PROXY"]["mean_utilization"].iloc[-1]
    assert measured == pytest.approx(rho, abs=0.05)
    assert proxies[0]["source"] == "messages"
    assert_png(written["proxy-load.png"])
    # Without message records, lambda comes from the scenario: 12 calls/s x 6 messages a call
    # (INVITE; 180, 200; ACK, BYE; 200) in the measured period, at 10 ms each.
    trace.messages = None
    estimate = reference.proxy_references(trace, "proxy")
    assert estimate["source"] == "scenario"
    assert estimate["arrival_rate"] == pytest.approx(12 * 6)
    assert estimate["mean_service_s"] == pytest.approx(0.010)
    assert estimate["arrival_rate"] == pytest.approx(proxies[0]["arrival_rate"], rel=0.08)
    assert estimate["rho"] == pytest.approx(measured, abs=0.06)


def test_gateway_blocking_scenario_samples_busy_trunks(runs, tmp_path):
    """The shipped scenario samples every 5 s; the plot has Erlang B's carried load."""
    trace = load_trace(trace_file(runs.run("gateway-blocking")), kinds=("call", "sample"))
    trunks = trace.samples[trace.samples["role"] == "GATEWAY"]
    assert len(trunks) >= 3000 / 5
    ref = reference.gateway_references(trace.scenario)[0]
    after = trunks[trunks["time_s"] >= trace.warmup_s]["busy_trunks"].mean()
    assert ref["carried_erlangs"] == pytest.approx(8 * (1 - reference.erlang_b(8, 10)))
    assert after == pytest.approx(ref["carried_erlangs"], abs=0.5)


def test_report_of_a_stopped_run_says_incomplete(runs, tmp_path):
    """A trace read to its trailer whose run was stopped by a signal is not "complete"."""
    from google.protobuf.internal.decoder import _DecodeVarint32
    from google.protobuf.internal.encoder import _VarintBytes
    from sipsim_proto import trace_pb2

    data = open(trace_file(runs.run("quickstart")), "rb").read()
    offsets, pos = [], 0
    while pos < len(data):
        offsets.append(pos)
        size, start = _DecodeVarint32(data, pos)
        pos = start + size
    last = trace_pb2.Record()
    size, start = _DecodeVarint32(data, offsets[-1])
    last.ParseFromString(data[start:start + size])
    assert last.WhichOneof("record") == "trailer" and last.trailer.complete
    last.trailer.complete = False
    last.trailer.stop_reason = "SIGINT"
    last.trailer.end_ns = 42_500_000_000
    blob = last.SerializeToString()
    path = tmp_path / "stopped.pb"
    path.write_bytes(data[:offsets[-1]] + _VarintBytes(len(blob)) + blob)
    out = tmp_path / "report"
    result = run_cli("report", str(path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = (out / "report.md").read_text(encoding="utf-8")
    assert "INCOMPLETE: the run was stopped by SIGINT at 42.5 s of simulated time" in text
    assert "; complete;" not in text


def test_gateway_blocking_counts_only_the_calls_offered_to_the_gateway(runs):
    """quickstart sends 1 call in 10 to the PSTN: the gateway's blocking is over those, not over
    every call of the run."""
    directory = runs.run("quickstart")
    trace = load_trace(trace_file(directory))
    ref = reference.gateway_references(trace.scenario)[0]
    result = plots.gateway_blocking(trace, ref)
    calls = trace.calls[(trace.calls["invite_ns"] >= trace.warmup_s * 1e9)
                        & (trace.calls["outcome"] != "RUN_ENDED_SETUP")]
    gateway = [g for g in trace.scenario.groups if g.HasField("gateway")][0].gateway
    assert gateway.number_prefix
    pstn = calls["callee"].str.startswith("sip:" + gateway.number_prefix)
    assert 0 < result["calls"] == int(pstn.sum()) < len(calls)


def test_proxy_load_without_a_capacity_model_is_not_applicable(runs, tmp_path):
    """quickstart's proxies have no capacity model: their load is n/a, not a utilization of 0;
    overload-503's proxy has one, and figures."""
    from sipsim_analysis.kpi import kpi_table
    quick = load_trace(trace_file(runs.run("quickstart")))
    table = kpi_table(write_report(quick, str(tmp_path / "q"))["summary"], quick)
    rows = table[table["kpi"].str.startswith("proxy proxy-a")]
    assert len(rows) == 3 and all(str(v).startswith("n/a") for v in rows["value"])
    over = load_trace(trace_file(runs.run("overload-503")))
    table = kpi_table(write_report(over, str(tmp_path / "o"))["summary"], over)
    utilization = table[table["kpi"] == "proxy proxy mean utilization"]["value"].iloc[0]
    assert 0.5 < utilization <= 1.0

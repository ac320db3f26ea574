"""KPIs recomputed in Python agree with the simulator's summary.json."""

import copy
import json
import os

import pytest

from conftest import trace_file
from sipsim_analysis import compare_summaries, load_trace, summarize

SCENARIOS = {
    "quickstart": (),
    "registration-auth": (),
    "gateway-blocking": (),
    "overload-503": (),
    "lossy-access": (),
    "timeout-408": (),
    # Message records and samples change what is counted: check with both.
    "quickstart-messages": ("outputs.messages=true", "outputs.sample_interval_s=2"),
}


def trace_part(summary, trace):
    """The part of summary.json that the trace's records determine: without the run's own
    additions (metrics, expectations, message counts by node name from the stacks), and
    without the message totals when the trace has no message records (they are then the
    stacks' counts)."""
    part = copy.deepcopy(summary)
    part.pop("metrics")
    part.pop("expectations")
    part["messages"].pop("by_node_name")
    if not trace.scenario.outputs.messages:
        assert part["messages"]["total"] > 0  # the stacks' count, not the records' 0
        part["messages"]["total"] = 0
        part["messages"]["retransmissions"] = 0
    return part


@pytest.fixture(scope="module")
def summaries(runs):
    out = {}
    for key, sets in SCENARIOS.items():
        directory = runs.run(key.split("-messages")[0], *sets)
        with open(os.path.join(directory, "summary.json"), encoding="utf-8") as handle:
            trace = load_trace(trace_file(directory))
            out[key] = (trace, trace_part(json.load(handle), trace))
    return out


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_summary_agrees_with_summary_json(summaries, key):
    trace, expected = summaries[key]
    ours = summarize(trace)
    assert compare_summaries(ours, expected) == []
    # Not vacuous: the scenario did something.
    assert ours["run"]["records"] > 100 and ours["calls"]["attempted"] > 10
    assert ours["run"]["complete"] and ours["run"]["stop_reason"] == "end"


def test_checks_that_can_fail(summaries):
    trace, expected = summaries["overload-503"]
    ours = summarize(trace)
    assert expected["calls"]["failed_by_status"]["503"] > 1000
    assert expected["proxies"]["proxy"]["peak_queue"] >= 10
    changed = copy.deepcopy(expected)
    changed["calls"]["failed_by_status"]["503"] += 1
    changed["post_dial_delay"]["p95_s"] *= 1 + 1e-7
    problems = compare_summaries(ours, changed)
    assert len(problems) == 2
    assert any("failed_by_status.503" in p for p in problems)
    assert any("post_dial_delay.p95_s" in p for p in problems)


def test_warmup_filter_matters(summaries):
    trace, expected = summaries["overload-503"]
    assert trace.warmup_s == 10
    unfiltered = summarize(trace, warmup_s=0)
    assert unfiltered["calls"]["attempted"] > expected["calls"]["attempted"]
    assert compare_summaries(unfiltered, expected) != []

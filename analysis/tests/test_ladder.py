"""sipsim-analyze ladder: message sequence charts."""

import pytest

from conftest import run_cli, trace_file
from sipsim_analysis import load_trace
from sipsim_analysis.ladder import call_ids, draw_ladder, endpoint_sequence, ladder_events

CHALLENGED = ["INVITE", "407", "ACK", "INVITE", "100", "180", "200", "ACK"]


def in_order(sequence, wanted):
    """True when ``wanted`` appears in ``sequence`` in this relative order."""
    position = 0
    for label in sequence:
        if position < len(wanted) and label.split(" ")[0] == wanted[position]:
            position += 1
    return position == len(wanted)


@pytest.fixture(scope="module")
def auth_trace(runs):
    return load_trace(trace_file(runs.run("registration-auth", "outputs.messages=true")))


def test_ladder_of_a_digest_challenged_call(auth_trace, tmp_path):
    calls = call_ids(auth_trace)
    completed = calls[(calls["outcome"] == "COMPLETED") & (calls["call_id"] != "")]
    assert len(completed) > 10
    call_id = completed["call_id"].iloc[0]
    events, columns, paths = draw_ladder(auth_trace, call_id, str(tmp_path / "call"))
    caller = columns[0]
    assert caller.startswith("phones")
    assert "proxy" in columns
    sequence = endpoint_sequence(events, caller)
    assert in_order(sequence, CHALLENGED), sequence
    assert not in_order(sequence, ["200", "407"])  # the order matters
    # The 407 comes from the proxy, the 180 and 200 went through it from the callee.
    rows = events[events["label"].str.startswith("407")]
    assert list(rows["src"]) == ["proxy"] and list(rows["dst"]) == [caller]
    assert (events["lost"] == False).all()  # noqa: E712 - a LAN without loss
    svg = open(paths[0], encoding="utf-8").read()
    assert paths[0].endswith(".svg") and "<svg" in svg and "407 Proxy Authentication" in svg
    with open(paths[1], "rb") as handle:
        assert handle.read(8) == b"\x89PNG\r\n\x1a\n"


def test_ladder_command(runs, auth_trace, tmp_path):
    path = trace_file(runs.run("registration-auth", "outputs.messages=true"))
    listing = run_cli("ladder", path, "--list")
    assert listing.returncode == 0
    call_id = call_ids(auth_trace).query("outcome == 'COMPLETED'")["call_id"].iloc[1]
    assert call_id in listing.stdout
    result = run_cli("ladder", path, "--call-id", call_id, "--out", str(tmp_path / "l"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "l.svg").stat().st_size > 5000
    assert (tmp_path / "l.png").stat().st_size > 5000
    assert "INVITE -> 407 Proxy Authentication Required -> ACK -> INVITE" in result.stdout
    missing = run_cli("ladder", path, "--call-id", "no-such-call")
    assert missing.returncode == 2 and "no-such-call" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_retransmissions_and_losses_are_marked(runs, tmp_path):
    trace = load_trace(trace_file(runs.run("lossy-access")))
    rtx = trace.messages[trace.messages["retransmission"]]
    call_id = rtx["call_id"].value_counts().index[0]
    events, columns, paths = draw_ladder(trace, call_id, str(tmp_path / "lossy"))
    assert events["retransmission"].any()
    assert events["lost"].any()  # on an 80 % lossy link some copies never arrive
    assert len(set(columns)) == len(columns) >= 2


def test_ladder_needs_message_records(runs):
    trace = load_trace(trace_file(runs.run("gateway-blocking")))
    with pytest.raises(ValueError, match="outputs.messages"):
        ladder_events(trace, "anything")

"""A trace as pandas DataFrames: the Python API for notebooks and scripts.

:func:`load_trace` streams a trace file once and returns a :class:`Trace` with one DataFrame per
record kind. Records are turned into columns as they are read: the Protobuf objects are not
kept, so a trace is never in memory twice.

======================  =========================================================================
``trace.messages``      every SIP message sent or received (``outputs.messages``): time_ns,
                        time_s, node, node_name, tx, transport, method, status, call_id, cseq,
                        cseq_method, branch, size, retransmission, peer
``trace.transactions``  transactions that terminated: time_ns, time_s, node, kind, branch,
                        method, status, result, last_state, call_id
``trace.calls``         one row per call attempt: caller, callee, caller_node, invite_ns,
                        first_18x_ns, answer_ns, bye_ns, end_ns (-1 = never), final_status,
                        post_dial_delay_s (-1 = none), outcome, failure_cause, call, and
                        invite_s, end_s
``trace.registrations`` time_ns, time_s, node, user, status, expires, ok
``trace.samples``       periodic node samples: time_ns, time_s, node, name, role, queue_length,
                        peak_queue_length, utilization, mean_utilization, active_calls,
                        busy_trunks
``trace.faults``        time_ns, time_s, kind, node, description
``trace.user_events``   time_ns, time_s, node, user, call, kind, tone, status, action, text
======================  =========================================================================

Enumerations are their names ("COMPLETED", "INVITE_CLIENT", "PROXY", ...). Times are simulated
nanoseconds since the start of the run (``*_ns``) and seconds (``*_s``).

Example::

    from sipsim_analysis import load_trace
    trace = load_trace("quickstart-out/trace.pb")
    calls = trace.calls
    print(calls.outcome.value_counts())
    print(calls[calls.post_dial_delay_s >= 0].post_dial_delay_s.describe())
"""

import json
import warnings

import pandas as pd
from google.protobuf import json_format, text_format

from ._proto import scenario_pb2, trace_pb2
from .trace_reader import TraceReader

_ENUMS = {
    "transport": trace_pb2.Transport,
    "kind_tx": trace_pb2.TransactionKind,
    "result": trace_pb2.TransactionResult,
    "outcome": trace_pb2.CallOutcome,
    "role": trace_pb2.NodeRole,
    "fault": trace_pb2.FaultKind,
    "user_event": trace_pb2.UserEventKind,
}


def enum_name(enum, value):
    """The name of an enum value, or its number as text when this schema does not know it."""
    try:
        return enum.Name(value)
    except ValueError:
        return str(value)


_COLUMNS = {
    "message": ["time_ns", "node", "tx", "transport", "method", "status", "call_id", "cseq",
                "cseq_method", "branch", "size", "retransmission", "peer"],
    "transaction": ["time_ns", "node", "kind", "branch", "method", "status", "result",
                    "last_state", "call_id"],
    "call": ["caller", "callee", "caller_node", "invite_ns", "first_18x_ns", "answer_ns",
             "bye_ns", "end_ns", "final_status", "post_dial_delay_s", "outcome",
             "failure_cause", "call"],
    "registration": ["time_ns", "node", "user", "status", "expires", "ok"],
    "sample": ["time_ns", "node", "name", "role", "queue_length", "peak_queue_length",
               "utilization", "mean_utilization", "active_calls", "busy_trunks"],
    "fault": ["time_ns", "kind", "node", "description"],
    "user_event": ["time_ns", "node", "user", "call", "kind", "tone", "status", "action", "text"],
}

_CONVERT = {
    ("message", "transport"): _ENUMS["transport"],
    ("transaction", "kind"): _ENUMS["kind_tx"],
    ("transaction", "result"): _ENUMS["result"],
    ("call", "outcome"): _ENUMS["outcome"],
    ("sample", "role"): _ENUMS["role"],
    ("fault", "kind"): _ENUMS["fault"],
    ("user_event", "kind"): _ENUMS["user_event"],
}

_INT_COLUMNS = {"time_ns", "node", "status", "cseq", "size", "caller_node", "invite_ns",
                "first_18x_ns", "answer_ns", "bye_ns", "end_ns", "final_status", "call",
                "expires", "queue_length", "peak_queue_length", "active_calls", "busy_trunks"}

#: Record kinds load_trace can keep (the ``kinds`` argument).
RECORD_KINDS = tuple(_COLUMNS)


def parse_scenario(text):
    """The ``sipsim.scenario.Scenario`` of a scenario file's text (Protobuf text or JSON)."""
    scenario = scenario_pb2.Scenario()
    if text.lstrip().startswith("{"):
        json_format.Parse(text, scenario, ignore_unknown_fields=True)
    else:
        text_format.Parse(text, scenario, allow_unknown_field=True)
    return scenario


class Trace:
    """One trace loaded as DataFrames (see the module documentation for the columns).

    Other attributes: ``path``, ``header`` (the ``Header`` message), ``scenario`` (the
    scenario the run simulated: the header's ``effective_scenario_text``, or for older traces
    its ``scenario_text``; ``None`` if it does not parse), ``scenario_source`` (which of the
    two), ``overrides`` (the run's ``--set`` overrides), ``trailer`` (the
    ``Trailer`` message or ``None``), ``complete`` (read to the trailer without error),
    ``error`` (the :class:`~sipsim_analysis.trace_reader.TraceError` that stopped a partial
    read, or ``None``), ``records`` (records read, the trailer not included),
    ``unknown_records`` (records of a kind this schema does not know), ``node_names``
    (node id -> name).
    """

    def __init__(self, path, header, tables, trailer, error, records, unknown_records):
        self.path = str(path)
        self.header = header
        self.trailer = trailer
        self.error = error
        self.records = records
        self.unknown_records = unknown_records
        self.complete = error is None and trailer is not None
        #: The ``--set`` overrides of the run, in order (empty for traces written before the
        #: header had them, and for runs without overrides).
        self.overrides = list(getattr(header, "overrides", []))
        self.scenario, self.scenario_source = self._run_scenario(header)
        self.node_names = self._node_names(tables.get("sample"))
        for kind, frame in tables.items():
            if "time_ns" in frame:
                frame["time_s"] = frame["time_ns"] / 1e9
            if "node" in frame and kind != "fault":
                frame["node_name"] = frame["node"].map(self.node_name)
        calls = tables.get("call")
        if calls is not None:
            calls["invite_s"] = calls["invite_ns"] / 1e9
            calls["end_s"] = calls["end_ns"] / 1e9
            calls["caller_node_name"] = calls["caller_node"].map(self.node_name)
        self.messages = tables.get("message")
        self.transactions = tables.get("transaction")
        self.calls = calls
        self.registrations = tables.get("registration")
        self.samples = tables.get("sample")
        self.faults = tables.get("fault")
        self.user_events = tables.get("user_event")

    def _run_scenario(self, header):
        """The scenario the run simulated and which header field it came from.

        ``effective_scenario_text`` (the file with the ``--set`` overrides, ``--seed`` and
        ``--run`` applied) when the header has it; else ``scenario_text``, the scenario file,
        for traces written before that field existed (then ``--set`` overrides are unknown).
        """
        candidates = []
        effective = getattr(header, "effective_scenario_text", "")
        if effective:
            candidates.append(("effective_scenario_text", effective))
        candidates.append(("scenario_text", header.scenario_text))
        for field, text in candidates:
            try:
                return parse_scenario(text), field
            except Exception as problem:  # noqa: BLE001 - any parse error only loses the scenario
                warnings.warn(f"{self.path}: the header's {field} does not parse ({problem})"
                              + ("; trying scenario_text" if field != "scenario_text" else
                                 "; scenario-dependent references are skipped"))
        return None, None

    def file_scenario(self):
        """The scenario *file* of the run (``scenario_text``: without the ``--set``
        overrides), or ``None`` when it does not parse."""
        try:
            return parse_scenario(self.header.scenario_text)
        except Exception:  # noqa: BLE001
            return None

    def _node_names(self, samples):
        """Node id -> name: from the samples, else the scenario's topology order.

        ns-3 node ids follow the order in which the network builder creates nodes: the
        scenario's topology nodes in file order (when no DOT file adds nodes first).
        """
        names = {}
        if self.scenario is not None and not self.scenario.topology.dot_file:
            for index, node in enumerate(self.scenario.topology.nodes):
                names[index] = node.name
        if samples is not None and len(samples):
            for node, name in samples[["node", "name"]].drop_duplicates().itertuples(index=False):
                if name:
                    names[int(node)] = name
        return names

    def node_name(self, node):
        """The name of a node id ("node 7" when unknown)."""
        return self.node_names.get(int(node), f"node {int(node)}")

    @property
    def duration_s(self):
        """Simulated time of the run: the trailer's end time, else the scenario's duration."""
        if self.trailer is not None and self.trailer.end_ns > 0:
            return self.trailer.end_ns / 1e9
        if self.scenario is not None and self.scenario.duration_s > 0:
            return self.scenario.duration_s
        frames = [f for f in (self.messages, self.samples, self.calls) if f is not None and len(f)]
        return max((f["time_s"].max() if "time_s" in f else f["end_s"].max()) for f in frames) \
            if frames else 0.0

    @property
    def warmup_s(self):
        """The run's warm-up (the effective scenario's; 0 when the scenario is unknown)."""
        return self.scenario.warmup_s if self.scenario is not None else 0.0

    def scenario_json(self):
        """The scenario as a JSON-compatible dict (proto3 JSON mapping)."""
        if self.scenario is None:
            return {}
        return json.loads(json_format.MessageToJson(self.scenario))


def load_trace(path, allow_partial=False, kinds=RECORD_KINDS):
    """Reads a trace file into a :class:`Trace` of DataFrames.

    ``allow_partial``: on a truncated or corrupt file keep every complete record before the
    fault (``trace.error`` says where) instead of raising
    :class:`~sipsim_analysis.trace_reader.TraceError`. ``kinds``: the record kinds to keep
    (see ``RECORD_KINDS``; e.g. ``("call",)`` to skip the messages of a big trace).
    """
    kinds = set(kinds)
    unknown = kinds - set(_COLUMNS)
    if unknown:
        raise ValueError(f"unknown record kinds: {sorted(unknown)}")
    columns = {kind: {name: [] for name in _COLUMNS[kind]} for kind in kinds}
    getters = {kind: [(name, columns[kind][name], _CONVERT.get((kind, name)))
                      for name in _COLUMNS[kind]] for kind in kinds}
    records = 0
    unknown_records = 0
    with TraceReader(path, allow_partial=allow_partial) as reader:
        for record in reader:
            kind = record.WhichOneof("record")
            if kind == "trailer":
                continue
            records += 1
            if kind is None:
                unknown_records += 1
                continue
            if kind not in kinds:
                continue
            message = getattr(record, kind)
            for name, values, enum in getters[kind]:
                value = getattr(message, name)
                values.append(enum_name(enum, value) if enum is not None else value)
        header, trailer, error = reader.header, reader.trailer, reader.error
    tables = {}
    for kind in kinds:
        frame = pd.DataFrame(columns[kind], columns=_COLUMNS[kind])
        for name in _COLUMNS[kind]:
            if name in _INT_COLUMNS:
                frame[name] = frame[name].astype("int64")
            elif name in ("tx", "retransmission", "ok"):
                frame[name] = frame[name].astype(bool)
            elif name in ("utilization", "mean_utilization", "post_dial_delay_s"):
                frame[name] = frame[name].astype(float)
        tables[kind] = frame
    return Trace(path, header, tables, trailer, error, records, unknown_records)

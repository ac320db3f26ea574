"""sipsim_analysis: trace analysis for sipsim (read traces, DataFrames, KPIs, plots, ladders).

The documented API (docs/analysis.md):

* :func:`load_trace` -> :class:`Trace` with DataFrames ``messages``, ``transactions``,
  ``calls``, ``registrations``, ``samples``, ``faults``, ``user_events``;
* :class:`TraceReader`, :func:`iter_records`: streaming access to the records;
* :func:`summarize`: the figures of ``summary.json`` recomputed from the records;
* :mod:`sipsim_analysis.reference`: Erlang B, Erlang C, M/M/c waiting times;
* :mod:`sipsim_analysis.compare`: replications, Student-t confidence intervals;
* :mod:`sipsim_analysis.plots`, :mod:`sipsim_analysis.ladder`: figures.
"""

from .frames import Trace, load_trace, parse_scenario
from .kpi import compare_summaries, summarize
from .trace_reader import (PartialTraceWarning, SchemaVersionError, TraceError, TraceReader,
                           iter_records, read_header)

__all__ = ["Trace", "load_trace", "parse_scenario", "summarize", "compare_summaries",
           "TraceReader", "TraceError", "SchemaVersionError", "PartialTraceWarning",
           "iter_records", "read_header"]

__version__ = "0.1.0"

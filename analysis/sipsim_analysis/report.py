"""The report of one run (``sipsim-analyze report``): tables and plots in a directory."""

import json
import os

from . import html_report, plots, reference
from .kpi import (final_status_by_caller, kpi_table, post_dial_delay_percentiles,
                  response_codes_by_node, summarize, to_json)


def _markdown(frame, index=False):
    """A DataFrame as a GitHub-flavoured Markdown table (no extra dependency)."""
    frame = frame.reset_index() if index else frame
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            if isinstance(value, float):
                cells.append(f"{value:.6g}")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def completeness(trace):
    """Whether the run behind a trace ran to its end: "complete", or why not.

    A file read to its trailer may still be the trace of a run that was stopped (SIGINT,
    SIGTERM): its trailer says ``complete: false`` and why.
    """
    if trace.error is not None:
        return f"INCOMPLETE: the file is cut short ({trace.error})"
    if trace.trailer is None:
        return "INCOMPLETE: the file has no trailer"
    if not trace.trailer.complete:
        reason = trace.trailer.stop_reason or "an unknown reason"
        return (f"INCOMPLETE: the run was stopped by {reason} at "
                f"{trace.trailer.end_ns / 1e9:g} s of simulated time")
    return "complete"


def write_report(trace, out_dir, warmup_s=None):
    """Writes the report of ``trace`` into ``out_dir`` (created if needed).

    Files: ``summary.json`` (the KPIs recomputed from the records, in summary.json's shape),
    ``kpis.csv``, ``response-codes.csv`` (responses sent and received per node and status),
    ``final-status-by-caller.csv``, ``post-dial-delay.csv`` (percentiles), ``references.json``
    (Erlang B and M/M/c figures with the simulated values), ``report.md`` (all the tables),
    ``report.html`` (everything in one self-contained page, html_report), the PNG plots of
    :data:`plots.REPORT_PLOTS` that have data plus ``blocking.png`` for a scenario with a
    gateway, and ``ladder-<status>.svg/.png`` for the first failed call of each failure status
    (with message records). Returns a dict: name -> path of every file written, and
    ``summary``.
    """
    os.makedirs(out_dir, exist_ok=True)
    written = {}

    def path(name):
        written[name] = os.path.join(out_dir, name)
        return written[name]

    summary = summarize(trace, warmup_s)
    with open(path("summary.json"), "w", encoding="utf-8") as handle:
        handle.write(to_json(summary))
    kpis = kpi_table(summary, trace)
    kpis.to_csv(path("kpis.csv"), index=False)
    codes = response_codes_by_node(trace)
    codes.to_csv(path("response-codes.csv"))
    finals = final_status_by_caller(trace, warmup_s)
    finals.to_csv(path("final-status-by-caller.csv"))
    pdd = post_dial_delay_percentiles(trace, warmup_s)
    pdd.to_csv(path("post-dial-delay.csv"), index=False)

    refs = {"gateways": [], "proxies": []}
    for ref in reference.gateway_references(trace.scenario):
        simulated = plots.gateway_blocking(trace, ref, warmup_s)
        refs["gateways"].append({**ref, "simulated": simulated})
    names = sorted(set(trace.samples.loc[trace.samples["role"] == "PROXY", "name"])) \
        if trace.samples is not None else []
    for name in names:
        ref = reference.proxy_references(trace, name)
        if ref is not None:
            refs["proxies"].append({"node": name, **ref})
    with open(path("references.json"), "w", encoding="utf-8") as handle:
        json.dump(refs, handle, indent=2)
        handle.write("\n")

    drawn = []
    omitted = []
    named = list(plots.REPORT_PLOTS.items())
    if refs["gateways"]:
        named.append(("blocking.png", lambda t, p: plots.blocking(t, p, warmup_s)))
    for name, function in named:
        if function(trace, os.path.join(out_dir, name)) is None:
            omitted.append(name)  # nothing to show: not written
        else:
            drawn.append((name, path(name)))
    ladders = html_report.failed_call_ladders(trace, out_dir)
    for status, _, _, svg in ladders:
        written[f"ladder-{status}.svg"] = svg

    h = trace.header
    overrides = (f"Overrides: {', '.join('`' + o + '`' for o in trace.overrides)}; "
                 if trace.overrides else "")
    source = ("the run's effective scenario" if trace.scenario_source == "effective_scenario_text"
              else "the scenario file (this trace predates the effective scenario in the header)")
    parts = [f"# Report: {h.scenario_name} (seed {h.seed}, run {h.run})\n",
             f"{overrides}parameters read from {source}.\n",
             f"Trace `{trace.path}`, written by sipsim {h.program_version}; "
             f"{completeness(trace)}; "
             f"warm-up {warmup_s if warmup_s is not None else trace.warmup_s:g} s left out.\n",
             "## KPIs\n", _markdown(kpis)]
    if len(pdd):
        parts += ["## Post-dial delay percentiles (s)\n", _markdown(pdd)]
    if len(finals):
        parts += ["## Final status of calls, by caller node\n", _markdown(finals, index=True)]
    if len(codes):
        parts += ["## Responses per node\n", _markdown(codes, index=True)]
    else:
        parts += ["## Responses per node\n",
                  "No message records in this trace (`outputs.messages: true` records them).\n"]
    for gw in refs["gateways"]:
        sim = gw["simulated"]
        parts.append(f"## Gateway {gw['node']} vs Erlang B\n\n"
                     f"Offered load A = {gw['arrival_rate']:g} calls/s x {gw['holding_s']:g} s = "
                     f"{gw['offered_erlangs']:.4g} E on N = {gw['channels']} channels: "
                     f"Erlang B = {gw['blocking']:.4f}. Simulated: {sim['blocked']} of "
                     f"{sim['calls']} calls blocked, {sim['mean']:.4f} +/- "
                     f"{sim['half_width']:.4f} (95 % CI of {sim['batches']} batch means).\n")
    for px in refs["proxies"]:
        parts.append(f"## Proxy {px['node']} vs M/M/{px['servers']}\n\n"
                     f"lambda = {px['arrival_rate']:.4g} messages/s, mean service "
                     f"{px['mean_service_s'] * 1000:.4g} ms, rho = {px['rho']:.3f}, Lq = "
                     f"{px['lq'] if px['lq'] is None else round(px['lq'], 3)}"
                     f"{'' if px['exact'] else ' (approximation: different service means)'}; "
                     f"arrival rate from "
                     f"{'the received messages' if px['source'] == 'messages' else 'the scenario (calls/s x messages per call)'}"
                     f".\n")
    parts.append("## Plots\n\n" + "\n".join(f"![{n}]({n})" for n, _ in drawn) + "\n")
    if omitted:
        parts.append("Left out, no data in this trace: " + ", ".join(omitted) + ".\n")
    with open(path("report.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(parts))
    html_report.write_html(path("report.html"), trace, completeness=completeness(trace),
                           kpis=kpis, pdd=pdd, finals=finals, codes=codes, plots=drawn,
                           omitted=omitted, ladders=ladders, references=refs, warmup_s=warmup_s)
    written["summary"] = summary
    return written

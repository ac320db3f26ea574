"""``report.html``: the report of one run in one self-contained page.

The page needs nothing but itself (plots and ladders are embedded as data URIs, no script, no
network access): the run and its parameters, the expectations with their verdicts (from the
run's ``summary.json`` when it lies beside the trace), the KPI table, post-dial delay
percentiles, responses per node, the plots that have data, the ladders of a few failed calls
(one per failure status) and the effective scenario.
"""

import base64
import html
import json
import os

from .ladder import call_ids, draw_ladder

STYLE = """
body { font-family: sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
th { background: #f2f2f2; }
.ok { color: #1a7f37; font-weight: bold; } .violated { color: #cf222e; font-weight: bold; }
.incomplete { color: #cf222e; } img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
pre { background: #f6f8fa; padding: 1em; overflow-x: auto; font-size: 0.85em; }
"""


def _data_uri(path, mime):
    with open(path, "rb") as handle:
        return f"data:{mime};base64," + base64.b64encode(handle.read()).decode("ascii")


def _table(frame, index=False):
    return frame.to_html(index=index, escape=True, border=0, float_format=lambda v: f"{v:.6g}",
                         na_rep="n/a")


def _expectations(run_dir):
    """The run's expectations with verdicts, from the summary.json sipsim run wrote."""
    path = os.path.join(run_dir, "summary.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        summary = json.load(handle)
    return summary.get("expectations")


def failed_call_ladders(trace, out_dir, limit=5):
    """Draws the ladder of the first failed call of each failure status (at most ``limit``
    statuses, the most frequent first) into ``out_dir``; returns [(status, count, call_id,
    svg_path)]. Needs message records (none: [])."""
    if trace.calls is None or trace.messages is None or not len(trace.messages):
        return []
    calls = call_ids(trace)
    failed = calls[(calls["outcome"] == "FAILED") & (calls["call_id"] != "")]
    ladders = []
    for status, count in failed["final_status"].value_counts().head(limit).items():
        call_id = failed[failed["final_status"] == status]["call_id"].iloc[0]
        base = os.path.join(out_dir, f"ladder-{int(status)}")
        _, _, paths = draw_ladder(trace, call_id, base,
                                  title=f"First call failed with {int(status)} (Call-ID {call_id})")
        ladders.append((int(status), int(count), call_id, paths[0]))
    return ladders


def write_html(path, trace, *, completeness, kpis, pdd, finals, codes, plots, omitted, ladders,
               references, warmup_s):
    """Writes the page. ``plots``: [(name, png path)]; ``omitted``: plot names without data;
    ``ladders``: as failed_call_ladders returns; ``references``: references.json's dict."""
    h = trace.header
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>sipsim report: {e(h.scenario_name)}</title>", f"<style>{STYLE}</style>",
             "</head><body>",
             f"<h1>Report: {e(h.scenario_name)} (seed {h.seed}, run {h.run})</h1>"]
    state = "" if completeness == "complete" else ' class="incomplete"'
    parts.append(f"<p>Trace <code>{e(trace.path)}</code>, written by sipsim "
                 f"{e(h.program_version)}: <span{state}>{e(completeness)}</span>; warm-up "
                 f"{warmup_s if warmup_s is not None else trace.warmup_s:g} s left out of the "
                 "figures.</p>")
    if trace.overrides:
        parts.append("<p>Overrides: " + ", ".join(f"<code>{e(o)}</code>" for o in trace.overrides)
                     + "</p>")
    expectations = _expectations(os.path.dirname(os.path.abspath(trace.path)))
    parts.append("<h2>Expectations</h2>")
    if expectations:
        rows = []
        for x in expectations:
            verdict = ('<span class="ok">ok</span>' if x["holds"]
                       else '<span class="violated">VIOLATED</span>')
            measured = "no samples" if x["measured"] is None else f"{x['measured']:.6g}"
            rows.append(f"<tr><td>{e(x['name'])}</td><td>{e(measured)}</td><td>{verdict}</td>"
                        f"<td>{e(x.get('description') or '')}</td></tr>")
        parts.append("<table><tr><th>expectation</th><th>measured</th><th>verdict</th>"
                     "<th>description</th></tr>" + "".join(rows) + "</table>")
    else:
        parts.append("<p>No verdicts: the run's summary.json is not beside the trace (or the "
                     "run was stopped before them).</p>")
    parts += ["<h2>KPIs</h2>", _table(kpis)]
    if len(pdd):
        parts += ["<h2>Post-dial delay percentiles (s)</h2>", _table(pdd)]
    if len(finals):
        parts += ["<h2>Final status of calls, by caller node</h2>", _table(finals, index=True)]
    parts.append("<h2>Responses per node</h2>")
    parts.append(_table(codes, index=True) if len(codes)
                 else "<p>No message records in this trace (<code>outputs.messages: true</code> "
                      "records them).</p>")
    for gw in references.get("gateways", []):
        sim = gw["simulated"]
        parts.append(f"<h2>Gateway {e(gw['node'])} vs Erlang B</h2><p>Offered load "
                     f"{gw['offered_erlangs']:.4g} E on {gw['channels']} channels: Erlang B = "
                     f"{gw['blocking']:.4f}. Simulated: {sim['blocked']} of {sim['calls']} calls "
                     f"blocked, {sim['mean']:.4f} +/- {sim['half_width']:.4f} (95 % CI).</p>")
    parts.append("<h2>Plots</h2>")
    for name, png in plots:
        parts.append(f'<figure><img src="{_data_uri(png, "image/png")}" alt="{e(name)}">'
                     f"<figcaption>{e(name)}</figcaption></figure>")
    if omitted:
        parts.append("<p>Left out (no data in this trace): " + ", ".join(e(n) for n in omitted)
                     + ".</p>")
    if ladders:
        parts.append("<h2>Failed calls</h2>")
        for status, count, call_id, svg in ladders:
            parts.append(f"<h3>{status}: {count} calls; the first, Call-ID <code>{e(call_id)}</code>"
                         f"</h3><img src=\"{_data_uri(svg, 'image/svg+xml')}\" "
                         f"alt=\"ladder of {e(call_id)}\">")
    text = h.effective_scenario_text or h.scenario_text
    parts += ["<h2>Scenario</h2>", f"<pre>{e(text)}</pre>", "</body></html>"]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(parts) + "\n")
    return path

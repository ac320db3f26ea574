"""``sipsim-analyze``: the command line of the analysis package.

    sipsim-analyze report TRACE --out DIR [--allow-partial] [--warmup S]
    sipsim-analyze ladder TRACE --call-id ID [--out BASE] | --list
    sipsim-analyze compare RUN_DIR... [--out DIR] [--sweep PATH] [--kpi NAME]...

Exit status: 0 on success, 2 on bad input (missing file, unreadable or truncated trace,
unknown Call-ID, bad option): the message goes to the error stream, without a traceback.
"""

import argparse
import os
import sys
import warnings

EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _parser():
    parser = argparse.ArgumentParser(
        prog="sipsim-analyze",
        description="Analyse sipsim traces: KPIs and plots, call ladders, replications.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    report = sub.add_parser("report", help="KPI tables and PNG plots of one run",
                            description="KPI table (the figures of summary.json recomputed from "
                                        "the records), responses per node, post-dial delay "
                                        "percentiles, analytic references and PNG plots.")
    report.add_argument("trace", metavar="TRACE", help="trace.pb or trace.pb.gz")
    report.add_argument("--out", required=True, metavar="DIR", help="output directory")
    report.add_argument("--allow-partial", action="store_true",
                        help="analyse the complete records of a truncated or corrupt trace")
    report.add_argument("--warmup", type=float, metavar="S",
                        help="warm-up in seconds (default: the run's warmup_s, from the "
                             "effective scenario in the trace header)")

    ladder = sub.add_parser("ladder", help="message sequence chart of one call (SVG and PNG)")
    ladder.add_argument("trace", metavar="TRACE")
    which = ladder.add_mutually_exclusive_group(required=True)
    which.add_argument("--call-id", metavar="ID", help="the call's Call-ID")
    which.add_argument("--list", action="store_true", help="list the calls and their Call-IDs")
    ladder.add_argument("--out", metavar="BASE",
                        help="output file name without extension (default: ladder-<Call-ID>)")
    ladder.add_argument("--allow-partial", action="store_true")

    compare = sub.add_parser("compare", help="mean and confidence interval over replications",
                             description="Aggregates runs of one scenario (different run "
                                         "numbers): mean and Student-t 95 % interval of each "
                                         "KPI; with --sweep, plots against the parameter.")
    compare.add_argument("runs", nargs="+", metavar="RUN_DIR",
                         help="directories written by sipsim run --out (or trace files)")
    compare.add_argument("--out", default="compare-out", metavar="DIR",
                         help="output directory (default: compare-out)")
    compare.add_argument("--sweep", metavar="PATH",
                         help="scenario field that differs between the runs, read from "
                              "each run's effective scenario (--set overrides included; "
                              "e.g. traffic.calls_per_second)")
    compare.add_argument("--kpi", action="append", metavar="NAME",
                         help="KPI to plot against the sweep (repeatable; default goodput_cps, "
                              "completed_ratio, and blocking with a gateway)")
    compare.add_argument("--confidence", type=float, default=0.95,
                         help="confidence level (default 0.95)")
    compare.add_argument("--warmup", type=float, metavar="S",
                         help="warm-up in seconds for every run (default: each run's "
                              "effective warmup_s)")
    return parser


def _load(args):
    from .frames import load_trace
    trace = load_trace(args.trace, allow_partial=args.allow_partial)
    if trace.error is not None:
        print(f"sipsim-analyze: warning: {trace.error}; analysing the {trace.records} complete "
              f"records before it", file=sys.stderr)
    return trace


def _report(args):
    from .report import write_report
    trace = _load(args)
    written = write_report(trace, args.out, args.warmup)
    from .kpi import kpi_table
    table = kpi_table(written["summary"], trace)
    print(f"{trace.header.scenario_name} (seed {trace.header.seed}, run {trace.header.run}): "
          f"{trace.records} records{'' if trace.complete else ', INCOMPLETE'}")
    for row in table.itertuples():
        value = f"{row.value:.6g}" if isinstance(row.value, float) else str(row.value)
        print(f"  {row.kpi:<40} {value:>12} {row.unit}")
    files = sorted(p for n, p in written.items() if n != "summary")
    print(f"wrote {len(files)} files to {args.out}: "
          + ", ".join(os.path.basename(p) for p in files))
    return EXIT_OK


def _ladder(args):
    from .ladder import call_ids, draw_ladder, endpoint_sequence
    trace = _load(args)
    if args.list:
        calls = call_ids(trace)
        columns = ["call_id", "caller", "callee", "invite_s", "outcome", "final_status"]
        print(calls[columns].to_string(index=False))
        return EXIT_OK
    safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in args.call_id)
    base = args.out or f"ladder-{safe}"
    for suffix in (".svg", ".png"):
        if base.endswith(suffix):
            base = base[:-len(suffix)]
    if os.path.dirname(base):
        os.makedirs(os.path.dirname(base), exist_ok=True)
    events, columns, paths = draw_ladder(trace, args.call_id, base)
    print(f"{len(events)} messages between {', '.join(columns)}")
    print(f"{columns[0]}: " + " -> ".join(endpoint_sequence(events, columns[0])))
    print("wrote " + ", ".join(paths))
    return EXIT_OK


def _compare(args):
    from .compare import aggregate, load_runs, plot_sweep
    runs = load_runs(args.runs, args.sweep, args.warmup)
    table = aggregate(runs, args.confidence)
    os.makedirs(args.out, exist_ok=True)
    runs.to_csv(os.path.join(args.out, "runs.csv"), index=False)
    table.to_csv(os.path.join(args.out, "compare.csv"), index=False)
    level = f"{args.confidence * 100:g} %"
    print(f"{len(runs)} runs of {', '.join(sorted(set(runs['scenario'])))}; "
          f"mean and {level} Student-t interval:")
    shown = table.copy()
    for column in ("mean", "sd", "half_width", "ci_low", "ci_high"):
        shown[column] = shown[column].map(lambda v: f"{v:.6g}")
    print(shown.to_string(index=False))
    written = ["runs.csv", "compare.csv"]
    if args.sweep:
        kpis = args.kpi or (["goodput_cps", "completed_ratio"]
                            + (["blocking"] if "blocking" in runs else [])
                            + [f"proxy_{c[len('mmc_rho_'):]}_mean_utilization"
                               for c in runs.columns if c.startswith("mmc_rho_")])
        for kpi in kpis:
            name = f"sweep-{kpi}.png"
            plot_sweep(table, kpi, args.sweep, os.path.join(args.out, name), runs,
                       args.confidence)
            written += [name, f"sweep-{kpi}.csv"]
    print(f"wrote {', '.join(written)} to {args.out}")
    return EXIT_OK


def main(argv=None):
    """Runs the command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        from .trace_reader import PartialTraceWarning, TraceError
        from .compare import CompareError
        from .ladder import LadderError
    except ImportError as error:  # generated modules missing
        print(f"sipsim-analyze: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    handlers = {"report": _report, "ladder": _ladder, "compare": _compare}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PartialTraceWarning)
        try:
            status = handlers[args.command](args)
        except BrokenPipeError:
            # The reader of our output went away (`... | head`): not an error of ours.
            try:
                sys.stdout = open(os.devnull, "w")
            except OSError:
                pass
            return EXIT_OK
        except TraceError as error:
            hint = "" if getattr(args, "allow_partial", True) or error.offset in (None, 0) \
                else " (--allow-partial analyses the records before it)"
            print(f"sipsim-analyze: {error}{hint}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except (CompareError, LadderError, ValueError, OSError) as error:
            print(f"sipsim-analyze: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

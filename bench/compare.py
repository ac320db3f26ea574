#!/usr/bin/python3
"""Turns sipsim-parse-bench JSON output into a table of sipsim/oSIP throughput ratios.

usage: python3 bench/compare.py BENCH.json [--min-ratio 3]
Exits 1 when a parse ratio is below --min-ratio (when given).
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json_file")
    ap.add_argument("--min-ratio", type=float, default=None)
    args = ap.parse_args()
    with open(args.json_file) as f:
        data = json.load(f)
    rate = {}
    allocs = {}
    labels = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        op, lib, msg = b["run_name"].split("/")[:3] if "run_name" in b else b["name"].split("/")[:3]
        rate[(op, lib, msg)] = b["items_per_second"]
        if "allocs_per_msg" in b:
            allocs[msg] = b["allocs_per_msg"]
        if b.get("label"):
            labels[(op, lib, msg)] = b["label"]
    messages = sorted({m for (_, _, m) in rate})
    failed = False
    print(f"{'message':<22} {'parse sipsim/s':>15} {'parse oSIP/s':>13} {'ratio':>6} "
          f"{'ser. ratio':>10} {'allocs':>6}")
    for m in messages:
        ps, po = rate.get(("parse", "sipsim", m)), rate.get(("parse", "osip", m))
        ss, so = rate.get(("serialize", "sipsim", m)), rate.get(("serialize", "osip", m))
        pr = ps / po if ps and po else float("nan")
        sr = ss / so if ss and so else float("nan")
        note = labels.get(("parse", "osip", m), "")
        note = "" if note == "parsed" else f"  ({note})"
        print(f"{m:<22} {ps or 0:>15,.0f} {po or 0:>13,.0f} {pr:>6.1f} {sr:>10.1f} "
              f"{allocs.get(m, float('nan')):>6.1f}{note}")
        if args.min_ratio is not None and not pr >= args.min_ratio:
            failed = True
    if failed:
        print(f"FAIL: a parse ratio is below {args.min_ratio}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

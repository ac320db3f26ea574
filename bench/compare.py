#!/usr/bin/python3
"""Summarizes sipsim-parse-bench JSON output: sipsim/oSIP throughput ratios per message.

usage: python3 bench/compare.py BENCH.json [--min-ratio 3]

The parse ratio comes from parse/ratio/*, where both parsers run interleaved in one benchmark
(robust on a shared machine); with --benchmark_repetitions the median is used. The serialize
ratio compares serialize/sipsim/* with serialize/osip/*. Exits 1 when a parse ratio of a
message both parsers accept is below --min-ratio (when given).
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
    rows = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            continue
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        op, lib, msg = b.get("run_name", b["name"]).split("/")[:3]
        row = rows.setdefault(msg, {})
        if lib == "ratio":
            row["ratio"] = b["ratio"]
            row["sipsim_per_s"] = b["sipsim_per_s"]
            row["osip_per_s"] = b["osip_per_s"]
            row["osip_ok"] = b.get("label", "parsed") == "parsed"
        else:
            row[(op, lib)] = b.get("items_per_second")
            if "allocs_per_msg" in b:
                row["allocs"] = b["allocs_per_msg"]
    failed = False
    print(f"{'message':<22} {'sipsim parses/s':>15} {'oSIP parses/s':>14} {'parse ratio':>11} "
          f"{'serialize ratio':>15} {'allocs/parse':>12}")
    for msg in sorted(rows):
        row = rows[msg]
        ser_s, ser_o = row.get(("serialize", "sipsim")), row.get(("serialize", "osip"))
        ser = ser_s / ser_o if ser_s and ser_o else float("nan")
        note = "" if row.get("osip_ok", True) else "  (oSIP rejects this valid message)"
        ratio = row.get("ratio", float("nan"))
        print(f"{msg:<22} {row.get('sipsim_per_s', 0):>15,.0f} {row.get('osip_per_s', 0):>14,.0f} "
              f"{ratio:>11.2f} {ser:>15.1f} {row.get('allocs', float('nan')):>12.1f}{note}")
        if args.min_ratio is not None and row.get("osip_ok", True) and not ratio >= args.min_ratio:
            failed = True
    if failed:
        print(f"FAIL: a parse ratio is below {args.min_ratio}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

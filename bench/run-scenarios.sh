#!/usr/bin/env bash
# Times `sipsim run` on the shipped scenarios quickstart and large and prints a Markdown table:
# wall and CPU time, simulated calls per wall-clock second, peak resident memory and peak memory
# per simulated phone; then, for large, the call phase alone (large minus large cut off after
# 150 s of calls: calls and wall time of the last 150 s of calls), and the memory of an idle
# registered phone: the heap in use when a run of large without calls stops (every phone
# registered, every transaction ended), minus the same with one phone per group, over the phones;
# and the network alone: large's messages replayed over the same ns-3 network without SIP
# (bench/network-replay.cc), the floor that ns-3 sets under a run.
#
#   bench/run-scenarios.sh [--update-docs] [SIPSIM]   SIPSIM: the sipsim binary (default
#                                                     build/cli/sipsim)
#   SCENARIOS="quickstart" bench/run-scenarios.sh build/cli/sipsim
#   BASELINE=/path/to/old/sipsim RUNS=7 bench/run-scenarios.sh build/cli/sipsim
#
# --update-docs: also writes the tables, with the date, commit and machine, into
# docs/performance.md between its "run-scenarios:begin" and "run-scenarios:end" markers.
#
# BASELINE: another sipsim binary (an earlier build); the whole large run is then timed RUNS
# times (default 5) with each binary, alternating, and the medians and their ratio are printed:
# on a shared machine single runs vary by 10 % or more, and load hits both binaries alike.
#
# Needs GNU time (/usr/bin/time -v) and python3. Outputs go to a temporary directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
update_docs=0
if [[ "${1:-}" == "--update-docs" ]]; then
    update_docs=1
    shift
fi
sipsim="${1:-$here/build/cli/sipsim}"
scenarios="${SCENARIOS:-quickstart large}"
work="$(mktemp -d -t sipsim-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [[ ! -x "$sipsim" ]]; then
    echo "run-scenarios.sh: $sipsim is not an executable (build the sipsim target first)" >&2
    exit 2
fi

# run_with BINARY NAME FILE [--set ...]: runs the scenario under GNU time; writes
# $work/NAME.{time,out} and $work/NAME/ (trace, summary).
run_with() {
    local binary="$1" name="$2" file="$3"
    shift 3
    rm -rf "${work:?}/$name" # a run refuses a non-empty --out
    /usr/bin/time -v -o "$work/$name.time" "$binary" run "$file" --out "$work/$name" \
        --no-progress "$@" >"$work/$name.out" 2>&1 || {
        local rc=$?
        # 1: an expectation does not hold; the timing is still valid.
        if [[ $rc -ne 1 ]]; then
            echo "run-scenarios.sh: $name failed (exit $rc):" >&2
            tail -20 "$work/$name.out" >&2
            exit 1
        fi
    }
}

# run NAME FILE [--set ...]: run_with the sipsim under test.
run() {
    run_with "$sipsim" "$@"
}

# What every table reads from a run: GNU time's report and the summary (imported by the Python
# parts below as `runfigures`).
cat >"$work/runfigures.py" <<'PY'
import json, re

def wall_seconds(time_file):
    """Elapsed wall-clock seconds from a `/usr/bin/time -v` report."""
    t = open(time_file).read()
    text = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\):\s*(\S+)", t).group(1)
    seconds = 0.0
    for part in text.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds

def cpu_seconds(time_file):
    """User plus system CPU seconds from a `/usr/bin/time -v` report."""
    t = open(time_file).read()
    return sum(float(re.search(re.escape(f) + r":\s*(\S+)", t).group(1))
               for f in ("User time (seconds)", "System time (seconds)"))

def peak_rss_bytes(time_file):
    t = open(time_file).read()
    return int(re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", t).group(1)) * 1024

def attempted(summary_file):
    """Calls placed after the warm-up, from a run's summary.json."""
    summary = json.load(open(summary_file))
    return summary["calls"]["attempted"] if "calls" in summary else summary["attempted"]
PY

# figures NAME FILE: one JSON line with the measurements of run NAME.
figures() {
    python3 - "$work/$1.time" "$work/$1/summary.json" "$work/$1.out" "$2" "$work" <<'PY'
import json, re, sys
time_file, summary_file, out_file, scenario, work = sys.argv[1:6]
sys.path.insert(0, work)
from runfigures import attempted, cpu_seconds, peak_rss_bytes, wall_seconds
wall = wall_seconds(time_file)
cpu = cpu_seconds(time_file)
rss = peak_rss_bytes(time_file)
calls = attempted(summary_file)
text = open(scenario).read()
# Phones: the counts of the phones groups, after --set overrides (printed by the run as
# "Registrations: N ok"); the file's counts when the users do not register.
phones = sum(int(c) for c in re.findall(r"phones\s*{[^}]*?count:\s*(\d+)", text, re.S))
duration = float(re.search(r"^duration_s:\s*([\d.]+)", text, re.M).group(1))
print(json.dumps(dict(wall=wall, cpu=cpu, rss=rss, calls=calls, phones=phones,
                      duration=duration)))
PY
}

version="$("$sipsim" version 2>/dev/null || echo unknown)"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "sipsim: $sipsim ($version)" >&2
echo "machine: $machine" >&2

# measure: every table, on the standard output.
measure() {
echo
echo "| scenario | phones | calls simulated | simulated s | wall s | CPU s | calls / wall s | calls / CPU s | peak RSS (MiB) | peak RSS / phone (bytes) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for name in $scenarios; do
    file="$here/scenarios/$name.textproto"
    run "$name" "$file"
    figures "$name" "$file" | python3 -c '
import json, sys
f = json.loads(sys.stdin.read())
name, calls, wall, cpu, rss, phones = (sys.argv[1], f["calls"], f["wall"], f["cpu"], f["rss"],
                                       f["phones"])
duration = f["duration"]
print(f"| {name} | {phones:,} | {calls:,} | {duration:g} | {wall:.2f} | {cpu:.2f} | "
      f"{calls / wall:,.0f} | {calls / max(cpu, 1e-9):,.0f} | {rss / 2**20:,.1f} | "
      f"{rss / phones:,.0f} |")
' "$name"
done

if [[ " $scenarios " == *" large "* ]]; then
    file="$here/scenarios/large.textproto"
    # The call phase alone: the full run minus the same run stopped 150 s earlier.
    run large-short "$file" --set duration_s=210
    # An idle registered phone: no calls, 90 s (registrations end at 10 s; their transactions
    # at most 64*T1 = 32 s later), heap in use at the end, against one phone per group.
    run large-idle "$file" --set traffic.calls_per_second=0 --set duration_s=90 --set warmup_s=0
    run large-base "$file" --set traffic.calls_per_second=0 --set duration_s=90 --set warmup_s=0 \
        --set groups[0].phones.count=1 --set groups[1].phones.count=1
    # The network alone: large's messages (a run recording every one) replayed over the same
    # ns-3 network without SIP (sipsim-network-replay), whole and up to 210 s.
    replay="$(dirname "$sipsim")/../bench/sipsim-network-replay"
    if [[ -x "$replay" ]]; then
        run large-messages "$file" --set outputs.messages=true
        "$replay" "$work/large-messages/trace.pb" >"$work/replay-360.json"
        "$replay" "$work/large-messages/trace.pb" 210 >"$work/replay-210.json"
    fi
    python3 - "$work" <<'PY'
import json, re, sys
work = sys.argv[1]
sys.path.insert(0, work)
import runfigures
def wall(name):
    return runfigures.wall_seconds(f"{work}/{name}.time")
def attempted(name):
    return runfigures.attempted(f"{work}/{name}/summary.json")
def heap(name):
    out = open(f"{work}/{name}.out").read()
    return int(re.search(r"heap in use when the run stopped (\d+) bytes", out).group(1))
calls = attempted("large") - attempted("large-short")
seconds = wall("large") - wall("large-short")
print()
print("| large, call phase only | calls | wall s | calls / wall s |")
print("| --- | ---: | ---: | ---: |")
print(f"| last 150 s of calls (360 s run minus 210 s run) | {calls:,} | {seconds:.2f} | "
      f"{calls / seconds:,.0f} |")
registered = int(re.search(r"Registrations: (\d+) ok", open(f"{work}/large-idle.out").read()).group(1))
idle, base = heap("large-idle"), heap("large-base")
phones = 10000
print()
print("| idle run (no calls, 90 s) | phones | registered | heap in use at the end (MiB) | "
      "baseline, 2 phones (MiB) | bytes per idle phone |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
print(f"| large | {phones:,} | {registered:,} | {idle / 2**20:,.1f} | {base / 2**20:,.1f} | "
      f"{(idle - base) / (phones - 2):,.0f} |")
import os
if os.path.exists(f"{work}/replay-360.json"):
    full = json.load(open(f"{work}/replay-360.json"))
    short = json.load(open(f"{work}/replay-210.json"))
    whole_calls = attempted("large")
    rows = [("whole run (360 s)", whole_calls, wall("large"), full["wall_s"], full["sent"]),
            ("call phase (360 s run minus 210 s run)", calls, seconds,
             full["wall_s"] - short["wall_s"], full["sent"] - short["sent"])]
    print()
    print("| large: the network alone | calls | messages | run wall s | network replay wall s | "
          "network share | calls / wall s with SIP free |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, n, run_s, net_s, messages in rows:
        print(f"| {name} | {n:,} | {messages:,} | {run_s:.2f} | {net_s:.2f} | "
              f"{net_s / run_s:.0%} | {n / net_s:,.0f} |")
PY
fi

if [[ -n "${BASELINE:-}" && " $scenarios " == *" large "* ]]; then
    if [[ ! -x "$BASELINE" ]]; then
        echo "run-scenarios.sh: BASELINE $BASELINE is not an executable" >&2
        exit 2
    fi
    runs="${RUNS:-5}"
    file="$here/scenarios/large.textproto"
    for i in $(seq "$runs"); do
        run_with "$sipsim" "ab-new-$i" "$file"
        run_with "$BASELINE" "ab-base-$i" "$file"
    done
    python3 - "$work" "$runs" "$BASELINE" <<'PY'
import statistics, sys
work, runs, baseline = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, work)
from runfigures import attempted, cpu_seconds, wall_seconds
def measure(name):
    time_file = f"{work}/{name}.time"
    return (wall_seconds(time_file), cpu_seconds(time_file),
            attempted(f"{work}/{name}/summary.json"))
rows = {}
for kind in ("new", "base"):
    m = [measure(f"ab-{kind}-{i}") for i in range(1, runs + 1)]
    rows[kind] = (statistics.median(w for w, _, _ in m), statistics.median(c for _, c, _ in m),
                  min(w for w, _, _ in m), max(w for w, _, _ in m), m[0][2])
print()
print(f"| large, whole run, {runs} runs each, alternating | calls | median wall s | "
      "min-max wall s | median CPU s | calls / wall s (median) |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for kind, label in (("base", f"baseline ({baseline})"), ("new", "this build")):
    wall, cpu, lo, hi, calls = rows[kind]
    print(f"| {label} | {calls:,} | {wall:.2f} | {lo:.2f}-{hi:.2f} | {cpu:.2f} | "
          f"{calls / wall:,.0f} |")
print(f"| this build / baseline | | {rows['new'][0] / rows['base'][0]:.2f} | | "
      f"{rows['new'][1] / rows['base'][1]:.2f} | |")
PY
fi
}

if [[ "$update_docs" -eq 0 ]]; then
    measure
    exit 0
fi
measure | tee "$work/report.md"
commit="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    commit="$commit with uncommitted changes"
fi
python3 - "$here/docs/performance.md" "$work/report.md" "$commit" "$machine" "$version" \
    "${BASELINE:-}" <<'PY'
import datetime, sys
doc, report, commit, machine, version, baseline = sys.argv[1:7]
begin, end = "<!-- run-scenarios:begin -->", "<!-- run-scenarios:end -->"
text = open(doc).read()
if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
    sys.exit(f"run-scenarios.sh: {doc} needs one '{begin}' line before one '{end}' line")
when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
lines = [begin,
         f"Written by `bench/run-scenarios.sh --update-docs` on {when}: commit {commit}, "
         f"{version}, {machine}" + (f"; baseline `{baseline}`" if baseline else "") + "."]
lines.append(open(report).read().rstrip("\n"))
lines.append(end)
head, rest = text.split(begin, 1)
tail = rest.split(end, 1)[1]
open(doc, "w").write(head + "\n".join(lines) + tail)
print(f"run-scenarios.sh: figures written into {doc}", file=sys.stderr)
PY

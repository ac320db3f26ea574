#!/usr/bin/env bash
# Builds sipsim and runs every test; prints the test runner's summary. Exit status is non-zero
# on any failure.
#
#   tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure --no-tests=error

#!/usr/bin/env bash
# Installs what the tests need that is missing (tools/test-packages.txt: test-only packages,
# which tools/setup.sh does not install), builds sipsim and runs every test; prints the test
# runner's summary. Exit status is non-zero on any failure.
#
#   tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-missing.sh tools/test-packages.txt test
jobs=${JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure --no-tests=error

#!/usr/bin/env bash
# One-command set-up on Debian 12: installs the missing packages of tools/packages.txt (apt, as
# root or with sudo), configures and builds sipsim in build/, then runs the default job.
#
#   tools/setup.sh              install, build, run the default job
#   tools/setup.sh --deps-only  only install what is missing
set -euo pipefail
cd "$(dirname "$0")/.."

deps_only=0
[ "${1:-}" = "--deps-only" ] && deps_only=1

tools/install-missing.sh tools/packages.txt setup
[ "$deps_only" -eq 1 ] && exit 0

jobs=${JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"

# The default scenario: two domains with a proxy each, 200 phones registering with digest, a PSTN
# gateway, five minutes of calls (scenarios/quickstart.textproto). Outputs in quickstart-out/.
echo "setup: running the default scenario: build/cli/sipsim run scenarios/quickstart.textproto"
build/cli/sipsim run scenarios/quickstart.textproto --out quickstart-out --force

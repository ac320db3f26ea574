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

mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' tools/packages.txt | awk '{print $1}')
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages of tools/packages.txt are installed"
fi
[ "$deps_only" -eq 1 ] && exit 0

jobs=${JOBS:-2}
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"

# The default scenario: two domains with a proxy each, 200 phones registering with digest, a PSTN
# gateway, five minutes of calls (scenarios/quickstart.textproto). Outputs in quickstart-out/.
echo "setup: running the default scenario: build/cli/sipsim run scenarios/quickstart.textproto"
build/cli/sipsim run scenarios/quickstart.textproto --out quickstart-out --force

#!/usr/bin/env bash
# Installs the packages of a list file (tools/packages.txt, tools/test-packages.txt: "package
# # what for", one per line) that are not installed yet, with apt as root or through sudo.
#
#   tools/install-missing.sh LIST [WHO]     WHO prefixes the messages (default: setup)
set -euo pipefail
list=$1
who=${2:-setup}
mapfile -t wanted < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$list" | awk '{print $1}')
missing=()
for p in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "$who: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "$who: all packages of $list are installed"
fi

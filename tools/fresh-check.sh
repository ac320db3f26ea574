#!/usr/bin/env bash
# Proves the README's set-up on a fresh Debian 12: debootstraps a minimal bookworm tree
# (--variant=minbase, plus git), clones this repository into it, and runs the README's two
# commands there (tools/setup.sh, then tools/test.sh). Fails on any error. Needs root (chroot,
# mounts); installs debootstrap on the host when it is missing.
#
#   tools/fresh-check.sh            check the committed HEAD of this repository
#   KEEP=1 tools/fresh-check.sh     keep the tree afterwards (its path is printed)
#
# The tree uses the host's Debian sources and Acquire settings, so it reaches the same mirror
# the host does. It clones what is committed: uncommitted changes are not part of the check.
# Everything the check creates (the tree, its mounts) is removed on every exit path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "fresh-check: needs root (debootstrap, chroot and mounts)" >&2
  exit 2
fi
if ! command -v debootstrap >/dev/null; then
  echo "fresh-check: installing debootstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

# The host's first Debian mirror (deb822 .sources or a one-line sources.list entry).
mirror=$(
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -E '/debian/?$' | head -n 1 || true)
if [ -z "$mirror" ]; then
  echo "fresh-check: no Debian mirror found in the host's apt sources" >&2
  exit 2
fi

work=$(mktemp -d /var/tmp/sipsim-fresh.XXXXXX)
root="$work/root"
mounted=()
cleanup() {
  local status=$?
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${mounted[$i]}" 2>/dev/null || true
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "fresh-check: tree kept in $root"
  else
    rm -rf --one-file-system "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s)
echo "fresh-check: debootstrap --variant=minbase --include=git bookworm from $mirror"
debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
echo "fresh-check: tree ready after $(( $(date +%s) - start )) s"

# The host's sources and Acquire settings, so apt inside reaches the same mirror.
rm -f "$root/etc/apt/sources.list"
cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/" 2>/dev/null || true
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
for f in /etc/apt/apt.conf.d/*; do
  grep -q 'Acquire::' "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

for m in proc sys dev dev/pts; do
  mkdir -p "$root/$m"
  case $m in
    proc) mount -t proc proc "$root/proc" ;;
    sys) mount -t sysfs sys "$root/sys" ;;
    *) mount --bind "/$m" "$root/$m" ;;
  esac
  mounted+=("$root/$m")
done

git clone -q "$repo" "$root/sipsim"
# shared/ beside the clone, as CI has it (tests that read the seeds find them there).
[ -d "$repo/../shared" ] && cp -r "$repo/../shared" "$root/shared"

run_in_tree() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    JOBS="${JOBS:-2}" bash -c "$1"
}
echo "fresh-check: README command 1: tools/setup.sh"
run_in_tree 'cd /sipsim && tools/setup.sh'
echo "fresh-check: README command 2: tools/test.sh"
run_in_tree 'cd /sipsim && tools/test.sh'
echo "fresh-check: ok: both README commands passed on a fresh Debian 12 in $(( $(date +%s) - start )) s"

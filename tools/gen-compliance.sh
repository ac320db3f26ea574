#!/bin/bash
# Regenerates docs/compliance/<profile>.md from every profiles/*.textproto.
# A unit test (ComplianceDocs.*) fails when a committed page is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake --build "$build" -j2 --target sipsim >/dev/null
for f in profiles/*.textproto; do
  name=$(basename "$f" .textproto)
  "$build/cli/sipsim" profile doc "$f" -o "docs/compliance/$name.md"
  echo "docs/compliance/$name.md"
done

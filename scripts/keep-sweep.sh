#!/usr/bin/env bash
# Keeps what matters of a twins' sweep (runs/ is not committed) in docs/branch-twins/NAME-sweep/: per arm its
# metrics, the depth branch's log, loss curve and preview, and the grid as JPEG; the shared no-depth twin's log,
# loss curve and preview once. The table: node --import tsx scripts/sweep-table.ts docs/branch-twins/NAME-sweep
#
#   scripts/keep-sweep.sh NAME ARM...        e.g. scripts/keep-sweep.sh scream I K
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1
shift
src=runs/sweep-$name
dst=docs/branch-twins/$name-sweep
mkdir -p "$dst"
for f in log.jsonl loss.png preview.png; do [[ -f $src/n-A/$name-nodepth.$f ]] && cp "$src/n-A/$name-nodepth.$f" "$dst/n-A-$name-nodepth.$f"; done
for arm in "$@"; do
  cp "$src/$arm/report/metrics.json" "$dst/$arm-metrics.json"
  for f in log.jsonl loss.png preview.png; do cp "$src/$arm/$name-depth.$f" "$dst/$arm-$name-depth.$f"; done
  node --import tsx scripts/run-tools.ts jpeg "$src/$arm/report/grid.png" "$dst/$arm-grid.jpg" 82
done
ls "$dst"

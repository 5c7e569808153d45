#!/usr/bin/env bash
# Which style size did a released Johnson/Engstrom net train at? One step of its branch at each size, no update
# worth keeping: the first-step style loss is lowest at the size nearest its training size. The twins use it
# (STYLE_SIZE=... scripts/twin-sweep.sh), so the no-depth twin stays where the released net is.
#
#   scripts/style-size-probe.sh baseline:scream ../shared/images/styles/the_scream.jpg [SIZES...]
#
# Measured (2026-11-26): wave 640→3.21e6, 928 (full)→2.22e6; scream 512→2.41e6, 640→1.76e6, 768→2.10e6,
# 1024→3.90e6, 1528 (full)→7.62e6; udnie 384→4.17e6, 512→1.89e6, 640→4.84e6, 768→8.56e6, 1260 (full)→1.95e7.
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 style=$2
shift 2
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(384 512 640 768 1024)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for s in "${sizes[@]}"; do
  node bin/depthstyle.js train --style "$style" --data "${DEPTHSTYLE_SHARED:-../shared}/images/train" --init "$base" --preset engstrom-branch \
    --style-size "$s" --depth-weight 0 --steps 1 --lr 1e-4 ${THREADS:+--threads "$THREADS"} -o "$tmp/probe.onnx" >/dev/null 2>&1
  node --import tsx scripts/run-tools.ts first-step "$tmp/probe.log.jsonl" "$s"
  rm -f "$tmp"/probe.*
done

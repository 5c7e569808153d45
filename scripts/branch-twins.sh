#!/usr/bin/env bash
# Twins by branch training: one base, two branches with the same data order, seed and steps, differing only in
# the depth term; then both on photos no model was trained or tuned on (the seed's 15 photos) at 512 px, with
# per-photo paired differences on the robust judges (report/NAME/index.html; table via scripts/report-table.ts).
#
#   scripts/branch-twins.sh BASE STYLE_IMAGE NAME [train options for both branches...]
#   e.g. scripts/branch-twins.sh baseline:wave ../shared/images/styles/wave.jpg wave --steps 300 --lr 1e-4
#
# Environment: DEPTH_LOSS (weighted-content), DEPTH_WEIGHT (1e6), OUT (models), SIZE (512), THREADS (all cores).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 style=$2 name=$3
shift 3
shared=${DEPTHSTYLE_SHARED:-../shared}
out=${OUT:-models}
common=(--style "$style" --data "$shared/images/train" --init "$base" --size 192 --batch 2 --seed 7 --checkpoint-every 50 --preview-every 50 ${THREADS:+--threads "$THREADS"} "$@")
node bin/depthstyle.js train "${common[@]}" --depth-weight 0 -o "$out/$name-nodepth.onnx"
node bin/depthstyle.js train "${common[@]}" --depth-loss "${DEPTH_LOSS:-weighted-content}" --depth-weight "${DEPTH_WEIGHT:-1e6}" -o "$out/$name-depth.onnx"
node bin/depthstyle.js compare "$shared"/images/seed-report/*_input.* --style "$style" \
  --methods "$out/$name-depth.onnx,$out/$name-nodepth.onnx,$base" --size "${SIZE:-512}" -o "report/$name"
node --import tsx scripts/report-table.ts "report/$name/metrics.json"

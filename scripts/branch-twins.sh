#!/usr/bin/env bash
# Twins by branch training: one base, two branches with the same data order, seed and steps, differing only in
# the depth term; then both on photos no model was trained or tuned on (the seed's 15 photos) at 512 px, with
# per-photo paired differences on the robust judges (REPORT/index.html; table via scripts/report-table.ts).
#
#   scripts/branch-twins.sh BASE STYLE_IMAGE NAME [train options for both branches...]
#   e.g. scripts/branch-twins.sh baseline:wave ../shared/images/styles/wave.jpg wave --steps 300 --lr 1e-4
#
# The recipe is a preset in code (src/train/presets.ts): a branch of a released Johnson/Engstrom net
# (baseline:NAME) takes `engstrom-branch` — the objective it was trained with, so the no-depth branch stays at
# the released operating point — and a branch of one of our own bases `own-branch`. Later options override it.
#
# Environment: DEPTH_LOSS (weighted-content), DEPTH_WEIGHT (1e6), OUT (models), REPORT (report/NAME),
# SIZE (evaluation size, 512), THREADS (all cores), REUSE_NODEPTH=1 (keep an existing OUT/NAME-nodepth.onnx:
# arms that differ only in the depth term share their no-depth twin).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 style=$2 name=$3
shift 3
shared=${DEPTHSTYLE_SHARED:-../shared}
out=${OUT:-models}
report=${REPORT:-report/$name}
preset=own-branch
[[ $base == baseline:* ]] && preset=engstrom-branch
common=(--style "$style" --data "$shared/images/train" --init "$base" --preset "$preset" ${THREADS:+--threads "$THREADS"} "$@")
mkdir -p "$out"
if [[ ${REUSE_NODEPTH:-} == 1 && -f $out/$name-nodepth.onnx ]]; then echo "reusing $out/$name-nodepth.onnx"
else node bin/depthstyle.js train "${common[@]}" --depth-weight 0 -o "$out/$name-nodepth.onnx"; fi
node bin/depthstyle.js train "${common[@]}" --depth-loss "${DEPTH_LOSS:-weighted-content}" --depth-weight "${DEPTH_WEIGHT:-1e6}" -o "$out/$name-depth.onnx"
node bin/depthstyle.js compare "$shared"/images/seed-report/*_input.* --style "$style" \
  --methods "$out/$name-depth.onnx,$out/$name-nodepth.onnx,$base" --size "${SIZE:-512}" -o "$report"
node --import tsx scripts/report-table.ts "$report/metrics.json" | tee "$report/table.md"

#!/usr/bin/env bash
# Twins by branch training: one base, two branches with the same data order, seed and steps, differing only in
# the depth term; then both on photos no model was trained or tuned on (the seed's 15 photos) at 512 px, with
# per-photo paired differences on the robust judges (REPORT/index.html; table via scripts/report-table.ts).
#
#   scripts/branch-twins.sh BASE STYLE_IMAGE NAME [train options for both branches...]
#   e.g. scripts/branch-twins.sh baseline:wave ../shared/images/styles/wave.jpg wave --steps 300 --lr 1e-4
#
# A branch of a released Johnson/Engstrom net (baseline:NAME) continues the objective it was trained with —
# Engstrom's layers and weights (content relu4_2 ×7.5, style relu1_1…relu5_1 ×100, TV ×200, the painting at
# full size) — so that the no-depth branch stays at the released net's operating point and the twins differ
# only by what the depth term does. Later options override these.
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
point=()
if [[ $base == baseline:* ]]; then
  long=$(node -e "require('sharp')(process.argv[1]).metadata().then(m=>console.log(Math.max(m.width,m.height)))" "$style")
  point=(--content-layer relu4_2 --style-layers relu1_1,relu2_1,relu3_1,relu4_1,relu5_1
    --content-weight 7.5 --style-weight 100 --tv-weight 200 --style-size "$long")
fi
common=(--style "$style" --data "$shared/images/train" --init "$base" --size 192 --batch 2 --seed 7
  --checkpoint-every 50 --preview-every 50 ${THREADS:+--threads "$THREADS"} "${point[@]}" "$@")
mkdir -p "$out"
if [[ ${REUSE_NODEPTH:-} == 1 && -f $out/$name-nodepth.onnx ]]; then echo "reusing $out/$name-nodepth.onnx"
else node bin/depthstyle.js train "${common[@]}" --depth-weight 0 -o "$out/$name-nodepth.onnx"; fi
node bin/depthstyle.js train "${common[@]}" --depth-loss "${DEPTH_LOSS:-weighted-content}" --depth-weight "${DEPTH_WEIGHT:-1e6}" -o "$out/$name-depth.onnx"
node bin/depthstyle.js compare "$shared"/images/seed-report/*_input.* --style "$style" \
  --methods "$out/$name-depth.onnx,$out/$name-nodepth.onnx,$base" --size "${SIZE:-512}" -o "$report"
node --import tsx scripts/report-table.ts "$report/metrics.json" | tee "$report/table.md"

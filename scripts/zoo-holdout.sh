#!/usr/bin/env bash
# A zoo pair on photos nobody trained or tuned on: the sweep chose each arm on the seed's 15 photos, so the
# pair is confirmed here on 13 others — the content photos and one colour frame from each of the RGB-D sets
# Open3D, TUM and SUN (NYU's is a PPM, which sharp does not read) — at 512 px, with the same paired differences (scripts/sweep-table.ts docs/zoo).
#
#   scripts/zoo-holdout.sh NAME STYLE_IMAGE        e.g. scripts/zoo-holdout.sh wave ../shared/images/styles/wave.jpg
#
# Writes runs/holdout-NAME/ (index.html, grid.png, metrics.json) and docs/zoo/NAME-holdout-{metrics.json,grid.jpg}.
# Environment: MODELS (the folder with NAME-depth.onnx and NAME-nodepth.onnx; default models), SIZE (512), THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 style=$2
shared=${DEPTHSTYLE_SHARED:-../shared}
photos=("$shared"/images/content/*.jpg "$shared"/images/rgbd/open3d/color/00000.jpg "$shared"/images/rgbd/tum/TUM_color.png
  "$shared"/images/rgbd/sun/SUN_color.jpg)
out=runs/holdout-$name
node bin/depthstyle.js compare "${photos[@]}" --style "$style" --methods "${MODELS:-models}/$name-depth.onnx,${MODELS:-models}/$name-nodepth.onnx" \
  --size "${SIZE:-512}" -o "$out" ${THREADS:+--threads "$THREADS"}
mkdir -p docs/zoo
cp "$out/metrics.json" "docs/zoo/$name-holdout-metrics.json"
node --import tsx scripts/run-tools.ts jpeg "$out/grid.png" "docs/zoo/$name-holdout-grid.jpg"

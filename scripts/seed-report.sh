#!/usr/bin/env bash
# The seed paper's own experiment, rerun with our zoo: its 15 photos (../shared/images/seed-report), one style,
# at 512 px — our NAME-depth model and its NAME-nodepth twin, the Johnson/Engstrom baseline they branched from
# (when there is one), and the released outputs of Johnson et al. and of the seed for that style. Every output
# goes through eval (robust judges first); the twins get per-photo paired differences. Writes OUT (index.html,
# grid.png, metrics.json).
#
#   scripts/seed-report.sh [STYLE] [OUT]       STYLE: wave (default), starry or composition — the seed's styles
#                                              with a painting in ../shared · OUT: report/seed-STYLE
# (The Wave twins are an experiment: MODELS=models/experiments scripts/seed-report.sh wave.)
# Environment: SIZE (512), MODELS (the folder with STYLE-depth.onnx and STYLE-nodepth.onnx; default models).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${DEPTHSTYLE_SHARED:-../shared}
style=${1:-wave}
out=${2:-report/seed-$style}
models=${MODELS:-models}
case $style in
  wave) painting=wave.jpg baseline=baseline:wave ;;
  starry) painting=starry_night.jpg baseline= ;;
  composition) painting=composition_vii.jpg baseline= ;;
  *) echo "seed-report: STYLE is wave, starry or composition (the seed's fourth, muse, has no painting in ../shared); got $style" >&2; exit 2 ;;
esac
methods="$models/$style-depth.onnx,$models/$style-nodepth.onnx${baseline:+,$baseline}"
node bin/depthstyle.js compare "$shared"/images/seed-report/*_input.* --style "$shared/images/styles/$painting" \
  --methods "$methods" --size "${SIZE:-512}" \
  --stored "Johnson et al. (released)={stem}_${style}_feifei.jpg" \
  --stored "seed (released)={stem}_${style}_ours.jpg" \
  -o "$out"

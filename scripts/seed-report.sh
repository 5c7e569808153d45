#!/usr/bin/env bash
# Regenerates the README's comparison on the seed paper's own photos (Starry Night):
# the seed's and Johnson et al.'s released outputs, our trained twin models, and
# optimize with and without the depth loss. Writes report/ (index.html, grid.png,
# metrics.json). Takes about 7 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${DEPTHSTYLE_SHARED:-../shared}
node bin/depthstyle.js compare "$shared"/images/seed-report/*_input.* \
  --style "$shared"/images/styles/starry_night.jpg \
  --methods models/starry-depth.onnx,models/starry-nodepth.onnx \
  --optimize --iterations 20 --size 192 \
  --stored "Johnson et al. (released)={stem}_starry_feifei.jpg" \
  --stored "seed (released)={stem}_starry_ours.jpg" \
  -o "${1:-report}"

#!/usr/bin/env bash
# The zoo twins continued on the train split of ../shared/images/photos (issue #32), one run at a time, each
# twin from its own weights with the `photos-continue` preset (src/train/presets.ts: the recipe and the photos).
# A stopped run resumes from its checkpoint. Writes models/NAME-photos-{depth,nodepth}.{onnx,ckpt,log.jsonl,...}.
#
#   scripts/train-zoo-photos.sh [THREADS]        (THREADS: all cores when left out)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${DEPTHSTYLE_SHARED:-../shared}
declare -A painting=([scream]=the_scream.jpg [starry]=starry_night.jpg [composition]=composition_vii.jpg)
for name in scream starry composition; do
  for twin in depth nodepth; do
    out=models/$name-photos-$twin.onnx
    ckpt=models/$name-photos-$twin.ckpt
    if [[ -f $out && ! -f $ckpt.partial && -f models/$name-photos-$twin.done ]]; then echo "done: $out"; continue; fi
    start=(--init "models/$name-$twin.onnx")
    [[ -f $ckpt ]] && start=(--resume "$ckpt")
    node bin/depthstyle.js train --style "$shared/images/styles/${painting[$name]}" --preset photos-continue "${start[@]}" \
      -o "$out" ${1:+--threads "$1"}
    touch "models/$name-photos-$twin.done"
  done
done

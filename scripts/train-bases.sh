#!/usr/bin/env bash
# Our own bases for the zoo, trained from scratch and resumed across sessions, one at a time at full threads:
# Starry Night, then Composition VII (both public domain; Composition VII is one of the seed paper's styles,
# so its twins can be set against the seed's released outputs). Each writes models/bases/NAME-base.{onnx,ckpt,
# log.jsonl,loss.png,preview.png} and resumes from its checkpoint; a finished base is skipped. Start it in
# the background at the beginning of a session:
#
#   nohup scripts/train-bases.sh > runs/bases.log 2>&1 &
#
# Settings: width 16, 192 px crops, batch 2, seed 7, lr 1e-3, Engstrom's objective (content relu4_2 × 7.5, style
# relu1_1…relu5_1 × 100, TV × 200), the painting at 512 px, no depth loss; the twins branch from it later with
# scripts/twin-sweep.sh models/bases/NAME-base.ckpt STYLE NAME ARM (STYLE_SIZE=512).
# Environment: STEPS (each base's target, 8000), THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${DEPTHSTYLE_SHARED:-../shared}
mkdir -p models/bases
for spec in starry:starry_night.jpg composition:composition_vii.jpg; do
  name=${spec%%:*} painting=${spec#*:}
  out=models/bases/$name-base.onnx ckpt=models/bases/$name-base.ckpt
  resume=()
  if [[ -f $ckpt ]]; then
    [[ -f $out ]] && [[ $(node -e "const l=require('fs').readFileSync(process.argv[1],'utf8').trim().split('\n');console.log(JSON.parse(l[l.length-1]).step)" "models/bases/$name-base.log.jsonl") -ge ${STEPS:-8000} ]] && continue
    resume=(--resume "$ckpt")
  fi
  node bin/depthstyle.js train --style "$shared/images/styles/$painting" --data "$shared/images/train" --size 192 --batch 2 --width 16 \
    --seed 7 --steps "${STEPS:-8000}" --lr 1e-3 --content-layer relu4_2 --style-layers relu1_1,relu2_1,relu3_1,relu4_1,relu5_1 \
    --content-weight 7.5 --style-weight 100 --tv-weight 200 --style-size 512 --depth-weight 0 \
    --checkpoint-every 200 --preview-every 200 ${THREADS:+--threads "$THREADS"} "${resume[@]}" -o "$out"
done

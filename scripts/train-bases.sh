#!/usr/bin/env bash
# Our own bases for the zoo, trained here (no third-party weights), one at a time at full threads and resumed
# across sessions from their checkpoints; a finished stage is skipped. Start it in the background at the
# beginning of a session:
#
#   nohup scripts/train-bases.sh > runs/bases.log 2>&1 &
#
# Each stage writes models/bases/NAME.{onnx,ckpt,log.jsonl,loss.png,preview.png}. The recipe is the preset
# `own-base` (src/train/presets.ts: width 16, 192 px crops, batch 2, seed 7, lr 1e-3, Engstrom's layers with
# content × 100, the painting at 512 px, no depth loss); stage 1 ran at content × 7.5.
#
# Starry Night, from scratch, in two stages. Stage 1 (starry-base.stage1) is Engstrom's objective as released
# (content × 7.5). At width 16 and our 2-core budget it learns the painting's texture and never the photo: it ran
# 2,469 steps with its content loss above a grey image's (4.5e6 at step 1, 5.8e6 at the end) and previews of
# pure texture. Stage 2 (starry-base) branches from it with content × 100: probes from stage 1 at × 30 kept the
# content loss above a grey image's for 225 steps; at × 100 the photo's shapes showed within 50–100 steps.
# Composition VII (composition-base; one of the seed paper's styles, so its twins can face the seed's released
# outputs) branches from the Starry base: its encoder and decoder already carry a photo through, so only the
# painting changes. The twins branch from a base at the same content weight:
#   CONTENT_WEIGHT=100 STYLE_SIZE=512 DEPTH_SCALE=3 scripts/twin-sweep.sh models/bases/NAME-base.ckpt STYLE NAME ARM
# Environment: STAGE1 (2469: where stage 1 stood), STEPS (Starry stage 2, 4000), COMPOSITION_STEPS (2500), THREADS.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${DEPTHSTYLE_SHARED:-../shared}
mkdir -p models/bases
last_step() { node --import tsx scripts/run-tools.ts last-step "$1"; }
# stage OUT TARGET_STEPS INIT [train options]: train OUT to TARGET_STEPS, branching from INIT (a checkpoint;
# empty: from scratch) or resuming from OUT's own checkpoint; skip when done (a finished stage needs no checkpoint).
stage() {
  local out=$1 steps=$2 init=$3
  shift 3
  local ckpt=${out%.onnx}.ckpt log=${out%.onnx}.log.jsonl
  [[ -f $out && -f $log ]] && (( $(last_step "$log") >= steps )) && return
  if [[ -f $ckpt ]]; then
    set -- "$@" --resume "$ckpt"
  elif [[ -n $init ]]; then
    set -- "$@" --init "$init"
  fi
  node bin/depthstyle.js train --style "$shared/images/styles/$painting" --data "$shared/images/train" --preset own-base \
    --steps "$steps" ${THREADS:+--threads "$THREADS"} "$@" -o "$out"
}
painting=starry_night.jpg
stage models/bases/starry-base.stage1.onnx "${STAGE1:-2469}" "" --content-weight 7.5
stage models/bases/starry-base.onnx "${STEPS:-4000}" models/bases/starry-base.stage1.ckpt
painting=composition_vii.jpg
stage models/bases/composition-base.onnx "${COMPOSITION_STEPS:-2500}" models/bases/starry-base.ckpt

#!/usr/bin/env bash
# Both twins of an arbitrary-network preset, one after the other (one run at a time), resuming where a
# checkpoint exists: scripts/train-arbitrary-twins.sh [PRESET] [THREADS]. Logs to models/arbitrary/*.log.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-train-split}
threads=${2:-1}
dir=$(node --import tsx -e "import('./src/train/arbitrary.ts').then(m => console.log(m.ARBITRARY_PRESETS['$preset'].dir))")
for twin in depth nodepth; do
  resume=()
  [[ -f $dir/magenta-$twin.ckpt ]] && resume=(--resume)
  node --import tsx scripts/finetune-arbitrary.ts "$twin" --preset "$preset" --threads "$threads" "${resume[@]}"
done

#!/usr/bin/env bash
# The twins' sweep: arms that each branch from the same base and differ from arm A in one setting — depth
# weight, depth loss, learning rate, branch length, training size — each with its own no-depth twin (shared
# where only the depth term differs), compared on the seed's 15 photos at 512 px. Summary:
# node --import tsx scripts/sweep-table.ts runs/sweep-NAME
#
#   scripts/twin-sweep.sh BASE STYLE_IMAGE NAME ARM...     e.g. scripts/twin-sweep.sh baseline:wave ../shared/images/styles/wave.jpg wave A B E
#
# BASE: baseline:NAME, or a checkpoint of our own base (trained at the same objective; give its STYLE_SIZE).
# Arms (all from the base's preset: 192 px crops, batch 2, seed 7, its objective — src/train/presets.ts):
#   A  weighted-content 1e6, lr 1e-4, 300 steps         B  as A, depth weight 3e6        G  as A, depth weight 1e7
#   H  as A, depth weight 5e6                          I  as A, depth weight 4e6
#   J  as A, depth weight 2e6                          K  as A, depth weight 1.5e6
#   L  as A, depth weight 5e5
#   C  as A, eot 1e6
#   D  as A, lr 3e-4                                    E  as A, 600 steps (A's twins resumed)
#   F  as A, 256 px crops
# Environment: THREADS; SIZE (evaluation size, 512); CONTENT_WEIGHT (the base's: 7.5 as Engstrom released, 100 for
# our own bases — see train-bases.sh); DEPTH_SCALE (multiplies every arm's depth weight, 1; our Starry and
# Composition bases take 3: its weighted-content term starts at a relative error of 1.3–4.5 against a released net's ~0.5, and at 15 the
# term was half the objective and the style loss rose 60 % within 116 steps); STYLE_SIZE (the painting's long
# side for the style Gram matrices; default: its full size — for a baseline base choose the size at which the
# released net's first-step style loss is lowest, scripts/style-size-probe.sh: its training size, as near as we
# can tell).
set -euo pipefail
cd "$(dirname "$0")/.."
base=$1 style=$2 name=$3
shift 3
root=runs/sweep-$name
arm_dir() { echo "$root/$1"; }

# train GROUP_DIR FILE [options]: one branch into GROUP_DIR/FILE.onnx unless it is there.
train_branch() {
  local dir=$1 file=$2
  shift 2
  [[ -f $dir/$file.onnx ]] && return
  mkdir -p "$dir"
  node bin/depthstyle.js train --style "$style" --data "${DEPTHSTYLE_SHARED:-../shared}/images/train" \
    ${THREADS:+--threads "$THREADS"} "${point[@]}" "$@" -o "$dir/$file.onnx"
}
# resume FROM_DIR TO_DIR FILE STEPS [options]: continue FROM's run to STEPS in TO.
resume_branch() {
  local from=$1 to=$2 file=$3 steps=$4
  shift 4
  [[ -f $to/$file.onnx ]] && return
  mkdir -p "$to"
  cp "$from/$file.ckpt" "$from/$file.log.jsonl" "$to/"
  node bin/depthstyle.js train --style "$style" --data "${DEPTHSTYLE_SHARED:-../shared}/images/train" \
    ${THREADS:+--threads "$THREADS"} "${point[@]}" "$@" --steps "$steps" --resume "$to/$file.ckpt" -o "$to/$file.onnx"
}
compare_arm() {
  local dir=$1 nodepth=$2
  [[ -f $dir/report/metrics.json ]] && return
  cp "$nodepth" "$dir/$name-nodepth.onnx"
  node bin/depthstyle.js compare "${DEPTHSTYLE_SHARED:-../shared}"/images/seed-report/*_input.* --style "$style" \
    --methods "$dir/$name-depth.onnx,$dir/$name-nodepth.onnx" --size "${SIZE:-512}" -o "$dir/report" ${THREADS:+--threads "$THREADS"}
}

# Every branch continues its base's objective, a preset in code (src/train/presets.ts): engstrom-branch for a
# released baseline, own-branch for one of our own bases; CONTENT_WEIGHT and STYLE_SIZE override it.
preset=own-branch
[[ $base == baseline:* ]] && preset=engstrom-branch
point=(--preset "$preset" ${CONTENT_WEIGHT:+--content-weight "$CONTENT_WEIGHT"} ${STYLE_SIZE:+--style-size "$STYLE_SIZE"})
A=(--init "$base" --lr 1e-4 --steps 300)
# An arm that differs from A only in its depth term: A's no-depth twin, a depth branch, the comparison.
# w WEIGHT: an arm's depth weight times DEPTH_SCALE.
w() { awk -v a="$1" -v s="${DEPTH_SCALE:-1}" 'BEGIN { printf "%g", a * s }'; }
depth_term_arm() {
  train_branch "$root/n-A" "$name-nodepth" "${A[@]}" --depth-weight 0
  train_branch "$1" "$name-depth" "${A[@]}" --depth-loss "$2" --depth-weight "$(w "$3")"
  compare_arm "$1" "$root/n-A/$name-nodepth.onnx"
}
for arm in "$@"; do
  d=$(arm_dir "$arm")
  case $arm in
    A) depth_term_arm "$d" weighted-content 1e6 ;;
    B) depth_term_arm "$d" weighted-content 3e6 ;;
    G) depth_term_arm "$d" weighted-content 1e7 ;;
    H) depth_term_arm "$d" weighted-content 5e6 ;;
    I) depth_term_arm "$d" weighted-content 4e6 ;;
    J) depth_term_arm "$d" weighted-content 2e6 ;;
    K) depth_term_arm "$d" weighted-content 1.5e6 ;;
    L) depth_term_arm "$d" weighted-content 5e5 ;;
    C) depth_term_arm "$d" eot 1e6 ;;
    D) train_branch "$root/n-D" "$name-nodepth" --init "$base" --lr 3e-4 --steps 300 --depth-weight 0
       train_branch "$d" "$name-depth" --init "$base" --lr 3e-4 --steps 300 --depth-loss weighted-content --depth-weight "$(w 1e6)"
       compare_arm "$d" "$root/n-D/$name-nodepth.onnx" ;;
    E) resume_branch "$root/n-A" "$root/n-E" "$name-nodepth" 600 --lr 1e-4 --depth-weight 0
       resume_branch "$(arm_dir A)" "$d" "$name-depth" 600 --lr 1e-4 --depth-loss weighted-content --depth-weight "$(w 1e6)"
       compare_arm "$d" "$root/n-E/$name-nodepth.onnx" ;;
    F) train_branch "$root/n-F" "$name-nodepth" "${A[@]}" --size 256 --depth-weight 0
       train_branch "$d" "$name-depth" "${A[@]}" --size 256 --depth-loss weighted-content --depth-weight "$(w 1e6)"
       compare_arm "$d" "$root/n-F/$name-nodepth.onnx" ;;
    *) echo "unknown arm $arm" >&2; exit 2 ;;
  esac
done

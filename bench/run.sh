#!/usr/bin/env bash
# make bench: run every bench/bench_*.sh. Each measures one hot path next to a
# reference command on the same input in the same run, and prints a markdown
# block (medians and ratios; machines are shared and noisy). Results go to
# bench/out/ and are summarised by hand into bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
export KENSA="$PWD/$BUILD/kensa"
export KS_DATA_DIR=${KS_DATA_DIR:-$PWD/../shared/data}
mkdir -p bench/out
only=${BENCH:-}
for b in bench/bench_*.sh; do
  [ -e "$b" ] || continue
  name=$(basename "$b" .sh)
  [ -n "$only" ] && [ "$only" != "${name#bench_}" ] && continue
  echo "== $name =="
  bash "$b" | tee "bench/out/$name.md"
done

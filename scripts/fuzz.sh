#!/usr/bin/env bash
# Run every libFuzzer target for N seconds each, growing its corpus in
# tests/fuzz/corpus/<name>/. A crash leaves crash-* files; add them to the
# corpus as regression inputs once fixed. Usage: fuzz.sh BUILD_DIR SECONDS [TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1; secs=$2; only=${3:-}
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin"); corpus=tests/fuzz/corpus/${name#fuzz_}
  [ -n "$only" ] && [ "$only" != "$name" ] && continue
  mkdir -p "$corpus"
  echo "== $name ($secs s) =="
  "$bin" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 "$corpus"
done

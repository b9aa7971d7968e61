#!/usr/bin/env bash
# Every test, as CI runs it: the normal build (unit, fuzz-corpus replays and
# the slow integration tests against the real binary), then the ASan+UBSan
# build (unit and fuzz replays). Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
passed=0; failed=0; status=0

run_phase() {   # name, build dir, cmake flags..., -- ctest flags...
  local name=$1 dir=$2; shift 2
  local cm=() ct=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do cm+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  ct=("$@")
  echo "== $name =="
  if ! { [ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" "${cm[@]}" >/dev/null; } ||
     ! cmake --build "$dir" -j "$JOBS"; then
    echo "$name: build failed"; failed=$((failed + 1)); status=1; return
  fi
  local log; log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" "${ct[@]}" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line; line=$(grep -E "tests passed, [0-9]+ tests failed out of [0-9]+" "$log" | tail -1)
  if [ -n "$line" ]; then
    local f t
    f=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
    t=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
    passed=$((passed + t - f)); failed=$((failed + f))
  else
    failed=$((failed + 1))
  fi
  [ "$rc" -eq 0 ] || status=1
  rm -f "$log"
}

run_phase "normal build" "${BUILD:-build}" -DCMAKE_BUILD_TYPE=RelWithDebInfo
if command -v clang >/dev/null; then
  CC=clang run_phase "ASan+UBSan build" "${ASAN_BUILD:-build-asan}" \
    -DCMAKE_BUILD_TYPE=Debug -DKS_SANITIZE=ON -- -L 'unit|fuzz'
else
  echo "ASan+UBSan build: clang missing (run make deps)"; failed=$((failed + 1)); status=1
fi
echo "$passed passed, $failed failed"
exit $status

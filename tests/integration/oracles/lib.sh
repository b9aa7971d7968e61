# Shared by tests/integration/version_oracle_*.sh (sourced). A property test:
# N real version pairs (pairs.py) are ordered by `kensa version compare` in
# batch mode and by the ecosystem's own tool in one process; every answer
# must agree. A version Kensa rejects ('?') must be one the tool rejects
# ('E'); a tool answer of '?' means the tool orders neither way: skipped.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
: "${KS_DATA_DIR:?KS_DATA_DIR must point at the shared data}"
ORACLES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# oracle_check NAME ECOSYSTEM SCHEME N SEED -- ORACLE CMD...
oracle_check() {
  local name=$1 eco=$2 scheme=$3 n=$4 seed=$5
  shift 6
  local pairs=$TMP/$name.pairs
  if ! "$PY" "$ORACLES/pairs.py" "$scheme" "$n" "$seed" >"$pairs" 2>"$TMP/$name.gen"; then
    bad "$name: pair generation failed: $(cat "$TMP/$name.gen")"
    return
  fi
  "$KENSA" version compare "$eco" <"$pairs" >"$TMP/$name.kensa" 2>/dev/null
  local krc=$?
  if [ $krc -ne 0 ] && [ $krc -ne 3 ]; then
    bad "$name: kensa version compare exited $krc"
    return
  fi
  if ! "$@" <"$pairs" >"$TMP/$name.oracle" 2>"$TMP/$name.oerr"; then
    bad "$name: oracle failed: $(head -c 400 "$TMP/$name.oerr")"
    return
  fi
  local counts
  counts=$(paste "$pairs" "$TMP/$name.kensa" "$TMP/$name.oracle" | awk -F'\t' '
    { k = $3; o = $4; if (k == "?") k = "E"
      if (o == "?") { skip++; next }
      if (k == o) { agree++; if (k == "E") rej++ }
      else { differ++; if (differ <= 20) printf "  differs: %s | %s: kensa %s, tool %s\n", $1, $2, $3, $4 > "/dev/stderr" } }
    END { printf "%d %d %d %d\n", agree, differ, skip, rej }')
  local agree differ skip rej
  read -r agree differ skip rej <<<"$counts"
  local lines
  lines=$(wc -l <"$pairs")
  echo "  $name: $lines pairs: $agree agree ($rej rejected by both), $differ differ, $skip skipped"
  if [ "$differ" -eq 0 ] && [ "$agree" -ge $((lines * 9 / 10)) ]; then
    ok "$name: kensa agrees with the tool on every pair"
  else
    bad "$name: $differ pairs differ, $agree of $lines agree"
  fi
}

finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

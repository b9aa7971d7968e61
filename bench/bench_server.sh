#!/usr/bin/env bash
# kensa server under load: wrk against ListFindings with a filter over 100k
# findings, next to the server's HTTP floor (/kensa/v1/healthz: no auth, no
# store) in the same run. Findings are seeded through the store path the scan
# uses (kensa admin evaluate), which is timed too.
#
# Signing: wrk cannot compute SigV4 per request, so the request is signed
# once with curl --aws-sigv4 (current time) and replayed unchanged. Kensa
# allows identical signed *reads* inside the 5-minute window (a replayed
# read changes nothing); identical mutating requests are refused. The run
# stays well inside that window.
#
# Environment: KENSA (binary), N_RESOURCES (100), PER_RESOURCE (1000),
# DURATION (seconds per wrk run, 15), CONNECTIONS (32), THREADS (server, 2).
set -euo pipefail
cd "$(dirname "$0")/.."
KENSA=${KENSA:-$PWD/build/kensa}
N_RESOURCES=${N_RESOURCES:-100}
PER_RESOURCE=${PER_RESOURCE:-1000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "bench_server: wrk is not installed (apt-get install wrk)"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kensa-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

DATA="$TMP/data"
ACC=$("$KENSA" admin account create --data "$DATA" | jq -r .accountId)
KEY=$("$KENSA" admin key create --data "$DATA" "$ACC")
KID=$(jq -r .accessKeyId <<<"$KEY")
KSEC=$(jq -r .secretAccessKey <<<"$KEY")
mkdir -p "$TMP/gen"
python3 bench/gen_findings.py "$TMP/gen" "$N_RESOURCES" "$PER_RESOURCE"
total=$((N_RESOURCES * PER_RESOURCE))
t0=$(date +%s.%N)
for f in "$TMP"/gen/*.json; do
  "$KENSA" admin evaluate --data "$DATA" --account "$ACC" "$f" >/dev/null
done
t1=$(date +%s.%N)
seed_s=$(echo "$t1 - $t0" | bc -l)
# A second evaluation of the same results: the re-evaluation path (unchanged findings).
t0=$(date +%s.%N)
for f in "$TMP"/gen/*.json; do
  "$KENSA" admin evaluate --data "$DATA" --account "$ACC" "$f" >/dev/null
done
t1=$(date +%s.%N)
reeval_s=$(echo "$t1 - $t0" | bc -l)
db_mb=$(du -sm "$DATA" | awk '{print $1}')

echo '{"rateLimit": {"requestsPerSecond": 0}}' >"$TMP/cfg.json"
"$KENSA" --log-level error server --listen 127.0.0.1:0 --data "$DATA" --port-file "$TMP/port" \
  --threads "$THREADS" --config "$TMP/cfg.json" 2>"$TMP/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$TMP/port")"

BODY='{"maxResults":50,"filterCriteria":{"severity":[{"comparison":"EQUALS","value":"CRITICAL"}],"findingStatus":[{"comparison":"EQUALS","value":"ACTIVE"}]},"sortCriteria":{"field":"INSPECTOR_SCORE","sortOrder":"DESC"}}'
signed=$(curl -sv --aws-sigv4 "aws:amz:us-east-1:inspector2" --user "$KID:$KSEC" \
  -H 'Content-Type: application/json' -d "$BODY" -o "$TMP/first.json" "$URL/findings/list" 2>&1)
KS_AUTH=$(grep -i '^> Authorization:' <<<"$signed" | sed 's/^> [Aa]uthorization: //' | tr -d '\r')
KS_DATE=$(grep -i '^> X-Amz-Date:' <<<"$signed" | sed 's/^> [Xx]-[Aa]mz-[Dd]ate: //' | tr -d '\r')
matched=$(jq '.findings | length' "$TMP/first.json")
[ "$matched" -ge 1 ] || { echo "bench_server: the signed request did not work: $(head -c 300 "$TMP/first.json")"; exit 1; }
export KS_AUTH KS_DATE KS_BODY="$BODY"

run_wrk() {  # LUA URL -> "rps p50 p99 errors"
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$1" "$2" | grep KS_RESULT |
    sed -E 's/.*rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) errors=([0-9]+).*/\1 \2 \3 \4/'
}
read -r h_rps h_p50 h_p99 h_err < <(run_wrk bench/server_healthz.lua "$URL/kensa/v1/healthz")
read -r l_rps l_p50 l_p99 l_err < <(run_wrk bench/server_list_findings.lua "$URL/findings/list")
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

cat <<EOF
### kensa server ($(nproc) cores, server threads $THREADS, wrk -t2 -c$CONNECTIONS -d${DURATION}s)

Store: $total findings on $N_RESOURCES hosts ($PER_RESOURCE each), data dir ${db_mb} MB.

| what | result |
|---|---|
| seeding $total findings via \`kensa admin evaluate\` (store path, events included) | ${seed_s%.*} s ($(echo "$total / $seed_s" | bc) findings/s) |
| re-evaluating all $N_RESOURCES hosts, nothing changed | ${reeval_s%.*} s ($(echo "$total / $reeval_s" | bc) findings/s) |
| \`/kensa/v1/healthz\` (HTTP floor: no auth, no store) | $h_rps req/s, p50 $h_p50 ms, p99 $h_p99 ms, errors $h_err |
| ListFindings: severity CRITICAL + status ACTIVE, sort INSPECTOR_SCORE DESC, 50 per page, SigV4 | $l_rps req/s, p50 $l_p50 ms, p99 $l_p99 ms, errors $l_err |
| ListFindings / healthz throughput | $(echo "scale=3; $l_rps / $h_rps" | bc) |
EOF

#!/usr/bin/env bash
# kensa server, two parts (PARTS="load reeval" by default):
#
# load: wrk against ListFindings with a filter over 100k findings, next to
# the server's HTTP floor (/kensa/v1/healthz: no auth, no store) in the same
# run. Findings are seeded through the store path the scan uses (kensa admin
# evaluate), which is timed too.
#
# Signing: wrk cannot compute SigV4 per request, so the request is signed
# once with curl --aws-sigv4 (current time) and replayed unchanged. Kensa
# allows identical signed *reads* inside the 5-minute window (a replayed
# read changes nothing); identical mutating requests are refused. The run
# stays well inside that window.
#
# reeval: continuous evaluation after vulnerability-DB updates. N_HOSTS
# (10,000) Debian 12 host inventories of PKGS (300) real packages each
# (drawn from this machine's own dpkg status, a real Debian system) are
# pushed over HTTP (SigV4, POST /kensa/v1/inventory) while the server has no
# DB yet, so the pushes only store them; then the base DB appears at --db
# (the real Debian OSV records, minus the ones held back) and the server
# evaluates every stored inventory: the "re-evaluate all" reference. Then
# three updates, each `kensa db import` of real records held back for one
# package that 1 % of the hosts hold at an affected version (curl, openssl,
# tiff), imported beside the running server: the server picks each up and
# re-evaluates only the hosts holding that package. Reference in the same
# run: the evaluate-all pass, and `kensa scan` of one host's inventory x the
# number of hosts a round re-evaluated.
#
# Environment: KENSA (binary), PARTS, N_RESOURCES (100), PER_RESOURCE
# (1000), DURATION (seconds per wrk run, 15), CONNECTIONS (32), THREADS
# (server, 2), N_HOSTS (10000), PKGS (300), KS_DATA_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
KENSA=${KENSA:-$PWD/build/kensa}
N_RESOURCES=${N_RESOURCES:-100}
PER_RESOURCE=${PER_RESOURCE:-1000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PARTS=${PARTS:-load reeval}
N_HOSTS=${N_HOSTS:-10000}
PKGS=${PKGS:-300}
KS_DATA_DIR=${KS_DATA_DIR:-$PWD/../shared/data}
export KS_DATA_DIR
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kensa-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

bench_load() {
command -v wrk >/dev/null || { echo "bench_server: wrk is not installed (apt-get install wrk)"; exit 1; }
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
[ -s "$TMP/port" ] || { echo "bench_server: the server did not start: $(cat "$TMP/server.log")"; exit 1; }
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
}

# db_row SEQ: "recorded_ms evaluated_ms resources_evaluated change_set" of the change log
# entry for the DB update SEQ, once its pass completed ("" before).
db_row() {
  sqlite3 -separator ' ' "$R/data/kensa.db" \
    "select recorded_at, evaluated_at, resources_evaluated, change_set from db_changes
     where db_id like '%/$1' and evaluated_at is not null order by change_id desc limit 1" 2>/dev/null
}
# wait_pass SEQ LIMIT_S: wait for the pass of update SEQ; prints its db_row.
wait_pass() {
  local end=$((SECONDS + $2)) row
  while :; do
    row=$(db_row "$1")
    [ -n "$row" ] && { echo "$row"; return 0; }
    [ "$SECONDS" -ge "$end" ] && { echo "bench_server: no completed pass for update $1" >&2; return 1; }
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench_server: the server died: $(tail -5 "$R/server.log")" >&2; return 1; }
    sleep 0.05
  done
}
db_seq() { "$KENSA" db status --db "$R/vuln.db" --format json 2>/dev/null | jq -r .seq; }

bench_reeval() {
  local LIB=tests/integration/lib SEED_S ALL IMPORT_S
  [ -r /var/lib/dpkg/status ] || { echo "bench_server: reeval needs a Debian dpkg status at /var/lib/dpkg/status"; exit 1; }
  python3 -c 'import botocore' 2>/dev/null || { echo "bench_server: reeval needs botocore (python3-botocore)"; exit 1; }
  R="$TMP/reeval"
  mkdir -p "$R/root/etc" "$R/root/var/lib/dpkg"
  printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$R/root/etc/os-release"
  cp /var/lib/dpkg/status "$R/root/var/lib/dpkg/status"
  "$KENSA" sbom -o "$R/tmpl.json" "$R/root" 2>/dev/null
  # The updates: real Debian:12 records held back from the base DB, one package each.
  python3 $LIB/osv_pick.py pick "$R/upd1" Debian:12 curl --fixed-from 7.88.1-10 >/dev/null
  python3 $LIB/osv_pick.py pick "$R/upd2" Debian:12 openssl --fixed-from 3.0.9-1 >/dev/null
  python3 $LIB/osv_pick.py pick "$R/upd3" Debian:12 tiff --fixed-from 4.5.0-6 >/dev/null
  python3 - "$KS_DATA_DIR/osv/Debian/all.zip" "$R/base.zip" "$R"/upd1 "$R"/upd2 "$R"/upd3 <<'EOF'
import os, sys, zipfile
src, dst, held = sys.argv[1], sys.argv[2], set()
for d in sys.argv[3:]:
    held |= set(os.listdir(d))
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
    for n in zi.namelist():
        if os.path.basename(n) not in held:
            zo.writestr(n, zi.read(n))
EOF
  local acc key kid ksec
  acc=$("$KENSA" admin account create --data "$R/data" | jq -r .accountId)
  key=$("$KENSA" admin key create --data "$R/data" "$acc")
  kid=$(jq -r .accessKeyId <<<"$key")
  ksec=$(jq -r .secretAccessKey <<<"$key")
  echo '{"rateLimit": {"requestsPerSecond": 0}, "vulndbCheckSeconds": 0.5}' >"$R/cfg.json"
  "$KENSA" server --listen 127.0.0.1:0 --data "$R/data" --port-file "$R/port" --db "$R/vuln.db" \
    --threads "$THREADS" --config "$R/cfg.json" 2>"$R/server.log" &
  SERVER_PID=$!
  for _ in $(seq 100); do [ -s "$R/port" ] && break; sleep 0.1; done
  [ -s "$R/port" ] || { echo "bench_server: the server did not start: $(cat "$R/server.log")"; exit 1; }
  local url="http://127.0.0.1:$(cat "$R/port")"

  # Seed: every inventory over HTTP, stored only (no DB yet).
  local t0 t1
  t0=$(date +%s.%N)
  python3 bench/server_fleet.py "$url" "$kid" "$ksec" "$R/tmpl.json" "$N_HOSTS" --packages "$PKGS" \
    --rare 100 0 curl=curl,libcurl4=7.88.1-7 --rare 100 1 openssl=openssl,libssl3=3.0.8-1 \
    --rare 100 2 tiff=libtiff6=4.5.0-5 --dump 0 "$R/host0.json" >&2
  t1=$(date +%s.%N)
  SEED_S=$(echo "$t1 - $t0" | bc -l)
  local store_mb index_rows
  index_rows=$(sqlite3 "$R/data/kensa.db" "select count(*) from inventory_packages")

  # The base DB appears: every stored inventory is evaluated (the reference).
  t0=$(date +%s.%N)
  "$KENSA" db import --db "$R/vuln.db" "$R/base.zip" >/dev/null 2>&1
  t1=$(date +%s.%N)
  local base_import_s base_seq all_row all_ms all_n all_mode
  base_import_s=$(echo "$t1 - $t0" | bc -l)
  base_seq=$(db_seq)
  all_row=$(wait_pass "$base_seq" 7200) || exit 1
  read -r rec ev all_n cs <<<"$all_row"
  all_ms=$((ev - rec))
  all_mode=$(jq -r .mode <<<"$cs")
  store_mb=$(du -sm "$R/data" | awk '{print $1}')
  local findings_all
  findings_all=$(sqlite3 "$R/data/kensa.db" "select count(*) from findings where lifecycle = 'ACTIVE'")

  # Three updates, each naming a package 1 % of the hosts hold.
  local rows=() r seq row imp_s pass_ms wall sel n_ev mode names new
  for r in 1 2 3; do
    local before
    before=$(sqlite3 "$R/data/kensa.db" "select count(*) from findings where lifecycle = 'ACTIVE'")
    t0=$(date +%s.%N)
    "$KENSA" db import --db "$R/vuln.db" "$R/upd$r" >/dev/null 2>&1
    t1=$(date +%s.%N)
    imp_s=$(echo "$t1 - $t0" | bc -l)
    seq=$(db_seq)
    row=$(wait_pass "$seq" 600) || exit 1
    wall=$(echo "$(date +%s.%N) - $t1" | bc -l)
    read -r rec ev n_ev cs <<<"$row"
    pass_ms=$((ev - rec))
    sel=$(jq -r .resources <<<"$cs")
    mode=$(jq -r .mode <<<"$cs")
    names=$(jq -r '.packages | join(",")' <<<"$cs")
    new=$(( $(sqlite3 "$R/data/kensa.db" "select count(*) from findings where lifecycle = 'ACTIVE'") - before ))
    rows+=("$r $imp_s $pass_ms $wall $sel $n_ev $mode $names $new")
  done

  # Reference: kensa scan of one host's inventory, as many times as a round re-evaluated.
  local n_scan scan_s
  n_scan=$(awk '{print $5}' <<<"${rows[0]}")
  t0=$(date +%s.%N)
  for ((i = 0; i < n_scan; i++)); do
    "$KENSA" scan --db "$R/vuln.db" --format json "sbom:$R/host0.json" >/dev/null 2>&1 || [ $? -eq 1 ] ||
      { echo "bench_server: kensa scan failed" >&2; exit 1; }
  done
  t1=$(date +%s.%N)
  scan_s=$(echo "$t1 - $t0" | bc -l)
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

  med() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m}'; }
  local med_pass med_wall med_sel med_imp
  med_pass=$(printf '%s\n' "${rows[@]}" | awk '{print $3 / 1000}' | med)
  med_wall=$(printf '%s\n' "${rows[@]}" | awk '{print $4}' | med)
  med_sel=$(printf '%s\n' "${rows[@]}" | awk '{print $5}' | med | cut -d. -f1)
  med_imp=$(printf '%s\n' "${rows[@]}" | awk '{print $2}' | med)
  cat <<EOF
### kensa server: re-evaluation after DB updates ($(nproc) cores, server threads $THREADS)

$N_HOSTS Debian 12 hosts of $PKGS real packages each (drawn from this machine's dpkg status),
pushed over HTTP with SigV4 while no DB was open (stored, not evaluated):
$(printf '%.1f' "$SEED_S") s ($(echo "$N_HOSTS / $SEED_S" | bc) pushes/s); index $index_rows rows; store ${store_mb} MB.
Base DB: the Debian OSV archive minus the held-back records, \`kensa db import\` $(printf '%.1f' "$base_import_s") s.

| update | db import s | pass s (server) | import done → pass done s | hosts selected | re-evaluated | mode | packages named | new findings |
|---|---|---|---|---|---|---|---|---|
| base DB appears (reference: evaluate all) | $(printf '%.1f' "$base_import_s") | $(echo "scale=1; $all_ms / 1000" | bc) | – | $N_HOSTS | $all_n | $all_mode | all | $findings_all |
$(printf '%s\n' "${rows[@]}" | awk '{printf "| %d: the held-back records for %s | %.2f | %.3f | %.2f | %d | %d | %s | %s | %d |\n", $1, $8, $2, $3 / 1000, $4, $5, $6, $7, $8, $9}')

Medians of the three updates: pass $med_pass s over $med_sel hosts (import $med_imp s, import done → pass done $med_wall s).
Per host: $(echo "scale=2; $med_pass * 1000 / $med_sel" | bc) ms in a change-set pass, $(echo "scale=2; $all_ms / $N_HOSTS" | bc) ms in the evaluate-all pass.
Reference: \`kensa scan\` of one host's inventory × $n_scan: $(printf '%.2f' "$scan_s") s ($(echo "scale=1; $scan_s * 1000 / $n_scan" | bc) ms each);
re-evaluating all $N_HOSTS instead of the changed 1 % would take $(echo "scale=0; $all_ms / 1000" | bc) s.
EOF
}

for part in $PARTS; do
  case "$part" in
  load) bench_load ;;
  reeval) bench_reeval ;;
  *) echo "bench_server: unknown part '$part' (load, reeval)"; exit 2 ;;
  esac
done

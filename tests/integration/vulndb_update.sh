#!/usr/bin/env bash
# vulndb_update.sh: `kensa db update` against a mirror served on 127.0.0.1
# by vulndb_server.py (real files from ../shared/data in the bucket layout,
# a smaller set so each update takes seconds): conditional requests, an
# ecosystem and NVD years the mirror lacks, retries, HTTP 500, truncated
# and corrupt bodies, a kill -9 in the middle of an update, directory
# mirrors, KENSA_MIRROR, NVD API increments from a config file. Every
# failure must leave the previous DB working and unchanged.
set -u
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
SRV=
cleanup() {
    [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() {
    local d=$1
    shift
    if "$@"; then ok; else bad "$d"; fi
}
jq_py() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"
}

# The mirror: two OSV ecosystems plus one listed but absent, two NVD years.
M=$T/mirror
mkdir -p "$M/osv/Go" "$M/osv/crates.io" "$M/nvd" "$M/epss" "$M/kev"
printf 'Go\ncrates.io\nNotThere\n' >"$M/osv/ecosystems.txt"
cp "$DATA/osv/Go/all.zip" "$M/osv/Go/all.zip"
cp "$DATA/osv/crates.io/all.zip" "$M/osv/crates.io/all.zip"
cp "$DATA/nvd/nvdcve-2.0-2020.json.gz" "$DATA/nvd/nvdcve-2.0-2024.json.gz" "$M/nvd/"
cp "$DATA/epss/epss_scores-current.csv.gz" "$M/epss/"
cp "$DATA/kev/known_exploited_vulnerabilities.json" "$M/kev/"

python3 "$HERE/vulndb_server.py" "$M" "$T/port" "$T/server.log" \
    "$DATA/fixtures/native-feeds/vuln-list-update/nvd-api/fixtures/respPageFull.json" &
SRV=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
URL=http://127.0.0.1:$PORT
# Quick retries, and only the years the mirror has plus one it lacks.
cat >"$T/fast.conf" <<EOF
retries = 2
retry_delay_ms = 20
nvd.years = 2019-2024
EOF
DB=$T/db/vuln.db
up() { "$KENSA" db update --db "$DB" --config "$T/fast.conf" --format json "$@"; }

# --- first update: everything new -----------------------------------------
up --mirror "$URL/ok" >"$T/u1.json" 2>"$T/u1.err"
check "first update exits 0 ($(head -2 "$T/u1.err"))" test $? -eq 0
check "first update imports the mirror" jq_py "$T/u1.json" \
    "d['written'] and d['fromScratch'] and {s['source']: s['records'] for s in d['sources'] if s['state'] == 'imported'} == {'osv:Go': 4291, 'osv:crates.io': 1206, 'nvd:2020': 973, 'nvd:2024': 2740, 'epss': 360142, 'kev': 1404}"
check "listed-but-absent ecosystem and years are 'missing', not errors" jq_py "$T/u1.json" \
    "sorted(s['source'] for s in d['sources'] if s['state'] == 'missing') == ['nvd:2019', 'nvd:2021', 'nvd:2022', 'nvd:2023', 'osv:NotThere']"
"$KENSA" db status --db "$DB" --format json >"$T/s1.json"
check "status records the mirror URL and ETag" jq_py "$T/s1.json" \
    "any(s['name'] == 'osv:Go' and s['location'] == '$URL/ok/osv/Go/all.zip' and s['etag'] for s in d['sources'])"
HASH1=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['contentHash'])" "$T/s1.json")
INO1=$(stat -c %i "$DB")

# --- second update: conditional requests, nothing changes -------------------
: >"$T/server.log"
up --mirror "$URL/ok" >"$T/u2.json" 2>&1
check "second update exits 0" test $? -eq 0
check "second update: every source not-modified" jq_py "$T/u2.json" \
    "all(s['state'] in ('not-modified', 'missing') for s in d['sources']) and d['seq'] == 2 and d['advisories'] == 5497"
check "server saw If-None-Match and answered 304" test "$(grep -c ' 304 "' "$T/server.log")" -eq 6
"$KENSA" db status --db "$DB" --format json >"$T/s2.json"
check "content unchanged after 304s" jq_py "$T/s2.json" "d['contentHash'] == '$HASH1' and d['seq'] == 2"

# --- failures keep the old DB ---------------------------------------------
INO2=$(stat -c %i "$DB")
: >"$T/server.log"
up --mirror "$URL/500" >/dev/null 2>"$T/e500.err"
check "HTTP 500: exit 3" test $? -eq 3
check "HTTP 500: says so" grep -q "HTTP status 500" "$T/e500.err"
check "HTTP 500: retried (1 + 2 retries)" test "$(grep -c 'ecosystems.txt 500' "$T/server.log")" -eq 3
up --mirror "$URL/trunc" --force >/dev/null 2>"$T/etrunc.err"
check "truncated body: exit 3" test $? -eq 3
check "truncated body: says so" grep -Eqi "truncated|partial|transfer closed" "$T/etrunc.err"
up --mirror "$URL/corrupt" --force --source osv:Go >/dev/null 2>"$T/ecorrupt.err"
check "corrupt zip: exit 3" test $? -eq 3
check "corrupt zip: names the archive" grep -q "all.zip" "$T/ecorrupt.err"
check "failures kept the file" test "$(stat -c %i "$DB")" = "$INO2"
"$KENSA" db status --db "$DB" --format json >"$T/s3.json"
check "failures kept the content" jq_py "$T/s3.json" "d['contentHash'] == '$HASH1' and d['seq'] == 2"
# a server that fails once per file: retries get through
up --mirror "$URL/flaky" --force --source kev >"$T/flaky.json" 2>/dev/null
check "flaky server: retried to success" jq_py "$T/flaky.json" "d['written']"

# --- kill -9 in the middle of an update -----------------------------------
"$KENSA" db status --db "$DB" --format json >"$T/s4.json"
HASH4=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['contentHash'])" "$T/s4.json")
"$KENSA" db update --db "$DB" --config "$T/fast.conf" --mirror "$URL/slow" --force >/dev/null 2>&1 &
UP=$!
sleep 2
kill -9 "$UP"
wait "$UP" 2>/dev/null
check "killed update left its work files" test -n "$(ls "$T/db" | grep -E '\.(dl|new)-')"
"$KENSA" db status --db "$DB" --format json >"$T/s5.json"
check "after kill -9: the old DB still works, unchanged" jq_py "$T/s5.json" "d['contentHash'] == '$HASH4'"
"$KENSA" db query --db "$DB" --format json Go stdlib 1.20.4 >"$T/q.json"
check "after kill -9: queries work" jq_py "$T/q.json" "any(a['id'] == 'GO-2023-1840' for a in d['advisories'])"
up --mirror "$URL/ok" --source kev >/dev/null 2>&1
check "next update succeeds" test $? -eq 0
check "next update removed the killed run's files" test -z "$(ls "$T/db" | grep -E '\.(dl|new)-')"

# --- a directory mirror, and KENSA_MIRROR -----------------------------------
"$KENSA" db update --db "$T/dir.db" --mirror "$M" --format json >"$T/d1.json" 2>&1
check "directory mirror" jq_py "$T/d1.json" \
    "d['written'] and d['advisories'] == 5497 and any(s['source'] == 'osv:NotThere' and s['state'] == 'missing' for s in d['sources'])"
KENSA_MIRROR="$URL/ok" "$KENSA" db update --db "$T/env.db" --config "$T/fast.conf" --source osv:Go \
    --format json >"$T/e1.json" 2>&1
check "KENSA_MIRROR and --source" jq_py "$T/e1.json" \
    "[s['source'] for s in d['sources']] == ['osv:Go'] and d['advisories'] == 4291"
"$KENSA" db update --db "$T/x.db" --source bogus >/dev/null 2>&1
check "unknown --source is a usage error" test $? -eq 2

# --- configured sources with NVD API increments ------------------------------
cat >"$T/api.conf" <<EOF
osv = $URL/ok/osv
osv.ecosystems = crates.io
nvd = $URL/ok/nvd
nvd.api = $URL/ok/api
nvd.api_delay_ms = 0
nvd.years = 2020-2020
epss = $URL/ok/epss/epss_scores-current.csv.gz
kev = $URL/ok/kev/known_exploited_vulnerabilities.json
distro = off
EOF
"$KENSA" db update --db "$T/api.db" --config "$T/api.conf" --format json >"$T/a1.json" 2>&1
check "config sources: first update (no increment yet)" jq_py "$T/a1.json" \
    "d['written'] and not any(s['source'] == 'nvd:api' for s in d['sources'])"
: >"$T/server.log"
NVD_API_KEY=test-key-123 "$KENSA" db update --db "$T/api.db" --config "$T/api.conf" --format json \
    >"$T/a2.json" 2>"$T/a2.err"
check "config sources: NVD API increment (2 pages, 3 records)" jq_py "$T/a2.json" \
    "sum(s['records'] for s in d['sources'] if s['source'] == 'nvd:api') == 3 and d['nvd']['added'] + d['nvd']['modified'] >= 2"
check "API requests asked for the lastMod window" test "$(grep -c 'GET /ok/api?lastModStartDate=.*startIndex=' "$T/server.log")" -eq 2
check "API requests carried NVD_API_KEY" test "$(grep -c 'GET /ok/api?.* test-key-123$' "$T/server.log")" -eq 2
check "the key is never printed" test -z "$(grep -l test-key-123 "$T/a2.json" "$T/a2.err")"
"$KENSA" db query --db "$T/api.db" --format json crates.io smallvec >/dev/null
check "query on the configured DB" test $? -eq 0

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

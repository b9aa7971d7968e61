#!/usr/bin/env bash
# distro_update.sh: `kensa db update` for the distro feeds against a feed
# server on 127.0.0.1 (vulndb_server.py) holding real samples:
#  - an HTTP mirror with the native/ layout (a partial one: what it lacks
#    is "missing", not an error), then the same again: not-modified;
#  - the public fetch paths with their locations overridden in the config:
#    Amazon Linux's mirror.list -> repodata/repomd.xml -> updateinfo, and
#    Rocky's repomd.xml -> updateinfo (the real repomd.xml samples);
#  - a repomd.xml that names no updateinfo, a corrupt .gz and an HTTP 500:
#    errors that leave the previous DB as it was.
set -u
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
HERE=$(cd "$(dirname "$0")" && pwd)
V=$DATA/fixtures/native-feeds/vuln-list-update
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
state_of() { # json source -> state
    python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
print(" ".join(s["state"] for s in d["sources"] if s["source"] == sys.argv[2]) or "absent")' "$1" "$2"
}

# The server's files: a native/ mirror, and two yum repositories.
M=$T/srv
mkdir -p "$M/native/amazon-alas/2023" "$M/native/amazon-alas/2" "$M/native/alpine-secdb/v3.19" \
    "$M/native/wolfi-secdb" "$M/native/debian-security-tracker/data/DSA" \
    "$M/native/rocky/8/BaseOS" "$M/al2023/repo/repodata" "$M/rocky8/BaseOS/repodata" \
    "$M/rocky8/AppStream/repodata" "$M/bad/repodata"
cp "$V/amazon-alas/fixtures/updateinfo_AL2023.xml.gz" "$M/native/amazon-alas/2023/updateinfo.xml.gz"
cp "$V/amazon-alas/fixtures/updateinfo_2_items.xml.gz" "$M/native/amazon-alas/2/updateinfo.xml.gz"
cp "$DATA/native/alpine-secdb/v3.19/main.json" "$M/native/alpine-secdb/v3.19/main.json"
cp "$V/wolfi-secdb/security.json" "$M/native/wolfi-secdb/security.json"
cp "$DATA/native/debian-security-tracker/data/DSA/list" "$M/native/debian-security-tracker/data/DSA/list"
gzip -c "$V/rocky-updateinfo/fixtures/happy/updateinfo.xml" >"$M/native/rocky/8/BaseOS/updateinfo.xml.gz"
cp "$V/amazon-alas/fixtures/repomd_valid.xml" "$M/al2023/repo/repodata/repomd.xml"
cp "$V/amazon-alas/fixtures/updateinfo_AL2023.xml.gz" "$M/al2023/repo/repodata/updateinfo.xml.gz"
cp "$V/rocky-updateinfo/fixtures/happy/repomd.xml" "$M/rocky8/BaseOS/repodata/repomd.xml"
gzip -c "$V/rocky-updateinfo/fixtures/happy/updateinfo.xml" >"$M/rocky8/BaseOS/repodata/updateinfo.xml.gz"
cp "$V/amazon-alas/fixtures/repomd_invalid.xml" "$M/bad/repodata/repomd.xml"
# the mirror's index of its distro sources (some listed but absent)
printf 'alas:2023\nalas:2\nalas:1\nsecdb:alpine-v3.19-main\nsecdb:wolfi\ndebian:dsa\ndebian:cve\ndebian-oval:12\nrocky:8\nphoton:5.0\n' \
    >"$M/native/feeds.txt"

python3 "$HERE/vulndb_server.py" "$M" "$T/port" "$T/server.log" &
SRV=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
URL=http://127.0.0.1:$PORT
printf 'http://127.0.0.1:%s/ok/al2023/repo\n' "$PORT" >"$M/al2023/mirror.list"
cat >"$T/fast.conf" <<EOF2
retries = 1
retry_delay_ms = 20
EOF2
DB=$T/vuln.db
up() { "$KENSA" db update --db "$DB" --format json "$@"; }
SRC="--source alas --source secdb --source debian --source debian-oval --source rocky --source photon"

# --- an HTTP mirror ---------------------------------------------------------
# shellcheck disable=SC2086
up --config "$T/fast.conf" --mirror "$URL/ok" $SRC >"$T/u1.json" 2>"$T/u1.err"
rc=$?
check "update from the HTTP mirror exits 0 ($(grep -v warn "$T/u1.err" | head -2))" test $rc -eq 0
for s in alas:2023 alas:2 secdb:alpine-v3.19-main secdb:wolfi debian:dsa rocky:8; do
    check "$s imported (state: $(state_of "$T/u1.json" "$s"))" test "$(state_of "$T/u1.json" "$s")" = imported
done
for s in alas:1 debian:cve photon:5.0; do
    check "$s listed but absent: missing (state: $(state_of "$T/u1.json" "$s"))" \
        test "$(state_of "$T/u1.json" "$s")" = missing
done
check "secdb:chainguard is not in the index: not asked for" \
    test "$(state_of "$T/u1.json" secdb:chainguard)" = absent
check "... and not requested" test "$(grep -c chainguard "$T/server.log")" -eq 0
check "the tracker's CVE list is missing, so Debian OVAL is tried" \
    grep -q "GET /ok/native/debian-oval/oval-definitions-bookworm.xml.bz2 404" "$T/server.log"
"$KENSA" db query --db "$DB" "Rocky Linux:8" lz4 1.8.3-2.el8 --format json >"$T/q.json"
check "Rocky via the mirror: lz4 1.8.3-2.el8 is affected by RLSA-2021:2575" \
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["advisories"]
sys.exit(0 if [x["id"] for x in a] == ["RLSA-2021:2575"] else 1)' "$T/q.json"
hash1=$("$KENSA" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["contentHash"])')

# the same again: conditional requests, nothing re-imported
# shellcheck disable=SC2086
up --config "$T/fast.conf" --mirror "$URL/ok" $SRC >"$T/u2.json" 2>/dev/null
check "second update exits 0" test $? -eq 0
for s in alas:2023 secdb:wolfi debian:dsa; do
    check "$s not-modified (state: $(state_of "$T/u2.json" "$s"))" test "$(state_of "$T/u2.json" "$s")" = not-modified
done
check "rocky:8 (merged, fetched whole) unchanged: $(state_of "$T/u2.json" rocky:8)" \
    test "$(state_of "$T/u2.json" rocky:8)" = unchanged

# an HTTP mirror without native/feeds.txt has no distro feeds: nothing asked, no error
"$KENSA" db update --db "$T/bare.db" --config "$T/fast.conf" --mirror "$URL/ok/nothing-here" \
    --source alas --format json >"$T/u3.json" 2>"$T/u3.err"
rc=$?
check "a mirror without native/feeds.txt: exit 0 ($(head -1 "$T/u3.err"))" test $rc -eq 0
check "... and no distro source" python3 -c 'import json,sys
sys.exit(0 if not json.load(open(sys.argv[1]))["sources"] else 1)' "$T/u3.json"

# --- the public paths, locations from the config ----------------------------
cat >"$T/pub.conf" <<EOF2
retries = 1
retry_delay_ms = 20
distro.alas:2023 = $URL/ok/al2023/mirror.list
distro.rocky:8 = $URL/ok/rocky8/BaseOS
EOF2
up --db "$T/pub.db" --config "$T/pub.conf" --source alas:2023 --source rocky:8 >"$T/p1.json" 2>"$T/p1.err"
rc=$?
check "mirror.list -> repomd.xml -> updateinfo ($(grep -v warn "$T/p1.err" | head -2))" test $rc -eq 0
check "alas:2023 imported through the repository" test "$(state_of "$T/p1.json" alas:2023)" = imported
check "rocky:8 imported through repomd.xml" test "$(state_of "$T/p1.json" rocky:8)" = imported
check "the repomd.xml was read" grep -q "GET /ok/al2023/repo/repodata/repomd.xml 200" "$T/server.log"
check "the updateinfo it names was fetched" \
    grep -q "GET /ok/al2023/repo/repodata/updateinfo.xml.gz 200" "$T/server.log"
"$KENSA" db query --db "$T/pub.db" "Amazon Linux:2023" rsyslog-openssl 8.2204.0-2.amzn2023 --format json >"$T/q.json"
check "rsyslog-openssl 8.2204.0-2 is affected by ALAS2023-2023-001" \
    python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["advisories"]
sys.exit(0 if [x["id"] for x in a] == ["ALAS2023-2023-001"] else 1)' "$T/q.json"

# --- failures leave the DB as it was ----------------------------------------
n=0
for bad_loc in "$URL/ok/bad" "$URL/corrupt/rocky8/BaseOS" "$URL/500/rocky8/BaseOS"; do
    n=$((n + 1))
    printf 'retries = 1\nretry_delay_ms = 20\ndistro.rocky:8 = %s\n' "$bad_loc" >"$T/bad.conf"
    up --db "$DB" --config "$T/bad.conf" --source rocky:8 >/dev/null 2>"$T/bad$n.err"
    rc=$?
    check "$bad_loc: exit 3, not $rc ($(head -1 "$T/bad$n.err"))" test $rc -eq 3
done
check "a repomd.xml without updateinfo is named ($(head -1 "$T/bad1.err"))" \
    grep -q "repodata/repomd.xml: names no updateinfo" "$T/bad1.err"
check "a corrupt updateinfo.xml.gz is named ($(head -1 "$T/bad2.err"))" \
    grep -q "updateinfo.xml.gz" "$T/bad2.err"
check "HTTP 500 is named ($(head -1 "$T/bad3.err"))" grep -q "HTTP status 500" "$T/bad3.err"
hash2=$("$KENSA" db status --db "$DB" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["contentHash"])')
check "failed updates left the DB as it was" test "$hash1" = "$hash2"

echo "$pass passed, $fail failed"
test "$fail" -eq 0

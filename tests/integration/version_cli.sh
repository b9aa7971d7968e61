#!/usr/bin/env bash
# kensa version: compare (single and batch), affected on real OSV records,
# ecosystems, help texts and exit codes, run on the real binary.
set -uo pipefail
: "${KENSA:?}" "${KS_DATA_DIR:?}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
check() { # description, then a command that must succeed
  local d=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $d"; fi
}
# run CMD... : sets OUT, ERR, RC
run() { "$@" >"$TMP/out" 2>"$TMP/err"; RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err"); }

# --- compare, one pair
run "$KENSA" version compare Debian 1.0~rc1 1.0
check "dpkg tilde" test "$OUT|$RC" = "<|0"
run "$KENSA" version compare "Red Hat" 1.0^git1 1.0
check "rpm caret" test "$OUT|$RC" = ">|0"
run "$KENSA" version compare pypi 1.0-1 1.0.post1
check "pep440 normalisation, lower-case ecosystem" test "$OUT|$RC" = "=|0"
run "$KENSA" version compare Debian:12 2:1.0 1:9.9
check "ecosystem with release" test "$OUT|$RC" = ">|0"
run "$KENSA" version compare go v1.2.3 1.2.3+incompatible
check "go alias, v optional, build ignored" test "$OUT|$RC" = "=|0"
run "$KENSA" version compare maven 1.0.0.RC1 1.0.0-RC2
check "scheme name" test "$OUT|$RC" = "<|0"
run "$KENSA" version compare Nope 1 2
check "unknown ecosystem exits 2 naming it" test "$RC" = 2 -a -n "$(grep -F "unknown ecosystem 'Nope'" <<<"$ERR")"
run "$KENSA" version compare ConanCenter 1 2
check "ecosystem without ordering exits 2" test "$RC" = 2 -a -n "$(grep -F "no version ordering" <<<"$ERR")"
run "$KENSA" version compare Debian 1: 2
check "unparsable version exits 3 naming it" test "$RC" = 3 -a -n "$(grep -F "'1:'" <<<"$ERR")" -a -z "$OUT"
run "$KENSA" version compare Debian 1
check "wrong argument count exits 2" test "$RC" = 2
run "$KENSA" version compare --bogus Debian
check "unknown option exits 2" test "$RC" = 2

# --- compare, batch
printf '1.0\t2.0\n2:1\t1:5\nno tab here\n1.0-1\t1.0-1\n1:\t1\r\n1.0~a\t1.0\r\n3.0\t3.0' >"$TMP/pairs"
run "$KENSA" version compare Debian <"$TMP/pairs"
check "batch answers every line in order, ? for bad ones" test "$(tr '\n' ' ' <<<"$OUT")" = "< > ? = ? < = "
check "batch exits 3 after bad lines" test "$RC" = 3
check "batch names bad line numbers" test -n "$(grep -F '<stdin>:3:' <<<"$ERR")" -a -n "$(grep -F '<stdin>:5:' <<<"$ERR")"
printf '' | "$KENSA" version compare npm >"$TMP/out" 2>&1
check "empty batch is fine" test $? = 0 -a ! -s "$TMP/out"
{ printf '1.0.0\t'; head -c 70000 /dev/zero | tr '\0' 1; printf '\n1.0.0\t1.0.1\n'; } >"$TMP/long"
run "$KENSA" version compare npm <"$TMP/long"
check "an over-long line is reported, not cut" test "$(tr '\n' ' ' <<<"$OUT")|$RC" = "? < |3"
/usr/bin/python3 -c '
import random
r = random.Random(1)
for i in range(200000):
    print("%d.%d.%d\t%d.%d.%d" % tuple(r.randrange(20) for _ in range(6)))' >"$TMP/many"
run "$KENSA" version compare crates.io <"$TMP/many"
check "200k-line batch: one answer per line" test "$(wc -l <"$TMP/out")|$RC" = "200000|0"
check "batch answers match single calls" test "$(sed -n 777p "$TMP/out")" = \
  "$("$KENSA" version compare crates.io $(sed -n 777p "$TMP/many"))"

# --- affected, on real records
unzip -p "$KS_DATA_DIR/osv/Go/all.zip" GO-2022-0969.json >"$TMP/go.json"
unzip -p "$KS_DATA_DIR/osv/Debian/all.zip" DLA-3008-1.json >"$TMP/dla.json"
unzip -p "$KS_DATA_DIR/osv/Alpine/all.zip" ALPINE-CVE-2021-3156.json >"$TMP/sudo.json"
run "$KENSA" version affected Go 1.19.0 --file "$TMP/go.json"
check "go stdlib affected, nearest fix" test "$(sed -n 1p <<<"$OUT")" = "$(printf 'GO-2022-0969\tstdlib\tGo\tyes\t1.19.1')"
check "go x/net not affected" test "$(sed -n 2p <<<"$OUT")" = "$(printf 'GO-2022-0969\tgolang.org/x/net\tGo\tno\t-')"
run "$KENSA" version affected Go v1.18.5 <"$TMP/go.json"
check "stdin, v prefix, other branch fix" test "$(sed -n 1p <<<"$OUT" | cut -f4,5)" = "$(printf 'yes\t1.18.6')"
run "$KENSA" version affected Debian 1.1.0f-3 --file "$TMP/dla.json"
check "dpkg version listed and in range" test "$(cut -f4,5 <<<"$OUT")" = "$(printf 'yes\t1.1.0l-1~deb9u6')"
run "$KENSA" version affected Debian:9 1.1.0l-1~deb9u6 --file "$TMP/dla.json"
check "the fixed version is not affected" test "$(cut -f4 <<<"$OUT")|$RC" = "no|0"
run "$KENSA" version affected Debian 1: --file "$TMP/dla.json"
check "unparsable installed version is unknown, with the reason" test "$(cut -f4 <<<"$OUT")" = unknown -a -n "$(grep -F "'1:'" <<<"$OUT")"
run "$KENSA" version affected Debian:10 1.0 --file "$TMP/dla.json"
check "release filter: no entry, note on stderr, exit 0" test -z "$OUT" -a "$RC" = 0 -a -n "$ERR"
run "$KENSA" version affected Alpine:v3.12 1.9.5p1-r0 --file "$TMP/sudo.json"
check "apk letter+digits (sudo, Baron Samedit)" test "$(cut -f4,5 <<<"$OUT")" = "$(printf 'yes\t1.9.5p2-r0')"
run "$KENSA" version affected Alpine:v3.12 1.9.5p2-r0 --file "$TMP/sudo.json"
check "apk fixed sudo" test "$(cut -f4 <<<"$OUT")" = no
run "$KENSA" version affected Go 1.19.0 --format json --file "$TMP/go.json"
check "json output" test "$(/usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); r=d["results"][0]; print(d["id"], r["package"], r["affected"], r["fixed"], d["results"][1]["fixed"])' <<<"$OUT")" = "GO-2022-0969 stdlib yes 1.19.1 None"
run "$KENSA" version affected Go 1.0 --file "$TMP/missing.json"
check "missing file exits 3 naming it" test "$RC" = 3 -a -n "$(grep -F missing.json <<<"$ERR")"
printf '{"id": "X", "affected": [' >"$TMP/bad.json"
run "$KENSA" version affected Go 1.0 --file "$TMP/bad.json"
check "malformed JSON exits 3 with the place" test "$RC" = 3 -a -n "$(grep -F bad.json <<<"$ERR")"
printf '{"id":"X","affected":[{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"fixd":"1"}]}]}]}' >"$TMP/ev.json"
run "$KENSA" version affected Go 1.0 --file "$TMP/ev.json"
check "bad event names the field" test "$RC" = 3 -a -n "$(grep -F "affected[0]: ranges[0].events[0]: unknown event type 'fixd'" <<<"$ERR")"
run "$KENSA" version affected Go 1.0 --format xml --file "$TMP/go.json"
check "bad --format exits 2" test "$RC" = 2

# --- ecosystems and help
run "$KENSA" version ecosystems
check "ecosystems table" test -n "$(grep -P '^PyPI\tpep440\tpypi\tlang$' <<<"$OUT")" -a -n "$(grep -P '^Alpine\tapk\tapk\tos$' <<<"$OUT")"
for args in "version --help" "version compare --help" "version affected --help" "version ecosystems --help" "help version"; do
  run "$KENSA" $args
  check "$args" test "$RC" = 0 -a -n "$(grep -i usage <<<"$OUT")"
done
run "$KENSA" --help
check "kensa --help lists version" test -n "$(grep -E '^  version ' <<<"$OUT")"
run "$KENSA" version
check "kensa version with no command exits 2" test "$RC" = 2
run "$KENSA" version frobnicate
check "unknown version command exits 2" test "$RC" = 2

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# cvss_cli.sh: the `kensa cvss` command itself: one vector, several, the
# stdin batch form (bad lines named by line number on stderr, the others
# still answered, exit 2), --help, usage errors, and JSON field names.
set -uo pipefail
: "${KENSA:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
passed=0; failed=0
ok()   { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # name, condition...
  local name=$1; shift
  if "$@"; then ok; else fail "$name"; fi
}

# One vector: NVD field names and values.
out=$("$KENSA" cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'); rc=$?
check "v3.1 exit 0" test "$rc" -eq 0
check "v3.1 json" test "$out" = '{"version":"3.1","vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H","baseScore":9.8,"baseSeverity":"CRITICAL","exploitabilityScore":3.9,"impactScore":5.9,"temporalScore":9.8,"temporalSeverity":"CRITICAL","environmentalScore":9.8,"environmentalSeverity":"CRITICAL"}'
out=$("$KENSA" cvss 'AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H')
check "v2 json" test "$out" = '{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H","baseScore":7.8,"baseSeverity":"HIGH","exploitabilityScore":10.0,"impactScore":6.9,"temporalScore":6.4,"environmentalScore":9.2}'
out=$("$KENSA" cvss 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:P/CR:X/IR:X/AR:X/MAV:X/U:X')
check "v4 json" test "$out" = '{"version":"4.0","vectorString":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:P","baseScore":6.9,"baseSeverity":"MEDIUM","score":5.5,"severity":"MEDIUM","nomenclature":"CVSS-BT","macroVector":"002211"}'
out=$("$KENSA" cvss 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N')
check "v3.0 zero is NONE" grep -q '"baseScore":0.0,"baseSeverity":"NONE"' <<<"$out"

# Several vectors: one line each.
n=$("$KENSA" cvss 'AV:N/AC:L/Au:N/C:P/I:P/A:P' 'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' | wc -l)
check "two vectors two lines" test "$n" -eq 2

# Invalid vector on the command line: exit 2, message names the metric.
"$KENSA" cvss 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:Z' >"$tmp/out" 2>"$tmp/err"; rc=$?
check "invalid exit 2" test "$rc" -eq 2
check "invalid names metric" grep -q "metric 'E' has unknown value 'Z'" "$tmp/err"
check "invalid prints nothing" test ! -s "$tmp/out"

# Batch: bad lines reported with their numbers; good ones answered; exit 2.
printf '%s\n' 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' \
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H' '' \
  'AV:N/AC:L/Au:N/C:P/I:P/A:P  ' 'CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P' \
  'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X' >"$tmp/in"
printf 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L\r\n' >>"$tmp/in"
head -c 5000 /dev/zero | tr '\0' 'A' >>"$tmp/in"; printf '\nAV:L/AC:H/Au:N/C:C/I:C/A:C\n' >>"$tmp/in"
"$KENSA" cvss <"$tmp/in" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "batch exit 2" test "$rc" -eq 2
check "batch answers good lines" test "$(wc -l <"$tmp/out")" -eq 4
check "batch line 2 missing A" grep -q "<stdin>:2: cvss: mandatory metric 'A' is missing" "$tmp/err"
check "batch line 5 v2 prefix" grep -q "<stdin>:5: .*CVSS v2 vectors have no prefix" "$tmp/err"
check "batch line 6 duplicate" grep -q "<stdin>:6: .*'E' is given more than once" "$tmp/err"
check "batch line 8 too long" grep -q "<stdin>:8: line is longer than" "$tmp/err"
check "batch three errors" test "$(wc -l <"$tmp/err")" -eq 4
check "batch CRLF accepted" grep -q '"baseScore":7.3' "$tmp/out"
check "batch last line" grep -q '"vectorString":"AV:L/AC:H/Au:N/C:C/I:C/A:C","baseScore":6.2' "$tmp/out"

# All good on stdin: exit 0.
printf 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n' | "$KENSA" cvss >/dev/null; rc=$?
check "batch exit 0" test "$rc" -eq 0

# Help and usage.
"$KENSA" cvss --help >"$tmp/out"; rc=$?
check "help exit 0" test "$rc" -eq 0
check "help text" grep -q "usage: kensa cvss" "$tmp/out"
"$KENSA" cvss --bogus >/dev/null 2>&1; rc=$?
check "bad option exit 2" test "$rc" -eq 2
check "listed in kensa --help" sh -c "'$KENSA' --help | grep -q '^  cvss '"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

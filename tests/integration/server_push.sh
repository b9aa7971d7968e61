#!/usr/bin/env bash
# kensa push and continuous evaluation against the real server, on real
# Debian advisories (osv/Debian/all.zip: every Debian:12 record for openssl,
# then every one for curl), with dpkg as the oracle of what they affect.
# A Debian root's inventory pushed with `kensa push` (SigV4) becomes ACTIVE
# findings, an upgraded inventory (openssl at its fixed version) closes
# them, the old one re-opens them; then `kensa db import` of the curl
# records beside the running server: within seconds findings for curl
# appear on the resources holding it without any push, the events reach a
# webhook run by this test, and the resources without curl were not
# re-evaluated (change log, coverage lastScannedAt, metrics); each account
# sees only its own resources in the change log. The AWS CLI sees pushed
# findings and coverage; push errors exit as documented.
source "$(dirname "$0")/lib/server.sh"
LIB="$(dirname "$0")/lib"
RECV="$LIB/webhook_receiver.py"

DATA="$TMP/data"
DB="$TMP/vuln.db"
A=$(new_account "$DATA" alpha)
B=$(new_account "$DATA" beta)
new_key "$DATA" "$A" KA
new_key "$DATA" "$B" KB
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/secret"

# --- real advisories: openssl's first, curl's later -------------------------------------------
# The installed versions: openssl 3.0.8-1 (below the real fix 3.0.9-1 of
# five 2023 CVEs) and 3.0.9-1 (fixed); curl 7.88.1-7 (below 7.88.1-10).
OSSL_OLD=3.0.8-1
OSSL_NEW=3.0.9-1
CURL_V=7.88.1-7
pick() { python3 "$LIB/osv_pick.py" "$@"; }
n_a=$(pick pick "$TMP/osv-a" Debian:12 openssl)
n_b=$(pick pick "$TMP/osv-b" Debian:12 curl --exclude "$TMP/osv-a")
check "real Debian:12 records for openssl ($n_a) and curl ($n_b)" test "${n_a:-0}" -gt 0 -a "${n_b:-0}" -gt 0
EXP_A=$(pick affects "$TMP/osv-a" Debian:12 openssl "$OSSL_OLD")
EXP_B=$(pick affects "$TMP/osv-b" Debian:12 curl "$CURL_V")
NA=$(grep -c . <<<"$EXP_A")
NB=$(grep -c . <<<"$EXP_B")
check "dpkg: some openssl records affect $OSSL_OLD" test "$NA" -gt 0
check "dpkg: some curl records affect $CURL_V" test "$NB" -gt 0
check_eq "dpkg: no openssl record affects $OSSL_NEW" "" \
  "$(pick affects "$TMP/osv-a" Debian:12 openssl "$OSSL_NEW")"
echo "openssl $OSSL_OLD: $(echo $EXP_A); curl $CURL_V: $(echo $EXP_B)" >&2
check "a DB with the openssl records only" "$KENSA" db import --db "$DB" "$TMP/osv-a" >/dev/null 2>&1

# --- Debian 12 roots: openssl (source of libssl3) and, in one, curl ----------------------------
# mkroot DIR OPENSSL_VERSION [with-curl]
mkroot() {
  mkdir -p "$1/etc" "$1/var/lib/dpkg"
  printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$1/etc/os-release"
  cat >"$1/var/lib/dpkg/status" <<EOF
Package: libssl3
Status: install ok installed
Architecture: amd64
Source: openssl
Version: $2

Package: openssl
Status: install ok installed
Architecture: amd64
Version: $2

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1

EOF
  if [ "${3:-}" = with-curl ]; then
    printf 'Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' \
      "$CURL_V" >>"$1/var/lib/dpkg/status"
  fi
}
mkroot "$TMP/old" "$OSSL_OLD"
mkroot "$TMP/new" "$OSSL_NEW"
mkroot "$TMP/ab" "$OSSL_OLD" with-curl

rm -f "$TMP/R.port"
python3 "$RECV" "$TMP/R.port" "$TMP/secret" "$TMP/R.events" &
PIDS+=("$!")
wait_until 10 test -s "$TMP/R.port" || fail "the webhook receiver did not start"
HOOK="http://127.0.0.1:$(cat "$TMP/R.port")/hook"
echo '{"vulndbCheckSeconds": 0.5}' >"$TMP/server.json"
start_server S "$DATA" --db "$DB" --config "$TMP/server.json" --webhook "$HOOK" \
  --webhook-secret-file "$TMP/secret" || finish

# push KEYPREFIX ARGS...: kensa push to the server with that key.
push() {
  local k=$1; shift
  as "$k" "$KENSA" push --endpoint "$S_URL" "$@"
}
findings() {  # KEYPREFIX [FILTER JSON]: status vulnerability resource per line, sorted
  as "$1" aws inspector2 list-findings --endpoint-url "$S_URL" --output json \
    --filter-criteria "${2:-{\}}" |
    jq -r '.findings[] | "\(.status) \(.packageVulnerabilityDetails.vulnerabilityId) \(.resources[0].id)"' |
    sort
}
# expect STATUS RESOURCE IDS: what findings prints for those vulnerability ids
expect() { awk -v s="$1" -v r="$2" 'NF {print s, $1, r}' <<<"$3" | sort; }
db_state() { scurl "$1" "$S_URL/kensa/v1/db"; }
CURL='{"vulnerablePackages":[{"name":{"comparison":"EQUALS","value":"curl"}}]}'

# --- the lifecycle: ACTIVE, CLOSED on upgrade, ACTIVE again ---------------------------------
out=$(push KA --resource-id i-web "$TMP/old"); rc=$?
check_eq "push the old root: exit 0" 0 "$rc"
check_eq "push: a finding for each real advisory dpkg says affects it" "$NA" \
  "$(jq -r .findings.created <<<"$out")"
check_eq "push: evaluated against the server's DB" true "$(jq -r .evaluated <<<"$out")"
check_eq "push: a HOST by default" HOST "$(jq -r .resourceType <<<"$out")"
check_eq "push: coverage ACTIVE/SUCCESSFUL" "ACTIVE SUCCESSFUL" \
  "$(jq -r '"\(.scanStatus.statusCode) \(.scanStatus.reason)"' <<<"$out")"
check_eq "push: three packages in the inventory" 3 "$(jq -r .inventory.packages <<<"$out")"
if have_aws; then
  check_eq "AWS CLI: the findings are ACTIVE, the CVEs dpkg names" \
    "$(expect ACTIVE i-web "$EXP_A")" "$(findings KA)"
  cov=$(as KA aws inspector2 list-coverage --endpoint-url "$S_URL" --output json)
  check_eq "AWS CLI: coverage names the host" "AWS_EC2_INSTANCE i-web ACTIVE SUCCESSFUL" \
    "$(jq -r '.coveredResources[] | "\(.resourceType) \(.resourceId) \(.scanStatus.statusCode) \(.scanStatus.reason)"' <<<"$cov")"
  check_eq "AWS CLI: the other account sees nothing" "" "$(findings KB)"
else
  skip "the AWS CLI is not installed: findings checked through push summaries only"
fi
out=$(push KA --resource-id i-web "$TMP/new")
check_eq "push openssl $OSSL_NEW: every finding closes" "$NA" "$(jq -r .findings.closed <<<"$out")"
have_aws && check_eq "AWS CLI: CLOSED" "$(expect CLOSED i-web "$EXP_A")" "$(findings KA)"
out=$(push KA --resource-id i-web "$TMP/old")
check_eq "push the old root again: re-opened" "$NA" "$(jq -r .findings.reopened <<<"$out")"
have_aws && check_eq "AWS CLI: ACTIVE again" "$(expect ACTIVE i-web "$EXP_A")" "$(findings KA)"

# --- the curl records imported beside the running server ---------------------------------------
push KA --resource-id i-ab "$TMP/ab" >/dev/null
push KA --resource-id i-a "$TMP/old" >/dev/null
push KB --resource-id i-b "$TMP/ab" >/dev/null # another account's resource holding curl
sleep 1.1 # lastScannedAt has millisecond precision; make a re-evaluation visible
cov_before=$(as KA aws inspector2 list-coverage --endpoint-url "$S_URL" --output json 2>/dev/null |
  jq -c '[.coveredResources[] | {(.resourceId): .lastScannedAt}] | add')
metric() { scurl KA "$S_URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
runs_before=$(metric kensa_reevaluation_runs_total)
curl_ids=$(sed "s/.*/'&'/" <<<"$EXP_B" | paste -sd,)
curl_findings() {  # "RESOURCE|COUNT " of ACTIVE findings for the curl CVEs, all accounts
  sqlite3 "$DATA/kensa.db" "select resource_id, count(*) from findings where vulnerability_id in ($curl_ids) and lifecycle = 'ACTIVE' group by account_id, resource_id order by resource_id" |
    tr '\n' ' '
}
reevaluated() {
  [ "$(curl_findings)" = "i-ab|$NB i-b|$NB " ] &&
    [ "$(metric kensa_reevaluation_runs_total)" != "$runs_before" ]
}
check "kensa db import of the curl records beside the server" \
  "$KENSA" db import --db "$DB" "$TMP/osv-b" >/dev/null 2>&1
t0=$(date +%s.%N)
wait_until 30 reevaluated
t1=$(date +%s.%N)
echo "DB import picked up and re-evaluated in $(echo "$t1 - $t0" | bc -l | cut -c1-5) s" >&2
check_eq "curl findings appear without a push (both accounts' resources holding curl)" \
  "i-ab|$NB i-b|$NB " "$(curl_findings)"
if have_aws; then
  check_eq "AWS CLI: the new findings on i-ab, the CVEs dpkg names" \
    "$(expect ACTIVE i-ab "$EXP_B")" "$(findings KA "$CURL")"
  check_eq "AWS CLI: the other account's on i-b" "$(expect ACTIVE i-b "$EXP_B")" \
    "$(findings KB "$CURL")"
fi
st=$(db_state KA)
check_eq "the server evaluated against the imported DB" "$(jq -r .seq <<<"$st")" \
  "$(jq -r .evaluated.seq <<<"$st")"
upd=$(jq -c '.updates[0]' <<<"$st")
check_eq "change log: re-evaluated by the change set" changes "$(jq -r .changeSet.mode <<<"$upd")"
# The real curl records name other packages too (other CVEs' entries), not openssl or tzdata.
check_eq "change log: it named Debian 12's curl" true \
  "$(jq '.changeSet.packages | index("Debian:12/curl") != null' <<<"$upd")"
check_eq "change log: ... and no package of i-web or i-a" "" \
  "$(jq -r '.changeSet.packages[] | select(test("/(openssl|tzdata)$"))' <<<"$upd")"
check_eq "change log: the caller's one resource holding curl (not i-web, not i-a)" \
  '["i-ab"] 1 1' "$(jq -r '"\(.changeSet.resourceIds | tojson) \(.changeSet.resources) \(.resourcesEvaluated)"' <<<"$upd")"
check_eq "change log: the other account sees its own only" '["i-b"] 1 1' \
  "$(db_state KB | jq -r '.updates[0] | "\(.changeSet.resourceIds | tojson) \(.changeSet.resources) \(.resourcesEvaluated)"')"
check_eq "change log: no other account's id in what a caller reads" 0 "$(grep -c "$B" <<<"$st")"
stored=$(sqlite3 "$DATA/kensa.db" "select change_set from db_changes order by change_id desc limit 1")
check_eq "the store's entry: two resources over both accounts, each re-evaluated" "2 1 1" \
  "$(jq -r --arg a "$A" --arg b "$B" '"\(.resources) \(.accounts[$a].evaluated) \(.accounts[$b].evaluated)"' <<<"$stored")"
if have_aws; then
  cov_after=$(as KA aws inspector2 list-coverage --endpoint-url "$S_URL" --output json |
    jq -c '[.coveredResources[] | {(.resourceId): .lastScannedAt}] | add')
  check_eq "coverage: i-web not re-scanned" "$(jq .\"i-web\" <<<"$cov_before")" "$(jq .\"i-web\" <<<"$cov_after")"
  check_eq "coverage: i-a not re-scanned" "$(jq .\"i-a\" <<<"$cov_before")" "$(jq .\"i-a\" <<<"$cov_after")"
  check "coverage: i-ab re-scanned" test "$(jq .\"i-ab\" <<<"$cov_before")" != "$(jq .\"i-ab\" <<<"$cov_after")"
fi
WANT_HOOK=$(awk 'NF {print $1, "i-ab"}' <<<"$EXP_B" | sort)
hooked() {  # "CVE RESOURCE" of account A's curl finding events that reached the webhook
  jq -r --arg a "$A" 'select(.account == $a and .["detail-type"] == "Inspector2 Finding")
      | select(.detail.packageVulnerabilityDetails.vulnerablePackages[0].name == "curl")
      | "\(.detail.packageVulnerabilityDetails.vulnerabilityId) \(.detail.resources[0].id)"' \
    "$TMP/R.events.bodies" 2>/dev/null | sort -u
}
hook_done() { [ "$(hooked)" = "$WANT_HOOK" ]; }
wait_until 30 hook_done
check_eq "the webhook received an event for each new finding" "$WANT_HOOK" "$(hooked)"
check_eq "every delivery signed correctly" 0 "$(awk '$5 != "ok"' "$TMP/R.events" | wc -l)"

# --- pushing SBOMs (CI pipelines): CycloneDX and SPDX ------------------------------------------
"$KENSA" sbom --format cyclonedx-json -o "$TMP/ab.cdx.json" "$TMP/ab" 2>/dev/null
"$KENSA" sbom --format spdx-json -o "$TMP/ab.spdx.json" "$TMP/ab" 2>/dev/null
out=$(push KA --resource-id app-cdx "sbom:$TMP/ab.cdx.json")
check_eq "CycloneDX push: stored as sent" cyclonedx "$(jq -r .inventory.format <<<"$out")"
check_eq "CycloneDX push: the openssl and curl findings" $((NA + NB)) "$(jq -r .findings.created <<<"$out")"
out=$(push KA --resource-id app-spdx --resource-type CONTAINER_IMAGE "$TMP/ab.spdx.json")
check_eq "SPDX push (a bare path): the same findings" $((NA + NB)) "$(jq -r .findings.created <<<"$out")"
check_eq "SPDX push: the type given" CONTAINER_IMAGE "$(jq -r .resourceType <<<"$out")"
# curl itself is a client that signs: a CI pipeline without kensa.
scurl KA "$S_URL/kensa/v1/inventory?resourceId=ci-curl" -X POST \
  -H 'Content-Type: application/json' --data-binary "@$TMP/ab.cdx.json" -o "$TMP/curl.out" \
  -w '%{http_code}' >"$TMP/curl.code"
check_eq "curl --aws-sigv4 push: 200" 200 "$(cat "$TMP/curl.code")"
check_eq "curl push: findings" $((NA + NB)) "$(jq -r .findings.total "$TMP/curl.out")"

# --- bad documents are 400s naming the problem -------------------------------------------------
bad() {  # DESC BODY REGEX [QUERY]
  scurl KA "$S_URL/kensa/v1/inventory?${4:-resourceId=bad}" -X POST --data-binary "$2" \
    -o "$TMP/bad.out" -w '%{http_code}' >"$TMP/bad.code"
  check_eq "$1: 400" 400 "$(cat "$TMP/bad.code")"
  check_match "$1: the message names it" "$3" "$(jq -r .message "$TMP/bad.out")"
}
bad "not JSON" '{"bomFormat": "CycloneDX", ' "request body"
bad "JSON but no SBOM" '{"hello": "world"}' "not an SBOM"
bad "SPDX 3" '{"spdxVersion": "SPDX-3.0"}' "not supported"
bad "no resourceId" '{}' "resourceId" "resourceType=HOST"
bad "a bad resourceType" '{}' "resourceType" "resourceId=x&resourceType=TOASTER"
printf '{"schema":"kensa-inventory/1","packages":[' >"$TMP/big.json"
head -c 17000000 /dev/zero | tr '\0' ' ' >>"$TMP/big.json"
printf ']}' >>"$TMP/big.json"
code=$(scurl KA "$S_URL/kensa/v1/inventory?resourceId=big" -X POST --data-binary "@$TMP/big.json" \
  -o /dev/null -w '%{http_code}')
check_eq "over maxInventoryBytes (16 MiB): 413" 413 "$code"

# --- push errors -----------------------------------------------------------------------------
as KA "$KENSA" push --endpoint "not-a-url" --resource-id x "$TMP/old" 2>"$TMP/e1"; rc=$?
check_eq "malformed endpoint: exit 2" 2 "$rc"
check_match "malformed endpoint: says so" "not an http:// or https:// URL" "$(cat "$TMP/e1")"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as KA "$KENSA" push --endpoint "http://127.0.0.1:$port" --resource-id x "$TMP/old" 2>"$TMP/e2"; rc=$?
check_eq "unreachable endpoint: exit 3" 3 "$rc"
check_match "unreachable endpoint: says so" "cannot reach" "$(cat "$TMP/e2")"
KW_ID=$KA_ID KW_SECRET=WRONGWRONGWRONGWRONGWRONGWRONGWRONGWRONG
as KW "$KENSA" push --endpoint "$S_URL" --resource-id x "$TMP/old" 2>"$TMP/e3"; rc=$?
check_eq "wrong secret: exit 3" 3 "$rc"
check_match "wrong secret: the server's message" "403 InvalidSignatureException.*signature" "$(cat "$TMP/e3")"
KU_ID=KSIAAAAAAAAAAAAAAAAA KU_SECRET=$KA_SECRET
as KU "$KENSA" push --endpoint "$S_URL" --resource-id x "$TMP/old" 2>"$TMP/e4"; rc=$?
check_eq "unknown key: exit 3" 3 "$rc"
check_match "unknown key: the server's message" "403 UnrecognizedClientException.*invalid" "$(cat "$TMP/e4")"
as KA "$KENSA" push --endpoint "$S_URL" --resource-id x "$TMP/nope" 2>"$TMP/e5"; rc=$?
check_eq "unreadable target: exit 3" 3 "$rc"
check_match "unreadable target: names it" "nope" "$(cat "$TMP/e5")"
echo '{"bomFormat":"CycloneDX","components":[' >"$TMP/broken.json"
as KA "$KENSA" push --endpoint "$S_URL" --resource-id x "sbom:$TMP/broken.json" 2>"$TMP/e6"; rc=$?
check_eq "a broken SBOM: exit 3 before sending" 3 "$rc"
env -u AWS_ACCESS_KEY_ID "$KENSA" push --endpoint "$S_URL" --resource-id x "$TMP/old" 2>/dev/null; rc=$?
check_eq "no credentials: exit 2" 2 "$rc"
# A disabled scan type refuses the push (409) and stores nothing.
if have_aws; then
  as KB aws inspector2 disable --endpoint-url "$S_URL" --resource-types EC2 >/dev/null
  as KB "$KENSA" push --endpoint "$S_URL" --resource-id i-off "$TMP/old" 2>"$TMP/e7"; rc=$?
  check_eq "push for a disabled type: exit 3" 3 "$rc"
  check_match "push for a disabled type: says why" "409 ConflictException.*disabled" "$(cat "$TMP/e7")"
fi
stop_server S
check_match "the server stopped cleanly" "stopped" "$(tail -1 "$TMP/S.log")"
finish

#!/usr/bin/env bash
# Continuous evaluation survives kill -9, on real Debian curl advisories
# (osv/Debian/all.zip): many stored inventories hold a package a DB update
# names; the server is killed with -9 in the middle of the re-evaluation
# pass (and of the event deliveries it caused), started again, and then
# every resource gets its finding and every outbox event reaches the
# webhook at least once. The change log shows the interrupted pass and the
# one that completed it.
source "$(dirname "$0")/lib/server.sh"
LIB="$(dirname "$0")/lib"
N=${N:-50}

DATA="$TMP/data"
DB="$TMP/vuln.db"
A=$(new_account "$DATA" alpha)
new_key "$DATA" "$A" KA
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/secret"

# One real-sized Debian root: 400 real source package names plus curl 7.88.1-1; its
# inventory is pushed as N resources. The advisories are real (osv/Debian/all.zip):
# the DB starts with Debian 12's curl records fixed before 7.88.1-10, the update adds
# those fixed in 7.88.1-10 (dpkg says which affect 7.88.1-1).
CURL_V=7.88.1-1
python3 "$LIB/gen_debian_root.py" "$TMP/roots" 1 400 --with curl=$CURL_V || { fail "roots"; finish; }
"$KENSA" sbom -o "$TMP/inv.json" "$TMP/roots/0000" 2>/dev/null
check_eq "the inventory holds 401 packages" 401 "$(jq '.packages | length' "$TMP/inv.json")"
python3 "$LIB/osv_pick.py" pick "$TMP/osv-1" Debian:12 curl --fixed-below 7.88.1-10 >/dev/null
python3 "$LIB/osv_pick.py" pick "$TMP/osv-2" Debian:12 curl --fixed-from 7.88.1-10 --exclude "$TMP/osv-1" >/dev/null
V1=$(python3 "$LIB/osv_pick.py" affects "$TMP/osv-1" Debian:12 curl $CURL_V | head -1)
V2=$(python3 "$LIB/osv_pick.py" affects "$TMP/osv-2" Debian:12 curl $CURL_V | head -1)
check "dpkg: curl $CURL_V is affected by records of both imports ($V1, $V2)" test -n "$V1" -a -n "$V2"
"$KENSA" db import --db "$DB" "$TMP/osv-1" >/dev/null 2>&1

rm -f "$TMP/R.port"
python3 "$LIB/webhook_receiver.py" "$TMP/R.port" "$TMP/secret" "$TMP/R.events" --delay 0.01 &
PIDS+=("$!")
wait_until 10 test -s "$TMP/R.port" || fail "the webhook receiver did not start"
HOOK="http://127.0.0.1:$(cat "$TMP/R.port")/hook"
echo '{"vulndbCheckSeconds": 0.3}' >"$TMP/server.json"
ARGS=(--db "$DB" --config "$TMP/server.json" --webhook "$HOOK" --webhook-secret-file "$TMP/secret")
start_server S "$DATA" "${ARGS[@]}" || finish

pushed=0
for i in $(seq -w 1 "$N"); do
  code=$(scurl KA "$S_URL/kensa/v1/inventory?resourceId=host-$i" -X POST \
    --data-binary "@$TMP/inv.json" -o /dev/null -w '%{http_code}')
  [ "$code" = 200 ] && pushed=$((pushed + 1))
done
check_eq "$N inventories pushed and evaluated" "$N" "$pushed"
count() { sqlite3 "$DATA/kensa.db" "select count(*) from findings where vulnerability_id = '$1' and lifecycle = 'ACTIVE'"; }
check_eq "each has the finding $V1" "$N" "$(count "$V1")"

# The DB update names curl: all N resources are re-evaluated. Kill -9 in the middle.
"$KENSA" db import --db "$DB" "$TMP/osv-2" >/dev/null 2>&1
killed_at=$(python3 - "$DATA/kensa.db" "$N" "$S_PID" "$V2" <<'EOF'
import os, signal, sqlite3, sys, time
db, n, pid, vuln = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
deadline = time.time() + 30
while time.time() < deadline:
    try:
        c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=1)
        k = c.execute("select count(*) from findings where vulnerability_id = ?", (vuln,)).fetchone()[0]
        c.close()
    except sqlite3.Error:
        continue
    if 0 < k < n:
        os.kill(pid, signal.SIGKILL)
        print(k)
        sys.exit(0)
    if k >= n:
        print("late")
        sys.exit(0)
    time.sleep(0.002)
print("never")
EOF
)
# Not killed ("late", "never"): stop it here, so that nothing waits on a live server.
[[ "$killed_at" =~ ^[0-9]+$ ]] || kill -9 "$S_PID" 2>/dev/null
wait "$S_PID" 2>/dev/null
echo "killed after $killed_at of $N re-evaluations" >&2
check_match "killed -9 in the middle of the re-evaluation" '^[0-9]+$' "$killed_at"
delivered_before=$(awk '$6 == 200' "$TMP/R.events" | wc -l)
st=$(sqlite3 "$DATA/kensa.db" "select count(*) from db_changes where evaluated_at is null")
check_eq "the change log shows the interrupted pass" 1 "$st"

interrupted=$(sqlite3 "$DATA/kensa.db" "select db_id from db_changes where evaluated_at is null")
start_server S "$DATA" "${ARGS[@]}" || finish
redone() {
  [ "$(sqlite3 "$DATA/kensa.db" "select count(*) from db_changes where evaluated_at is not null and db_id = '$interrupted'")" = 1 ]
}
wait_until 60 redone
check_eq "after the restart every resource has the new finding" "$N" "$(count "$V2")"
last=$(scurl KA "$S_URL/kensa/v1/db" | jq -c '.updates[0]')
check_eq "the restarted pass completed" true "$(jq 'has("evaluatedAt")' <<<"$last")"
check_eq "... for the same DB update" "$interrupted" "$(jq -r .dbId <<<"$last")"
check_eq "... over all $N resources (a re-evaluation is idempotent)" "$N" "$(jq -r .changeSet.resources <<<"$last")"

# Every event in the outbox reaches the webhook (at least once).
outbox_ids() { sqlite3 "$DATA/kensa.db" "select event_id from outbox order by seq"; }
received_ok() { awk '$6 == 200 {print $1}' "$TMP/R.events" 2>/dev/null | sort -u; }
missing() { comm -23 <(outbox_ids | sort -u) <(received_ok) | wc -l; }
all_delivered() { [ "$(missing)" -eq 0 ]; }
wait_until 60 all_delivered
check_eq "every outbox event delivered after the restart" 0 "$(missing)"
check "deliveries were still going on at the kill" test "$delivered_before" -lt "$(outbox_ids | wc -l)"
created=$(jq -r --arg v "$V2" 'select(.["detail-type"] == "Inspector2 Finding" and .detail.packageVulnerabilityDetails.vulnerabilityId == $v) | .detail.resources[0].id' "$TMP/R.events.bodies" | sort -u | wc -l)
check_eq "a created event for every resource's new finding" "$N" "$created"
dups=$(awk '$6 == 200 {print $1}' "$TMP/R.events" | sort | uniq -d | wc -l)
echo "kill -9: $delivered_before deliveries before the kill, $dups delivered twice" >&2
check_eq "every delivery signed correctly" 0 "$(awk '$5 != "ok"' "$TMP/R.events" | wc -l)"
stop_server S
finish

#!/usr/bin/env bash
# Events: the finding lifecycle writes EventBridge-shaped events to the
# outbox in the same transaction; kensa server POSTs them to a webhook run
# by this test, one per request, HMAC-SHA256 signed, retrying failures with
# backoff. A server killed with -9 in the middle of a delivery backlog
# delivers the rest after restart (every outbox event at least once), and a
# SIGTERM flushes what is pending before exiting.
source "$(dirname "$0")/lib/server.sh"
RECV="$(dirname "$0")/lib/webhook_receiver.py"

DATA="$TMP/data"
A=$(new_account "$DATA" alpha)
new_key "$DATA" "$A" KA
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$TMP/secret"

# start_receiver NAME [ARGS...]: sets NAME_PID and NAME_URL; log in $TMP/NAME.events
start_receiver() {
  local name=$1 i; shift
  rm -f "$TMP/$name.port"
  python3 "$RECV" "$TMP/$name.port" "$TMP/secret" "$TMP/$name.events" "$@" &
  local pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 100; i++)); do [ -s "$TMP/$name.port" ] && break; sleep 0.05; done
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_URL" 'http://127.0.0.1:%s/hook' "$(cat "$TMP/$name.port")"
}
outbox_ids() { sqlite3 "$DATA/kensa.db" "select event_id from outbox where seq > ${1:-0} order by seq"; }
max_seq() { sqlite3 "$DATA/kensa.db" "select coalesce(max(seq), 0) from outbox"; }
received_ok() { awk '$6 == 200 {print $1}' "$TMP/$1.events" 2>/dev/null | sort -u; }
# wait_all NAME SINCE_SEQ SECONDS: until every outbox event after SINCE_SEQ reached NAME.
wait_all() {
  local i missing
  for ((i = 0; i < $3 * 10; i++)); do
    missing=$(comm -23 <(outbox_ids "$2" | sort -u) <(received_ok "$1") | wc -l)
    [ "$missing" -eq 0 ] && return 0
    sleep 0.1
  done
  echo "still missing $missing events" >&2
  return 1
}

# --- Delivery, signatures, envelope, retries ------------------------------------------
start_receiver R1 --fail-first 2
start_server S "$DATA" --webhook "$R1_URL" --webhook-secret-file "$TMP/secret" || finish
since=$(max_seq)
check "seed host" seed "$DATA" "$A" host.json
check_eq "7 events in the outbox" 7 "$(outbox_ids "$since" | wc -l)"
check "all delivered (after 2 failures)" wait_all R1 "$since" 20
check_eq "every delivery signed correctly" 0 "$(awk '$5 != "ok"' "$TMP/R1.events" | wc -l)"
check_eq "two failed attempts were retried" 2 "$(awk '$6 == 500' "$TMP/R1.events" | wc -l)"
check_match "a retry says attempt 2" "2" "$(awk '$4 == 2 {print $4}' "$TMP/R1.events" | head -1)"
check_eq "finding events" 5 "$(awk '$6 == 200 && $3 == "Inspector2_Finding" && $2 == "created"' "$TMP/R1.events" | sort -u | wc -l)"
check_eq "scan event" 1 "$(awk '$6 == 200 && $3 == "Inspector2_Scan"' "$TMP/R1.events" | wc -l)"
check_eq "coverage event" 1 "$(awk '$6 == 200 && $3 == "Inspector2_Coverage"' "$TMP/R1.events" | wc -l)"
ev=$(grep '"detail-type":"Inspector2 Finding"' "$TMP/R1.events.bodies" | head -1)
check_eq "envelope: version" 0 "$(jq -r .version <<<"$ev")"
check_eq "envelope: source" aws.inspector2 "$(jq -r .source <<<"$ev")"
check_eq "envelope: account" "$A" "$(jq -r .account <<<"$ev")"
check_eq "envelope: region" us-east-1 "$(jq -r .region <<<"$ev")"
check_match "envelope: time" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "$(jq -r .time <<<"$ev")"
check_eq "envelope: resources = the finding ARN" "$(jq -r .detail.findingArn <<<"$ev")" "$(jq -r '.resources[0]' <<<"$ev")"
check_eq "detail is the finding" ACTIVE "$(jq -r .detail.status <<<"$ev")"
check_match "detail timestamps" '^[0-9]{4}-' "$(jq -r .detail.firstObservedAt <<<"$ev")"

# A SUPPRESS filter: one "updated" event per finding whose status moved.
since=$(max_seq)
scurl KA "$S_URL/filters/create" -H 'Content-Type: application/json' \
  -d '{"name":"low","action":"SUPPRESS","filterCriteria":{"severity":[{"comparison":"EQUALS","value":"LOW"}]}}' >/dev/null
check "suppression events delivered" wait_all R1 "$since" 10
check_eq "an updated event with status SUPPRESSED" SUPPRESSED \
  "$(tail -1 "$TMP/R1.events.bodies" | jq -r .detail.status)"
stop_server S

# --- kill -9 in the middle of a delivery backlog ----------------------------------------
start_receiver R2 --delay 0.15
start_server S "$DATA" --webhook "$R2_URL" --webhook-secret-file "$TMP/secret" || finish
since=$(max_seq)
check "seed the backlog" seed "$DATA" "$A" image.json function.json repository.json
echo '{"findings": []}' >"$TMP/none.json"
"$KENSA" admin evaluate --data "$DATA" --account "$A" --resource-type HOST \
  --resource-id i-0a1b2c3d4e5f60001 "$TMP/none.json" >/dev/null
want=$(outbox_ids "$since" | wc -l)
check_match "a backlog of events" '^[1-9][0-9]$' "$want"
for _ in $(seq 100); do
  [ "$(received_ok R2 | wc -l)" -ge 3 ] && break
  sleep 0.05
done
stop_server S KILL
got_before=$(received_ok R2 | wc -l)
check "killed mid-delivery (some but not all delivered)" test "$got_before" -ge 1 -a "$got_before" -lt "$want"
start_server S "$DATA" --webhook "$R2_URL" --webhook-secret-file "$TMP/secret" || finish
check "after restart every event arrives" wait_all R2 "$since" 30
dups=$(awk '$6 == 200 {print $1}' "$TMP/R2.events" | sort | uniq -d | wc -l)
echo "kill -9: $got_before of $want delivered before the kill, $dups delivered twice" >&2
check_eq "every delivery signed correctly" 0 "$(awk '$5 != "ok"' "$TMP/R2.events" | wc -l)"

# --- SIGTERM flushes the outbox before exiting --------------------------------------------
since=$(max_seq)
seed "$DATA" "$A" host.json
stop_server S TERM
check "pending events flushed on SIGTERM" wait_all R2 "$since" 1
check_match "shutdown logged" "stopped" "$(tail -1 "$TMP/S.log")"
finish

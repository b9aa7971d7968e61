#!/usr/bin/env bash
# kensa server driven by the real AWS CLI: findings reports (CSV and JSON),
# put to moto's S3 server on loopback when moto_server is installed, and
# kept for download from Kensa either way; other accounts cannot see them.
source "$(dirname "$0")/lib/server.sh"

if ! have_aws; then
  skip "the AWS CLI is not installed: nothing to drive the server with"
  finish
fi

DATA="$TMP/data"
A=$(new_account "$DATA" alpha)
B=$(new_account "$DATA" beta)
new_key "$DATA" "$A" KA
new_key "$DATA" "$B" KB
check "seed account A" seed "$DATA" "$A" host.json image.json function.json repository.json
check "seed account B" seed "$DATA" "$B" host.json

# moto's S3 on loopback, when the machine has it (a Python package, not Debian's).
MOTO_URL=""
CONFIG="$TMP/server.json"
echo '{}' >"$CONFIG"
if command -v moto_server >/dev/null 2>&1; then
  MOTO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$TMP/moto.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && break
    sleep 0.1
  done
  MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  AWS_ACCESS_KEY_ID=moto AWS_SECRET_ACCESS_KEY=moto AWS_DEFAULT_REGION=us-east-1 \
    aws s3api create-bucket --bucket kensa-reports --endpoint-url "$MOTO_URL" >/dev/null
  cat >"$CONFIG" <<EOF
{"s3": {"endpoint": "$MOTO_URL", "region": "us-east-1", "accessKeyId": "moto", "secretAccessKey": "moto"}}
EOF
else
  skip "moto_server is not installed: reports are checked on Kensa's download endpoint only"
fi
start_server S "$DATA" --config "$CONFIG" || finish
E=(--endpoint-url "$S_URL" --output json)

# --- Findings reports ---------------------------------------------------------------------
wait_report() {  # KEY REPORT_ID: prints the final status document
  local i s
  sleep 0.3 # the worker usually finishes by then: one status call
  for ((i = 0; i < 100; i++)); do
    s=$(as "$1" aws inspector2 get-findings-report-status "${E[@]}" --report-id "$2")
    [ "$(jq -r .status <<<"$s")" != IN_PROGRESS ] && break
    sleep 0.1
  done
  echo "$s"
}
DEST='{"bucketName":"kensa-reports","keyPrefix":"inspector","kmsKeyArn":"arn:aws:kms:us-east-1:000000000000:key/none"}'
rid=$(as KA aws inspector2 create-findings-report "${E[@]}" --report-format CSV --s3-destination "$DEST" \
  --filter-criteria '{"severity":[{"comparison":"EQUALS","value":"CRITICAL"}]}' --query reportId --output text)
check_match "report id" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' "$rid"
s=$(wait_report KA "$rid")
check_eq "CSV report succeeded" SUCCEEDED "$(jq -r .status <<<"$s")"
scurl KA "$S_URL/kensa/v1/reports/$rid" -o "$TMP/report.csv"
csv=$(cat "$TMP/report.csv")
check_match "CSV header" '^"AWS Account Id","Severity","Fix Available"' "$csv"
check_eq "CSV rows (header + 3)" 4 "$(printf '%s\n' "$csv" | grep -c '^"')"
check_eq "B cannot download A's report" 404 "$(scurl KB "$S_URL/kensa/v1/reports/$rid" -o /dev/null -w '%{http_code}')"
rid2=$(as KA aws inspector2 create-findings-report "${E[@]}" --report-format JSON --s3-destination "$DEST" \
  --query reportId --output text)
s=$(wait_report KA "$rid2")
check_eq "JSON report succeeded" SUCCEEDED "$(jq -r .status <<<"$s")"
check_eq "JSON report holds every finding" 9 "$(scurl KA "$S_URL/kensa/v1/reports/$rid2" | jq '.findings | length')"
rid3=$(as KA aws inspector2 create-findings-report "${E[@]}" --report-format CSV --s3-destination "$DEST" \
  --filter-criteria '{"vulnerabilityId":[{"comparison":"EQUALS","value":"CVE-1999-0001"}]}' --query reportId --output text)
s=$(wait_report KA "$rid3")
check_eq "empty report fails like Inspector" NO_FINDINGS_FOUND "$(jq -r .errorCode <<<"$s")"
out=$(as KB aws inspector2 get-findings-report-status "${E[@]}" --report-id "$rid" 2>&1)
check_match "another account's report is not found" "ResourceNotFoundException" "$out"
out=$(as KA aws inspector2 cancel-findings-report "${E[@]}" --report-id "$rid" 2>&1)
check_match "a finished report cannot be cancelled" "ValidationException" "$out"
if [ -n "$MOTO_URL" ]; then
  AWS_ACCESS_KEY_ID=moto AWS_SECRET_ACCESS_KEY=moto AWS_DEFAULT_REGION=us-east-1 \
    aws s3api get-object --bucket kensa-reports --key "inspector/$rid.csv" --endpoint-url "$MOTO_URL" \
    "$TMP/from-s3.csv" >/dev/null 2>&1
  check_eq "the report in moto's S3 is the same file" "$(sha256sum <"$TMP/report.csv")" "$(sha256sum <"$TMP/from-s3.csv")"
  rid4=$(as KA aws inspector2 create-findings-report "${E[@]}" --report-format JSON \
    --s3-destination '{"bucketName":"no-such-bucket","kmsKeyArn":"k"}' --query reportId --output text)
  s=$(wait_report KA "$rid4")
  check_eq "missing bucket" BUCKET_NOT_FOUND "$(jq -r .errorCode <<<"$s")"
fi


stop_server S
check_match "graceful stop" "stopped" "$(tail -1 "$TMP/S.log")"
finish

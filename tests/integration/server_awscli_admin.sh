#!/usr/bin/env bash
# kensa server driven by the real AWS CLI: coverage and its statistics,
# Enable/Disable (findings close, coverage drops, evaluation refused),
# configuration and usage.
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

start_server S "$DATA" || finish
E=(--endpoint-url "$S_URL" --output json)

# --- Coverage -------------------------------------------------------------------------
check_eq "A's coverage" 4 "$(as KA aws inspector2 list-coverage "${E[@]}" --query 'length(coveredResources)')"
check_eq "B's coverage" 1 "$(as KB aws inspector2 list-coverage "${E[@]}" --query 'length(coveredResources)')"
n=$(as KA aws inspector2 list-coverage "${E[@]}" --query 'length(coveredResources)' \
  --filter-criteria '{"resourceType":[{"comparison":"EQUALS","value":"AWS_LAMBDA_FUNCTION"}]}')
check_eq "coverage by resource type" 1 "$n"
st=$(as KA aws inspector2 list-coverage-statistics "${E[@]}" --group-by SCAN_STATUS_CODE)
check_eq "coverage statistics" 4 "$(jq '.totalCounts' <<<"$st")"

# --- Enable / Disable ----------------------------------------------------------------
d=$(as KA aws inspector2 disable "${E[@]}" --resource-types ECR)
check_eq "ECR disabled" DISABLED "$(jq -r '.accounts[0].resourceStatus.ecr' <<<"$d")"
check_eq "images leave coverage" 3 "$(as KA aws inspector2 list-coverage "${E[@]}" --query 'length(coveredResources)')"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"resourceType":[{"comparison":"EQUALS","value":"AWS_ECR_CONTAINER_IMAGE"}],"findingStatus":[{"comparison":"EQUALS","value":"CLOSED"}]}')
check_eq "image findings closed" 2 "$n"
out=$("$KENSA" admin evaluate --data "$DATA" --account "$A" "$FIX/image.json" 2>&1)
check_match "evaluation of a disabled type refused" "disabled" "$out"
e=$(as KA aws inspector2 enable "${E[@]}" --resource-types ECR --account-ids "$A" 999999999999)
check_eq "ECR enabled" ENABLED "$(jq -r '.accounts[0].resourceStatus.ecr' <<<"$e")"
check_eq "other accounts refused" ACCESS_DENIED "$(jq -r '.failedAccounts[0].errorCode' <<<"$e")"
"$KENSA" admin evaluate --data "$DATA" --account "$A" "$FIX/image.json" >/dev/null
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"resourceType":[{"comparison":"EQUALS","value":"AWS_ECR_CONTAINER_IMAGE"}],"findingStatus":[{"comparison":"EQUALS","value":"ACTIVE"}]}')
check_eq "re-evaluated image findings re-open" 2 "$n"
s=$(as KA aws inspector2 batch-get-account-status "${E[@]}" --account-ids "$A" "$B")
check_eq "status of own account" ENABLED "$(jq -r '.accounts[0].state.status' <<<"$s")"
check_eq "status of another account refused" "$B" "$(jq -r '.failedAccounts[0].accountId' <<<"$s")"

# --- Configuration and usage ------------------------------------------------------------
as KA aws inspector2 update-configuration "${E[@]}" --ecr-configuration rescanDuration=DAYS_90 >/dev/null
check_eq "rescan duration" DAYS_90 "$(as KA aws inspector2 get-configuration "${E[@]}" \
  --query ecrConfiguration.rescanDurationState.rescanDuration --output text)"
check_eq "B's configuration is its own" LIFETIME "$(as KB aws inspector2 get-configuration "${E[@]}" \
  --query ecrConfiguration.rescanDurationState.rescanDuration --output text)"
out=$(as KA aws inspector2 update-configuration "${E[@]}" --ecr-configuration rescanDuration=DAYS_7 2>&1)
check_match "bad rescan duration refused" "ValidationException" "$out"
u=$(as KA aws inspector2 list-usage-totals "${E[@]}")
check_eq "usage totals" "$A" "$(jq -r '.totals[0].accountId' <<<"$u")"
check_match "usage types" "ECR_INITIAL_SCAN" "$(jq -r '[.totals[0].usage[].type] | join(",")' <<<"$u")"


stop_server S
check_match "graceful stop" "stopped" "$(tail -1 "$TMP/S.log")"
finish

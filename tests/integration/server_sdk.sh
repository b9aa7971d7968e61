#!/usr/bin/env bash
# kensa server driven by the AWS SDK for JavaScript v3
# (@aws-sdk/client-inspector2, installed from the npm registry into a
# scratch dir with the committed tests/sdk/package-lock.json): filters,
# paginators, SUPPRESS filters, coverage, aggregations, reports and errors
# as the SDK's own types. See tests/sdk/inspector2_sdk.mjs.
source "$(dirname "$0")/lib/server.sh"
SDK_SRC="$(cd "$(dirname "$0")/../sdk" && pwd)"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  skip "node and npm are not installed: the JavaScript SDK test cannot run"
  finish
fi
mkdir -p "$TMP/sdk"
cp "$SDK_SRC/package.json" "$SDK_SRC/package-lock.json" "$SDK_SRC/inspector2_sdk.mjs" "$TMP/sdk/"
if ! (cd "$TMP/sdk" && timeout 300 npm ci --no-audit --no-fund --ignore-scripts >"$TMP/npm.log" 2>&1); then
  tail -5 "$TMP/npm.log" >&2
  skip "npm ci could not install @aws-sdk/client-inspector2 (is the npm registry reachable?)"
  finish
fi

DATA="$TMP/data"
A=$(new_account "$DATA" alpha)
new_key "$DATA" "$A" KA
check "seed" seed "$DATA" "$A" host.json image.json function.json repository.json
start_server S "$DATA" || finish

out=$(cd "$TMP/sdk" && KENSA_ENDPOINT="$S_URL" AWS_ACCESS_KEY_ID="$KA_ID" \
  AWS_SECRET_ACCESS_KEY="$KA_SECRET" AWS_REGION=us-east-1 ACCOUNT_ID="$A" EXPECT_TOTAL=9 \
  EXPECT_CRITICAL=3 EXPECT_RESOURCES=4 NODE_NO_WARNINGS=1 timeout 120 node inspector2_sdk.mjs 2>&1)
echo "$out" | grep -v '^[0-9]* passed' >&2
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' <<<"$out" | tail -1)
sdk_pass=$(awk '{print $1}' <<<"$line")
sdk_fail=$(awk '{print $3}' <<<"$line")
check_match "the SDK script ran" '^[0-9]+ passed, 0 failed$' "$line"
PASS=$((PASS + ${sdk_pass:-0}))
FAIL=$((FAIL + ${sdk_fail:-0}))
stop_server S
finish

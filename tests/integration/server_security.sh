#!/usr/bin/env bash
# kensa server refuses what it must: unsigned, malformed, wrongly signed,
# expired, replayed and wrongly scoped requests, unknown and revoked keys
# (403 with Inspector's error shape), oversized and malformed bodies and
# absurd filter values (413/400 naming the member), and it never shows one
# account anything of another. Also: the per-key rate limit (429), unknown
# routes, unimplemented operations, /metrics auth, and logs free of secrets
# and bodies. Signed requests come from curl --aws-sigv4 and from botocore
# (lib/sigv4_send.py) where a chosen clock or scope is needed.
source "$(dirname "$0")/lib/server.sh"
SEND="$(dirname "$0")/lib/sigv4_send.py"

DATA="$TMP/data"
A=$(new_account "$DATA" alpha)
B=$(new_account "$DATA" beta)
new_key "$DATA" "$A" KA
new_key "$DATA" "$B" KB
new_key "$DATA" "$A" KR
check "seed A" seed "$DATA" "$A" host.json image.json
check "seed B" seed "$DATA" "$B" function.json
"$KENSA" admin key revoke --data "$DATA" "$KR_ID" >/dev/null
echo '{"rateLimit": {"requestsPerSecond": 1, "burst": 3}, "maxBodyBytes": 65536}' >"$TMP/limited.json"
start_server S "$DATA" || finish
start_server L "$DATA" --config "$TMP/limited.json" || finish

# code_type URL CURL-ARGS...: "STATUS ERRORTYPE" of one request.
code_type() {
  local url=$1; shift
  curl -sS --max-time 30 -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@" "$url" >"$TMP/code"
  printf '%s %s' "$(cat "$TMP/code")" \
    "$(grep -i '^x-amzn-ErrorType:' "$TMP/hdr" | tr -d '\r' | awk '{print $2}')"
}
J=(-H 'Content-Type: application/json')
LIST='{"maxResults":10}'

# --- Authentication -----------------------------------------------------------
check_eq "unsigned" "403 MissingAuthenticationTokenException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" -d "$LIST")"
check_eq "error body shape" "Missing Authentication Token" "$(jq -r .message "$TMP/body")"
check_eq "malformed Authorization" "403 IncompleteSignatureException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" -H 'Authorization: AWS4-HMAC-SHA256 nonsense' -d "$LIST")"
check_eq "other algorithm" "403 IncompleteSignatureException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" -H "Authorization: AWS $KA_ID:abc" -d "$LIST")"
check_eq "wrong secret" "403 InvalidSignatureException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
     --user "$KA_ID:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" -d "$LIST")"
check_eq "unknown key" "403 UnrecognizedClientException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
     --user "KSIAAAAAAAAAAAAAAAAA:$KA_SECRET" -d "$LIST")"
check_eq "revoked key" "403 UnrecognizedClientException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
     --user "$KR_ID:$KR_SECRET" -d "$LIST")"
check_eq "tampered body" "403 InvalidSignatureException" \
  "$("${PYTHON:-python3}" - "$S_URL" "$KA_ID" "$KA_SECRET" <<'EOF'
import sys, urllib.request, urllib.error
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, secret = sys.argv[1] + "/findings/list", sys.argv[2], sys.argv[3]
req = AWSRequest(method="POST", url=url, data=b'{"maxResults":10}', headers={"Content-Type": "application/json"})
SigV4Auth(Credentials(key, secret), "inspector2", "us-east-1").add_auth(req)
h = dict(req.prepare().headers.items())
try:
    urllib.request.urlopen(urllib.request.Request(url, data=b'{"maxResults":11}', headers=h, method="POST"))
    print("200 -")
except urllib.error.HTTPError as e:
    print(e.code, e.headers.get("x-amzn-ErrorType"))
EOF
)"
out=$("${PYTHON:-python3}" "$SEND" POST "$S_URL/findings/list" "$KA_ID" "$KA_SECRET" --body "$LIST" --region us-west-2)
check_match "another region's scope" "^403 InvalidSignatureException" "$out"
out=$("${PYTHON:-python3}" "$SEND" POST "$S_URL/findings/list" "$KA_ID" "$KA_SECRET" --body "$LIST" --service s3)
check_match "another service's scope" "^403 InvalidSignatureException" "$out"
old=$(date -u -d '-10 min' +%Y%m%dT%H%M%SZ)
out=$("${PYTHON:-python3}" "$SEND" POST "$S_URL/findings/list" "$KA_ID" "$KA_SECRET" --body "$LIST" --date "$old")
check_match "a request signed 10 minutes ago (replay outside the window)" \
  "^403 InvalidSignatureException .*Signature expired" "$out"
future=$(date -u -d '+10 min' +%Y%m%dT%H%M%SZ)
out=$("${PYTHON:-python3}" "$SEND" POST "$S_URL/findings/list" "$KA_ID" "$KA_SECRET" --body "$LIST" --date "$future")
check_match "a clock 10 minutes ahead" "^403 InvalidSignatureException" "$out"
now=$(date -u +%Y%m%dT%H%M%SZ)
out=$("${PYTHON:-python3}" "$SEND" POST "$S_URL/filters/create" "$KA_ID" "$KA_SECRET" --date "$now" --count 2 \
  --body '{"name":"once","action":"NONE","filterCriteria":{"severity":[{"comparison":"EQUALS","value":"LOW"}]}}')
check_match "a mutating request is accepted once" "^200 " "$(sed -n 1p <<<"$out")"
check_match "and refused when replayed" "^403 InvalidSignatureException .*already received" "$(sed -n 2p <<<"$out")"
out=$("${PYTHON:-python3}" "$SEND" POST "$S_URL/findings/list" "$KA_ID" "$KA_SECRET" --date "$now" --count 2 --body "$LIST")
check_eq "identical reads may repeat" "200 200" "$(awk '{print $1}' <<<"$out" | tr '\n' ' ' | sed 's/ $//')"

# --- One account never sees another's ----------------------------------------------
sA() { scurl KA "$S_URL$1" "${J[@]}" -d "$2"; }
sB() { scurl KB "$S_URL$1" "${J[@]}" -d "$2"; }
check_eq "B sees only its own findings" 1 "$(sB /findings/list '{}' | jq '.findings | length')"
check_eq "B's findings are B's" "$B" "$(sB /findings/list '{}' | jq -r '.findings[0].awsAccountId')"
arn=$(sA /findings/list '{"maxResults":1}' | jq -r '.findings[0].findingArn')
check_eq "B cannot read A's finding" FINDING_DETAILS_NOT_FOUND \
  "$(sB /findings/details/batch/get "{\"findingArns\":[\"$arn\"]}" | jq -r '.errors[0].errorCode')"
check_eq "B's coverage" 1 "$(sB /coverage/list '{}' | jq '.coveredResources | length')"
check_eq "B's aggregation by account" "$B" \
  "$(sB /findings/aggregation/list '{"aggregationType":"ACCOUNT"}' | jq -r '.responses[0].accountAggregation.accountId')"
check_eq "filtering on A's account id from B finds nothing" 0 \
  "$(sB /findings/list "{\"filterCriteria\":{\"awsAccountId\":[{\"comparison\":\"EQUALS\",\"value\":\"$A\"}]}}" | jq '.findings | length')"
check_eq "aggregating with A's account id from B finds nothing" 0 \
  "$(sB /findings/aggregation/list "{\"aggregationType\":\"PACKAGE\",\"accountIds\":[{\"comparison\":\"EQUALS\",\"value\":\"$A\"}]}" | jq '.responses | length')"
check_eq "B cannot disable A" ACCESS_DENIED \
  "$(sB /disable "{\"accountIds\":[\"$A\"],\"resourceTypes\":[\"EC2\"]}" | jq -r '.failedAccounts[0].errorCode')"
check_eq "A still enabled" ENABLED "$(sA /status/batch/get '{}' | jq -r '.accounts[0].resourceState.ec2.status')"
tok=$(sA /findings/list '{"maxResults":1}' | jq -r .nextToken)
check_eq "A's paging token is useless to B" "400 ValidationException" \
  "$(code_type "$S_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
     --user "$KB_ID:$KB_SECRET" -d "{\"maxResults\":1,\"nextToken\":\"$tok\"}")"

# --- Bodies ---------------------------------------------------------------------------
sc() { code_type "$S_URL$1" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 --user "$KA_ID:$KA_SECRET" "${@:2}"; }
head -c 2000000 /dev/zero | tr '\0' ' ' >"$TMP/big.json"
check_eq "2 MB body" "413 ValidationException" "$(sc /findings/list --data-binary @"$TMP/big.json")"
check_eq "malformed JSON" "400 ValidationException" "$(sc /findings/list -d '{"maxResults": 10')"
check_eq "CANNOT_PARSE reason" CANNOT_PARSE "$(jq -r .reason "$TMP/body")"
check_eq "duplicate keys" "400 ValidationException" "$(sc /findings/list -d '{"maxResults":1,"maxResults":2}')"
printf '{"filterCriteria":{"title":[{"comparison":"EQUALS","value":"\xff\xfe"}]}}' >"$TMP/bad-utf8.json"
check_eq "invalid UTF-8" "400 ValidationException" "$(sc /findings/list --data-binary @"$TMP/bad-utf8.json")"
python3 -c 'print("[" * 5000 + "]" * 5000)' >"$TMP/deep.json"
check_eq "deep nesting" "400 ValidationException" "$(sc /findings/list --data-binary @"$TMP/deep.json")"
check_eq "not an object" "400 ValidationException" "$(sc /findings/list -d '[1,2]')"
check_eq "unknown member" "400 ValidationException" "$(sc /findings/list -d '{"maxResult":10}')"
check_match "the message names the member" "maxResult" "$(jq -r .message "$TMP/body")"
check_eq "fields[] names the member" maxResult "$(jq -r '.fields[0].name' "$TMP/body")"
check_eq "maxResults 0" "400 ValidationException" "$(sc /findings/list -d '{"maxResults":0}')"
check_eq "maxResults 1000" "400 ValidationException" "$(sc /findings/list -d '{"maxResults":1000}')"
check_eq "maxResults as a string" "400 ValidationException" "$(sc /findings/list -d '{"maxResults":"10"}')"
check_eq "forged nextToken" "400 ValidationException" "$(sc /findings/list -d '{"nextToken":"0.deadbeefdeadbeef"}')"
check_eq "missing required member" "400 ValidationException" "$(sc /filters/create -d '{"name":"x","action":"SUPPRESS"}')"
check_match "names it" "filterCriteria.*is required" "$(jq -r .message "$TMP/body")"

# --- Absurd filter values ----------------------------------------------------------------
bad() {  # DESC CRITERIA FIELD-IN-MESSAGE
  local r
  r=$(sc /findings/list -d "{\"filterCriteria\":$2}")
  check_eq "$1" "400 ValidationException" "$r"
  check_match "$1: message names the member" "$3" "$(jq -r .message "$TMP/body")"
}
bad "score 1e300" '{"inspectorScore":[{"lowerInclusive":1e300}]}' "inspectorScore"
bad "lower above upper" '{"inspectorScore":[{"lowerInclusive":9,"upperInclusive":1}]}' "inspectorScore\\[0\\]"
bad "11 filters on a field" "{\"severity\":[$(printf '{"comparison":"EQUALS","value":"LOW"},%.0s' {1..10}){\"comparison\":\"EQUALS\",\"value\":\"LOW\"}]}" "severity"
bad "empty filter list" '{"severity":[]}' "severity"
bad "unknown comparison" '{"severity":[{"comparison":"GREATER","value":"LOW"}]}' "severity\\[0\\].comparison"
bad "empty value" '{"title":[{"comparison":"PREFIX","value":""}]}' "title\\[0\\].value"
bad "2000-character value" "{\"title\":[{\"comparison\":\"PREFIX\",\"value\":\"$(head -c 2000 /dev/zero | tr '\0' a)\"}]}" "title\\[0\\].value"
bad "negative date" '{"updatedAt":[{"startInclusive":-1}]}' "updatedAt\\[0\\].startInclusive"
bad "year 99999" '{"updatedAt":[{"endInclusive":3000000000000}]}' "updatedAt\\[0\\].endInclusive"
bad "dates reversed" '{"updatedAt":[{"startInclusive":1700000000,"endInclusive":1600000000}]}' "updatedAt\\[0\\]"
bad "port 70000" '{"portRange":[{"beginInclusive":70000}]}' "portRange\\[0\\].beginInclusive"
bad "unknown filter field" '{"cvssScore":[{"lowerInclusive":1}]}' "cvssScore"
bad "empty package filter" '{"vulnerablePackages":[{}]}' "vulnerablePackages\\[0\\]"
bad "map filter without key" '{"resourceTags":[{"comparison":"EQUALS","value":"x"}]}' "resourceTags\\[0\\].key"
check_eq "an absurd SUPPRESS filter is refused too" "400 ValidationException" \
  "$(sc /filters/create -d '{"name":"x","action":"SUPPRESS","filterCriteria":{"epssScore":[{"lowerInclusive":2}]}}')"
check_eq "a filter matching everything is refused" "400 ValidationException" \
  "$(sc /filters/create -d '{"name":"x","action":"SUPPRESS","filterCriteria":{}}')"

# --- Routes ---------------------------------------------------------------------------------
check_eq "unknown route" "404 UnknownOperationException" "$(sc /findings/lists -d '{}')"
check_eq "wrong method" "405 UnknownOperationException" "$(sc /findings/list -X GET)"
check_eq "an operation Kensa does not implement" "501 NotImplementedException" "$(sc /members/list -d '{}')"
check_eq "healthz needs no key" "200 " "$(code_type "$S_URL/kensa/v1/healthz")"
check_eq "metrics need a key" "403 MissingAuthenticationTokenException" "$(code_type "$S_URL/metrics")"
m=$(scurl KA "$S_URL/metrics")
check_match "metrics are Prometheus text" 'kensa_http_requests_total\{op="ListFindings",code="200"\} [0-9]+' "$m"
check_match "metrics count findings" 'kensa_findings\{status="ACTIVE"\} [0-9]+' "$m"

# --- Rate limit and body limit from the config ---------------------------------------------
codes=""
for _ in 1 2 3 4 5 6; do
  codes+="$(code_type "$L_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
    --user "$KA_ID:$KA_SECRET" -d '{}' | awk '{print $1}') "
done
check_match "burst then 429" "^200 200 200 429" "$codes"
check_eq "ThrottlingException" ThrottlingException "$(grep -i '^x-amzn-ErrorType:' "$TMP/hdr" | tr -d '\r' | awk '{print $2}')"
check_match "Retry-After" "[0-9]" "$(grep -i '^Retry-After:' "$TMP/hdr" | tr -d '\r')"
check_eq "B has its own bucket" "200 " "$(code_type "$L_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
  --user "$KB_ID:$KB_SECRET" -d '{}')"
head -c 70000 /dev/zero | tr '\0' ' ' >"$TMP/70k.json"
check_eq "configured body limit" "413 ValidationException" \
  "$(code_type "$L_URL/findings/list" "${J[@]}" --aws-sigv4 aws:amz:us-east-1:inspector2 \
     --user "$KB_ID:$KB_SECRET" --data-binary @"$TMP/70k.json")"
check_eq "chunked body over the limit" "413 ValidationException" \
  "$(code_type "$L_URL/findings/list" "${J[@]}" -H 'Transfer-Encoding: chunked' --aws-sigv4 aws:amz:us-east-1:inspector2 \
     --user "$KB_ID:$KB_SECRET" --data-binary @"$TMP/70k.json")"

# --- A revoked key stops working once the 5-second key cache expires --------------------------
check_eq "a used key works" "200 " "$(sc /findings/list -d '{}')"
"$KENSA" admin key revoke --data "$DATA" "$KA_ID" >/dev/null
sleep 5.2
check_eq "revoked while the server runs" "403 UnrecognizedClientException" "$(sc /findings/list -d '{}')"

# --- Logs: one line per request, no secrets, no bodies ----------------------------------------
stop_server S
stop_server L
check_match "request lines" 'req=[0-9a-f-]{36} method=POST path=/findings/list op=ListFindings account=[0-9]{12} key=KSIA' \
  "$(grep 'op=ListFindings.*status=200' "$TMP/S.log" | head -1)"
check "no secret in the logs" bash -c "! grep -qF -e '$KA_SECRET' -e '$KB_SECRET' '$TMP/S.log' '$TMP/L.log'"
check "no request body in the logs" bash -c "! grep -q 'GREATER\|maxResult\"' '$TMP/S.log'"
finish

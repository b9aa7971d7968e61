#!/usr/bin/env bash
# kensa server driven by the real AWS CLI (aws inspector2 … --endpoint-url),
# signing with keys Kensa issued: SUPPRESS and NONE filters (retroactive,
# updated, deleted, per account) and every aggregation type.
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

# --- Filters: SUPPRESS is retroactive, NONE changes nothing ----------------------
farn=$(as KA aws inspector2 create-filter "${E[@]}" --name hide-medium --action SUPPRESS --reason "accepted risk" \
  --filter-criteria '{"severity":[{"comparison":"EQUALS","value":"MEDIUM"}]}' --query arn --output text)
check_match "filter ARN" "^arn:aws:inspector2:us-east-1:$A:owner/$A/filter/[0-9a-f]{16}$" "$farn"
supp='{"findingStatus":[{"comparison":"EQUALS","value":"SUPPRESSED"}]}'
n=$(as KA aws inspector2 list-findings "${E[@]}" --filter-criteria "$supp" --query 'length(findings)')
check_eq "existing MEDIUM findings suppressed" 3 "$n"
n=$(as KB aws inspector2 list-findings "${E[@]}" --filter-criteria "$supp" --query 'length(findings)')
check_eq "B's findings are untouched by A's filter" 0 "$n"
as KA aws inspector2 create-filter "${E[@]}" --name watch --action NONE \
  --filter-criteria '{"severity":[{"comparison":"EQUALS","value":"CRITICAL"}]}' >/dev/null
check_eq "two filters listed" 2 "$(as KA aws inspector2 list-filters "${E[@]}" --query 'length(filters)')"
check_eq "SUPPRESS filters listed" hide-medium \
  "$(as KA aws inspector2 list-filters "${E[@]}" --action SUPPRESS --query 'filters[0].name' --output text)"
as KA aws inspector2 update-filter "${E[@]}" --filter-arn "$farn" \
  --filter-criteria '{"severity":[{"comparison":"EQUALS","value":"MEDIUM"}],"findingType":[{"comparison":"EQUALS","value":"PACKAGE_VULNERABILITY"}]}' >/dev/null
n=$(as KA aws inspector2 list-findings "${E[@]}" --filter-criteria "$supp" --query 'length(findings)')
check_eq "narrowed filter un-suppresses the network finding" 2 "$n"
as KA aws inspector2 delete-filter "${E[@]}" --arn "$farn" >/dev/null
n=$(as KA aws inspector2 list-findings "${E[@]}" --filter-criteria "$supp" --query 'length(findings)')
check_eq "deleted filter lifts its suppressions" 0 "$n"
out=$(as KB aws inspector2 delete-filter "${E[@]}" --arn "$farn" 2>&1)
check_match "another account cannot see a filter" "ResourceNotFoundException" "$out"

# --- Aggregations: every type ------------------------------------------------------
for spec in ACCOUNT:accountAggregation AMI:amiAggregation AWS_EC2_INSTANCE:ec2InstanceAggregation \
  AWS_ECR_CONTAINER:awsEcrContainerAggregation IMAGE_LAYER:imageLayerAggregation \
  PACKAGE:packageAggregation REPOSITORY:repositoryAggregation TITLE:titleAggregation \
  FINDING_TYPE:findingTypeAggregation AWS_LAMBDA_FUNCTION:lambdaFunctionAggregation \
  LAMBDA_LAYER:lambdaLayerAggregation CODE_REPOSITORY:codeRepositoryAggregation; do
  t=${spec%%:*}; m=${spec#*:}
  r=$(as KA aws inspector2 list-finding-aggregations "${E[@]}" --aggregation-type "$t")
  check_match "aggregation $t" '^[1-9]' "$(jq "[.responses[] | select(has(\"$m\"))] | length" <<<"$r")"
done
r=$(as KA aws inspector2 list-finding-aggregations "${E[@]}" --aggregation-type REPOSITORY)
check_eq "repository affected images" 1 "$(jq '.responses[0].repositoryAggregation.affectedImages' <<<"$r")"
r=$(as KA aws inspector2 list-finding-aggregations "${E[@]}" --aggregation-type ACCOUNT)
check_eq "account critical count" 3 "$(jq '.responses[0].accountAggregation.severityCounts.critical' <<<"$r")"
r=$(as KA aws inspector2 list-finding-aggregations "${E[@]}" --aggregation-type PACKAGE \
  --aggregation-request '{"packageAggregation":{"packageNames":[{"comparison":"PREFIX","value":"libc"}],"sortBy":"ALL"}}')
check_eq "package aggregation with a key filter" 3 "$(jq '.responses | length' <<<"$r")"
out=$(as KA aws inspector2 list-finding-aggregations "${E[@]}" --aggregation-type AMI \
  --aggregation-request '{"packageAggregation":{}}' 2>&1)
check_match "mismatched aggregation request refused" "ValidationException" "$out"


stop_server S
check_match "graceful stop" "stopped" "$(tail -1 "$TMP/S.log")"
finish

#!/usr/bin/env bash
# kensa server driven by the real AWS CLI (aws inspector2 … --endpoint-url),
# signing with keys Kensa issued: ListFindings with filters, sorting and
# paging, finding details, SUPPRESS filters (retroactive, per account) and
# every aggregation type. server_awscli_admin.sh covers the rest.
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

# --- ListFindings -----------------------------------------------------------
total=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)')
check_eq "all of A's findings" 9 "$total"
total_b=$(as KB aws inspector2 list-findings "${E[@]}" --query 'length(findings)')
check_eq "all of B's findings" 5 "$total_b"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"severity":[{"comparison":"EQUALS","value":"CRITICAL"}]}')
check_eq "severity EQUALS CRITICAL" 3 "$n"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"title":[{"comparison":"PREFIX","value":"CVE-2023"}],"severity":[{"comparison":"NOT_EQUALS","value":"LOW"}]}')
check_eq "title PREFIX and severity NOT_EQUALS" 4 "$n"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"inspectorScore":[{"lowerInclusive":7.0,"upperInclusive":9.0}]}')
check_eq "inspectorScore range" 1 "$n"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"vulnerablePackages":[{"name":{"comparison":"EQUALS","value":"libc6"},"version":{"comparison":"EQUALS","value":"2.36"}}]}')
check_eq "vulnerablePackages name+version" 1 "$n"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"resourceTags":[{"comparison":"EQUALS","key":"env","value":"staging"}]}')
check_eq "resourceTags map filter" 1 "$n"
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria '{"portRange":[{"beginInclusive":22,"endInclusive":22}],"networkProtocol":[{"comparison":"EQUALS","value":"TCP"}]}')
check_eq "portRange filter" 1 "$n"
since=$(( $(date +%s) - 3600 ))
n=$(as KA aws inspector2 list-findings "${E[@]}" --query 'length(findings)' \
  --filter-criteria "{\"firstObservedAt\":[{\"startInclusive\":$since}],\"ecrImageTags\":[{\"comparison\":\"EQUALS\",\"value\":\"latest\"}]}")
check_eq "date range and ecrImageTags" 2 "$n"
top=$(as KA aws inspector2 list-findings "${E[@]}" --sort-criteria field=INSPECTOR_SCORE,sortOrder=DESC \
  --query 'findings[0].packageVulnerabilityDetails.vulnerabilityId' --output text)
check_eq "sort by INSPECTOR_SCORE DESC" CVE-2021-44228 "$top"
page=$(as KA aws inspector2 list-findings "${E[@]}" --max-items 4)
check_eq "paged: first page" 4 "$(jq '.findings | length' <<<"$page")"
tok=$(jq -r '.NextToken' <<<"$page")
check_match "paged: next token" '.+' "$tok"
rest=$(as KA aws inspector2 list-findings "${E[@]}" --starting-token "$tok" --query 'length(findings)')
check_eq "paged: the rest" 5 "$rest"

# --- Finding details: own findings only ----------------------------------------
arn_a=$(as KA aws inspector2 list-findings "${E[@]}" --filter-criteria \
  '{"vulnerabilityId":[{"comparison":"EQUALS","value":"CVE-2021-44228"}]}' --query 'findings[0].findingArn' --output text)
arn_b=$(as KB aws inspector2 list-findings "${E[@]}" --query 'findings[0].findingArn' --output text)
check_match "finding ARN shape" "^arn:aws:inspector2:us-east-1:$A:finding/[a-f0-9]{32}$" "$arn_a"
d=$(as KA aws inspector2 batch-get-finding-details "${E[@]}" --finding-arns "$arn_a" "$arn_b")
check_eq "details of own finding" "$arn_a" "$(jq -r '.findingDetails[0].findingArn' <<<"$d")"
check_eq "EPSS in details" 0.9447 "$(jq -r '.findingDetails[0].epssScore' <<<"$d")"
check_eq "another account's finding is not found" FINDING_DETAILS_NOT_FOUND "$(jq -r '.errors[0].errorCode' <<<"$d")"

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

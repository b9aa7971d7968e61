#!/usr/bin/env bash
# kensa server driven by the real AWS CLI (aws inspector2 … --endpoint-url),
# signing with keys Kensa issued: ListFindings with every kind of filter,
# sorting and paging, and finding details of the caller's account only.
# The other server_awscli_*.sh cover filters, aggregations, coverage,
# enablement, configuration, usage and reports.
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


stop_server S
check_match "graceful stop" "stopped" "$(tail -1 "$TMP/S.log")"
finish

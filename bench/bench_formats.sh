#!/usr/bin/env bash
# bench_formats.sh: what each findings format costs on top of the scan. A
# Debian 12 root whose openssl and glibc binaries are at version 0.0-1 is
# matched against the real Debian:12 records of those sources (DB built from
# ../shared/data by tests/integration/formats_fixture.py), which gives about a
# thousand findings with several packages each. Each format's wall time is
# set next to `--format json` (the same scan, the document itself) and, as a
# reference renderer, jq turning that JSON document into CSV.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
: "${KENSA:?}" "${KS_DATA_DIR:?}"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/kensa-bench-formats.XXXXXX)
trap 'rm -rf "$T"' EXIT
export SOURCE_DATE_EPOCH=1700000000

/usr/bin/python3 "$HERE/../tests/integration/formats_fixture.py" "$KS_DATA_DIR" "$T/fx" >/dev/null
"$KENSA" db --db "$T/vuln.db" import "$T/fx/feeds/osv" "$T/fx/feeds/nvd/nvdcve-2.0-fixture.json" \
    "$T/fx/feeds/epss/epss_scores-current.csv" \
    "$T/fx/feeds/kev/known_exploited_vulnerabilities.json" >/dev/null 2>&1
root=$T/root
mkdir -p "$root/var/lib/dpkg" "$root/etc"
cp "$T/fx/root/etc/os-release" "$root/etc/"
for p in libc6:glibc libc-bin:glibc libc6-dev:glibc locales:glibc libc-l10n:glibc \
    libssl3:openssl openssl:openssl libssl-dev:openssl; do
    printf 'Package: %s\nStatus: install ok installed\nArchitecture: amd64\nSource: %s\nVersion: 0.0-1\n\n' \
        "${p%%:*}" "${p#*:}"
done >"$root/var/lib/dpkg/status"

scan() { "$KENSA" scan --db "$T/vuln.db" --format "$1" "$root"; }
scan json >"$T/doc.json" 2>/dev/null
findings=$(jq '.findings | length' "$T/doc.json")
results=$(jq '[.findings[].packageVulnerabilityDetails.vulnerablePackages | length] | add' "$T/doc.json")

echo "### findings formats ($findings findings, $results (finding, package) pairs)"
echo
echo "| command | median s | vs --format json | output bytes |"
echo "|---|---|---|---|"
base=$(median_time scan json)
echo "| \`kensa scan --format json\` | $base | 1.00 | $(wc -c <"$T/doc.json") |"
for fmt in table sarif cyclonedx-json csv asff; do
    t=$(median_time scan "$fmt")
    scan "$fmt" >"$T/out.$fmt" 2>/dev/null
    echo "| \`kensa scan --format $fmt\` | $t | $(ratio "$t" "$base") | $(wc -c <"$T/out.$fmt") |"
done
jq_csv() {
    jq -r '.findings[] | [.awsAccountId, .severity, .fixAvailable, .type, .title, .description,
        .findingArn, .firstObservedAt, .lastObservedAt, .updatedAt,
        ([.packageVulnerabilityDetails.vulnerablePackages[].name] | join(";")),
        .packageVulnerabilityDetails.vulnerabilityId, .inspectorScore] | @csv' "$T/doc.json"
}
t=$(median_time jq_csv)
echo "| reference: \`jq -r '... | @csv'\` over the JSON document (13 columns) | $t | - | $(jq_csv | wc -c) |"
echo
echo "peak RSS KiB: json $(peak_rss_kb "$KENSA" scan --db "$T/vuln.db" --format json "$root"), sarif $(peak_rss_kb "$KENSA" scan --db "$T/vuln.db" --format sarif "$root"), asff $(peak_rss_kb "$KENSA" scan --db "$T/vuln.db" --format asff "$root")"

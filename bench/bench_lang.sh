#!/usr/bin/env bash
# bench_lang: language-package inventory next to each ecosystem's own tool,
# on the same input in the same run:
#  1. a real JavaScript project (bench/lang/package.json + package-lock.json:
#     express, webpack, eslint, jest, typescript, lodash; ~460 packages)
#     installed from the npm registry into a scratch directory with `npm ci`,
#     then `kensa sbom` of the tree vs `npm ls --all --json` in it;
#  2. a directory of a few hundred jars (this machine's /usr/share/java and
#     Maven's lib, copied, duplicated under a second name to reach the count)
#     `kensa sbom` vs `unzip -l` over every jar.
# Prints a markdown block with medians of $RUNS runs, ratios and peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
: "${KENSA:=$PWD/build/kensa}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# --- 1. npm -------------------------------------------------------------------
app="$TMP/app"
mkdir -p "$app"
cp bench/lang/package.json bench/lang/package-lock.json "$app/"
if ! (cd "$app" && timeout 900 npm ci --ignore-scripts --no-audit --no-fund >"$TMP/npm-ci.log" 2>&1); then
  echo "bench_lang: npm ci failed (no access to the npm registry?):" >&2
  tail -5 "$TMP/npm-ci.log" >&2
  exit 1
fi
npkg=$(find "$app/node_modules" -name package.json -path "*/node_modules/*" | wc -l)
nls=$( (cd "$app" && npm ls --all --json 2>/dev/null) | python3 -c '
import json,sys
s=set()
def w(d):
    for n,e in (d or {}).items():
        if "version" in e: s.add((n,e["version"]))
        w(e.get("dependencies"))
w(json.load(sys.stdin).get("dependencies")); print(len(s))')
nk=$("$KENSA" sbom "$app" 2>/dev/null | python3 -c '
import json,sys; d=json.load(sys.stdin); print(len([p for p in d["packages"] if p["ecosystem"]=="npm"]))')
tk=$(median_time "$KENSA" sbom "$app")
tn=$(median_time bash -c 'cd "$0" && npm ls --all --json' "$app")
mk=$(peak_rss_kb "$KENSA" sbom "$app")
mn=$(peak_rss_kb bash -c 'cd "$0" && npm ls --all --json' "$app")

# --- 2. jars --------------------------------------------------------------------
jars="$TMP/jars"
mkdir -p "$jars"
for j in /usr/share/java/*.jar /usr/share/maven/lib/*.jar; do
  [ -f "$j" ] && cp -L "$j" "$jars/$(basename "$j")" 2>/dev/null || true
done
# a second copy under other names: a few hundred archives, as a big app server has
for j in "$jars"/*.jar; do cp "$j" "$jars/copy-$(basename "$j")"; done
njar=$(find "$jars" -name '*.jar' | wc -l)
jbytes=$(du -sm "$jars" | cut -f1)
tjk=$(median_time "$KENSA" sbom "$jars")
tju=$(median_time bash -c 'for j in "$0"/*.jar; do unzip -l "$j"; done' "$jars")
mjk=$(peak_rss_kb "$KENSA" sbom "$jars")
njk=$("$KENSA" sbom "$jars" 2>/dev/null | python3 -c '
import json,sys; print(len(json.load(sys.stdin)["packages"]))')

echo "### Language packages: kensa sbom vs the ecosystems' own tools"
echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores, RUNS=$RUNS (median wall time, seconds; peak RSS of one run)."
echo
echo "| input | kensa | kensa s | kensa peak KiB | reference | reference s | reference peak KiB | reference/kensa time |"
echo "|---|---|---|---|---|---|---|---|"
echo "| npm project, $npkg package.json under node_modules ($nls packages per npm ls) | $nk npm packages | $tk | $mk | npm ls --all --json | $tn | $mn | $(ratio "$tn" "$tk")x |"
echo "| $njar jars, $jbytes MB | $njk Maven packages | $tjk | $mjk | unzip -l over every jar | $tju | - | $(ratio "$tju" "$tjk")x |"

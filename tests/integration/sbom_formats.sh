#!/usr/bin/env bash
# kensa sbom's three formats on real fixture roots (dpkg, apk, rpm sqlite and
# NDB, a rootfs archive): CycloneDX 1.6 and SPDX 2.3 validate against their
# official schemas, every format reads back (sbom:) into the same inventory,
# output is byte-identical run to run, and the shared SBOM fixtures (other
# tools' documents, junk) are read or refused with a clear error.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
: "${KS_DATA_DIR:?}" "${KS_SOURCE_DIR:?}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-sbom-formats.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
VALIDATE="$PY $KS_SOURCE_DIR/tests/tools/validate_sbom.py"
F=$KS_DATA_DIR/fixtures
export SOURCE_DATE_EPOCH=1700000000

# --- fixture roots -------------------------------------------------------------
mk() { mkdir -p "$tmp/$1/$(dirname "$2")"; cp "$3" "$tmp/$1/$2"; }
osr() { mkdir -p "$tmp/$1/etc"; printf '%s\n' "$2" >"$tmp/$1/etc/os-release"; }
"$PY" - "$F/dpkg/trivy/valid.txtar" "$tmp/ubuntu" <<'PYEOF'
import os, sys
src, root = sys.argv[1], sys.argv[2]
name, body = None, []
def flush():
    if name:
        p = os.path.join(root, name); os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write("".join(body))
for line in open(src):
    if line.startswith("-- ") and line.rstrip().endswith(" --"):
        flush(); name, body = line.strip()[3:-3], []
    elif name:
        body.append(line)
flush()
PYEOF
osr ubuntu $'ID=ubuntu\nVERSION_ID="18.04"\nVERSION_CODENAME=bionic'
mk alpine lib/apk/db/installed "$F/apk/osv-scalibr/installed"
osr alpine $'ID=alpine\nVERSION_ID=3.18.4'
mk al2023 var/lib/rpm/rpmdb.sqlite "$F/rpm/go-rpmdb/amazonlinux2023-plain/rpmdb.sqlite"
osr al2023 $'ID="amzn"\nVERSION_ID="2023"'
mk sles usr/lib/sysimage/rpm/Packages.db "$F/rpm/go-rpmdb/sle15-bci/Packages.db"
osr sles $'ID="sles"\nVERSION_ID="15.3"\nID_LIKE="suse"'
(cd "$tmp/ubuntu" && tar czf "$tmp/ubuntu.tar.gz" .)

for t in dir:ubuntu dir:alpine dir:al2023 dir:sles archive:ubuntu.tar.gz; do
  name=${t#*:}; name=${name%.tar.gz}; [ "${t%%:*}" = archive ] && name=$name-archive
  "$KENSA" sbom "${t%%:*}:$tmp/${t#*:}" >"$tmp/$name.json" 2>"$tmp/$name.err"
  check "$t: kensa json written" "[ \$? -eq 0 ] && [ -s '$tmp/$name.json' ]"
  "$KENSA" sbom -f cyclonedx-json "${t%%:*}:$tmp/${t#*:}" >"$tmp/$name.cdx.json" 2>/dev/null
  "$KENSA" sbom -f spdx-json "${t%%:*}:$tmp/${t#*:}" >"$tmp/$name.spdx.json" 2>/dev/null
  check "$t: CycloneDX 1.6 validates" "$VALIDATE cyclonedx '$tmp/$name.cdx.json' >'$tmp/v1' || { head -5 '$tmp/v1'; false; }"
  check "$t: SPDX 2.3 validates" "$VALIDATE spdx '$tmp/$name.spdx.json' >'$tmp/v2' || { head -5 '$tmp/v2'; false; }"
  for f in json cdx.json spdx.json; do
    "$KENSA" sbom "sbom:$tmp/$name.$f" >"$tmp/$name.back.$f" 2>/dev/null
    check "$t: $f reads back to the same os and packages" \
      "$PY - '$tmp/$name.json' '$tmp/$name.back.$f' <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def pk(d): return sorted(json.dumps(p, sort_keys=True) for p in d['packages'])
sys.exit(0 if a['os'] == b['os'] and pk(a) == pk(b) and len(a['packages']) > 0 else 1)
PYEOF"
  done
  "$KENSA" sbom -f cyclonedx-json "${t%%:*}:$tmp/${t#*:}" >"$tmp/$name.cdx2.json" 2>/dev/null
  check "$t: byte-identical on a second run" "cmp -s '$tmp/$name.cdx.json' '$tmp/$name.cdx2.json'"
done

# spot checks on content
check "ubuntu: purl and ecosystem of fdisk" \
  "grep -q '\"purl\": \"pkg:deb/ubuntu/fdisk@2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04\"' '$tmp/ubuntu.json' && grep -q '\"ecosystem\": \"Ubuntu:18.04\"' '$tmp/ubuntu.json'"
check "al2023: rpm purl with epoch and distro" \
  "grep -q 'pkg:rpm/amazonlinux/openssl-libs@3.0.8-1.amzn2023.0.4?arch=x86_64&distro=amzn-2023&epoch=1' '$tmp/al2023.json'"
check "sles: SUSE ecosystem with service pack" "grep -q '\"ecosystem\": \"SUSE:Linux Enterprise Server 15 SP3\"' '$tmp/sles.json'"
check "alpine: apk purl" "grep -q 'pkg:apk/alpine/musl@1.2.4-r0?arch=x86_64&distro=alpine-3.18' '$tmp/alpine.json'"
check "archive and directory give the same packages" \
  "$PY -c 'import json,sys; a,b=(json.load(open(p))[\"packages\"] for p in sys.argv[1:]); sys.exit(0 if a==b else 1)' '$tmp/ubuntu.json' '$tmp/ubuntu-archive.json'"

# the validator is not vacuous
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); d['components'][1]['type']='bogus'; json.dump(d,open(sys.argv[2],'w'))" "$tmp/ubuntu.cdx.json" "$tmp/broken.cdx.json"
check "schema check rejects a bad component type" "! $VALIDATE cyclonedx '$tmp/broken.cdx.json' >/dev/null"
$PY -c "import json,sys; d=json.load(open(sys.argv[1])); d['packages'][1]['primaryPackagePurpose']='OPERATING-SYSTEM'; json.dump(d,open(sys.argv[2],'w'))" "$tmp/ubuntu.spdx.json" "$tmp/broken.spdx.json"
check "schema check rejects a bad SPDX purpose" "! $VALIDATE spdx '$tmp/broken.spdx.json' >/dev/null"

# --- other tools' SBOMs (osv-scalibr fixtures) -------------------------------
S=$F/sbom/osv-scalibr
"$KENSA" sbom "sbom:$S/cdx/minimal.cdx.json" >"$tmp/s1.json" 2>/dev/null
check "CycloneDX minimal: the described project is an application root" \
  "$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); a=d[\"applications\"]; sys.exit(0 if a and a[0][\"name\"]==\"com.example.group:fooBar\" and a[0][\"ecosystem\"]==\"Maven\" and d[\"target\"][\"type\"]==\"SBOM\" else 1)' '$tmp/s1.json'"
"$KENSA" sbom "sbom:$S/spdx/descendant_of.spdx.json" >"$tmp/s2.json" 2>/dev/null
check "SPDX: log4j from its purl is Maven log4j:log4j 1.2.15" \
  "$PY -c 'import json,sys; p=json.load(open(sys.argv[1]))[\"packages\"]; sys.exit(0 if any(x[\"name\"]==\"log4j:log4j\" and x[\"version\"]==\"1.2.15\" and x[\"ecosystem\"]==\"Maven\" for x in p) else 1)' '$tmp/s2.json'"
"$KENSA" sbom "sbom:$S/spdx/sbom.spdx.json" >"$tmp/s3.json" 2>"$tmp/s3.err"
check "SPDX: a component without a purl is warned about, not guessed" "grep -q 'without a purl were left out' '$tmp/s3.err'"
check "SPDX: a pkg:generic package is listed without an ecosystem" \
  "$PY -c 'import json,sys; p=json.load(open(sys.argv[1]))[\"packages\"]; sys.exit(0 if any(x[\"name\"]==\"openssl\" and x[\"ecosystem\"]==\"\" for x in p) else 1)' '$tmp/s3.json'"
"$KENSA" sbom "$S/spdx/purl_and_cpe.spdx.json" >/dev/null 2>&1
check "a bare .json path is recognised as an SBOM" "[ \$? -eq 0 ]"
"$KENSA" sbom "sbom:$S/spdx/invalid_sbom.spdx" >/dev/null 2>"$tmp/e1"
check "invalid SBOM: exit 3 naming the file" "[ \$? -eq 3 ] && grep -q invalid_sbom.spdx '$tmp/e1'"
"$KENSA" sbom "sbom:$S/spdx/sbom.spdx.yml" >/dev/null 2>"$tmp/e2"
check "YAML SPDX: exit 3 with a message" "[ \$? -eq 3 ] && grep -q 'sbom.spdx.yml' '$tmp/e2'"
"$KENSA" sbom "$S/cdx/random_file.ext" >/dev/null 2>"$tmp/e3"
check "a random file: exit 3, not an archive" "[ \$? -eq 3 ] && grep -q 'random_file.ext' '$tmp/e3'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

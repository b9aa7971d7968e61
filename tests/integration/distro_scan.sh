#!/usr/bin/env bash
# distro_scan.sh: `kensa scan` with distro feeds, checked against the
# distributions' own version tools:
#  - an Ubuntu 22.04 root (a dpkg status naming two packages at real jammy
#    versions: a binary whose name is not its source's, libmagick++-6.q16-8
#    from imagemagick, and containerd) against the real USN OVAL for jammy,
#    which names binary packages: the findings must be exactly the USNs'
#    CVEs whose fixed version dpkg --compare-versions puts above the
#    installed one (the expectation is computed from the OVAL file with
#    Python's XML parser, not by Kensa);
#  - the AL2023 rpmdb root against the ALAS samples: the findings rpm's
#    order implies (none in the sample) and no "no data" for Amazon Linux.
set -u
KENSA=${KENSA:?KENSA must name the kensa binary}
DATA=${KS_DATA_DIR:?KS_DATA_DIR must name ../shared/data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() {
    local d=$1
    shift
    if "$@"; then ok; else bad "$d"; fi
}

# --- Ubuntu 22.04 against USN OVAL -----------------------------------------
R=$T/jammy
mkdir -p "$R/etc" "$R/var/lib/dpkg"
printf 'NAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\nID_LIKE=debian\nVERSION_CODENAME=jammy\n' \
    >"$R/etc/os-release"
cat >"$R/var/lib/dpkg/status" <<'X'
Package: libmagick++-6.q16-8
Status: install ok installed
Architecture: amd64
Source: imagemagick
Version: 8:6.9.11.60+dfsg-1.3ubuntu0.22.04.3
Description: C++ interface to ImageMagick

Package: containerd
Status: install ok installed
Architecture: amd64
Version: 1.6.12-0ubuntu1~22.04.1
Description: daemon to control runC

X
OVAL=$DATA/native/ubuntu-oval/com.ubuntu.jammy.usn.oval.xml.bz2
"$KENSA" db --db "$T/u.db" import "$OVAL" >/dev/null 2>&1
check "USN OVAL imports" test $? -eq 0
"$KENSA" scan --db "$T/u.db" "dir:$R" --format json >"$T/scan.json" 2>"$T/scan.err"
rc=$?
check "kensa scan of the jammy root exits 0 ($(head -1 "$T/scan.err"))" test $rc -eq 0
bzcat "$OVAL" >"$T/jammy.xml"
python3 - "$T/jammy.xml" "$T/scan.json" <<'PY' >"$T/cmp.out"
import json, subprocess, sys
import xml.etree.ElementTree as ET
ns = {"d": "http://oval.mitre.org/XMLSchema/oval-definitions-5",
      "l": "http://oval.mitre.org/XMLSchema/oval-definitions-5#linux"}
installed = {"libmagick++-6.q16-8": "8:6.9.11.60+dfsg-1.3ubuntu0.22.04.3",
             "containerd": "1.6.12-0ubuntu1~22.04.1"}
root = ET.parse(sys.argv[1]).getroot()
tests = {t.get("id"): t for t in root.iter("{%s}dpkginfo_test" % ns["l"])}
objs = {o.get("id"): o for o in root.iter("{%s}dpkginfo_object" % ns["l"])}
states = {s.get("id"): s for s in root.iter("{%s}dpkginfo_state" % ns["l"])}
varz = {v.get("id"): [x.text for x in v.iter("{%s}value" % ns["d"])]
        for v in root.iter("{%s}constant_variable" % ns["d"])}
want = set()
for d in root.iter("{%s}definition" % ns["d"]):
    cves = [r.get("ref_id") for r in d.iter("{%s}reference" % ns["d"]) if r.get("source") == "CVE"]
    for c in d.iter("{%s}criterion" % ns["d"]):
        t = tests.get(c.get("test_ref"))
        if t is None:
            continue
        o = objs[t.find("l:object", ns).get("object_ref")]
        st = t.find("l:state", ns)
        if st is None:
            continue
        evr = states[st.get("state_ref")].find("l:evr", ns)
        if evr is None or evr.get("operation") != "less than":
            continue
        name = o.find("l:name", ns)
        names = varz.get(name.get("var_ref"), []) if name.get("var_ref") else [name.text]
        fixed = evr.text[2:] if evr.text.startswith("0:") else evr.text
        for n in names:
            if n in installed and subprocess.run(
                    ["dpkg", "--compare-versions", installed[n], "lt", fixed]).returncode == 0:
                want |= {(cve, n) for cve in cves}
got = set()
for f in json.load(open(sys.argv[2]))["findings"]:
    p = f["packageVulnerabilityDetails"]
    got |= {(p["vulnerabilityId"], v["name"]) for v in p["vulnerablePackages"]}
print(len(want), len(got), want == got)
if want != got:
    print("only kensa:", sorted(got - want)[:5], "only dpkg:", sorted(want - got)[:5])
PY
check "findings = the USNs' CVEs dpkg puts above the installed versions ($(head -2 "$T/cmp.out" | tr '\n' ' '))" \
    test "$(head -1 "$T/cmp.out" | cut -d' ' -f3)" = True
check "both packages are found (libmagick++ only by its binary name)" test "$(head -1 "$T/cmp.out" | cut -d' ' -f1)" -gt 2
check "a Pro-only fix is reported with its ~esm version" \
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if any(v.get("fixedInVersion", "").endswith("+esm2") for f in d["findings"]
                  for v in f["packageVulnerabilityDetails"]["vulnerablePackages"]) else 1)' "$T/scan.json"

# --- Amazon Linux 2023 against ALAS -------------------------------------------
A=$DATA/fixtures/native-feeds/vuln-list-update/amazon-alas/fixtures
R=$T/al2023
mkdir -p "$R/var/lib/rpm" "$R/etc"
cp "$DATA/fixtures/rpm/go-rpmdb/amazonlinux2023-plain/rpmdb.sqlite" "$R/var/lib/rpm/"
printf 'NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n' \
    >"$R/etc/os-release"
"$KENSA" db --db "$T/a.db" import "$A/updateinfo_AL2023.xml.gz" "$A/updateinfo_2_items.xml.gz" \
    >/dev/null 2>&1
"$KENSA" scan --db "$T/a.db" "dir:$R" --format json >"$T/al.json" 2>"$T/al.err"
rc=$?
check "kensa scan of the AL2023 root exits 0 ($(head -1 "$T/al.err"))" test $rc -eq 0
check "no findings: no package of the rpmdb is in the ALAS sample (as rpm says)" \
    python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["findings"]))' "$T/al.json"
check "all 103 packages were matched against Amazon Linux:2023 data (none without data)" \
    python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]
sys.exit(0 if s["packages"] == 103 and s["packagesMatched"] == 103 and not s["noAdvisoryData"] else 1)' "$T/al.json"

echo "$pass passed, $fail failed"
test "$fail" -eq 0

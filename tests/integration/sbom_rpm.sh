#!/usr/bin/env bash
# rpm databases made by rpm itself: packages built with rpmbuild (no epoch,
# epoch 0, epoch 3, one with 400 files so its header overflows BDB pages)
# installed with `rpm --justdb` into an SQLite rpmdb, converted to Berkeley
# DB (db5.3_load) and NDB (tests/tools/mkrpmdb.py). kensa must list what
# `rpm -qa` lists (sqlite and BDB; Debian's rpm cannot read NDB), with the
# same epoch:version-release, and the file ownership rpm -qf reports.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
: "${KS_SOURCE_DIR:?}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
for tool in rpmbuild rpm db5.3_load; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }
done
tmp=$(mktemp -d /tmp/kensa-sbom-rpm.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export HOME="$tmp/home"   # rpm's macros put ~/.rpmdb and ~/.rpmmacros here, not in /root
mkdir -p "$HOME" "$tmp/top/SPECS" "$tmp/top/SOURCES"
PY=/usr/bin/python3

spec() { # name epoch-line nfiles
  local name=$1 epoch=$2 nfiles=$3
  {
    echo "Name: $name"; echo "Version: 1.2.3"; echo "Release: 4.kensa"
    [ -n "$epoch" ] && echo "Epoch: $epoch"
    echo "Summary: kensa test package $name"; echo "License: MIT"; echo "Vendor: Kensa Test"
    echo "BuildArch: noarch"
    echo "%description"; echo "test"
    echo "%install"; echo "mkdir -p %{buildroot}/usr/share/$name"
    echo "for i in \$(seq 1 $nfiles); do echo \$i > %{buildroot}/usr/share/$name/file-with-a-long-name-\$i.txt; done"
    echo "%files"; echo "/usr/share/$name"
  } >"$tmp/top/SPECS/$name.spec"
  rpmbuild --define "_topdir $tmp/top" -bb "$tmp/top/SPECS/$name.spec" >"$tmp/build-$name.log" 2>&1
}
spec kensa-noepoch "" 2 && spec kensa-epoch0 0 2 && spec kensa-epoch3 3 2 && spec kensa-manyfiles "" 400
check "rpmbuild made 4 packages" "[ \$(ls $tmp/top/RPMS/noarch/*.rpm 2>/dev/null | wc -l) -eq 4 ]"

root="$tmp/root"
mkdir -p "$root/etc"
printf 'ID="rhel"\nVERSION_ID="9.4"\n' >"$root/etc/os-release"
rpm --root "$root" --dbpath /var/lib/rpm --initdb 2>/dev/null
rpm --root "$root" --dbpath /var/lib/rpm -i --justdb --nodeps --noscripts --nosignature \
  "$tmp"/top/RPMS/noarch/*.rpm >"$tmp/install.log" 2>&1
check "rpm --justdb wrote an sqlite rpmdb" "[ -f '$root/var/lib/rpm/rpmdb.sqlite' ]"

# kensa first: it must not add a single file to the scanned tree
ls -a "$root/var/lib/rpm" >"$tmp/before.txt"
"$KENSA" sbom "dir:$root" >/dev/null 2>&1
ls -a "$root/var/lib/rpm" >"$tmp/after.txt"
check "sqlite: kensa leaves the rpmdb directory as it found it (no -wal/-shm)" "cmp -s '$tmp/before.txt' '$tmp/after.txt'"

# rpm's own view of the database
rpm --dbpath "$root/var/lib/rpm" -qa --qf '%{NAME} %{EPOCHNUM} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' 2>/dev/null |
  awk '{print $1, $3}' | sort >"$tmp/rpm-qa.txt"
want=$(wc -l <"$tmp/rpm-qa.txt")

kensa_list() { # target -> "name version" lines of rpm packages
  "$KENSA" sbom "$1" 2>"$tmp/err" | $PY -c '
import json, sys
for p in json.load(sys.stdin)["packages"]:
    if p.get("extractor") == "rpm":
        print(p["name"], p["version"])' | sort
}
kensa_list "dir:$root" >"$tmp/kensa-sqlite.txt"
check "sqlite: same $want packages and versions as rpm -qa" "[ $want -eq 4 ] && diff -u '$tmp/rpm-qa.txt' '$tmp/kensa-sqlite.txt'"
check "epoch absent is not 0; epoch 0 is kept" \
  "grep -qx 'kensa-noepoch 1.2.3-4.kensa' '$tmp/kensa-sqlite.txt' && grep -qx 'kensa-epoch0 0:1.2.3-4.kensa' '$tmp/kensa-sqlite.txt' && grep -qx 'kensa-epoch3 3:1.2.3-4.kensa' '$tmp/kensa-sqlite.txt'"
"$KENSA" sbom "dir:$root" >"$tmp/full.json" 2>/dev/null
check "purl: epoch qualifier, distro rhel-9.4" \
  "grep -q 'pkg:rpm/redhat/kensa-epoch3@1.2.3-4.kensa?arch=noarch&distro=rhel-9.4&epoch=3' '$tmp/full.json'"
check "ownership: the 400 files of kensa-manyfiles" \
  "$PY -c 'import json,sys; p=[p for p in json.load(open(sys.argv[1]))[\"packages\"] if p[\"name\"]==\"kensa-manyfiles\"][0]; sys.exit(0 if p[\"files\"]==401 else 1)' '$tmp/full.json'"

# Berkeley DB made from the same headers (db5.3_load), read by rpm and by kensa
bdb="$tmp/bdb"; mkdir -p "$bdb/var/lib/rpm" "$bdb/etc"; cp "$root/etc/os-release" "$bdb/etc/"
$PY "$KS_SOURCE_DIR/tests/tools/mkrpmdb.py" bdbdump "$root/var/lib/rpm/rpmdb.sqlite" "$tmp/dump" &&
  db5.3_load -f "$tmp/dump" "$bdb/var/lib/rpm/Packages"
rpm --dbpath "$bdb/var/lib/rpm" -qa --qf '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' 2>/dev/null | sort >"$tmp/rpm-qa-bdb.txt"
kensa_list "dir:$bdb" >"$tmp/kensa-bdb.txt"
check "BDB: rpm itself reads the converted database" "diff -q '$tmp/rpm-qa.txt' '$tmp/rpm-qa-bdb.txt' >/dev/null"
check "BDB (overflow pages): same packages as rpm -qa" "diff -u '$tmp/rpm-qa-bdb.txt' '$tmp/kensa-bdb.txt'"

# NDB made from the same headers
ndb="$tmp/ndb"; mkdir -p "$ndb/usr/lib/sysimage/rpm" "$ndb/etc"; cp "$root/etc/os-release" "$ndb/etc/"
$PY "$KS_SOURCE_DIR/tests/tools/mkrpmdb.py" ndb "$root/var/lib/rpm/rpmdb.sqlite" "$ndb/usr/lib/sysimage/rpm/Packages.db"
kensa_list "dir:$ndb" >"$tmp/kensa-ndb.txt"
check "NDB: same packages as rpm -qa on the sqlite original" "diff -u '$tmp/rpm-qa.txt' '$tmp/kensa-ndb.txt'"

# A corrupt page in the BDB: a warning naming it, the other packages still listed
cp "$bdb/var/lib/rpm/Packages" "$tmp/Packages.orig"
$PY - "$bdb/var/lib/rpm/Packages" <<'PYEOF'
import sys
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
# page 1 onwards: smash the first overflow page's type byte
for pg in range(1, len(d) // 4096):
    if d[pg * 4096 + 25] == 7:
        d[pg * 4096 + 25] = 0x42
        break
open(p, 'wb').write(d)
PYEOF
kensa_list "dir:$bdb" >"$tmp/kensa-corrupt.txt"
check "corrupt BDB page: warning names the page" "grep -q 'overflow chain reaches a non-overflow page' '$tmp/err'"
check "corrupt BDB page: the other packages survive" "[ \$(wc -l <'$tmp/kensa-corrupt.txt') -eq 3 ]"

# rpm -qa --dbpath on the shared fixture databases agrees too (sqlite and BDB)
F=${KS_DATA_DIR:-}/fixtures/rpm
if [ -d "$F" ]; then
  for db in go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite go-rpmdb/libuuid/Packages osv-scalibr/Packages_epoch; do
    r="$tmp/fx-$(basename "$(dirname "$db")")"; mkdir -p "$r/var/lib/rpm"
    case $db in *.sqlite) dst=rpmdb.sqlite ;; *) dst=Packages ;; esac
    cp "$F/$db" "$r/var/lib/rpm/$dst"
    rpm --dbpath "$r/var/lib/rpm" -qa --qf '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' 2>/dev/null | sort >"$tmp/a.txt"
    rm -f "$r/var/lib/rpm/"*-wal "$r/var/lib/rpm/"*-shm
    kensa_list "dir:$r" >"$tmp/b.txt"
    check "fixture $db: same as rpm -qa ($(wc -l <"$tmp/a.txt") packages)" "[ -s '$tmp/a.txt' ] && diff -u '$tmp/a.txt' '$tmp/b.txt'"
  done
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# The per-layer inventory cache (issue 7, docs/targets.md) on images built
# here with umoci and skopeo: a second image sharing base layers reads only
# its new layers and gives byte for byte the SBOM --no-layer-cache gives;
# damaged, truncated, foreign and hostile entries are reported by file and
# the layer is read again; the KENSA_LAYER_CACHE_MAX bound evicts the least
# recently used entries; concurrent scans sharing the cache leave it whole.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-targets-lc.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
T="$PY $(pwd)/targets_tools.py"
J() { $T json "$1" "$2"; }
cd "$tmp" || exit 1
export KENSA_CACHE_DIR="$tmp/cache" SOURCE_DATE_EPOCH=1700000000
unset KENSA_LAYER_CACHE_MAX
C="$tmp/cache/layers/sha256"

for tool in umoci skopeo; do
  command -v $tool >/dev/null || { echo "FAIL $tool missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }
done

# scan NAME TARGET [ARGS]: NAME.json, NAME.err (with the fs.image debug lines)
scan() { local n=$1 t=$2; shift 2; "$KENSA" --debug=fs.image sbom "$@" "$t" >"$n.json" 2>"$n.err"; echo $? >"$n.rc"; }
reads() { grep -c 'reading layer' "$1.err"; }             # layer blobs opened
read_layers() { grep -o 'reading layer [0-9]*' "$1.err" | awk '{print $3}' | sort -un | tr '\n' ' '; }
replayed() { grep -c 'replayed from the layer cache' "$1.err"; }
warns() { grep -c 'warn: fs.layercache' "$1.err"; }
same() { cmp -s "$1.json" "$2.json"; }

# --- two images sharing two base layers -------------------------------------------
# base 1: os-release, this machine's dpkg stanzas, a Python dist-info, a real Go
#         binary (umoci: the Go extractor reads byte ranges of it)
# base 2: a small layer; app1 adds skopeo's dpkg-less files, app2 rewrites the
#         status file (tar removed, gzip added)
umoci init --layout L >/dev/null && umoci new --image L:base
umoci unpack --image L:base b >/dev/null
mkdir -p b/rootfs/etc b/rootfs/var/lib/dpkg b/rootfs/usr/bin \
  b/rootfs/usr/lib/python3/dist-packages/requests-2.31.0.dist-info
cp /etc/os-release b/rootfs/etc/os-release
$T status b/rootfs/var/lib/dpkg/status bash coreutils libc6 tar zlib1g
cp /usr/bin/umoci b/rootfs/usr/bin/umoci
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n' \
  >b/rootfs/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA
umoci repack --image L:b1 --history.created_by 'base one' b && rm -rf b
umoci unpack --image L:b1 b >/dev/null && mkdir -p b/rootfs/opt/x && echo hi >b/rootfs/opt/x/hi
umoci repack --image L:b2 --history.created_by 'base two' b && rm -rf b
umoci unpack --image L:b2 b >/dev/null
mkdir -p b/rootfs/app && printf '{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"},"node_modules/left-pad":{"version":"1.3.0"}}}\n' >b/rootfs/app/package-lock.json
umoci repack --image L:app1 --history.created_by 'app one' b && rm -rf b
umoci unpack --image L:b2 b >/dev/null
$T status b/rootfs/var/lib/dpkg/status bash coreutils libc6 zlib1g gzip
umoci repack --image L:app2 --history.created_by 'app two' b && rm -rf b

scan ref1 image:L:app1 --no-layer-cache
scan ref2 image:L:app2 --no-layer-cache
check "reference scans (--no-layer-cache) succeed and store nothing" \
  "[ \$(cat ref1.rc) = 0 ] && [ \$(cat ref2.rc) = 0 ] && [ \$(ls $C 2>/dev/null | wc -l) = 0 ]"
check "reference: app1 holds dpkg, python, npm and Go packages" \
  "[ \"\$(J ref1.json 'sorted({p[\"purl\"].split(\"/\")[0] for p in d[\"packages\"]})')\" = \"['pkg:deb', 'pkg:golang', 'pkg:npm', 'pkg:pypi']\" ]"

scan cold1 image:L:app1
check "cold: every layer read, none replayed, one entry per layer stored" \
  "[ \$(replayed cold1) = 0 ] && [ \"\$(read_layers cold1)\" = '1 2 3 ' ] && [ \$(ls $C | wc -l) = 3 ]"
check "cold: SBOM byte-identical to --no-layer-cache" "same cold1 ref1"
scan warm1 image:L:app1
check "warm: the same image again opens no layer blob, all 3 replayed" \
  "[ \$(reads warm1) = 0 ] && [ \$(replayed warm1) = 3 ]"
check "warm: SBOM byte-identical to --no-layer-cache" "same warm1 ref1"
scan shared2 image:L:app2
check "shared base: the second image replays its 2 base layers and reads only layer 3" \
  "[ \$(replayed shared2) = 2 ] && [ \"\$(read_layers shared2)\" = '3 ' ]"
check "shared base: SBOM byte-identical to --no-layer-cache (tar removed, gzip added)" \
  "same shared2 ref2 && [ \"\$(J shared2.json '\" \".join(sorted(p[\"name\"] for p in d[\"packages\"] if p[\"purl\"].startswith(\"pkg:deb/\")))')\" = 'bash coreutils gzip libc6 zlib1g' ]"
"$KENSA" --debug=fs.image sbom -f cyclonedx-json image:L:app2 >cdx.json 2>cdx.err
"$KENSA" sbom -f cyclonedx-json --no-layer-cache image:L:app2 >cdx-ref.json 2>/dev/null
check "shared base: CycloneDX byte-identical too, every layer replayed" \
  "cmp -s cdx.json cdx-ref.json && [ \$(grep -c 'replayed from' cdx.err) = 3 ]"
"$KENSA" --log-level info sbom image:L:app2 2>info.err >/dev/null
check "info log: layers replayed and layer reads counted" "grep -q 'layer cache: 3 of 3 layers replayed, 0 layer reads' info.err"

# the same layers as a docker-archive (uncompressed blobs: other digests, same diff ids)
skopeo copy -q oci:L:app2 docker-archive:d.tar:app:2
scan dref image:d.tar --no-layer-cache
scan darch image:d.tar
check "docker-archive of app2: layers replayed by diff id, SBOM identical to --no-layer-cache" \
  "[ \$(replayed darch) = 3 ] && same darch dref"

# --- hostile layers: the same warnings, nothing escapes ---------------------------------
umoci new --image L:evil
$T layer e1.tar "f:etc/os-release:ID=debian\nVERSION_ID=\"12\"\n" "f:../escape:x" "f:/abs:x" \
  "h:stolen:../../etc/shadow" "l:evil:../../../../.." "f:evil/planted:p" "c:dev/sda" "f:opt/keep:1"
umoci raw add-layer --image L:evil e1.tar
scan evref image:L:evil --no-layer-cache
scan ev1 image:L:evil
scan ev2 image:L:evil
check "hostile image replayed: same SBOM and the same warnings as reading it" \
  "[ \$(replayed ev2) = 1 ] && same ev2 evref && same ev1 evref && diff <(grep 'skipping entry' evref.err) <(grep 'skipping entry' ev2.err) >/dev/null && [ \$(grep -c 'skipping entry' ev2.err) -ge 4 ]"
check "hostile image: nothing escaped onto this machine" "[ ! -e \"$tmp/../escape\" ] && [ ! -e /abs ] && [ ! -e /planted ]"

# --- damaged entries: a warning naming the file, the layer read, the right answer ---------
D1=$(J ref1.json 'd["target"]["details"]["layer.0.diffId"]'); D1=${D1#sha256:}
D2=$(J ref1.json 'd["target"]["details"]["layer.1.diffId"]'); D2=${D2#sha256:}
check "base layer 1's entry holds contents (records and data)" "[ \$($T lcache $C/$D1 info | awk '{print \$2}') -ge 3 ]"
damage() { # name action: damage layer 1's entry, scan app1, then scan again
  $T lcache "$C/$D1" "$2" ${3:+"$3"}
  scan "dm-$1" image:L:app1
  scan "dm-$1-again" image:L:app1
}
damage meta meta
check "flipped index byte: warning names the entry file and says why" \
  "grep -q \"corrupt layer cache entry '$C/$D1': checksum mismatch\" dm-meta.err"
check "flipped index byte: layer 1 read again, SBOM identical" "[ \"\$(read_layers dm-meta)\" = '1 ' ] && same dm-meta ref1"
check "flipped index byte: the entry is rewritten (next scan: no warning, all replayed)" \
  "[ \$(warns dm-meta-again) = 0 ] && [ \$(replayed dm-meta-again) = 3 ] && same dm-meta-again ref1"
damage data data
check "flipped content byte: warning names the entry file and the tar entry" \
  "grep -q \"layer cache entry '$C/$D1': tar entry [0-9]*: checksum mismatch; reading the layer instead\" dm-data.err"
check "flipped content byte: index still replayed, the file read from layer 1, SBOM identical" \
  "[ \$(replayed dm-data) = 3 ] && [ \"\$(read_layers dm-data)\" = '1 ' ] && same dm-data ref1"
check "flipped content byte: the record is rewritten (next scan: no warning, no layer read)" \
  "[ \$(warns dm-data-again) = 0 ] && [ \$(reads dm-data-again) = 0 ] && same dm-data-again ref1"
damage trunc truncate
check "truncated entry: warning says truncated, SBOM identical, rewritten" \
  "grep -q \"'$C/$D1': file is [0-9]* bytes, the header says .*truncated\" dm-trunc.err && same dm-trunc ref1 && [ \$(warns dm-trunc-again) = 0 ] && same dm-trunc-again ref1"
damage garbage garbage
check "random bytes: warning, SBOM identical, rewritten" \
  "grep -q \"corrupt layer cache entry '$C/$D1'\" dm-garbage.err && same dm-garbage ref1 && [ \$(warns dm-garbage-again) = 0 ]"
: >"$C/$D1"; scan dm-empty image:L:app1
check "empty entry file: warning, SBOM identical" "grep -q \"'$C/$D1': 0 bytes\" dm-empty.err && same dm-empty ref1"
cp "$C/$D2" "$C/$D1"; scan dm-other image:L:app1
check "another layer's entry under this diff id: refused by its diff id, SBOM identical" \
  "grep -q \"'$C/$D1': it holds another layer's diff id\" dm-other.err && same dm-other ref1"
rm -f "$C/$D1" && ln -s "$C/$D2" "$C/$D1"; scan dm-link image:L:app1
check "a symlink in place of an entry is not followed, SBOM identical" \
  "[ \"\$(read_layers dm-link)\" = '1 ' ] && same dm-link ref1 && [ ! -L \"$C/$D1\" ]"
$T lcache "$C/$D1" inject ../../../escaped
scan dm-inject image:L:app1
check "well-formed entry with a hostile path: skipped like a hostile layer entry, nothing escapes" \
  "grep -q \"skipping entry '../../../escaped'\" dm-inject.err && [ ! -e \"$tmp/../../escaped\" ] && [ ! -e /escaped ] && [ \"\$(J dm-inject.json 'd[\"packages\"]')\" = \"\$(J ref1.json 'd[\"packages\"]')\" ]"
rm -f "$C/$D1"
chmod 775 cache/layers; scan dm-perm image:L:app1; chmod 700 cache/layers
check "a cache directory others may write is not used (warning), SBOM identical" \
  "grep -q 'layer cache not used: .*writable by other users' dm-perm.err && [ \$(replayed dm-perm) = 0 ] && same dm-perm ref1"

# --- switches -----------------------------------------------------------------------------
before=$(ls -l --time-style=+%s.%N $C | md5sum)
scan off1 image:L:app1 --no-layer-cache
KENSA_LAYER_CACHE_MAX=off "$KENSA" --debug=fs.image sbom image:L:app1 >off2.json 2>off2.err
check "--no-layer-cache and KENSA_LAYER_CACHE_MAX=off neither use nor touch the cache" \
  "[ \$(replayed off1) = 0 ] && [ \$(replayed off2) = 0 ] && [ \"\$(ls -l --time-style=+%s.%N $C | md5sum)\" = \"$before\" ] && same off1 ref1"
KENSA_LAYER_CACHE_MAX=lots "$KENSA" sbom image:L:app1 >/dev/null 2>bad.err; rc=$?
check "a bad KENSA_LAYER_CACHE_MAX is a usage error naming it (exit 2)" "[ $rc = 2 ] && grep -q \"KENSA_LAYER_CACHE_MAX 'lots'\" bad.err"

# --- the bound: LRU eviction ------------------------------------------------------------------
# three one-layer images of the same shape; A is used again after B, so C's
# entry evicts B's (the least recently used), never A's.
export KENSA_CACHE_DIR="$tmp/bound"
C="$tmp/bound/layers/sha256"
for x in A B C; do
  umoci new --image L:$x
  $T layer $x.tar "f:etc/os-release:ID=debian\nVERSION_ID=\"12\"\n" "d:var/lib/dpkg/" \
    "f:var/lib/dpkg/status:Package: p$x\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n"
  umoci raw add-layer --image L:$x $x.tar
done
scan bA image:L:A; sA=$(du -b $C/* | awk '{s+=$1} END{print s}')
scan bB image:L:B; scan bA2 image:L:A
max=$((sA * 2 + sA / 2))
KENSA_LAYER_CACHE_MAX=$max scan bC image:L:C
DA=$(J bA.json 'd["target"]["details"]["layer.0.diffId"]'); DB=$(J bB.json 'd["target"]["details"]["layer.0.diffId"]')
DC=$(J bC.json 'd["target"]["details"]["layer.0.diffId"]')
total=$(du -b $C/* | awk '{s+=$1} END{print s}')
check "bound: total $total <= KENSA_LAYER_CACHE_MAX $max after a third image" "[ $total -le $max ]"
check "bound: the least recently used entry (B) evicted, A (used again) and C kept" \
  "[ ! -e $C/${DB#sha256:} ] && [ -e $C/${DA#sha256:} ] && [ -e $C/${DC#sha256:} ]"
KENSA_LAYER_CACHE_MAX=$max scan bB2 image:L:B
check "bound: the evicted image is read again and is right" \
  "[ \$(replayed bB2) = 0 ] && [ \"\$(J bB2.json '[p[\"name\"] for p in d[\"packages\"]]')\" = \"['pB']\" ] && [ \$(du -b $C/* | awk '{s+=\$1} END{print s}') -le $max ]"
rm -rf "$tmp/bound"
KENSA_LAYER_CACHE_MAX=512 scan tiny image:L:app1
check "bound: entries larger than the whole cache are not kept; the scan is right" \
  "[ \$(ls $C | wc -l) = 0 ] && same tiny ref1"

# --- concurrent scans sharing one cache -------------------------------------------------------
export KENSA_CACHE_DIR="$tmp/conc"
C="$tmp/conc/layers/sha256"
for i in 1 2 3 4; do
  img=app$(( (i % 2) + 1 )); scan "cc$i" "image:L:$img" &
done
wait
scan cw1 image:L:app1; scan cw2 image:L:app2
check "concurrent: 4 cold scans of 2 images sharing layers all right" \
  "same cc1 ref2 && same cc2 ref1 && same cc3 ref2 && same cc4 ref1 && ! grep -q 'warn' cc1.err cc2.err cc3.err cc4.err"
check "concurrent: the cache they left is whole (no warning, every layer replayed, right SBOMs)" \
  "[ \$(warns cw1) = 0 ] && [ \$(warns cw2) = 0 ] && [ \$(replayed cw1) = 3 ] && [ \$(replayed cw2) = 3 ] && same cw1 ref1 && same cw2 ref2"
check "concurrent: no temporary file left behind" "[ \$(ls -A $tmp/conc/layers | grep -c '^.tmp-') = 0 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# Container images (issue 7), each next to a reference in the same run:
#  1. inventory of an image built from this machine's /usr (real files, real
#     dpkg status) vs merely decompressing and listing its layers
#     (gzip -dc | tar -t), and vs decompressing them (tar -xzf -O);
#  2. an image with a million small files: time and peak memory of kensa vs
#     gzip -dc | tar -t;
#  3. registry pull on loopback (docker-registry, empty blob cache) vs
#     skopeo copy of the same image to a local directory;
#  4. the per-layer cache: cold vs warm scans of image 1 and of a second
#     image sharing its two layers, vs decompressing the layers (all of them,
#     and only the new one), plus the cache's size on disk.
# PARTS="1 4" runs some parts only (the image of part 1 is always built).
# Parts 1-3 measure reading layers, so they run with --no-layer-cache.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${KENSA:?}"
RUNS=${RUNS:-3}
FILES=${FILES:-1000000}
tmp=$(mktemp -d /tmp/kensa-bench-targets.XXXXXX)
regpid=""
trap '[ -n "$regpid" ] && kill $regpid 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp"
export KENSA_CACHE_DIR="$tmp/cache"
PY=/usr/bin/python3
PARTS=${PARTS:-1 2 3 4}
part() { [[ " $PARTS " == *" $1 "* ]]; }
NLC=--no-layer-cache
speedup() { echo "1/$(echo "$2 / $1" | bc)"; } # A faster than B: "1/N"

# --- 1. a real image: parts of this machine's /usr, two layers (~600 MB) ------
umoci init --layout L >/dev/null && umoci new --image L:t
mkdir -p base/etc base/var/lib/dpkg && cp /etc/os-release base/etc/ && cp /var/lib/dpkg/status base/var/lib/dpkg/
tar -C / -cf l1.tar usr/lib/python3 usr/lib/gcc 2>/dev/null || true
tar -C base -rf l1.tar etc var
tar -C / -cf l2.tar usr/share/doc usr/share/locale 2>/dev/null || true
umoci raw add-layer --image L:t l1.tar && umoci raw add-layer --image L:t l2.tar
rm -f l1.tar l2.tar
layers=$($PY -c "
import json
idx=json.load(open('L/index.json'))
m=json.load(open('L/blobs/sha256/'+idx['manifests'][0]['digest'][7:]))
print(' '.join('L/blobs/sha256/'+l['digest'][7:] for l in m['layers']))")
comp=$(du -cb $layers | tail -1 | cut -f1)
list() { for l in $layers; do gzip -dc "$l" | tar -t >/dev/null; done; }
extract() { for l in $layers; do tar -xzf "$l" -O >/dev/null; done; }

if part 1; then
files=$(for l in $layers; do gzip -dc "$l" | tar -t; done | wc -l)
pkgs=$("$KENSA" sbom $NLC image:L:t | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["packages"]))')
t_k=$(median_time "$KENSA" sbom $NLC image:L:t)
t_l=$(median_time list)
t_x=$(median_time extract)
m_k=$(peak_rss_kb "$KENSA" sbom $NLC image:L:t)

echo "### Image from this machine's /usr/lib/{python3,gcc}, /usr/share/{doc,locale} ($((comp / 1048576)) MiB gzip, $files entries, $pkgs dpkg packages)"
echo
echo "| command | median (s) | vs gzip -dc \\| tar -t |"
echo "|---|---|---|"
echo "| \`kensa sbom image:L:t\` | $t_k | $(ratio "$t_k" "$t_l") |"
echo "| \`gzip -dc layer \\| tar -t\` (each layer) | $t_l | 1.00 |"
echo "| \`tar -xzf layer -O > /dev/null\` (each layer) | $t_x | $(ratio "$t_x" "$t_l") |"
echo
echo "kensa peak RSS: $((m_k / 1024)) MiB"
echo
fi

# --- 2. a million small files -------------------------------------------------------
if part 2; then
umoci init --layout M >/dev/null && umoci new --image M:t
$PY - "$FILES" <<'PYEOF' >m.tar
import sys, tarfile
n = int(sys.argv[1])
out = sys.stdout.buffer
for i in range(n):
    ti = tarfile.TarInfo('srv/data/d%04d/file-%07d.txt' % (i % 2000, i))
    ti.size = 8
    ti.mtime = 1700000000
    out.write(ti.tobuf(tarfile.USTAR_FORMAT))
    out.write(b'content\n' + bytes(504))
out.write(bytes(1024))
PYEOF
umoci raw add-layer --image M:t m.tar && rm -f m.tar
mlayer=$($PY -c "
import json
idx=json.load(open('M/index.json'))
m=json.load(open('M/blobs/sha256/'+idx['manifests'][0]['digest'][7:]))
print('M/blobs/sha256/'+m['layers'][0]['digest'][7:])")
mlist() { gzip -dc "$mlayer" | tar -t >/dev/null; }
RUNS=1
t_mk=$(median_time "$KENSA" sbom $NLC image:M:t)
t_ml=$(median_time mlist)
m_mk=$(peak_rss_kb "$KENSA" sbom $NLC image:M:t)
m_ml=$(/usr/bin/time -f '%M' bash -c "gzip -dc '$mlayer' | tar -t >/dev/null" 2>&1 | tail -1)
tree=$("$KENSA" --debug=fs.image sbom $NLC image:M:t 2>&1 >/dev/null | grep -o 'tree [0-9]* bytes' | head -1)

echo "### Image with $FILES small files (one layer, $(( $(stat -c %s "$mlayer") / 1048576 )) MiB gzip)"
echo
echo "| command | time (s) | peak RSS (MiB) |"
echo "|---|---|---|"
echo "| \`kensa sbom image:M:t\` | $t_mk | $((m_mk / 1024)) |"
echo "| \`gzip -dc layer \\| tar -t\` | $t_ml | $((m_ml / 1024)) |"
echo
echo "squash tree: $tree ($(echo "${tree//[!0-9]/} / $FILES" | bc) bytes per path)"
echo
RUNS=3
rm -rf M
fi

# --- 3. registry pull on loopback ---------------------------------------------------
if part 3; then
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p reg
printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s/reg}}\nhttp: {addr: 127.0.0.1:%s}\n' "$tmp" "$port" >reg.yml
docker-registry serve reg.yml >reg.log 2>&1 &
regpid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false oci:L:t "docker://127.0.0.1:$port/bench/usr:1"
pull() { rm -rf "$KENSA_CACHE_DIR"; "$KENSA" sbom $NLC --insecure "registry:127.0.0.1:$port/bench/usr:1"; }
warm() { "$KENSA" sbom $NLC --insecure "registry:127.0.0.1:$port/bench/usr:1"; }
skopeo_pull() { rm -rf sk; skopeo copy -q --src-tls-verify=false "docker://127.0.0.1:$port/bench/usr:1" dir:sk; }
RUNS=3
t_p=$(median_time pull)
t_s=$(median_time skopeo_pull)
warm >/dev/null 2>&1
t_w=$(median_time warm)
t_d=$(echo "$t_p - $t_w" | bc)
echo "### Registry pull on loopback ($((comp / 1048576)) MiB of layers, empty blob cache)"
echo
echo "| command | median (s) | MiB/s |"
echo "|---|---|---|"
echo "| \`kensa sbom --insecure registry:…\` (pull + inventory) | $t_p | $(echo "scale=1; $comp / 1048576 / $t_p" | bc) |"
echo "| same, blobs already in the cache (inventory only) | $t_w | |"
echo "| difference: kensa's download | $t_d | $(echo "scale=1; $comp / 1048576 / $t_d" | bc) |"
echo "| \`skopeo copy docker://… dir:\` (pull only) | $t_s | $(echo "scale=1; $comp / 1048576 / $t_s" | bc) |"
echo
kill $regpid 2>/dev/null; regpid=""
fi

# --- 4. the per-layer cache ---------------------------------------------------------
# Image 2 = image 1's two layers + a third (/usr/share/zoneinfo and the dpkg
# status with one more package, as an `apt-get install` layer rewrites it).
if part 4; then
umoci tag --image L:t t2
mkdir -p app/var/lib/dpkg app/usr/share
cp -r /usr/share/zoneinfo app/usr/share/
{ cat /var/lib/dpkg/status; printf 'Package: bench-extra\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: all\n\n'; } >app/var/lib/dpkg/status
tar -C app -cf l3.tar usr var && umoci raw add-layer --image L:t2 l3.tar && rm -rf app l3.tar
new=$($PY -c "
import json
idx=json.load(open('L/index.json'))
m=[m for m in idx['manifests'] if m['annotations']['org.opencontainers.image.ref.name']=='t2'][0]
m=json.load(open('L/blobs/sha256/'+m['digest'][7:]))
print('L/blobs/sha256/'+m['layers'][-1]['digest'][7:])")
newc=$(stat -c %s "$new")
export KENSA_CACHE_DIR="$tmp/lc"
LCD="$tmp/lc/layers"
cold1() { rm -rf "$KENSA_CACHE_DIR"; "$KENSA" sbom image:L:t; }
warm1() { "$KENSA" sbom image:L:t; }
# image 2 with only image 1 in the cache: the snapshot is restored before each run
shared2() { rm -rf "$KENSA_CACHE_DIR"; cp -a "$tmp/lc1" "$KENSA_CACHE_DIR"; "$KENSA" sbom image:L:t2; }
warm2() { "$KENSA" sbom image:L:t2; }
nlc2() { "$KENSA" sbom $NLC image:L:t2; }
list2() { for l in $layers $new; do gzip -dc "$l" | tar -t >/dev/null; done; }
extract_new() { tar -xzf "$new" -O >/dev/null; }
nlc1() { "$KENSA" sbom $NLC image:L:t; }
t_n1=$(median_time nlc1)
t_c1=$(median_time cold1)
size1=$(du -sb "$LCD" | cut -f1); n1=$(ls "$LCD/sha256" | wc -l)
t_w1=$(median_time warm1)
rm -rf "$tmp/lc1" && cp -a "$KENSA_CACHE_DIR" "$tmp/lc1"
t_s2=$(median_time shared2)
reads2=$("$KENSA" --debug=fs.image sbom image:L:t2 2>&1 >/dev/null | grep -c 'reading layer' || true)
rm -rf "$KENSA_CACHE_DIR"; cp -a "$tmp/lc1" "$KENSA_CACHE_DIR"
reads_s2=$("$KENSA" --debug=fs.image sbom image:L:t2 2>&1 >/dev/null | grep -o 'reading layer [0-9]*' | sort -u | tr '\n' ' ')
t_w2=$(median_time warm2)
size2=$(du -sb "$LCD" | cut -f1); n2=$(ls "$LCD/sha256" | wc -l)
t_n2=$(median_time nlc2)
t_l1=$(median_time list)
t_l2=$(median_time list2)
t_xn=$(median_time extract_new)
m_w1=$(peak_rss_kb "$KENSA" sbom image:L:t)
m_c1=$(peak_rss_kb "$KENSA" sbom $NLC image:L:t)
"$KENSA" sbom image:L:t2 >w.json 2>/dev/null; "$KENSA" sbom $NLC image:L:t2 >n.json 2>/dev/null
same=$(cmp -s <(grep -v '"timestamp"' w.json) <(grep -v '"timestamp"' n.json) && echo identical || echo DIFFERENT)

echo "### Per-layer cache: image 1 (2 layers, $((comp / 1048576)) MiB gzip) and image 2 (the same 2 + a new layer of $((newc / 1024)) KiB)"
echo
echo "| command | median (s) | vs reference |"
echo "|---|---|---|"
echo "| image 1, \`--no-layer-cache\` | $t_n1 | $(ratio "$t_n1" "$t_l1") of \`gzip -dc \| tar -t\` |"
echo "| image 1 cold: \`kensa sbom image:L:t\`, empty layer cache (stores it) | $t_c1 | $(ratio "$t_c1" "$t_n1") of \`--no-layer-cache\` |"
echo "| image 1 warm: the same again (every layer replayed) | $t_w1 | $(speedup "$t_w1" "$t_n1") of \`--no-layer-cache\` |"
echo "| \`gzip -dc layer \| tar -t\`, image 1's 2 layers | $t_l1 | 1.00 |"
echo "| image 2, \`--no-layer-cache\` | $t_n2 | $(ratio "$t_n2" "$t_l2") of \`gzip -dc \| tar -t\` (3 layers) |"
echo "| image 2 after image 1 (2 layers replayed, the new one read) | $t_s2 | $(speedup "$t_s2" "$t_n2") of \`--no-layer-cache\` |"
echo "| image 2 warm (every layer replayed) | $t_w2 | $(speedup "$t_w2" "$t_n2") of \`--no-layer-cache\` |"
echo "| \`gzip -dc layer \| tar -t\`, image 2's 3 layers | $t_l2 | 1.00 |"
echo "| \`tar -xzf new-layer -O\` (image 2's new layer only) | $t_xn | $(ratio "$t_xn" "$t_s2") of image 2 after image 1 |"
echo
echo "image 2 after image 1 opened: ${reads_s2:-nothing}; warm: $reads2 layer reads. SBOM warm vs --no-layer-cache: $same."
echo "Cache on disk: $n1 entries, $size1 bytes after image 1; $n2 entries, $size2 bytes after image 2 ($(echo "scale=2; $size2 * 100 / ($comp + $newc)" | bc) % of the compressed layers)."
echo "Peak RSS image 1: warm $((m_w1 / 1024)) MiB, --no-layer-cache $((m_c1 / 1024)) MiB."
fi

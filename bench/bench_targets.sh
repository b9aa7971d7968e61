#!/usr/bin/env bash
# Container images (issue 7), each next to a reference in the same run:
#  1. inventory of an image built from this machine's /usr (real files, real
#     dpkg status) vs merely decompressing and listing its layers
#     (gzip -dc | tar -t), and vs decompressing them (tar -xzf -O);
#  2. an image with a million small files: time and peak memory of kensa vs
#     gzip -dc | tar -t;
#  3. registry pull on loopback (docker-registry, empty blob cache) vs
#     skopeo copy of the same image to a local directory.
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
files=$(for l in $layers; do gzip -dc "$l" | tar -t; done | wc -l)
pkgs=$("$KENSA" sbom image:L:t | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["packages"]))')
list() { for l in $layers; do gzip -dc "$l" | tar -t >/dev/null; done; }
extract() { for l in $layers; do tar -xzf "$l" -O >/dev/null; done; }
t_k=$(median_time "$KENSA" sbom image:L:t)
t_l=$(median_time list)
t_x=$(median_time extract)
m_k=$(peak_rss_kb "$KENSA" sbom image:L:t)

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

# --- 2. a million small files -------------------------------------------------------
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
t_mk=$(median_time "$KENSA" sbom image:M:t)
t_ml=$(median_time mlist)
m_mk=$(peak_rss_kb "$KENSA" sbom image:M:t)
m_ml=$(/usr/bin/time -f '%M' bash -c "gzip -dc '$mlayer' | tar -t >/dev/null" 2>&1 | tail -1)
tree=$("$KENSA" --debug=fs.image sbom image:M:t 2>&1 >/dev/null | grep -o 'tree [0-9]* bytes' | head -1)

echo "### Image with $FILES small files (one layer, $(( $(stat -c %s "$mlayer") / 1048576 )) MiB gzip)"
echo
echo "| command | time (s) | peak RSS (MiB) |"
echo "|---|---|---|"
echo "| \`kensa sbom image:M:t\` | $t_mk | $((m_mk / 1024)) |"
echo "| \`gzip -dc layer \\| tar -t\` | $t_ml | $((m_ml / 1024)) |"
echo
echo "squash tree: $tree ($(echo "${tree//[!0-9]/} / $FILES" | bc) bytes per path)"
echo

# --- 3. registry pull on loopback ---------------------------------------------------
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p reg
printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s/reg}}\nhttp: {addr: 127.0.0.1:%s}\n' "$tmp" "$port" >reg.yml
docker-registry serve reg.yml >reg.log 2>&1 &
regpid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
skopeo copy -q --dest-tls-verify=false oci:L:t "docker://127.0.0.1:$port/bench/usr:1"
pull() { rm -rf "$KENSA_CACHE_DIR"; "$KENSA" sbom --insecure "registry:127.0.0.1:$port/bench/usr:1"; }
warm() { "$KENSA" sbom --insecure "registry:127.0.0.1:$port/bench/usr:1"; }
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

#!/usr/bin/env bash
# kensa sbom on container images built here with umoci (no Docker engine)
# from rootfs trees made of this machine's own Debian files (os-release and
# real dpkg stanzas), converted by skopeo to docker-archive and OCI-archive:
# layers, whiteouts, opaque dirs, a package removed and one upgraded in a
# later layer, multi-platform indexes, hostile layers, a decompression bomb,
# function packages and code repositories.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-targets-image.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
T="$PY $(pwd)/targets_tools.py"
J() { $T json "$1" "$2"; }
cd "$tmp" || exit 1
export KENSA_CACHE_DIR="$tmp/cache"

for tool in umoci skopeo; do
  command -v $tool >/dev/null || { echo "FAIL $tool missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }
done

# --- a Debian image in three layers -----------------------------------------
# L1: os-release, dpkg status (bash coreutils libc6 tar zlib1g at an old version), etc/hello
# L2: status rewritten: tar removed, zlib1g upgraded to this machine's version,
#     gzip added; etc/hello deleted (umoci writes the whiteout)
# L3: an opaque directory over opt/app (raw layer)
zver=$(dpkg-query -W -f='${Version}' zlib1g)
mkdir -p b && umoci init --layout L && umoci new --image L:base
umoci unpack --image L:base b >/dev/null
mkdir -p b/rootfs/etc b/rootfs/var/lib/dpkg b/rootfs/opt/app/sub
cp /etc/os-release b/rootfs/etc/os-release
echo hello >b/rootfs/etc/hello
echo old >b/rootfs/opt/app/sub/old
$T status b/rootfs/var/lib/dpkg/status bash coreutils libc6 tar "zlib1g=1:1.2.11.dfsg-2+deb11u2"
umoci repack --image L:l1 --history.created_by 'RUN debootstrap (layer one)' b
rm -rf b && umoci unpack --image L:l1 b >/dev/null
rm b/rootfs/etc/hello
$T status b/rootfs/var/lib/dpkg/status bash coreutils libc6 zlib1g gzip
umoci repack --image L:l2 --history.created_by 'RUN apt-get install gzip && apt-get upgrade' b
rm -rf b
umoci tag --image L:l2 t
$T layer l3.tar "d:opt/app/" "f:opt/app/.wh..wh..opq:" "f:opt/app/new:new"
umoci raw add-layer --image L:t --history.created_by 'COPY app /opt/app' l3.tar
umoci config --image L:t --config.label org.opencontainers.image.base.name=debian:12 \
  --config.label org.opencontainers.image.source=https://example.test/app \
  --history.created_by 'LABEL base' >/dev/null

"$KENSA" sbom image:L:t >l.json 2>l.err
check "oci layout: sbom exits 0" "[ $? -eq 0 ]"
check "oci layout: resource type CONTAINER_IMAGE" "[ \"\$(J l.json 'd[\"target\"][\"type\"]')\" = CONTAINER_IMAGE ]"
check "oci layout: os is debian from os-release" "[ \"\$(J l.json 'd[\"os\"][\"ecosystem\"]')\" = \"$(. /etc/os-release; echo "Debian:$VERSION_ID")\" ]"
check "oci layout: packages are bash coreutils gzip libc6 zlib1g (tar removed in layer 2)" \
  "[ \"\$(J l.json '\" \".join(sorted(p[\"name\"] for p in d[\"packages\"]))')\" = 'bash coreutils gzip libc6 zlib1g' ]"
check "oci layout: versions are this machine's (dpkg-query)" \
  "[ \"\$(J l.json '\" \".join(p[\"version\"] for p in d[\"packages\"] if p[\"name\"]==\"bash\")')\" = \"$(dpkg-query -W -f='${Version}' bash)\" ]"
check "oci layout: zlib1g is the upgraded version" \
  "[ \"\$(J l.json '[p[\"version\"] for p in d[\"packages\"] if p[\"name\"]==\"zlib1g\"][0]')\" = \"$zver\" ]"
L1=$(J l.json 'd["target"]["details"]["layer.0.diffId"]')
L2=$(J l.json 'd["target"]["details"]["layer.1.diffId"]')
check "layers: bash came with layer 1" "[ \"\$(J l.json '[p[\"layerDigest\"] for p in d[\"packages\"] if p[\"name\"]==\"bash\"][0]')\" = $L1 ]"
check "layers: gzip came with layer 2" "[ \"\$(J l.json '[p[\"layerDigest\"] for p in d[\"packages\"] if p[\"name\"]==\"gzip\"][0]')\" = $L2 ]"
check "layers: the upgraded zlib1g came with layer 2" "[ \"\$(J l.json '[p[\"layerDigest\"] for p in d[\"packages\"] if p[\"name\"]==\"zlib1g\"][0]')\" = $L2 ]"
check "layers: packages carry their layer's created_by" \
  "[ \"\$(J l.json '[p[\"metadata\"][\"layerCreatedBy\"] for p in d[\"packages\"] if p[\"name\"]==\"bash\"][0]')\" = 'RUN debootstrap (layer one)' ]"
check "details: labels, base image, platform, digests" \
  "[ \"\$(J l.json '(d[\"target\"][\"details\"][\"baseImage\"], d[\"target\"][\"details\"][\"platform\"], d[\"target\"][\"details\"][\"imageDigest\"][:7], d[\"target\"][\"details\"][\"label:org.opencontainers.image.source\"])')\" = \"('debian:12', 'linux/amd64', 'sha256:', 'https://example.test/app')\" ]"

# whiteouts and the opaque directory, seen through the fs view by dpkg's own file:
# make a status file that only exists if whiteouts were ignored.
mkdir -p w && umoci init --layout W && umoci new --image W:t
$T status s1 bash
$T status s2 coreutils
$T layer w1.tar "f:etc/os-release:ID=debian\nVERSION_ID=\"12\"\n" "d:var/lib/dpkg/" \
  "d:var/lib/dpkg/status.d/" "f:var/lib/dpkg/status.d/bash:$(sed 's/$/\\n/' s1 | tr -d '\n')" \
  "f:var/lib/dpkg/status.d/coreutils:$(sed 's/$/\\n/' s2 | tr -d '\n')"
$T layer w2.tar "f:var/lib/dpkg/status.d/.wh.bash:"
$T layer w3.tar "d:var/lib/dpkg/status.d/" "f:var/lib/dpkg/status.d/.wh..wh..opq:"
umoci raw add-layer --image W:t w1.tar && umoci raw add-layer --image W:t w2.tar
umoci tag --image W:t two && umoci raw add-layer --image W:t w3.tar
"$KENSA" sbom image:W:two >w2.json 2>/dev/null
check "whiteout: a status.d file deleted by .wh. is gone" "[ \"\$(J w2.json '[p[\"name\"] for p in d[\"packages\"]]')\" = \"['coreutils']\" ]"
"$KENSA" sbom image:W:t >w3.json 2>/dev/null
check "opaque dir: .wh..wh..opq hides every lower entry" "[ \"\$(J w3.json 'len(d[\"packages\"])')\" = 0 ]"

# --- the same image as docker-archive and OCI archive (skopeo) ---------------
skopeo copy -q oci:L:t docker-archive:d.tar:app:1 && skopeo copy -q oci:L:t oci-archive:o.tar:t
for f in d.tar o.tar; do
  "$KENSA" sbom "image:$f" >"$f.json" 2>/dev/null
  check "$f: same packages and layer digests as the layout" \
    "[ \"\$(J $f.json 'sorted((p[\"name\"],p[\"version\"],p[\"layerDigest\"]) for p in d[\"packages\"])')\" = \"\$(J l.json 'sorted((p[\"name\"],p[\"version\"],p[\"layerDigest\"]) for p in d[\"packages\"])')\" ]"
done
check "docker-archive: RepoTags and image id" \
  "[ \"\$(J d.tar.json '(d[\"target\"][\"details\"][\"repoTags\"], d[\"target\"][\"details\"][\"imageId\"]==\"$(J l.json 'd["target"]["details"]["imageId"]')\")')\" = \"('docker.io/library/app:1', True)\" ]"
check "a bare OCI layout directory is detected as an image" \
  "skopeo copy -q oci:L:t oci:L1only:t && \"$KENSA\" sbom L1only 2>/dev/null | $PY -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)[\"target\"][\"type\"]==\"CONTAINER_IMAGE\" else 1)'"
check "several images in a layout and no name: error lists them" \
  "! \"$KENSA\" sbom image:L 2>err.txt && grep -q 'several images' err.txt"

# a docker-archive layer that does not match its diff id is refused
mkdir -p bad && tar -C bad -xf d.tar
layer=$(tar -tf d.tar | grep -E '^[0-9a-f]{64}\.tar$' | head -1)
$PY - "bad/$layer" <<'PYEOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.find(b'ID=debian') if b.find(b'ID=debian') >= 0 else 600
b[i] ^= 1
open(p, 'wb').write(bytes(b))
PYEOF
tar -C bad -cf bad.tar . 
"$KENSA" sbom image:bad.tar >/dev/null 2>err.txt; rc=$?
check "docker-archive: a tampered layer fails with a digest error (exit 3)" "[ $rc -eq 3 ] && grep -q 'mismatch' err.txt"

# --- multi-platform index ------------------------------------------------------
umoci new --image L:arm && mkdir -p r/etc && printf 'ID=alpine\nVERSION_ID=3.19.1\n' >r/etc/os-release
tar -C r -cf arm.tar . && umoci raw add-layer --image L:arm arm.tar
umoci config --image L:arm --architecture arm64 --os linux >/dev/null
$T index L multi t=linux/amd64 arm=linux/arm64/v8
"$KENSA" sbom --platform linux/arm64 image:L:multi >m.json 2>/dev/null
check "index: --platform linux/arm64 picks the arm64 image" "[ \"\$(J m.json '(d[\"os\"][\"id\"], d[\"target\"][\"details\"][\"platform\"])')\" = \"('alpine', 'linux/arm64')\" ]"
"$KENSA" sbom --platform linux/amd64 image:L:multi >m2.json 2>/dev/null
check "index: --platform linux/amd64 picks the amd64 image" "[ \"\$(J m2.json 'd[\"os\"][\"id\"]')\" = debian ]"
"$KENSA" sbom --platform linux/s390x image:L:multi >/dev/null 2>err.txt; rc=$?
check "index: a missing platform fails naming those there are" "[ $rc -eq 3 ] && grep -q 'linux/amd64, linux/arm64/v8' err.txt"
"$KENSA" sbom --platform linux image:L:multi >/dev/null 2>&1; rc=$?
check "index: --platform without an arch is a usage error" "[ $rc -eq 2 ]"

# --- hostile layers --------------------------------------------------------------
umoci new --image L:evil
$T layer e1.tar "f:etc/os-release:ID=debian\nVERSION_ID=\"12\"\n" "f:../escape:x" "f:/abs:x" \
  "f:a/../../up:x" "c:dev/sda" "h:stolen:../../etc/shadow" "f:etc/.wh...:" "f:../../.wh.x:" \
  "d:var/lib/dpkg/" "l:var/lib/dpkg/status:../../../../../../../../var/lib/dpkg/status" \
  "l:evil:../../../../.." "f:opt/keep:1"
$T layer e2.tar "f:evil/etc/planted:p"
umoci raw add-layer --image L:evil e1.tar && umoci raw add-layer --image L:evil e2.tar
"$KENSA" sbom image:L:evil >e.json 2>e.err; rc=$?
check "hostile: inventory still made (exit 0)" "[ $rc -eq 0 ]"
for entry in '../escape' '/abs' 'a/../../up' 'dev/sda' 'stolen' 'etc/.wh...' '../../.wh.x'; do
  check "hostile: warning names '$entry'" "grep -qF \"'$entry'\" e.err"
done
check "hostile: a symlink to the host's dpkg status is resolved inside the image (no packages)" \
  "[ \"\$(J e.json 'len(d[\"packages\"])')\" = 0 ]"
check "hostile: nothing escaped onto this machine" "[ ! -e \"$tmp/../escape\" ] && [ ! -e /abs ] && [ ! -e /etc/planted ]"

# --- decompression bomb ---------------------------------------------------------
umoci init --layout B && umoci new --image B:t
$T tarbomb 1024 | zstd -q -3 -c >bomb.tar.zst
bomb_digest=$(sha256sum bomb.tar.zst | cut -d' ' -f1); bomb_size=$(stat -c %s bomb.tar.zst)
bomb_diff=$(zstd -dc bomb.tar.zst | sha256sum | cut -d' ' -f1)
cp bomb.tar.zst "B/blobs/sha256/$bomb_digest"
$PY - B "$bomb_digest" "$bomb_size" "$bomb_diff" <<'PYEOF'
import hashlib, json, sys, os
lay, dg, size, diff = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(lay, 'blobs/sha256', h), 'wb').write(data)
    return 'sha256:' + h, len(data)
cfg = blob(json.dumps({'architecture': 'amd64', 'os': 'linux', 'rootfs': {'type': 'layers', 'diff_ids': ['sha256:' + diff]}}).encode())
man = blob(json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.oci.image.manifest.v1+json',
    'config': {'mediaType': 'application/vnd.oci.image.config.v1+json', 'digest': cfg[0], 'size': cfg[1]},
    'layers': [{'mediaType': 'application/vnd.oci.image.layer.v1.tar+zstd', 'digest': 'sha256:' + dg, 'size': size}]}).encode())
json.dump({'schemaVersion': 2, 'manifests': [{'mediaType': 'application/vnd.oci.image.manifest.v1+json', 'digest': man[0], 'size': man[1],
    'annotations': {'org.opencontainers.image.ref.name': 'bomb'}}]}, open(os.path.join(lay, 'index.json'), 'w'))
PYEOF
start=$(date +%s)
"$KENSA" sbom image:B:bomb >/dev/null 2>err.txt; rc=$?
check "bomb: 1 GiB of zeros (zstd) in $((bomb_size / 1024)) KiB is refused with a clear error" "[ $rc -eq 3 ] && grep -q 'decompression bomb' err.txt"
check "bomb: refused before decompressing it (under 5 s)" "[ \$(( \$(date +%s) - start )) -lt 5 ]"

# --- function packages ------------------------------------------------------------
mkdir -p fn/code fn/layer/python/lib/python3.12/site-packages/requests-2.31.0.dist-info fn/nl/nodejs/node_modules/x
echo 'def handler(e, c): return 1' >fn/code/app.py
printf 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n' >fn/layer/python/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA
echo '{"name":"x","version":"1.0.0"}' >fn/nl/nodejs/node_modules/x/package.json
(cd fn/code && zip -qr ../code.zip .) && (cd fn/layer && zip -qr ../layer.zip .) && (cd fn/nl && zip -qr ../nl.zip .)
"$KENSA" sbom function:fn/code.zip --layer fn/layer.zip >f.json 2>f.err; rc=$?
check "function: exits 0, resource type FUNCTION" "[ $rc -eq 0 ] && [ \"\$(J f.json 'd[\"target\"][\"type\"]')\" = FUNCTION ]"
check "function: runtime inferred from the layer's python3.12 site-packages" \
  "[ \"\$(J f.json '(d[\"target\"][\"details\"][\"runtime\"], d[\"target\"][\"details\"][\"runtimeSource\"])')\" = \"('python3.12', 'inferred')\" ]"
check "function: code and layer digests recorded" \
  "[ \"\$(J f.json 'd[\"target\"][\"details\"][\"codeSha256\"]')\" = sha256:$(sha256sum fn/code.zip | cut -d' ' -f1) ] && [ \"\$(J f.json 'd[\"target\"][\"details\"][\"layer.1.sha256\"]')\" = sha256:$(sha256sum fn/layer.zip | cut -d' ' -f1) ]"
"$KENSA" sbom function:fn/code.zip --layer fn/layer.zip --layer fn/nl.zip >f2.json 2>/dev/null
check "function: a python and a node layer: runtime left unknown" "[ \"\$(J f2.json 'd[\"target\"][\"details\"][\"runtimeSource\"]')\" = unknown ]"
"$KENSA" sbom function:fn/code.zip --runtime nodejs20.x >f3.json 2>/dev/null
check "function: --runtime given wins" "[ \"\$(J f3.json '(d[\"target\"][\"details\"][\"runtime\"], d[\"target\"][\"details\"][\"runtimeSource\"])')\" = \"('nodejs20.x', 'given')\" ]"
"$KENSA" sbom function:fn/code.zip --runtime 'bogus;rm' >/dev/null 2>err.txt; rc=$?
check "function: a bad --runtime is a usage error naming it" "[ $rc -eq 2 ] && grep -q 'bogus' err.txt"
$PY - <<'PYEOF'
import zipfile
with zipfile.ZipFile('fn/evil.zip', 'w') as z:
    z.writestr('../../escape.py', 'x')
    z.writestr('/abs.py', 'x')
    z.writestr('ok.py', 'x')
PYEOF
"$KENSA" sbom function:fn/evil.zip >fe.json 2>fe.err; rc=$?
check "function: hostile zip entries skipped with a warning, the rest read" \
  "[ $rc -eq 0 ] && grep -qF \"'../../escape.py'\" fe.err && grep -qF \"'/abs.py'\" fe.err && [ \"\$(J fe.json 'd[\"target\"][\"details\"][\"runtime\"]')\" = python ]"
"$KENSA" sbom function:fn/missing.zip >/dev/null 2>&1; rc=$?
check "function: a missing zip is a runtime error" "[ $rc -eq 3 ]"

# --- code repositories -------------------------------------------------------------
mkdir -p repo/vendor/lib repo/node_modules/x && cd repo
git init -q -b main . && git config user.email t@example.test && git config user.name t
echo '{}' >package.json && git add package.json && git commit -qm init
git remote add origin https://user:secret-token@git.example.test/org/app.git
cd "$tmp"
"$KENSA" sbom repo:repo >r.json 2>/dev/null; rc=$?
check "repo: exits 0, resource type CODE_REPOSITORY" "[ $rc -eq 0 ] && [ \"\$(J r.json 'd[\"target\"][\"type\"]')\" = CODE_REPOSITORY ]"
check "repo: HEAD commit and branch from git" \
  "[ \"\$(J r.json '(d[\"target\"][\"details\"][\"commit\"], d[\"target\"][\"details\"][\"branch\"])')\" = \"('$(git -C repo rev-parse HEAD)', 'main')\" ]"
check "repo: origin URL without its credentials" \
  "[ \"\$(J r.json 'd[\"target\"][\"details\"][\"originUrl\"]')\" = https://git.example.test/org/app.git ] && ! grep -q secret-token r.json"
mkdir -p plain && echo x >plain/f
"$KENSA" sbom repo:plain >r2.json 2>/dev/null
check "repo: a plain directory is a repository without vcs" "[ \"\$(J r2.json 'd[\"target\"][\"details\"][\"vcs\"]')\" = none ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

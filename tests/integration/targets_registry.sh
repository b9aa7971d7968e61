#!/usr/bin/env bash
# kensa sbom registry:... against Debian's docker-registry (the CNCF
# distribution registry) on 127.0.0.1, images pushed with skopeo: anonymous
# pulls over plain HTTP with --insecure, by tag and by digest, a
# multi-platform index, bearer-token auth (a small token service in front
# of the registry), basic auth (htpasswd), a tampered blob, the blob cache's
# bound, and no credential in any log line.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-targets-reg.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
PY=/usr/bin/python3
T="$PY $(pwd)/targets_tools.py"
J() { $T json "$1" "$2"; }
cd "$tmp" || exit 1
export KENSA_CACHE_DIR="$tmp/cache"
unset DOCKER_CONFIG REGISTRY_AUTH_FILE
export HOME="$tmp/home"; mkdir -p "$HOME"

for tool in umoci skopeo docker-registry htpasswd; do
  command -v $tool >/dev/null || { echo "FAIL $tool missing (make deps)"; echo "0 passed, 1 failed"; exit 1; }
done

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/v2/" && return 0; sleep 0.1; done; return 1; }
start_registry() { # name port [auth yaml]
  mkdir -p "$1/data"
  cat >"$1/config.yml" <<EOF
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage: {filesystem: {rootdirectory: $tmp/$1/data}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$2}
${3:-}
EOF
  docker-registry serve "$1/config.yml" >"$1/log" 2>&1 &
  pids+=($!)
  wait_port "$2"
}

# --- images: a two-layer Debian image and a two-platform index --------------
umoci init --layout L >/dev/null && umoci new --image L:t
mkdir -p r1/etc r1/var/lib/dpkg && cp /etc/os-release r1/etc/
$T status r1/var/lib/dpkg/status bash coreutils
tar -C r1 -cf l1.tar . && umoci raw add-layer --image L:t --history.created_by 'base' l1.tar
cp -r r1 r2 && $T status r2/var/lib/dpkg/status bash coreutils libc6
tar -C r2 -cf l2.tar ./var && umoci raw add-layer --image L:t --history.created_by 'RUN apt-get install libc6' l2.tar
umoci new --image L:arm && mkdir -p ra/etc && printf 'ID=alpine\nVERSION_ID=3.19.1\n' >ra/etc/os-release
tar -C ra -cf arm.tar . && umoci raw add-layer --image L:arm arm.tar
umoci config --image L:arm --architecture arm64 >/dev/null
$T index L multi t=linux/amd64 arm=linux/arm64
# (--no-layer-cache: else the pulls below would replay these layers instead of downloading them)
"$KENSA" sbom --no-layer-cache image:L:t >local.json 2>/dev/null
pkgs_of() { J "$1" 'sorted((p["name"],p["version"],p["layerDigest"]) for p in d["packages"])'; }

# --- a plain registry ------------------------------------------------------------
P=$(free_port)
start_registry plain "$P" || { echo "FAIL registry did not start"; cat plain/log; echo "0 passed, 1 failed"; exit 1; }
skopeo copy -q --dest-tls-verify=false oci:L:t "docker://127.0.0.1:$P/test/app:1"
skopeo copy -q --all --dest-tls-verify=false oci:L:multi "docker://127.0.0.1:$P/test/multi:1"

start=$(date +%s.%N)
"$KENSA" sbom --insecure "registry:127.0.0.1:$P/test/app:1" >reg.json 2>reg.err; rc=$?
end=$(date +%s.%N)
check "registry: anonymous pull over HTTP with --insecure (exit 0)" "[ $rc -eq 0 ]"
check "registry: same packages and layers as the local layout" "[ \"\$(pkgs_of reg.json)\" = \"\$(pkgs_of local.json)\" ]"
check "registry: libc6 traced to the layer that added it" \
  "[ \"\$(J reg.json '[p[\"metadata\"][\"layerCreatedBy\"] for p in d[\"packages\"] if p[\"name\"]==\"libc6\"][0]')\" = 'RUN apt-get install libc6' ]"
check "registry: repository, tag and digest recorded" \
  "[ \"\$(J reg.json '(d[\"target\"][\"details\"][\"repository\"], d[\"target\"][\"details\"][\"tag\"], d[\"target\"][\"details\"][\"imageSource\"])')\" = \"('127.0.0.1:$P/test/app', '1', 'registry')\" ]"
digest=$(J reg.json 'd["target"]["details"]["imageDigest"]')
"$KENSA" sbom --insecure "registry:127.0.0.1:$P/test/app@$digest" >dig.json 2>/dev/null
check "registry: pull by digest gives the same inventory" "[ \"\$(pkgs_of dig.json)\" = \"\$(pkgs_of local.json)\" ]"
"$KENSA" sbom "registry:127.0.0.1:$P/test/app:1" >/dev/null 2>err.txt; rc=$?
check "registry: without --insecure a plain-HTTP registry fails (exit 3) and says why" "[ $rc -eq 3 ] && grep -q -- '--insecure' err.txt"
"$KENSA" sbom --insecure "registry:127.0.0.1:$P/test/nope:1" >/dev/null 2>err.txt; rc=$?
check "registry: an unknown repository is a clear runtime error" "[ $rc -eq 3 ] && grep -qi 'not found' err.txt"
"$KENSA" sbom --insecure "registry:127.0.0.1:$P/Test/UPPER:1" >/dev/null 2>err.txt; rc=$?
check "registry: an invalid reference is a usage error naming it" "[ $rc -eq 2 ] && grep -q 'invalid repository' err.txt"
"$KENSA" sbom --insecure --platform linux/arm64 "registry:127.0.0.1:$P/test/multi:1" >m.json 2>/dev/null
check "registry: multi-platform index, --platform linux/arm64" "[ \"\$(J m.json 'd[\"os\"][\"id\"]')\" = alpine ]"
"$KENSA" sbom --insecure "registry:127.0.0.1:$P/test/multi:1" >m2.json 2>/dev/null
check "registry: multi-platform index, default platform is this machine's" "[ \"\$(J m2.json 'd[\"os\"][\"id\"]')\" = debian ]"

# --- the per-layer cache: a pulled image scanned again downloads and reads no layer ------
"$KENSA" --debug=fs.image,fs.registry sbom --insecure "registry:127.0.0.1:$P/test/app:1" >lc.json 2>lc.err
check "layer cache: a second scan of a pulled image replays both layers, opens no layer blob (only the config)" \
  "[ \$(grep -c 'replayed from the layer cache' lc.err) = 2 ] && ! grep -q 'reading layer' lc.err && [ \$(grep -c 'blob sha256:.* from the cache' lc.err) = 1 ] && [ \"\$(pkgs_of lc.json)\" = \"\$(pkgs_of local.json)\" ]"

# --- the blob cache ------------------------------------------------------------------
check "cache: pulled blobs are kept by digest" "[ \$(ls cache/blobs/sha256 | wc -l) -ge 3 ]"
# (the layer cache would skip the blobs altogether: this is about the blob cache)
"$KENSA" --debug=fs.registry sbom --insecure --no-layer-cache "registry:127.0.0.1:$P/test/app:1" >/dev/null 2>again.err
check "cache: a second pull reads the layers from the cache" "[ \$(grep -c 'from the cache' again.err) -ge 3 ]"
biggest=$(ls -l cache/blobs/sha256 | awk 'NR>1{print $5}' | sort -n | tail -1)
rm -rf cache
KENSA_BLOB_CACHE_MAX=$((biggest + 100)) "$KENSA" sbom --insecure "registry:127.0.0.1:$P/test/app:1" >small.json 2>/dev/null
total=$(ls -l cache/blobs/sha256 | awk 'NR>1{s+=$5} END{print s+0}')
check "cache: bounded by KENSA_BLOB_CACHE_MAX, least recently used evicted ($total <= $((biggest + 100)))" \
  "[ $total -le $((biggest + 100)) ] && [ \$(ls cache/blobs/sha256 | wc -l) -lt 3 ] && [ \"\$(pkgs_of small.json)\" = \"\$(pkgs_of local.json)\" ]"

# --- bearer tokens: a token service in front of the registry --------------------------
TP=$(free_port)
$T proxy "$TP" "$P" token >proxy.log 2>&1 &
pids+=($!)
wait_port "$TP"
"$KENSA" sbom --insecure "registry:127.0.0.1:$TP/test/app:1" >/dev/null 2>err.txt; rc=$?
check "token auth: without credentials the token service refuses (exit 3)" "[ $rc -eq 3 ] && grep -q 'token service refused' err.txt"
mkdir -p dcfg && printf '{"auths":{"127.0.0.1:%s":{"auth":"%s"}}}' "$TP" "$(printf kensa:s3cret | base64)" >dcfg/config.json
rm -rf cache
DOCKER_CONFIG="$tmp/dcfg" "$KENSA" --log-level debug --debug=all sbom --insecure "registry:127.0.0.1:$TP/test/app:1" >tok.json 2>tok.err; rc=$?
check "token auth: credentials from \$DOCKER_CONFIG get a token, pull works" "[ $rc -eq 0 ] && [ \"\$(pkgs_of tok.json)\" = \"\$(pkgs_of local.json)\" ]"
check "token auth: no password, base64 credentials or token in the debug log" \
  "! grep -qiE 's3cret|$(printf kensa:s3cret | base64)|authorization|bearer [0-9a-f]' tok.err"
"$KENSA" sbom --insecure --auth-config "$tmp/dcfg/config.json" "registry:127.0.0.1:$TP/test/app:1" >tok2.json 2>/dev/null
check "token auth: --auth-config FILE works too" "[ \"\$(pkgs_of tok2.json)\" = \"\$(pkgs_of local.json)\" ]"

# --- basic auth: a registry with htpasswd ------------------------------------------
BP=$(free_port)
htpasswd -Bbc htpasswd kensa s3cret >/dev/null 2>&1
start_registry basic "$BP" "auth: {htpasswd: {realm: kensa-test, path: $tmp/htpasswd}}" || bad "basic registry did not start"
skopeo copy -q --dest-tls-verify=false --dest-creds kensa:s3cret oci:L:t "docker://127.0.0.1:$BP/test/app:1"
"$KENSA" sbom --insecure "registry:127.0.0.1:$BP/test/app:1" >/dev/null 2>err.txt; rc=$?
check "basic auth: no stored credentials is a clear error (exit 3)" "[ $rc -eq 3 ] && grep -q 'no credentials are stored' err.txt"
printf '{"auths":{"http://127.0.0.1:%s":{"username":"kensa","password":"s3cret"}}}' "$BP" >dcfg/config.json
rm -rf cache
DOCKER_CONFIG="$tmp/dcfg" "$KENSA" --log-level debug sbom --insecure "registry:127.0.0.1:$BP/test/app:1" >basic.json 2>basic.err; rc=$?
check "basic auth: htpasswd registry pulled with stored credentials" "[ $rc -eq 0 ] && [ \"\$(pkgs_of basic.json)\" = \"\$(pkgs_of local.json)\" ]"
check "basic auth: no password in the log" "! grep -q s3cret basic.err"
printf '{"auths":{"127.0.0.1:%s":{"username":"kensa","password":"wrong"}}}' "$BP" >dcfg/config.json
DOCKER_CONFIG="$tmp/dcfg" "$KENSA" sbom --insecure "registry:127.0.0.1:$BP/test/app:1" >/dev/null 2>err.txt; rc=$?
check "basic auth: a wrong password is denied (exit 3)" "[ $rc -eq 3 ] && grep -q 'denied' err.txt"

# --- a registry that changes blobs in transit --------------------------------------
XP=$(free_port)
$T proxy "$XP" "$P" tamper >tamper.log 2>&1 &
pids+=($!)
wait_port "$XP"
rm -rf cache
"$KENSA" sbom --insecure "registry:127.0.0.1:$XP/test/app:1" >/dev/null 2>err.txt; rc=$?
check "tampered blob: refused with a digest mismatch (exit 3)" "[ $rc -eq 3 ] && grep -q 'digest mismatch' err.txt"
check "tampered blob: nothing kept in the cache" "[ \$(ls cache/blobs/sha256 2>/dev/null | wc -l) -eq 0 ]"

# --- throughput on loopback (figures for bench/RESULTS.md come from bench_targets.sh) --
echo "info: first pull of a small image took $(echo "$end - $start" | bc) s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# The server's jobs and what coverage says: scan requests for a path the
# server may read (scanPaths) and for an image in a registry (Debian's
# docker-registry on loopback, the image pushed with skopeo), a DB update
# run by the server from a mirror directory (watched as a job), coverage
# UNSUPPORTED_OS / NO_INVENTORY / STALE_INVENTORY and an image past its
# rescan duration, SBOM exports (CycloneDX 1.4, SPDX 2.3) through the AWS
# CLI to moto's S3 (when installed) and as a download, validated with the
# official schemas, and the scheduled DB update (vulndbUpdateHours).
source "$(dirname "$0")/lib/server.sh"
SRC=${KS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}

if ! have_aws; then
  skip "the AWS CLI is not installed: nothing to drive the server with"
  finish
fi
DATA="$TMP/data"
DB="$TMP/vuln.db"
A=$(new_account "$DATA" alpha)
B=$(new_account "$DATA" beta)
new_key "$DATA" "$A" KA
new_key "$DATA" "$B" KB

mkroot() {  # DIR OS_ID VERSION_ID OPENSSL_VERSION
  mkdir -p "$1/etc" "$1/var/lib/dpkg"
  printf 'ID=%s\nVERSION_ID="%s"\n' "$2" "$3" >"$1/etc/os-release"
  printf 'Package: openssl\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\n\n' \
    "$4" >"$1/var/lib/dpkg/status"
}
osv() {  # DIR ID ECOSYSTEM PACKAGE FIXED CVE
  mkdir -p "$1"
  cat >"$1/$2.json" <<EOF
{"id":"$2","modified":"2024-01-01T00:00:00Z","upstream":["$6"],"details":"$4: test advisory",
 "affected":[{"package":{"ecosystem":"$3","name":"$4"},
   "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"$5"}]}]}]}
EOF
}
mkroot "$TMP/scans/web" debian 12 3.0.8-1
mkroot "$TMP/outside" debian 12 3.0.8-1
mkroot "$TMP/plan9" plan9 4 3.0.8-1
mkroot "$TMP/trixie" debian 13 3.0.8-1
osv "$TMP/osv-a" DEBIAN-CVE-2098-0001 Debian:12 openssl 3.0.9-1 CVE-2098-0001
"$KENSA" db import --db "$DB" "$TMP/osv-a" >/dev/null 2>&1
# The mirror a DB update job reads: osv/ecosystems.txt and one all.zip.
mkdir -p "$TMP/mirror/osv/Debian"
osv "$TMP/m" DEBIAN-CVE-2098-0013 Debian:13 zlib 1:1.3.1-1 CVE-2098-0013
(cd "$TMP/m" && zip -q "$TMP/mirror/osv/Debian/all.zip" ./*.json)
echo Debian >"$TMP/mirror/osv/ecosystems.txt"
printf 'nvd.years = 2024-2024\n' >"$TMP/vulndb.conf"

MOTO_URL=""
S3='{}'
if command -v moto_server >/dev/null 2>&1; then
  MOTO_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$TMP/moto.log" 2>&1 &
  PIDS+=("$!")
  wait_until 20 curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" || fail "moto_server did not start"
  MOTO_URL="http://127.0.0.1:$MOTO_PORT"
  AWS_ACCESS_KEY_ID=moto AWS_SECRET_ACCESS_KEY=moto AWS_DEFAULT_REGION=us-east-1 \
    aws s3api create-bucket --bucket kensa-sbom --endpoint-url "$MOTO_URL" >/dev/null
  S3="{\"endpoint\": \"$MOTO_URL\", \"region\": \"us-east-1\", \"accessKeyId\": \"moto\", \"secretAccessKey\": \"moto\"}"
else
  skip "moto_server is not installed: SBOM exports are checked on Kensa's download endpoint only"
fi

# A registry with a Debian image in it, when the tools are there.
REG=""
if command -v docker-registry >/dev/null && command -v skopeo >/dev/null && command -v umoci >/dev/null; then
  REG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$TMP/reg/data"
  printf 'version: 0.1\nlog: {level: error, accesslog: {disabled: true}}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' \
    "$TMP/reg/data" "$REG_PORT" >"$TMP/reg/config.yml"
  docker-registry serve "$TMP/reg/config.yml" >"$TMP/reg/log" 2>&1 &
  PIDS+=("$!")
  wait_until 20 curl -s -o /dev/null "http://127.0.0.1:$REG_PORT/v2/" || fail "docker-registry did not start"
  (cd "$TMP" && umoci init --layout L >/dev/null && umoci new --image L:t &&
    tar -C "$TMP/outside" -cf layer.tar . && umoci raw add-layer --image L:t layer.tar &&
    timeout 60 skopeo copy -q --dest-tls-verify=false oci:L:t "docker://127.0.0.1:$REG_PORT/shop/api:1") &&
    REG="127.0.0.1:$REG_PORT"
  [ -n "$REG" ] || fail "could not put an image into the registry"
else
  skip "docker-registry, skopeo or umoci missing: no registry scan"
fi

cat >"$TMP/server.json" <<EOF
{"vulndbCheckSeconds": 0.3, "scanPaths": ["$TMP/scans"], "insecureRegistries": ["${REG:-none}"],
 "vulndbMirror": "$TMP/mirror", "vulndbConfig": "$TMP/vulndb.conf", "s3": $S3}
EOF
# use NAME: drive the server started as NAME (its port changes on every start).
use() {
  local u="${1}_URL"
  S_URL=${!u}
  E=(--endpoint-url "$S_URL" --output json)
}
start_server S "$DATA" --db "$DB" --config "$TMP/server.json" || finish
use S

# wait_job KEY JOB_ID: prints the job document once it finished (or after 60 s)
job_done() {
  JOB=$(scurl "$1" "$S_URL/kensa/v1/jobs/$2")
  case "$(jq -r .status <<<"$JOB" 2>/dev/null)" in SUCCEEDED | FAILED) return 0 ;; esac
  return 1
}
wait_job() {
  JOB=""
  wait_until 60 job_done "$1" "$2"
  echo "$JOB"
}
scan() {  # KEY BODY: prints "HTTP_CODE BODY"
  scurl "$1" "$S_URL/kensa/v1/scans" -X POST -H 'Content-Type: application/json' -d "$2" \
    -o "$TMP/scan.out" -w '%{http_code}'
  echo " $(cat "$TMP/scan.out")"
}
coverage() {  # KEY RESOURCE_ID: "STATUS REASON"
  as "$1" aws inspector2 list-coverage "${E[@]}" \
    --filter-criteria "{\"resourceId\":[{\"comparison\":\"EQUALS\",\"value\":\"$2\"}]}" |
    jq -r '.coveredResources[0].scanStatus | "\(.statusCode) \(.reason)"'
}

# --- a path the server may read ----------------------------------------------------------
r=$(scan KA "{\"target\":\"dir:$TMP/scans/web\",\"resourceId\":\"i-web\"}")
check_match "path scan queued: 202" '^202 ' "$r"
job=$(wait_job KA "$(jq -r .jobId <<<"${r#* }")")
check_eq "path scan: SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$job")"
check_eq "path scan: one finding created" 1 "$(jq -r .result.findings.created <<<"$job")"
check_eq "path scan: coverage ACTIVE SUCCESSFUL" "ACTIVE SUCCESSFUL" "$(coverage KA i-web)"
check_match "another account cannot watch the job" '"ResourceNotFoundException"|no job' \
  "$(scurl KB "$S_URL/kensa/v1/jobs/$(jq -r .jobId <<<"$job")" -i)"
check_match "a path outside scanPaths: 403" '^403 .*scanPaths' "$(scan KA "{\"target\":\"dir:$TMP/outside\"}")"
check_match "a path escaping by ..: 403" '^403 ' "$(scan KA "{\"target\":\"dir:$TMP/scans/../outside\"}")"
check_match "a missing path: 403 (no probing)" '^403 ' "$(scan KA "{\"target\":\"dir:$TMP/scans/nope\"}")"
check_match "an unknown member: 400" '^400 .*unknown member' "$(scan KA '{"target":"dir:/","x":"y"}')"
check_match "no target: 400" '^400 .*target' "$(scan KA '{"resourceId":"x"}')"

# --- an image in a registry ------------------------------------------------------------------
if [ -n "$REG" ]; then
  r=$(scan KA "{\"target\":\"registry:$REG/shop/api:1\"}")
  check_match "registry scan queued" '^202 ' "$r"
  job=$(wait_job KA "$(jq -r .jobId <<<"${r#* }")")
  check_eq "registry scan: SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$job")"
  check_eq "registry scan: an image" CONTAINER_IMAGE "$(jq -r .result.resourceType <<<"$job")"
  rid=$(jq -r .result.resourceId <<<"$job")
  check_match "registry scan: named repository@digest" "^$REG/shop/api@sha256:[0-9a-f]{64}$" "$rid"
  f=$(as KA aws inspector2 list-findings "${E[@]}" \
    --filter-criteria "{\"resourceId\":[{\"comparison\":\"EQUALS\",\"value\":\"$rid\"}]}")
  check_eq "registry scan: the finding on the image" "CVE-2098-0001 AWS_ECR_CONTAINER_IMAGE shop/api" \
    "$(jq -r '.findings[0] | "\(.packageVulnerabilityDetails.vulnerabilityId) \(.resources[0].type) \(.resources[0].details.awsEcrContainerImage.repositoryName | sub(".*:[0-9]+/"; ""))"' <<<"$f")"
fi

# --- coverage: unsupported OS, no inventory, an image past its rescan duration ---------------
push() { local k=$1; shift; as "$k" "$KENSA" push --endpoint "$S_URL" "$@"; }
out=$(push KA --resource-id i-plan9 "$TMP/plan9")
check_eq "an unknown distribution: UNSUPPORTED_OS" "INACTIVE UNSUPPORTED_OS" \
  "$(jq -r '"\(.scanStatus.statusCode) \(.scanStatus.reason)"' <<<"$out")"
push KA --resource-id i-trixie "$TMP/trixie" >/dev/null
check_eq "a release without advisory data (Debian 13): UNSUPPORTED_OS" "INACTIVE UNSUPPORTED_OS" \
  "$(coverage KA i-trixie)"
mkdir -p "$TMP/empty"
out=$(push KA --resource-id i-empty "$TMP/empty")
check_eq "no packages: NO_INVENTORY" "INACTIVE NO_INVENTORY" \
  "$(jq -r '"\(.scanStatus.statusCode) \(.scanStatus.reason)"' <<<"$out")"
as KA aws inspector2 update-configuration "${E[@]}" --ecr-configuration rescanDuration=DAYS_14 >/dev/null
cat >"$TMP/old-image.json" <<'EOF'
{"schema": "kensa-inventory/1", "target": {"name": "shop/old:1", "type": "CONTAINER_IMAGE",
 "details": {"repository": "shop/old", "imageDigest": "sha256:0000000000000000000000000000000000000000000000000000000000000001",
             "created": "2020-01-01T00:00:00Z"}},
 "os": {"id": "debian", "versionId": "12"},
 "packages": [{"name": "openssl", "version": "3.0.8-1", "ecosystem": "Debian:12", "flags": ["os"]}]}
EOF
push KA --resource-id shop/old@sha256:1 "sbom:$TMP/old-image.json" 2>"$TMP/e1"; rc=$?
check_eq "an image pushed in 2020, rescan duration 14 days: refused (exit 3)" 3 "$rc"
check_match "... saying why" "409 ConflictException.*no longer monitored" "$(cat "$TMP/e1")"

# --- a DB update run by the server (a job), and what it re-evaluates ---------------------------
r=$(scurl KA "$S_URL/kensa/v1/db/update" -X POST -o - -w ' %{http_code}')
check_match "DB update queued: 202" ' 202$' "$r"
job=$(wait_job KA "$(jq -r .jobId <<<"${r% *}")")
check_eq "DB update: SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$job")"
check_eq "DB update: a new DB was written" true "$(jq -r .result.written <<<"$job")"
check_eq "DB update: picked up and re-evaluated before the job ended" true "$(jq -r .result.reevaluated <<<"$job")"
st=$(scurl KA "$S_URL/kensa/v1/db")
check_eq "the server evaluates against the updated DB" "$(jq -r .result.seq <<<"$job")" "$(jq -r .evaluated.seq <<<"$st")"
check_eq "Debian 13 has advisory data now: ACTIVE SUCCESSFUL" "ACTIVE SUCCESSFUL" "$(coverage KA i-trixie)"
check_eq "the update re-evaluated only the Debian 13 resource" "i-trixie" \
  "$(jq -r '.updates[0].changeSet.resourceIds | join(" ")' <<<"$st")"
check_eq "the unknown distribution stays UNSUPPORTED_OS" "INACTIVE UNSUPPORTED_OS" "$(coverage KA i-plan9)"

# --- SBOM exports ------------------------------------------------------------------------------
DEST='bucketName=kensa-sbom,keyPrefix=exports,kmsKeyArn=arn:aws:kms:us-east-1:000000000000:key/none'
export_done() {
  EXP=$(as "$1" aws inspector2 get-sbom-export "${E[@]}" --report-id "$2")
  [ -n "$EXP" ] && [ "$(jq -r .status <<<"$EXP")" != IN_PROGRESS ]
}
wait_export() {  # KEY ID: the export's status once finished (or after 60 s)
  EXP=""
  wait_until 60 export_done "$1" "$2"
  echo "$EXP"
}
for fmt in CYCLONEDX_1_4 SPDX_2_3; do
  id=$(as KA aws inspector2 create-sbom-export "${E[@]}" --report-format "$fmt" --s3-destination "$DEST" \
    --resource-filter-criteria '{"resourceType":[{"comparison":"EQUALS","value":"AWS_EC2_INSTANCE"}]}' |
    jq -r .reportId)
  s=$(wait_export KA "$id")
  check_eq "$fmt export: SUCCEEDED" SUCCEEDED "$(jq -r .status <<<"$s")"
  check_eq "$fmt export: the format and criteria kept" "$fmt AWS_EC2_INSTANCE" \
    "$(jq -r '"\(.format) \(.filterCriteria.resourceType[0].value)"' <<<"$s")"
  scurl KA "$S_URL/kensa/v1/sbom-exports/$id" -o "$TMP/$fmt.zip"
  files=$(unzip -Z1 "$TMP/$fmt.zip" | sort | tr '\n' ' ')
  # Hosts with an inventory: i-web, i-plan9, i-trixie, i-empty (the image is not a host).
  ext=$([ "$fmt" = SPDX_2_3 ] && echo spdx || echo cyclonedx)
  check_eq "$fmt export: one SBOM per host" \
    "i-empty.$ext.json i-plan9.$ext.json i-trixie.$ext.json i-web.$ext.json " "$files"
  unzip -p "$TMP/$fmt.zip" "i-web.$ext.json" >"$TMP/web.$ext.json"
  kind=$([ "$fmt" = SPDX_2_3 ] && echo spdx || echo cyclonedx)
  check_eq "$fmt export: valid against the official schema" valid \
    "$(python3 "$SRC/tests/tools/validate_sbom.py" "$kind" "$TMP/web.$ext.json" | tail -1)"
  if [ "$fmt" = CYCLONEDX_1_4 ]; then
    check_eq "CycloneDX export: spec 1.4" 1.4 "$(jq -r .specVersion "$TMP/web.$ext.json")"
  fi
  check_match "$fmt export: it lists openssl" "openssl" "$(cat "$TMP/web.$ext.json")"
  if [ -n "$MOTO_URL" ]; then
    keys=$(AWS_ACCESS_KEY_ID=moto AWS_SECRET_ACCESS_KEY=moto AWS_DEFAULT_REGION=us-east-1 \
      aws s3api list-objects-v2 --bucket kensa-sbom --prefix "exports/$id/" --endpoint-url "$MOTO_URL" |
      jq -r '.Contents[].Key' | sed "s|exports/$id/||" | sort | tr '\n' ' ')
    check_eq "$fmt export: the same files in moto's S3" "$files" "$keys"
  fi
done
check_match "another account cannot download it" "ResourceNotFoundException" \
  "$(scurl KB "$S_URL/kensa/v1/sbom-exports/$id" -i)"
s=$(as KA aws inspector2 cancel-sbom-export "${E[@]}" --report-id "$id" 2>&1)
check_match "a finished export cannot be cancelled" "ValidationException" "$s"
id=$(as KA aws inspector2 create-sbom-export "${E[@]}" --report-format SPDX_2_3 --s3-destination "$DEST" \
  --resource-filter-criteria '{"resourceId":[{"comparison":"EQUALS","value":"no-such"}]}' | jq -r .reportId)
s=$(wait_export KA "$id")
check_eq "an export matching nothing fails" "FAILED NO_FINDINGS_FOUND" "$(jq -r '"\(.status) \(.errorCode)"' <<<"$s")"
s=$(as KA aws inspector2 create-sbom-export "${E[@]}" --report-format CYCLONEDX_1_5 --s3-destination "$DEST" 2>&1)
check_match "an unknown format is refused" "ValidationException|Invalid|valid" "$s"
stop_server S

# --- a host whose inventory is not renewed leaves monitoring -----------------------------------
DATA2="$TMP/data2"
C=$(new_account "$DATA2" gamma)
new_key "$DATA2" "$C" KC
echo '{"staleInventoryDays": 0.00003}' >"$TMP/stale.json" # 2.6 seconds
start_server T "$DATA2" --db "$DB" --config "$TMP/stale.json" || finish
use T
push KC --resource-id i-old "$TMP/scans/web" >/dev/null
check_eq "a fresh inventory: ACTIVE" "ACTIVE SUCCESSFUL" "$(coverage KC i-old)"
sleep 3
stop_server T
start_server T "$DATA2" --db "$DB" --config "$TMP/stale.json" || finish # the sweep runs at start
use T # a new port
is_stale() { [ "$(coverage KC i-old)" = "INACTIVE STALE_INVENTORY" ]; }
wait_until 20 is_stale
check_eq "no new inventory for staleInventoryDays: STALE_INVENTORY" "INACTIVE STALE_INVENTORY" \
  "$(coverage KC i-old)"
check_eq "its findings stay as last evaluated" ACTIVE \
  "$(as KC aws inspector2 list-findings "${E[@]}" | jq -r '.findings[0].status')"
push KC --resource-id i-old "$TMP/scans/web" >/dev/null
check_eq "a new push brings it back" "ACTIVE SUCCESSFUL" "$(coverage KC i-old)"
stop_server T

# --- the scheduled DB update: a server whose --db does not exist yet builds it ----------------
cat >"$TMP/sched.json" <<EOF
{"vulndbUpdateHours": 0.001, "vulndbCheckSeconds": 0.3, "vulndbMirror": "$TMP/mirror",
 "vulndbConfig": "$TMP/vulndb.conf"}
EOF
start_server U "$DATA2" --db "$TMP/sched.db" --config "$TMP/sched.json" || finish
use U
db_ready() { [ "$(scurl KC "$S_URL/kensa/v1/db" | jq -r '.available and (.evaluated.seq != null)')" = true ]; }
wait_until 60 db_ready
st=$(scurl KC "$S_URL/kensa/v1/db")
check_eq "scheduled update: the DB was built and picked up without a request" "true 1" \
  "$(jq -r '"\(.available) \(.seq)"' <<<"$st")"
check_match "scheduled update: the server says why it ran" "scheduled db update: no db" "$(cat "$TMP/U.log")"
check_match "scheduled update: ... and what it wrote" "scheduled db update: written=1 seq=1" \
  "$(cat "$TMP/U.log")"
stop_server U
finish

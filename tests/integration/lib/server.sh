# Shared helpers for the kensa server integration tests (sourced; lib/ is not
# globbed as a test). Every test sources this and ends with finish.
# Every server and helper process is started here and stopped by its pid.

set -uo pipefail
: "${KENSA:?KENSA must name the kensa binary}"
FIX=${KS_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}/tests/fixtures/findings
PASS=0
FAIL=0
SKIP=0
PIDS=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kensa-it.XXXXXX")

cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${PIDS[@]}"; do
    wait "$p" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

pass() { PASS=$((PASS + 1)); }
fail() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
skip() { SKIP=$((SKIP + 1)); echo "SKIP: $*" >&2; }
# check DESC CMD...: the command must succeed.
check() {
  local d=$1; shift
  if "$@"; then pass; else fail "$d"; fi
}
# check_eq DESC WANT GOT
check_eq() {
  if [ "$2" == "$3" ]; then pass; else fail "$1: want '$2', got '$3'"; fi
}
# check_match DESC REGEX TEXT
check_match() {
  if [[ "$3" =~ $2 ]]; then pass; else fail "$1: '$3' does not match /$2/"; fi
}
finish() {
  echo "$PASS passed, $FAIL failed${SKIP:+ ($SKIP skipped)}"
  [ "$FAIL" -eq 0 ]
  exit $?
}

have_aws() { command -v aws >/dev/null 2>&1 && aws --version >/dev/null 2>&1; }

# start_server NAME DATA [ARGS...]: starts kensa server on a free port and
# sets ${NAME}_PID, ${NAME}_PORT and ${NAME}_URL. Logs go to $TMP/NAME.log.
start_server() {
  local name=$1 data=$2; shift 2
  local pf="$TMP/$name.port" i
  rm -f "$pf"
  "$KENSA" server --listen 127.0.0.1:0 --data "$data" --port-file "$pf" "$@" \
    >>"$TMP/$name.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for ((i = 0; i < 100; i++)); do
    [ -s "$pf" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "server $name died:" >&2; cat "$TMP/$name.log" >&2; return 1
    fi
    sleep 0.1
  done
  [ -s "$pf" ] || { echo "server $name did not start" >&2; return 1; }
  printf -v "${name}_PID" '%s' "$pid"
  printf -v "${name}_PORT" '%s' "$(tr -d '\n' <"$pf")"
  printf -v "${name}_URL" 'http://127.0.0.1:%s' "$(tr -d '\n' <"$pf")"
}

# stop_server NAME [SIGNAL]: stop by pid and wait for it.
stop_server() {
  local name=$1 sig=${2:-TERM} pidvar="${1}_PID"
  local pid=${!pidvar}
  kill -"$sig" "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# new_account DATA: prints the new account id.
new_account() { "$KENSA" admin account create --data "$1" --name "${2:-test}" | jq -r .accountId; }

# new_key DATA ACCOUNT PREFIX: sets PREFIX_ID and PREFIX_SECRET.
new_key() {
  local out
  out=$("$KENSA" admin key create --data "$1" "$2") || return 1
  printf -v "${3}_ID" '%s' "$(jq -r .accessKeyId <<<"$out")"
  printf -v "${3}_SECRET" '%s' "$(jq -r .secretAccessKey <<<"$out")"
}

# seed DATA ACCOUNT FIXTURE...: apply each fixture's findings (the scan's store path).
seed() {
  local data=$1 acc=$2 f; shift 2
  for f in "$@"; do
    "$KENSA" admin evaluate --data "$data" --account "$acc" "$FIX/$f" >/dev/null || return 1
  done
}

# as KEYPREFIX CMD...: run CMD with that key in the AWS environment.
as() {
  local idv="${1}_ID" secv="${1}_SECRET"; shift
  AWS_ACCESS_KEY_ID=${!idv} AWS_SECRET_ACCESS_KEY=${!secv} AWS_DEFAULT_REGION=us-east-1 \
    AWS_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$@"
}

# scurl KEYPREFIX URL [CURL ARGS...]: a SigV4-signed request made by curl itself.
scurl() {
  local idv="${1}_ID" secv="${1}_SECRET" url=$2; shift 2
  curl -sS --max-time 30 --aws-sigv4 "aws:amz:us-east-1:inspector2" \
    --user "${!idv}:${!secv}" "$@" "$url"
}

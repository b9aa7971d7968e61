#!/usr/bin/env bash
# Install every Debian package the build, the tests and the benchmarks need.
# Idempotent: when everything is present it only checks (no apt-get update).
# Run as root, or with sudo available. docs/dependencies.md says why each is here.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake pkg-config clang libclang-rt-14-dev
  # libraries Kensa links
  libjansson-dev libarchive-dev libzstd-dev liblzma-dev libbz2-dev zlib1g-dev
  libsqlite3-dev libcurl4-openssl-dev libssl-dev libyaml-dev libxml2-dev
  libmicrohttpd-dev libsodium-dev libgit2-dev libpcre2-dev libpq-dev
  # reference tools the tests compare against (oracles) and fixture builders
  dpkg-dev rpm db5.3-util python3 python3-rpm python3-packaging ruby php-cli
  php-composer-semver maven default-jre-headless golang-go
  # matching oracles (docs/accuracy.md): dpkg's comparison in Python, govulncheck
  # with Debian's Go library sources to build an unstripped fixture binary offline
  python3-apt govulncheck golang-golang-x-text-dev golang-golang-x-net-dev
  golang-golang-x-crypto-dev
  # real components the tests run
  skopeo umoci docker-registry postgresql sqlite3 iproute2 nftables
  # archive and data tools used by tests and benchmarks
  zip unzip zstd bzip2 xz-utils gzip tar curl jq git
  # benchmarks
  hyperfine wrk time bc
  # inventory: CycloneDX/SPDX outputs validated against their JSON schemas
  python3-jsonschema
  # accuracy: osv-scanner's recorded api.osv.dev cassettes are YAML
  python3-yaml
  # targets: htpasswd (bcrypt) for the basic-auth registry test
  apache2-utils
  # Go version oracle (golang.org/x/mod/semver) for tests/integration/version_oracle_go.sh
  golang-golang-x-mod-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

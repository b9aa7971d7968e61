#!/usr/bin/env bash
# cvss_nvd.sh: Kensa's CVSS scores against every CVSS metric entry (v2.0,
# v3.0, v3.1, v4.0; NVD Primary and CNA Secondary) of the NVD CVE 2.0 feed
# files in $KS_DATA_DIR/nvd. Every disagreement must be a documented record
# error (cvss_nvd_known.tsv). Prints the agreement and "N passed, N failed".
set -euo pipefail
: "${KENSA:?}" "${KS_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
shopt -s nullglob
files=("$KS_DATA_DIR"/nvd/nvdcve-2.0-*.json.gz)
if [ ${#files[@]} -eq 0 ]; then
  echo "no NVD feed files in $KS_DATA_DIR/nvd"; echo "0 passed, 1 failed"; exit 1
fi
exec python3 "$here/cvss_nvd_check.py" "$KENSA" "$here/cvss_nvd_known.tsv" "${files[@]}"

#!/usr/bin/env bash
# Go binaries: kensa against govulncheck (Debian's, binary mode) on the same
# advisories (osv/Go, converted to govulncheck's legacy DB layout) and the
# same unstripped binary, built here offline from Debian's Go library sources
# (golang.org/x/{crypto,net,text} vendored at their Debian versions, go1.19).
# govulncheck reports a vulnerability only when a vulnerable symbol is in the
# binary; kensa reads the build info (modules and toolchain), so every
# govulncheck finding must be a kensa finding, and the rest of kensa's must
# be advisories affecting the module versions the binary holds.
set -uo pipefail
: "${KENSA:?}" "${KS_DATA_DIR:?}"
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/kensa-govuln.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
PY=/usr/bin/python3
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit; }

for tool in go govulncheck; do
  command -v $tool >/dev/null || { bad "$tool missing (make deps installs it)"; finish; }
done
src=/usr/share/gocode/src/golang.org/x
for m in crypto net text; do
  [ -d "$src/$m" ] || { bad "golang-golang-x-$m-dev missing (make deps installs it)"; finish; }
done

# --- the fixture binary: vendored modules, no network --------------------
app="$tmp/app"; mkdir -p "$app/vendor/golang.org/x"
cp "$here/govulncheck/main.go" "$here/govulncheck/go.mod" "$app/"
for m in crypto net text; do cp -r "$src/$m" "$app/vendor/golang.org/x/"; done
mkdir -p "$tmp/gopath/src/example.com/app"; cp "$app/main.go" "$tmp/gopath/src/example.com/app/"
GOPATH="$tmp/gopath:/usr/share/gocode" GO111MODULE=off GOCACHE="$tmp/cache" \
  go list -deps example.com/app 2>"$tmp/list.err" | grep '^golang.org/x/' >"$tmp/pkgs" ||
  { bad "go list: $(tail -2 "$tmp/list.err")"; finish; }
{ for mv in crypto:$(sed -n 's/.*golang.org\/x\/crypto \(v[^ ]*\).*/\1/p' "$app/go.mod") \
            net:$(sed -n 's/.*golang.org\/x\/net \(v[^ ]*\).*/\1/p' "$app/go.mod") \
            text:$(sed -n 's/.*golang.org\/x\/text \(v[^ ]*\).*/\1/p' "$app/go.mod"); do
    m=${mv%%:*}; v=${mv##*:}
    echo "# golang.org/x/$m $v"; echo "## explicit"; grep "^golang.org/x/$m/" "$tmp/pkgs"
  done; } >"$app/vendor/modules.txt"
if (cd "$app" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="$tmp/cache" go build -o "$tmp/bin/fixture" .) \
     >"$tmp/build.log" 2>&1; then
  ok "fixture binary built offline ($(go version "$tmp/bin/fixture" | cut -d' ' -f2))"
else
  bad "go build: $(tail -3 "$tmp/build.log")"; finish
fi

# --- govulncheck on the legacy DB ------------------------------------------
$PY "$here/govulncheck/legacy_db.py" "$KS_DATA_DIR/osv/Go/all.zip" "$tmp/govdb"
GOVULNDB="file://$tmp/govdb" govulncheck -json "$tmp/bin/fixture" >"$tmp/gv.json" 2>"$tmp/gv.err"
[ -s "$tmp/gv.json" ] && ok "govulncheck ran" || { bad "govulncheck: $(tail -2 "$tmp/gv.err")"; finish; }

# --- kensa on the same binary ------------------------------------------------
"$KENSA" db import --db "$tmp/vuln.db" "$KS_DATA_DIR/osv/Go/all.zip" >/dev/null 2>&1
"$KENSA" scan --db "$tmp/vuln.db" --format json "dir:$tmp/bin" >"$tmp/k.json" 2>"$tmp/k.err" ||
  { bad "kensa scan: $(tail -2 "$tmp/k.err")"; finish; }
$PY - "$tmp/gv.json" "$tmp/k.json" >"$tmp/cmp" <<'PYEOF'
import json, sys
gv = json.load(open(sys.argv[1]))
g = {v["OSV"]["id"] for v in gv.get("Vulns") or []}
k = {}
for f in json.load(open(sys.argv[2]))["findings"]:
    for a in f.get("advisories", []):
        for p in f["packageVulnerabilityDetails"]["vulnerablePackages"]:
            k.setdefault(a, set()).add(p["name"])
print("govulncheck", len(g))
print("kensa", len(k))
print("missing", " ".join(sorted(g - set(k))))
print("modules", " ".join(sorted({n for s in k.values() for n in s})))
PYEOF
cat "$tmp/cmp"
ng=$(sed -n 's/^govulncheck //p' "$tmp/cmp"); nk=$(sed -n 's/^kensa //p' "$tmp/cmp")
[ "$ng" -gt 0 ] && ok "govulncheck finds $ng vulnerabilities with symbols in the binary" || bad "govulncheck found nothing"
grep -qx 'missing ' "$tmp/cmp" && ok "every one of them is a kensa finding (kensa: $nk at module level)" \
  || bad "kensa misses: $(sed -n 's/^missing //p' "$tmp/cmp")"
for m in stdlib golang.org/x/crypto golang.org/x/net golang.org/x/text; do
  grep -q "^modules.* $m\( \|$\)\|^modules $m\( \|$\)" "$tmp/cmp" && ok "kensa read $m from the build info" \
    || bad "kensa has no finding for $m"
done
finish

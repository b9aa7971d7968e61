#!/usr/bin/env bash
# Language packages with the real binary, against this machine's own tools:
# every Python interpreter's site-packages vs `pip list`, npm's installed
# tree vs `npm ls --all`, Debian's and Maven's jars vs their pom.properties,
# Go binaries vs `go version -m` (plus one built here offline with vendored,
# replaced modules), a cargo-auditable section vs its JSON, installed gems vs
# RubyGems itself; trivy's repository fixtures vs its golden package lists;
# and hostile input (malformed lockfiles, a zip bomb and a non-zip inside
# a war, cyclic node_modules links) that must give warnings, never a crash.
set -uo pipefail
: "${KENSA:?KENSA must point at the kensa binary}"
: "${KS_DATA_DIR:?KS_DATA_DIR must point at the shared data}"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
tmp=$(mktemp -d /tmp/kensa-lang.XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
sbom() { SOURCE_DATE_EPOCH=1700000000 "$KENSA" sbom "$@"; }

# name version per package (PEP 503 names for PyPI), from a kensa JSON document;
# optional filter on extractor.
pkgs() {
  $PY - "$1" "${2:-}" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["packages"]:
    if sys.argv[2] and p.get("extractor") != sys.argv[2]:
        continue
    print(p["name"], p["version"])
PYEOF
}

# --- Python: each interpreter's site-packages vs its own pip ----------------
pydirs=()
[ -d /usr/lib/python3/dist-packages ] && pydirs+=("/usr/bin/python3:/usr/lib/python3/dist-packages")
for v in /root/.pyenv/versions/*; do
  for sp in "$v"/lib/python3.*/site-packages; do
    [ -d "$sp" ] && pydirs+=("$v/bin/python:$sp")
  done
done
gsdk=/usr/lib/google-cloud-sdk/platform/bundledpythonunix
for sp in "$gsdk"/lib/python3.*/site-packages; do
  [ -d "$sp" ] && pydirs+=("$gsdk/bin/python3:$sp")
done
npy=0
for pair in "${pydirs[@]}"; do
  interp=${pair%%:*}; dir=${pair#*:}
  "$interp" -m pip list --format json --path "$dir" >"$tmp/pip.json" 2>/dev/null || continue
  $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/pip.json" 2>/dev/null || continue
  sbom "$dir" >"$tmp/py.json" 2>/dev/null
  $PY - "$tmp/pip.json" >"$tmp/pip.txt" <<'PYEOF'
import json, re, sys
for p in json.load(open(sys.argv[1])):
    print(re.sub(r"[-_.]+", "-", p["name"]).lower(), p["version"])
PYEOF
  # pip lists the top-level distributions; vendored copies (setuptools/_vendor) are extra
  $PY - "$tmp/py.json" >"$tmp/mine.txt" <<'PYEOF'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p.get("extractor") == "python-installed":
        top = [x for x in p.get("paths", [p["path"]]) if x.count("/") <= 1]
        if top:
            print(p["name"], p["version"])
PYEOF
  sort -u -o "$tmp/pip.txt" "$tmp/pip.txt"; sort -u -o "$tmp/mine.txt" "$tmp/mine.txt"
  npy=$((npy + 1))
  check "python $(basename "$(dirname "$(dirname "$dir")")")/$(basename "$dir"): same as pip list ($(wc -l <"$tmp/pip.txt") distributions)" \
    "diff -u '$tmp/pip.txt' '$tmp/mine.txt' >/dev/null"
done
check "python: at least two interpreters compared ($npy)" "[ $npy -ge 2 ]"
for sp in "$gsdk"/lib/python3.*/site-packages; do
  [ -d "$sp/setuptools/_vendor" ] || continue
  sbom "$sp" >"$tmp/vend.json" 2>/dev/null
  check "python: vendored setuptools/_vendor distributions reported with their own path" \
    "$PY -c 'import json,sys; d=json.load(open(\"$tmp/vend.json\")); sys.exit(0 if any(\"setuptools/_vendor/\" in x for p in d[\"packages\"] for x in p.get(\"paths\",[p[\"path\"]])) else 1)'"
done

# --- npm: npm's own installed tree vs npm ls --all ----------------------------
if [ -d /usr/lib/node_modules/npm ]; then
  sbom /usr/lib/node_modules/npm >"$tmp/npm.json" 2>/dev/null
  (cd /usr/lib/node_modules/npm && npm ls --all --json 2>/dev/null) >"$tmp/npmls.json"
  $PY - "$tmp/npmls.json" >"$tmp/ref.txt" <<'PYEOF'
import json, sys
out = set()
def walk(deps):
    for name, e in (deps or {}).items():
        if "version" in e:
            out.add((name, e["version"]))
        walk(e.get("dependencies"))
walk(json.load(open(sys.argv[1])).get("dependencies"))
for n, v in sorted(out):
    print(n, v)
PYEOF
  pkgs "$tmp/npm.json" npm-installed | sort -u >"$tmp/mine.txt"
  check "npm: /usr/lib/node_modules/npm same as npm ls --all ($(wc -l <"$tmp/ref.txt") packages)" \
    "[ -s '$tmp/ref.txt' ] && diff -u '$tmp/ref.txt' '$tmp/mine.txt' >/dev/null"
fi

# --- Java: jars vs their pom.properties ---------------------------------------
jars="$tmp/jars"; mkdir -p "$jars"
for j in /usr/share/java/*.jar /usr/share/maven/lib/*.jar; do
  [ -f "$j" ] && cp -L "$j" "$jars/$(basename "$j")" 2>/dev/null
done
sbom "$jars" >"$tmp/java.json" 2>/dev/null
$PY - "$jars" "$tmp/java.json" >"$tmp/java.txt" <<'PYEOF'
import json, os, subprocess, sys, re
jars, doc = sys.argv[1], json.load(open(sys.argv[2]))
mine = {}
for p in doc["packages"]:
    for path in p.get("paths", [p["path"]]):
        mine.setdefault(path, set()).add((p["name"], p["version"]))
n = bad = 0
for f in sorted(os.listdir(jars)):
    names = subprocess.run(["unzip", "-Z1", os.path.join(jars, f)], capture_output=True, text=True).stdout.split()
    ref = set()
    for pp in names:
        if re.match(r"META-INF/maven/.*/pom\.properties$", pp):
            t = subprocess.run(["unzip", "-p", os.path.join(jars, f), pp], capture_output=True, text=True).stdout
            kv = dict(l.split("=", 1) for l in t.splitlines() if "=" in l and not l.startswith("#"))
            if all(k in kv for k in ("groupId", "artifactId", "version")):
                ref.add((kv["groupId"].strip() + ":" + kv["artifactId"].strip(), kv["version"].strip()))
    if ref:
        n += 1
        if ref != mine.get(f, set()):
            bad += 1
            print("DIFF", f, sorted(ref), sorted(mine.get(f, set())), file=sys.stderr)
print(n, bad)
PYEOF
read -r njar nbad <"$tmp/java.txt"
check "java: $njar jars with pom.properties give exactly their coordinates" "[ '${njar:-0}' -gt 20 ] && [ '${nbad:-1}' -eq 0 ]"

# --- Go: binaries vs go version -m --------------------------------------------
gobins=()
for b in /usr/bin/skopeo /usr/bin/umoci /usr/bin/docker-registry /usr/lib/go-*/bin/*; do
  [ -f "$b" ] && gobins+=("$b")
done
gomod="$tmp/gomod"; mkdir -p "$gomod/vendor/example.com/dep" "$gomod/vendor/example.com/fork"
if command -v go >/dev/null; then
  # a module with vendored dependencies, one replaced: built offline
  cat >"$gomod/go.mod" <<'EOF'
module example.com/app

go 1.19

require (
	example.com/dep v1.2.3
	example.com/old v0.1.0
)

replace example.com/old v0.1.0 => example.com/fork v0.2.0
EOF
  printf 'package dep\n\nfunc X() int { return 1 }\n' >"$gomod/vendor/example.com/dep/dep.go"
  printf 'package old\n\nfunc Y() int { return 2 }\n' >"$gomod/vendor/example.com/fork/old.go"
  mkdir -p "$gomod/vendor/example.com/old" && mv "$gomod/vendor/example.com/fork/old.go" "$gomod/vendor/example.com/old/"
  cat >"$gomod/vendor/modules.txt" <<'EOF'
# example.com/dep v1.2.3
## explicit
example.com/dep
# example.com/old v0.1.0 => example.com/fork v0.2.0
## explicit
example.com/old
# example.com/old v0.1.0 => example.com/fork v0.2.0
EOF
  printf 'package main\n\nimport (\n\t"example.com/dep"\n\t"example.com/old"\n)\n\nfunc main() { println(dep.X() + old.Y()) }\n' >"$gomod/main.go"
  mkdir -p "$tmp/gobuild"
  if (cd "$gomod" && GOFLAGS=-mod=vendor GOPROXY=off GOCACHE="$tmp/gocache" go build -o "$tmp/gobuild/app" . ) >"$tmp/gobuild.log" 2>&1; then
    gobins+=("$tmp/gobuild/app")
  else
    bad "go: building the vendored test module: $(head -3 "$tmp/gobuild.log" | tr '\n' ' ')"
  fi
fi
gdir="$tmp/gobins"; mkdir -p "$gdir"
for b in "${gobins[@]}"; do cp "$b" "$gdir/$(basename "$b")"; done
sbom "$gdir" >"$tmp/go.json" 2>/dev/null
for b in "${gobins[@]}"; do
  name=$(basename "$b")
  go version -m "$b" 2>/dev/null | $PY -c '
import sys
lines = sys.stdin.read().splitlines()
if not lines: sys.exit(0)
ver = lines[0].split(": ", 1)[1].split()[0]
parts = ver[2:].split(".")
while len(parts) < 3: parts.append("0")
out = {("stdlib", "v" + ".".join(parts))}
last = None
for l in lines[1:]:
    f = l.strip().split("\t")
    if f[0] in ("mod", "dep"):
        last = (f[1], f[2])
        if f[2] != "(devel)": out.add(last)
    elif f[0] == "=>" and len(f) >= 3 and f[2].startswith("v"):
        out.discard(last); out.add((f[1], f[2]))
for n, v in sorted(out): print(n, v)' >"$tmp/ref.txt"
  $PY - "$tmp/go.json" "$name" >"$tmp/mine.txt" <<'PYEOF'
import json, sys
for p in json.load(open(sys.argv[1]))["packages"]:
    if p.get("extractor") == "binary" and sys.argv[2] in p.get("paths", [p["path"]]):
        print(p["name"], p["version"])
PYEOF
  sort -o "$tmp/mine.txt" "$tmp/mine.txt"
  check "go: $name same modules as go version -m ($(wc -l <"$tmp/ref.txt"))" \
    "[ -s '$tmp/ref.txt' ] && diff -u '$tmp/ref.txt' '$tmp/mine.txt' >/dev/null"
done
if [ -f "$tmp/gobuild/app" ]; then
  check "go: the replaced module carries replaces= its original" \
    "$PY -c 'import json,sys; d=json.load(open(\"$tmp/go.json\")); sys.exit(0 if any(p[\"name\"]==\"example.com/fork\" and p.get(\"metadata\",{}).get(\"replaces\")==\"example.com/old@v0.1.0\" for p in d[\"packages\"]) else 1)'"
fi

# --- Rust: a cargo-auditable .dep-v0 section ----------------------------------
if command -v objcopy >/dev/null; then
  printf '%s' '{"packages":[{"name":"myapp","version":"0.1.0","source":"local","root":true,"dependencies":[1,2]},{"name":"serde","version":"1.0.188","source":"crates.io"},{"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"}]}' |
    $PY -c 'import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))' >"$tmp/dep-v0"
  mkdir -p "$tmp/rust"
  objcopy --add-section .dep-v0="$tmp/dep-v0" /bin/true "$tmp/rust/myapp" 2>/dev/null
  chmod +x "$tmp/rust/myapp"
  sbom "$tmp/rust" >"$tmp/rust.json" 2>/dev/null
  check "rust: cargo-auditable crates read from .dep-v0" \
    "[ \"\$(pkgs '$tmp/rust.json' binary | sort | tr '\n' ' ')\" = 'cc 1.0.83 serde 1.0.188 ' ]"
  check "rust: the root crate is the application" "grep -q '\"name\": \"myapp\"' '$tmp/rust.json'"
fi

# --- Ruby: installed gem specifications vs RubyGems ---------------------------
for sd in /usr/lib/ruby/gems/*/specifications /usr/share/rubygems-integration/all/specifications; do
  [ -d "$sd" ] || continue
  ruby -e 'Dir[ARGV[0] + "/{,default/}*.gemspec"].each { |f| s = Gem::Specification.load(f); puts "#{s.name} #{s.version}" if s }' "$sd" | sort -u >"$tmp/ref.txt"
  mkdir -p "$tmp/gems"; rm -rf "$tmp/gems/specifications"; cp -r "$sd" "$tmp/gems/specifications"
  sbom "$tmp/gems" >"$tmp/gems.json" 2>/dev/null
  pkgs "$tmp/gems.json" gemspec | sort -u >"$tmp/mine.txt"
  check "ruby: $sd same as RubyGems ($(wc -l <"$tmp/ref.txt") gems)" \
    "[ -s '$tmp/ref.txt' ] && diff -u '$tmp/ref.txt' '$tmp/mine.txt' >/dev/null"
done

# --- trivy's repository fixtures vs its golden package lists -------------------
repo="$KS_DATA_DIR/fixtures/end-to-end/trivy/repo"
gold="$KS_DATA_DIR/fixtures/end-to-end/trivy/golden"
for pair in pip:pip.json poetry:poetry.json uv:uv.json pylock:pylock.json pipenv:pipenv.json \
            npm:npm-with-dev.json yarn:yarn.json pnpm:pnpm.json bun:bun.json \
            cargo:cargo.lock.json composer:composer.lock.json composer-vendor:composer.vendor.json \
            nuget:nuget.json dotnet:dotnet.json pubspec:pubspec.lock.json mixlock:mix.lock.json \
            swift:swift.json conan:conan.json cocoapods:cocoapods.json; do
  dir=${pair%%:*}; g=${pair#*:}
  [ -d "$repo/$dir" ] && [ -f "$gold/$g.golden" ] || continue
  src="$repo/$dir"
  if [ "$dir" = composer-vendor ]; then  # trivy keeps it flat; Composer writes it here
    src="$tmp/cv"; mkdir -p "$src/vendor/composer"; cp "$repo/$dir/installed.json" "$src/vendor/composer/"
  fi
  sbom "$src" >"$tmp/r.json" 2>/dev/null
  $PY - "$gold/$g.golden" "$tmp/r.json" >"$tmp/cmp.txt" <<'PYEOF'
import json, re, sys
g = json.load(open(sys.argv[1]))
want = set()
for r in g["Results"]:
    for p in r.get("Packages", []):
        if p.get("Relationship") == "root":
            continue  # the project itself: an application in Kensa
        want.add(p["Identifier"]["PURL"].split("?")[0].lower())
d = json.load(open(sys.argv[2]))
have = set((p["purl"] or "").split("?")[0].lower() for p in d["packages"] if p["version"])
apps = set(a["name"] for a in d.get("applications", []))
missing = sorted(want - have)
print("ok" if not missing else "missing " + " ".join(missing))
PYEOF
  check "trivy golden $g: every package of $dir found" "[ \"\$(cat '$tmp/cmp.txt')\" = ok ]"
  [ "$(cat "$tmp/cmp.txt")" = ok ] || cat "$tmp/cmp.txt"
done

# --- a root: lockfile + installed tree, OS ownership, includes ----------------
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/etc" "$root/usr/lib/python3/dist-packages/six-1.16.0.dist-info" \
         "$root/srv/app/node_modules/left-pad" "$root/srv/app/venv/lib/python3.11/site-packages/six-1.16.0.dist-info" \
         "$root/srv/py"
printf 'ID=debian\nVERSION_ID="12"\n' >"$root/etc/os-release"
printf 'Package: python3-six\nStatus: install ok installed\nVersion: 1.16.0-4\nArchitecture: all\n\n' >"$root/var/lib/dpkg/status"
printf '/.\n/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n' >"$root/var/lib/dpkg/info/python3-six.list"
printf 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nbody\n' >"$root/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA"
printf 'Metadata-Version: 2.1\nName: Django\nVersion: 4.2.1\n' >"$root/srv/app/venv/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA"
printf '{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0","dependencies":{"left-pad":"^1.3.0"}},"node_modules/left-pad":{"version":"1.3.0"}}}' >"$root/srv/app/package-lock.json"
printf '{"name":"app","version":"1.0.0","dependencies":{"left-pad":"^1.3.0"}}' >"$root/srv/app/package.json"
printf '{"name":"left-pad","version":"1.3.0"}' >"$root/srv/app/node_modules/left-pad/package.json"
printf -- '-r requirements-base.txt\nflask==2.0.1 --hash=sha256:abc\nrequests>=2\n' >"$root/srv/py/requirements.txt"
printf 'jinja2==3.0.1 ; python_version >= "3.6"\n-r requirements.txt\n' >"$root/srv/py/requirements-base.txt"
ln -s ../.. "$root/srv/app/node_modules/loop"          # cyclic link inside node_modules
ln -s /etc/passwd "$root/srv/app/node_modules/passwd"  # absolute link: never leaves the root
sbom "dir:$root" >"$tmp/root.json" 2>"$tmp/root.err"
check "root: exit 0" "[ $? -eq 0 ]"
check "root: the distro's six is owned by python3-six" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/root.json\")); r={p[\"ref\"]:p for p in d[\"packages\"]}; s=[p for p in d[\"packages\"] if p[\"name\"]==\"six\"][0]; sys.exit(0 if r[s[\"ownedBy\"]][\"name\"]==\"python3-six\" else 1)'"
check "root: the venv's django is not owned" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/root.json\")); s=[p for p in d[\"packages\"] if p[\"name\"]==\"django\"][0]; sys.exit(0 if \"ownedBy\" not in s else 1)'"
check "root: left-pad from the lockfile and node_modules is one package with both paths" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/root.json\")); s=[p for p in d[\"packages\"] if p[\"name\"]==\"left-pad\"]; sys.exit(0 if len(s)==1 and sorted(s[0][\"paths\"])==[\"srv/app/node_modules/left-pad/package.json\",\"srv/app/package-lock.json\"] and \"direct\" in s[0][\"flags\"] else 1)'"
check "root: the project is an application, not a package" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/root.json\")); sys.exit(0 if any(a[\"name\"]==\"app\" for a in d[\"applications\"]) and not any(p[\"name\"]==\"app\" for p in d[\"packages\"]) else 1)'"
check "root: -r includes read (jinja2 with its marker, the loop back ignored)" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/root.json\")); s=[p for p in d[\"packages\"] if p[\"name\"]==\"jinja2\"]; sys.exit(0 if s and s[0][\"version\"]==\"3.0.1\" and s[0][\"metadata\"][\"markers\"].startswith(\"python_version\") else 1)'"
check "root: requests>=2 is unresolved with its constraint, not invented" \
  "$PY -c 'import json,sys; d=json.load(open(\"$tmp/root.json\")); s=[p for p in d[\"packages\"] if p[\"name\"]==\"requests\"][0]; sys.exit(0 if s[\"version\"]==\"\" and \"unresolved\" in s[\"flags\"] and s[\"metadata\"][\"constraint\"]==\">=2\" else 1)'"
check "root: cyclic and absolute links in node_modules cost nothing" "! grep -q passwd '$tmp/root.json'"

# --- hostile input: malformed lockfiles, a bomb and junk inside a war ----------
hb="$tmp/hostile"; mkdir -p "$hb/a" "$hb/b" "$hb/c" "$hb/war/WEB-INF/lib"
printf '{"lockfileVersion": 3, "packages": {' >"$hb/a/package-lock.json"
printf '[[package]]\nname = "x"\nversion = ' >"$hb/b/poetry.lock"
head -c 5000 /dev/urandom >"$hb/c/Cargo.lock"
printf 'groupId=org.ok\nartifactId=ok\nversion=1.0\n' >"$tmp/pom.properties"
mkdir -p "$tmp/okjar/META-INF/maven/org.ok/ok" && cp "$tmp/pom.properties" "$tmp/okjar/META-INF/maven/org.ok/ok/"
(cd "$tmp/okjar" && zip -qr "$hb/war/WEB-INF/lib/ok-1.0.jar" META-INF)
head -c 100000000 /dev/zero >"$tmp/zeros.bin"
(cd "$tmp" && zip -q9 "$hb/war/WEB-INF/lib/bomb.jar" zeros.bin)
printf 'not a zip at all\n' >"$hb/war/WEB-INF/lib/junk.jar"
(cd "$hb/war" && zip -q0r "$hb/app.war" WEB-INF) && rm -rf "$hb/war"
start=$(date +%s)
sbom "dir:$hb" >"$tmp/h.json" 2>"$tmp/h.err"
rc=$?; end=$(date +%s)
check "hostile: exit 0 in $((end - start)) s" "[ $rc -eq 0 ] && [ $((end - start)) -lt 60 ]"
check "hostile: truncated package-lock.json warned with file and place" "grep -q 'a/package-lock.json:1:' '$tmp/h.err'"
check "hostile: truncated poetry.lock warned with file and line" "grep -q 'b/poetry.lock:3:' '$tmp/h.err'"
check "hostile: binary junk Cargo.lock warned" "grep -q 'c/Cargo.lock' '$tmp/h.err'"
check "hostile: the bomb inside the war is refused by name" "grep -q 'app.war!WEB-INF/lib/bomb.jar.*bomb' '$tmp/h.err'"
check "hostile: the non-zip jar inside the war is named" "grep -q 'app.war!WEB-INF/lib/junk.jar' '$tmp/h.err'"
check "hostile: the good jar next to them is still inventoried" "grep -q '\"name\": \"org.ok:ok\"' '$tmp/h.json'"
peak=$(/usr/bin/time -f '%M' "$KENSA" sbom "dir:$hb" 2>&1 >/dev/null | tail -1)
check "hostile: peak memory stays bounded (${peak} KiB)" "[ '$peak' -lt 400000 ]"

# --- determinism ----------------------------------------------------------------
sbom "dir:$root" >"$tmp/d1.json" 2>/dev/null; sbom "dir:$root" >"$tmp/d2.json" 2>/dev/null
check "same input, byte-identical output" "cmp -s '$tmp/d1.json' '$tmp/d2.json'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

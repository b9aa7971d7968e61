#!/usr/bin/env python3
"""Write Debian 12 roots (etc/os-release + var/lib/dpkg/status) whose packages
carry real Debian source package names: the Debian:12 packages of the OSV
archive in the shared data (osv/Debian/all.zip).

Every generated package is installed at version 1:999.0-1, newer than any
fix, so the real advisories do not affect it: a DB built from the archive
matches nothing in it, and only the packages given with --with (and any
advisory written for a generated name) make findings.

  gen_debian_root.py OUT N_ROOTS N_PACKAGES [--with NAME=VERSION]...
                     [--with-every K NAME=VERSION] [--seed S] [--names FILE]

Roots go to OUT/0000, OUT/0001, ...; each holds N_PACKAGES names drawn from
the pool (a seeded random subset), plus the --with packages in every root,
plus the --with-every packages in every K-th root (root 0, K, 2K, ...); a
--with name that is also drawn keeps the --with version.
--names writes the pool of names (one per line) for callers that craft
advisories naming some of them.
"""
import argparse
import json
import os
import random
import zipfile

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("n_roots", type=int)
ap.add_argument("n_packages", type=int)
ap.add_argument("--with", dest="with_", action="append", default=[])
ap.add_argument("--with-every", nargs=2, action="append", default=[], metavar=("K", "NAME=VERSION"))
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--names")
a = ap.parse_args()

data = os.environ.get("KS_DATA_DIR", os.path.join(os.path.dirname(__file__), "../../../../shared/data"))
pool = set()
with zipfile.ZipFile(os.path.join(data, "osv/Debian/all.zip")) as z:
    for n in z.namelist():
        for aff in json.loads(z.read(n)).get("affected", []):
            p = aff.get("package", {})
            if p.get("ecosystem") == "Debian:12":
                pool.add(p["name"])
        if len(pool) >= max(2 * a.n_packages, 1000):
            break
pool = sorted(pool)
if a.names:
    with open(a.names, "w") as f:
        f.write("\n".join(pool) + "\n")
rng = random.Random(a.seed)
fixed = [w.split("=", 1) for w in a.with_]
every = [(int(k), nv.split("=", 1)) for k, nv in a.with_every]
for i in range(a.n_roots):
    root = os.path.join(a.out, "%04d" % i)
    os.makedirs(os.path.join(root, "etc"), exist_ok=True)
    os.makedirs(os.path.join(root, "var/lib/dpkg"), exist_ok=True)
    with open(os.path.join(root, "etc/os-release"), "w") as f:
        f.write('ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n')
    # The --with packages first: a drawn name never shadows the version asked for.
    pkgs = [(n, v) for n, v in fixed]
    pkgs += [(n, v) for k, (n, v) in every if i % k == 0]
    pkgs += [(n, "1:999.0-1") for n in rng.sample(pool, min(a.n_packages, len(pool)))]
    taken = set()
    with open(os.path.join(root, "var/lib/dpkg/status"), "w") as f:
        for name, version in pkgs:
            if name in taken:
                continue
            taken.add(name)
            f.write("Package: %s\nStatus: install ok installed\nArchitecture: amd64\n"
                    "Version: %s\n\n" % (name, version))

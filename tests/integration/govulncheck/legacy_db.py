#!/usr/bin/python3
"""Convert osv/Go/all.zip into the legacy Go vulnerability DB layout that
Debian's govulncheck (0.0~git20230201) reads from a file:// GOVULNDB:
index.json (module -> last modified), <module>.json (its entries),
ID/<id>.json, ID/index.json and aliases.json. Withdrawn records are left out.
Usage: legacy_db.py ZIP OUTDIR"""
import collections
import json
import os
import sys
import zipfile

z = zipfile.ZipFile(sys.argv[1])
out = sys.argv[2]
by_mod = collections.defaultdict(list)
aliases = collections.defaultdict(list)
ids = []
os.makedirs(out + "/ID", exist_ok=True)
for n in sorted(z.namelist()):
    e = json.loads(z.read(n))
    if e.get("withdrawn"):
        continue
    ids.append(e["id"])
    json.dump(e, open("%s/ID/%s.json" % (out, e["id"]), "w"))
    for a in e.get("aliases", []):
        aliases[a].append(e["id"])
    for m in sorted({a["package"]["name"] for a in e.get("affected", [])}):
        by_mod[m].append(e)
index = {}
for m, es in by_mod.items():
    p = "%s/%s.json" % (out, m)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    json.dump(es, open(p, "w"))
    # golang/vulndb sets modified to the zero time in the repository; any fixed
    # past time will do for a local DB
    index[m] = "2023-01-01T00:00:00Z"
json.dump(index, open(out + "/index.json", "w"))
json.dump(sorted(ids), open(out + "/ID/index.json", "w"))
json.dump(aliases, open(out + "/aliases.json", "w"))

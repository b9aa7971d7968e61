#!/usr/bin/env python3
"""distro_check.py: compare what Kensa's distro importers stored (read with
distro_facts.py, not with Kensa) against:
  goldens DB DATA  -- vuln-list-update's golden JSON for Oracle, Red Hat,
                      CBL-Mariner/Azure Linux, Photon and AlmaLinux, and
                      statuses read off the Debian and Ubuntu tracker samples;
  native DB DATA   -- the larger sets in DATA/native: counts and spot checks,
                      and the same facts as DATA/osv's records converted from
                      the same Debian OVAL and Alpine secdb files.
Prints one line per failure and "N passed, N failed"; exit 1 on failures.
"""
import glob
import json
import os
import re
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from distro_facts import facts, doc  # noqa: E402

passed = failed = 0


def check(cond, msg):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", msg)


def strip0(v):
    return v[2:] if v.startswith("0:") else v


def entries(adv):
    return {(e.ecosystem, e.name, e.status, e.fixed or e.last_affected) for e in adv.affected}


# ---------------------------------------------------------------------------
# OVAL goldens (vuln-list's JSON of each definition)

def walk(node, ctx, out):
    """(comment, [sibling comments of enclosing ANDs]) for every criterion."""
    here = list(ctx)
    if node.get("Operator", "AND") == "AND":
        here += [c.get("Comment", "") for c in node.get("Criterions") or []]
    for c in node.get("Criterions") or []:
        out.append((c.get("Comment", ""), here))
    for sub in node.get("Criterias") or []:
        walk(sub, here, out)
    return out


def release(ctx, pattern):
    for c in ctx:
        m = re.match(pattern, c)
        if m:
            return m.group(1)
    return None


def module(ctx):
    for c in ctx:
        m = re.match(r"Module (\S+) is enabled", c)
        if m:
            return m.group(1)
    return None


def check_oracle(advs, data):
    for path in sorted(glob.glob(data + "/fixtures/native-feeds/vuln-list-update/oracle-oval/golden/*.json")):
        g = json.load(open(path))
        elsa = [r["ID"] for r in g["References"] if r["Source"] == "elsa"][0]
        a = advs.get(elsa)
        check(a is not None, "oracle: %s missing" % elsa)
        if a is None:
            continue
        want = set()
        plat = [re.match(r"Oracle Linux (\d+)", p).group(1) for p in g.get("Platform") or []]
        for comment, ctx in walk(g["Criteria"], [], []):
            m = re.match(r"(\S+) is earlier than (\S+)$", comment)
            if not m:
                continue
            rel = release(ctx, r"Oracle Linux (\d+) is installed") or (plat[0] if len(plat) == 1 else None)
            want.add(("Oracle Linux:" + rel, m.group(1), "fixed", strip0(m.group(2))))
        check(entries(a) == want, "oracle %s: entries differ: extra %s missing %s" %
              (elsa, sorted(entries(a) - want)[:3], sorted(want - entries(a))[:3]))
        cves = {r["ID"] for r in g["References"] if r["Source"] == "CVE"}
        check(a.upstream == cves, "oracle %s: upstream %s != %s" % (elsa, a.upstream, cves))
        check({e.severity for e in a.affected} == {g["Severity"].lower()},
              "oracle %s: severity %s" % (elsa, {e.severity for e in a.affected}))


def check_redhat(advs, data):
    base = data + "/fixtures/native-feeds/vuln-list-update/redhat-oval/golden"
    for path in sorted(glob.glob(base + "/*/*/definitions/*/*.json")):
        rel_dir, product = path[len(base) + 1:].split("/")[:2]
        product = product.replace("-including-unpatched", "")
        g = json.load(open(path))
        md = g["Metadata"]
        did = g["ID"]
        cve = [r["RefID"] for r in md["References"] if r["Source"] == "CVE"]
        errata = [r["RefID"] for r in md["References"] if r["Source"] in ("RHSA", "RHBA", "RHEA")]
        if ":com.redhat.cve:" in did or ":com.redhat.unaffected:" in did:
            rel = None
            for comment, ctx in walk(g["Criteria"], [], []):
                rel = rel or release([comment], r"Red Hat Enterprise Linux (\d+) is installed")
            aid = "REDHAT-%s/%s/%s" % (cve[0], rel, product)
        else:
            if not errata[0].startswith("RHSA") and not cve:
                check(errata[0] not in advs, "redhat: %s names no CVE but was kept" % errata[0])
                continue
            aid = errata[0]
        a = advs.get(aid)
        check(a is not None, "redhat: %s missing" % aid)
        if a is None:
            continue
        want = set()
        unaffected = ":com.redhat.unaffected:" in did
        for comment, ctx in walk(g["Criteria"], [], []):
            rel = release(ctx, r"Red Hat Enterprise Linux (\d+) is installed")
            if rel is None:
                continue
            m = re.match(r"(\S+) is earlier than (\S+)$", comment)
            if m:
                want.add(("Red Hat:" + rel, m.group(1), "fixed", strip0(m.group(2))))
                continue
            m = re.match(r"(\S+) is not installed$", comment)
            if m and unaffected:
                want.add(("Red Hat:" + rel, m.group(1), "not_affected", None))
                continue
            m = re.match(r"(\S+) is installed$", comment)
            if m and not unaffected:
                want.add(("Red Hat:" + rel, m.group(1), "affected", None))
        check(entries(a) == want, "redhat %s: entries differ: extra %s missing %s" %
              (aid, sorted(entries(a) - want, key=str)[:3], sorted(want - entries(a), key=str)[:3]))
        check(a.upstream == set(cve), "redhat %s: upstream %s != %s" % (aid, a.upstream, cve))
        sev = md["Advisory"].get("Severity", "").lower() or None
        check({e.severity for e in a.affected} <= {sev}, "redhat %s: severity" % aid)


def check_azure(advs, data):
    base = data + "/fixtures/native-feeds/vuln-list-update/cbl-mariner-oval/golden"
    for rdir in sorted(glob.glob(base + "/*/*")):
        rel = os.path.basename(rdir)
        tests = {t["ID"]: t for t in json.load(open(rdir + "/tests/tests.json"))["RpminfoTests"]}
        objs = {o["ID"]: o for o in json.load(open(rdir + "/objects/objects.json"))["RpminfoObjects"]}
        states = {s["ID"]: s for s in json.load(open(rdir + "/states/states.json"))["RpminfoState"]}
        for path in sorted(glob.glob(rdir + "/definitions/*/*.json")):
            g = json.load(open(path))
            cve = g["Metadata"]["Reference"]["RefID"]
            aid = "AZURELINUX-%s/%s" % (cve, rel)
            a = advs.get(aid)
            check(a is not None, "azure: %s missing" % aid)
            if a is None:
                continue
            want = set()
            for c in g["Criteria"]["Criterion"]:
                t = tests[c["TestRef"]]
                name = objs[t["Object"]["ObjectRef"]]["Name"]
                evr = states[t["State"]["StateRef"]]["Evr"]
                if evr["Operation"] == "less than":
                    want.add(("Azure Linux:" + rel, name, "fixed", strip0(evr["Text"])))
                elif evr["Operation"] == "less than or equal":
                    want.add(("Azure Linux:" + rel, name, "affected", strip0(evr["Text"])))
            check(entries(a) & want == want, "azure %s: entries %s, want %s" % (aid, entries(a), want))
            sev = g["Metadata"]["Severity"].lower()
            check({e.severity for e in a.affected} == {sev}, "azure %s: severity" % aid)


def check_photon(advs, data):
    for path in sorted(glob.glob(data + "/fixtures/native-feeds/vuln-list-update/photon/golden/*.json")):
        g = json.load(open(path))
        aid = "PHOTON-%s/%s" % (g["cve_id"], g["os_version"])
        a = advs.get(aid)
        check(a is not None, "photon: %s missing" % aid)
        if a is not None:
            fixed = g["res_ver"] not in ("", "NA")
            want = ("Photon OS:" + g["os_version"], g["pkg"], "fixed" if fixed else "affected",
                    g["res_ver"] if fixed else None)
            check(want in entries(a), "photon %s: %s not in %s" % (aid, want, entries(a)))


def check_alma(advs, data):
    for path in sorted(glob.glob(data + "/fixtures/native-feeds/vuln-list-update/almalinux-errata/golden/*/*.json")):
        g = json.load(open(path))
        aid = g["updateinfo_id"]
        a = advs.get(aid)
        check(a is not None, "alma: %s missing" % aid)
        if a is None:
            continue
        want = set()
        for p in g["pkglist"]["packages"]:
            e = p["epoch"]
            evr = ("%s:" % e if e not in ("", "0") else "") + p["version"] + "-" + p["release"]
            want.add(("AlmaLinux:8", p["name"], "fixed", evr))
        check(entries(a) == want, "alma %s: extra %s missing %s" % (aid, entries(a) - want, want - entries(a)))
        cves = {r["id"] for r in g["references"] if r["type"] == "cve"}
        check(a.upstream == cves, "alma %s: upstream" % aid)
        check({e.severity for e in a.affected} == {g["severity"].lower()}, "alma %s: severity" % aid)


def want_entry(advs, aid, eco, name, status, fixed=None, severity=None, pro=None, db=None):
    a = advs.get(aid)
    check(a is not None, "%s missing" % aid)
    if a is None:
        return
    hits = [e for e in a.affected if e.ecosystem == eco and e.name == name and e.status == status
            and (fixed is None or e.fixed == fixed)]
    check(len(hits) > 0, "%s: no %s %s %s %s (have %s)" % (aid, eco, name, status, fixed or "",
                                                            [e for e in a.affected if e.name == name]))
    if hits and severity is not None:
        check(hits[0].severity == severity, "%s %s: severity %s != %s" % (aid, name, hits[0].severity, severity))
    if hits and pro is not None and db is not None:
        d = doc(db, aid)
        got = [x for x in d["affected"] if x["package"]["ecosystem"] == eco and
               x["package"]["name"] == name and x.get("status") == status]
        check(any(bool((x.get("database_specific") or {}).get("ubuntu_pro")) == pro for x in got),
              "%s %s %s: ubuntu_pro != %s" % (aid, eco, name, pro))


def no_entry(advs, aid, eco, name):
    a = advs.get(aid)
    check(a is None or not [e for e in a.affected if e.ecosystem == eco and e.name == name],
          "%s: unexpected entry %s %s" % (aid, eco, name))


def check_trackers(advs, db):
    # Debian data/CVE/list sample (read off the file)
    want_entry(advs, "DEBIAN-CVE-2021-36367", "Debian:11", "putty", "will_not_fix", severity="low")
    want_entry(advs, "DEBIAN-CVE-2021-36367", "Debian:10", "putty", "will_not_fix", severity="low")
    want_entry(advs, "DEBIAN-CVE-2021-36367", "Debian:12", "putty", "affected", "0.75-3", "low")
    for rel in ("10", "11", "12", "13"):
        want_entry(advs, "DEBIAN-CVE-2021-36373", "Debian:" + rel, "ant", "affected", severity="unimportant")
    check("DEBIAN-CVE-2021-36980" not in advs, "a TODO-only CVE gave an advisory")
    check("DEBIAN-CVE-2021-36383" not in advs, "a NOT-FOR-US CVE gave an advisory")
    want_entry(advs, "DSA-4480-1", "Debian:9", "redis", "fixed", "3:3.2.6-3+deb9u3")
    want_entry(advs, "DSA-4480-1", "Debian:10", "redis", "fixed", "5:5.0.3-4+deb10u1")
    check(advs.get("DSA-4480-1") and advs["DSA-4480-1"].upstream == {"CVE-2019-10192", "CVE-2019-10193"},
          "DSA-4480-1 upstream")
    want_entry(advs, "DLA-2711-1", "Debian:9", "thunderbird", "fixed", "1:78.12.0-1~deb9u1")
    # Ubuntu CVE tracker samples
    want_entry(advs, "UBUNTU-CVE-2017-5192", "Ubuntu:14.04", "salt", "end_of_life", severity="medium")
    no_entry(advs, "UBUNTU-CVE-2017-5192", "Ubuntu:12.04", "salt")  # DNE
    want_entry(advs, "UBUNTU-CVE-2007-0255", "Ubuntu:6.06", "xine-ui", "end_of_life")
    want_entry(advs, "UBUNTU-CVE-2007-0255", "Ubuntu:6.10", "xine-ui", "affected")
    want_entry(advs, "UBUNTU-CVE-2007-0255", "Ubuntu:16.04", "xine-ui", "affected")
    want_entry(advs, "UBUNTU-CVE-2020-0009", "Ubuntu:18.04", "linux-oem", "fixed", "4.15.0-1080.90", "low")
    want_entry(advs, "UBUNTU-CVE-2020-0009", "Ubuntu:16.04", "linux-oem", "end_of_life")
    want_entry(advs, "UBUNTU-CVE-2020-0009", "Ubuntu:19.10", "linux-oem", "affected")  # pending
    want_entry(advs, "UBUNTU-CVE-2017-7702", "Ubuntu:14.04", "wireshark", "fixed",
               "2.6.3-1~ubuntu14.04.1", pro=True, db=db)
    want_entry(advs, "UBUNTU-CVE-2017-7702", "Ubuntu:16.04", "wireshark", "fixed",
               "2.6.3-1~ubuntu16.04.1", pro=False, db=db)
    want_entry(advs, "UBUNTU-CVE-2017-9228", "Ubuntu:12.04", "php5", "fixed", "5.3.10-1ubuntu3.28", pro=True, db=db)
    want_entry(advs, "UBUNTU-CVE-2017-9228", "Ubuntu:17.04", "php7.0", "fixed", "7.0.22-0ubuntu0.17.04.1")
    want_entry(advs, "UBUNTU-CVE-2017-9228", "Ubuntu:18.04", "libonig", "fixed", "6.3.0-1")
    want_entry(advs, "UBUNTU-CVE-2019-15903", "Ubuntu:14.04", "vnc4", "affected", pro=True, db=db)
    want_entry(advs, "UBUNTU-CVE-2019-15903", "Ubuntu:19.04", "vnc4", "not_affected")
    want_entry(advs, "UBUNTU-CVE-2020-0556", "Ubuntu:14.04", "bluez", "end_of_life")
    want_entry(advs, "UBUNTU-CVE-2020-0556", "Ubuntu:16.04", "bluez", "fixed", "5.37-0ubuntu5.3")


# ---------------------------------------------------------------------------
# native/ sets

def osv_facts(zip_path, prefix):
    """(CVE, ecosystem, name, fixed) of every converted record's fixed range."""
    out = set()
    with zipfile.ZipFile(zip_path) as z:
        for n in z.namelist():
            r = json.loads(z.read(n))
            if not r["id"].startswith(prefix):
                continue
            cve = r["id"][len(prefix):]
            for a in r.get("affected", []):
                for rg in a.get("ranges", []):
                    for ev in rg["events"]:
                        if "fixed" in ev:
                            out.add((cve, a["package"]["ecosystem"], a["package"]["name"], ev["fixed"]))
    return out


def check_native(advs, data):
    dsa = [a for a in advs if a.startswith("DSA-")]
    dla = [a for a in advs if a.startswith("DLA-")]
    check(len(dsa) == 5406, "DSA advisories: %d, MANIFEST says 5,406 entries" % len(dsa))
    check(len(dla) == 3534, "DLA advisories: %d, MANIFEST says 3,534 entries" % len(dla))
    want_entry(advs, "DSA-4480-1", "Debian:9", "redis", "fixed", "3:3.2.6-3+deb9u3")
    want_entry(advs, "DSA-3699-1", "Debian:8", "virtualbox", "end_of_life")
    # Debian OVAL: the same facts as the osv/Debian records converted from the same files
    mine = set()
    for a in advs.values():
        if a.id.startswith("DEBIAN-CVE-") and "/" in a.id:
            cve = a.id[len("DEBIAN-"):a.id.index("/")]
            for e in a.affected:
                if e.status == "fixed":
                    mine.add((cve, e.ecosystem, e.name, e.fixed))
    theirs = osv_facts(data + "/osv/Debian/all.zip", "DEBIAN-")
    check(len(mine) > 40000, "Debian OVAL fixed entries: %d" % len(mine))
    # Two bullseye definitions test an object with an empty <name> ("None DPKG is
    # earlier than ..."): Kensa takes the package from <product>; the conversion
    # dropped them.
    empty_name = {("CVE-2021-43860", "Debian:11", "flatpak", "1.10.7-0+deb11u1"),
                  ("CVE-2022-21682", "Debian:11", "flatpak", "1.10.7-0+deb11u1")}
    check(mine - empty_name == theirs,
          "Debian OVAL vs osv/Debian: %d facts only in Kensa (%s), %d only in osv (%s)" % (
              len(mine - empty_name - theirs), sorted(mine - empty_name - theirs)[:3],
              len(theirs - mine), sorted(theirs - mine)[:3]))
    check(empty_name <= mine, "the empty-name definitions: %s" % (empty_name - mine))
    print("debian oval: %d fixed (CVE, release, package, version) facts, %d shared with osv/Debian"
          % (len(mine), len(mine & theirs)))
    # Alpine secdb: the same facts as osv/Alpine's converted records (v3.2-v3.21, CVE ids)
    mine = set()
    for a in advs.values():
        if a.id.startswith("ALPINE-CVE-") and "/edge" not in a.id:
            cve = a.id[len("ALPINE-"):a.id.index("/")]
            for e in a.affected:
                if e.status == "fixed":
                    mine.add((cve, e.ecosystem, e.name, e.fixed))
    theirs = {f for f in osv_facts(data + "/osv/Alpine/all.zip", "ALPINE-") if f[1] != "Alpine:edge"}
    # the one real osv.dev record (ALPINE-CVE-2025-26519) spans branches the mirror does not have
    theirs = {f for f in theirs if f[0] != "CVE-2025-26519"}
    mine_cmp = {f for f in mine if f[0] != "CVE-2025-26519"}
    check(len(mine_cmp) > 50000, "Alpine fixed entries: %d" % len(mine_cmp))
    check(theirs <= mine_cmp, "Alpine secdb vs osv/Alpine: %d osv facts not in Kensa (%s)" % (
        len(theirs - mine_cmp), sorted(theirs - mine_cmp)[:5]))
    extra = mine_cmp - theirs
    # A CVE listed under two fixed versions of one package (intel-ucode 20190618-r0
    # and 20191112-r0): Kensa keeps both entries, the conversion kept one.
    keyed = {f[:3] for f in theirs}
    check(all(f[:3] in keyed for f in extra),
          "Alpine: facts of Kensa's not in osv/Alpine under another version: %s" %
          [f for f in extra if f[:3] not in keyed][:5])
    print("alpine secdb: %d fixed facts, %d shared with osv/Alpine, %d more in Kensa (a CVE "
          "listed under a second fixed version)" % (len(mine_cmp), len(mine_cmp & theirs), len(extra)))
    # "0" keys: never affected
    want_entry(advs, "ALPINE-CVE-2021-26720/v3.19-main", "Alpine:v3.19", "avahi", "not_affected")
    want_entry(advs, "ALPINE-CVE-2019-6470/v3.19-main", "Alpine:v3.19", "bind", "not_affected")
    # "CVE-2018-7540 XSA-252": the CVE's advisory, XSA-252 related
    a = advs.get("ALPINE-CVE-2018-7540/v3.12-main")
    check(a is not None and a.upstream == {"CVE-2018-7540"}, "ALPINE-CVE-2018-7540/v3.12-main")
    # "XSA-248" alone: an advisory of its own
    want_entry(advs, "ALPINE-XSA-248/v3.12-main", "Alpine:v3.12", "xen", "fixed", "4.10.0-r1")
    # USN OVAL
    usn = [a for a in advs if a.startswith("USN-")]
    jammy = [a for a in usn if a.endswith("/22.04")]
    noble = [a for a in usn if a.endswith("/24.04")]
    check(len(jammy) == 473 and len(noble) == 207,
          "USN OVAL: %d jammy, %d noble advisories with packages" % (len(jammy), len(noble)))
    want_entry(advs, "USN-6202-1/22.04", "Ubuntu:22.04", "containerd", "fixed")
    a = advs.get("USN-6200-1/22.04")
    check(a is not None and all(e.purl and "arch=source" not in e.purl for e in a.affected),
          "USN entries name binary packages without arch=source")
    want_entry(advs, "USN-6200-1/22.04", "Ubuntu:22.04", "libmagick++-6.q16-8", "fixed",
               "8:6.9.11.60+dfsg-1.3ubuntu0.22.04.3+esm2", "medium", pro=True, db=DB)


DB = None

if __name__ == "__main__":
    mode, DB, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
    advs = facts(DB)
    if mode == "goldens":
        check_oracle(advs, DATA)
        check_redhat(advs, DATA)
        check_azure(advs, DATA)
        check_photon(advs, DATA)
        check_alma(advs, DATA)
        check_trackers(advs, DB)
    elif mode == "native":
        check_native(advs, DATA)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)

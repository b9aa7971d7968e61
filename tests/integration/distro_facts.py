"""distro_facts.py: read what a Kensa vulnerability DB holds, independently of
Kensa's C code: the SQLite tables (docs/vulndb.md) and the range blob encoding
(src/vulndb/ranges.c), so the distro feed tests can compare facts with the
feeds' goldens and with other conversions of the same data.

facts(db) -> {advisory id: Adv}; Adv.affected is a list of Entry.
"""
import sqlite3
import subprocess
import json

EVENT = {0: "introduced", 1: "fixed", 2: "last_affected", 3: "limit"}


def _varint(b, i):
    v = shift = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return v, i


def _string(b, i):
    n, i = _varint(b, i)
    s = b[i:i + n].decode()
    assert b[i + n] == 0, "string not NUL-terminated"
    return s, i + n + 1


def decode_ranges(blob):
    """[(type, [(event, version), ...]), ...], [versions]"""
    b = bytes(blob)
    assert b[0] == 1, "unknown range blob format %d" % b[0]
    i = 1
    n, i = _varint(b, i)
    ranges = []
    for _ in range(n):
        t = b[i]
        i += 1
        ne, i = _varint(b, i)
        evs = []
        for _ in range(ne):
            k = b[i]
            i += 1
            v, i = _string(b, i)
            evs.append((EVENT[k], v))
        ranges.append((t, evs))
    nv, i = _varint(b, i)
    versions = []
    for _ in range(nv):
        v, i = _string(b, i)
        versions.append(v)
    return ranges, versions


class Entry:
    def __init__(self, ecosystem, name, purl, status, severity, ranges):
        self.ecosystem, self.name, self.purl = ecosystem, name, purl
        self.status, self.severity = status, severity
        self.events = [e for _, evs in ranges for e in evs]

    @property
    def fixed(self):
        f = [v for k, v in self.events if k == "fixed"]
        return f[0] if f else None

    @property
    def last_affected(self):
        f = [v for k, v in self.events if k == "last_affected"]
        return f[0] if f else None

    def __repr__(self):
        return "%s %s %s fixed=%s" % (self.ecosystem, self.name, self.status, self.fixed)


class Adv:
    def __init__(self, id_):
        self.id = id_
        self.aliases, self.upstream, self.affected = set(), set(), []
        self.rowid = None


def facts(db_path):
    con = sqlite3.connect("file:%s?immutable=1" % db_path, uri=True)
    advs = {}
    rows = {}
    for rowid, adv_id in con.execute("SELECT id, adv_id FROM advisories"):
        a = Adv(adv_id)
        a.rowid = rowid
        advs[adv_id] = a
        rows[rowid] = a
    for alias, adv, kind in con.execute("SELECT alias, adv, kind FROM aliases"):
        (rows[adv].upstream if kind == 1 else rows[adv].aliases).add(alias)
    for adv, eco, name, purl, status, sev, blob in con.execute(
            "SELECT adv, ecosystem, raw_name, purl, status, vendor_severity, ranges "
            "FROM affected ORDER BY adv, idx"):
        r, _ = decode_ranges(blob)
        rows[adv].affected.append(Entry(eco, name, purl, status, sev, r))
    con.close()
    return advs


def doc(db_path, adv_id):
    """The stored OSV JSON of one advisory (zstd-compressed in the DB)."""
    con = sqlite3.connect("file:%s?immutable=1" % db_path, uri=True)
    row = con.execute("SELECT doc FROM advisories WHERE adv_id = ?", (adv_id,)).fetchone()
    con.close()
    if row is None:
        return None
    out = subprocess.run(["zstd", "-dc"], input=bytes(row[0]), capture_output=True, check=True)
    return json.loads(out.stdout)

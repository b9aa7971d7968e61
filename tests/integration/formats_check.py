#!/usr/bin/env python3
"""Check Kensa's findings reports against their official definitions.

  formats_check.py sarif FILE        SARIF 2.1.0 JSON schema (tests/schemas/sarif/)
  formats_check.py cyclonedx FILE    CycloneDX 1.6 JSON schema (tests/schemas/cyclonedx/)
  formats_check.py asff FILE MODEL   every finding against Security Hub's
                                     AwsSecurityFinding shape in the service
                                     model (MODEL: securityhub-*.service-2.json.gz)
  formats_check.py csv FILE          RFC 4180 structure, the 55 columns

Prints one line per problem (path: what) and exits 1 if there is any.

The ASFF check walks the botocore model: required members, no unknown
members, JSON types, enums, the NonEmptyString pattern, list/map sizes and
the length limits the model states in member documentation ("Length
Constraints: Minimum length of 1. Maximum length of 256."). The `Other`
resource details map has its limits only in the ASFF user guide (50 pairs,
keys under 128 and values under 1,024 characters); they are the one table
written here by hand. Timestamps (members documented as such) must be RFC 3339.
"""
import csv
import gzip
import io
import json
import os
import re
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "..", "schemas")

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def load(name):
    with open(os.path.join(SCHEMAS, name), encoding="utf-8") as f:
        return json.load(f)


def format_checker():
    """Debian's jsonschema checks no date-time or URI formats: add strict ones."""
    fc = jsonschema.FormatChecker()

    @fc.checks("date-time")
    def _dt(v):
        return not isinstance(v, str) or bool(RFC3339.match(v))

    @fc.checks("uri")
    def _uri(v):
        return not isinstance(v, str) or bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$", v))

    @fc.checks("uri-reference")
    @fc.checks("iri-reference")
    def _ref(v):
        return not isinstance(v, str) or (v != "" and not re.search(r"[\s<>\"{}|\\^`]", v))

    return fc


def no_network(uri):
    raise RuntimeError("schema reference %s is not in tests/schemas/" % uri)


def schema_errors(doc, schema, cls, store):
    base = schema.get("$id") or schema.get("id") or ""
    store = dict(store)
    store[base] = schema
    resolver = jsonschema.RefResolver(base, schema, store=store,
                                      handlers={"http": no_network, "https": no_network})
    v = cls(schema, resolver=resolver, format_checker=format_checker())
    out = []
    for e in sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        out.append("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)",
                               e.message[:300]))
    return out


def check_sarif(path):
    doc = json.load(open(path, encoding="utf-8"))
    schema = load("sarif/sarif-schema-2.1.0.json")
    return schema_errors(doc, schema, jsonschema.Draft4Validator, {})


def check_cyclonedx(path):
    doc = json.load(open(path, encoding="utf-8"))
    schema = load("cyclonedx/bom-1.6.SNAPSHOT.schema.json")
    store = {}
    # CycloneDX's own copies name their $refs *.SNAPSHOT.schema.json.
    for name in ("spdx", "jsf-0.82", "bom-1.6"):
        s = load("cyclonedx/%s.SNAPSHOT.schema.json" % name)
        store[s["$id"]] = s
        store["%s.SNAPSHOT.schema.json" % name] = s
        store["http://cyclonedx.org/schema/%s.SNAPSHOT.schema.json" % name] = s
    return schema_errors(doc, schema, jsonschema.Draft7Validator, store)


# --- ASFF over the service model ---------------------------------------------

def strip_tags(s):
    return re.sub(r"<[^>]+>", "", s or "")


def member_limits(doc):
    """Limits a member's documentation states."""
    d = strip_tags(doc)
    lim = {}
    m = re.search(r"Length Constraints: Minimum(?: length)? of (\d+)(?: length)?\.\s*"
                  r"Maximum(?: length)? of (\d+)(?: length)?\.", d)
    if m:
        lim["min_len"], lim["max_len"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"Length Constraints: (\d+)\.", d)
    if m:
        lim["min_len"] = lim["max_len"] = int(m.group(1))
    m = re.search(r"Array Members: Minimum number of (\d+) items?\.", d)
    if m:
        lim["min_items"] = int(m.group(1))
    m = re.search(r"Maximum number of (\d+) items", d)
    if m:
        lim["max_items"] = int(m.group(1))
    m = re.search(r"up to (\d+) key-value pairs", d)
    if m:
        lim["max_items"] = int(m.group(1))
    m = re.search(r"the key can contain up to (\d+) characters, and the value can contain "
                  r"up to (\d+) characters", d)
    if m:
        lim["max_key"], lim["max_value"] = int(m.group(1)), int(m.group(2))
    if "see Timestamps" in d or "Timestamps" in d and "format" in d.lower():
        lim["timestamp"] = True
    return lim


# From the ASFF user guide's page on the Other object (not in the model).
OTHER_LIMITS = {"max_items": 50, "max_key": 127, "max_value": 1023}


class AsffChecker:
    def __init__(self, model):
        self.S = model["shapes"]
        self.errors = []

    def err(self, path, msg):
        self.errors.append("%s: %s" % (path, msg))

    def limits(self, path, lim, v):
        if "max_len" in lim and isinstance(v, str):
            if not lim["min_len"] <= len(v) <= lim["max_len"]:
                self.err(path, "length %d outside %d..%d" % (len(v), lim["min_len"],
                                                              lim["max_len"]))
        if isinstance(v, (list, dict)):
            if "max_items" in lim and len(v) > lim["max_items"]:
                self.err(path, "%d items, at most %d" % (len(v), lim["max_items"]))
            if "min_items" in lim and len(v) < lim["min_items"]:
                self.err(path, "%d items, at least %d" % (len(v), lim["min_items"]))
        if isinstance(v, dict):
            for k, x in v.items():
                if "max_key" in lim and len(k) > lim["max_key"]:
                    self.err(path, "key %r longer than %d" % (k[:40], lim["max_key"]))
                if "max_value" in lim and isinstance(x, str) and len(x) > lim["max_value"]:
                    self.err(path + "." + k, "value longer than %d" % lim["max_value"])
        if lim.get("timestamp") and isinstance(v, str) and not RFC3339.match(v):
            self.err(path, "not an RFC 3339 timestamp: %r" % v)

    def check(self, shape_name, v, path):
        s = self.S[shape_name]
        t = s["type"]
        if t == "structure":
            if not isinstance(v, dict):
                return self.err(path, "expected an object (%s)" % shape_name)
            for r in s.get("required", []):
                if r not in v:
                    self.err(path, "required member %s missing" % r)
            for k, x in v.items():
                mem = s["members"].get(k)
                if mem is None:
                    self.err(path, "unknown member %s in %s" % (k, shape_name))
                    continue
                lim = member_limits(mem.get("documentation"))
                if shape_name == "ResourceDetails" and k == "Other":
                    lim = OTHER_LIMITS
                self.limits(path + "." + k, lim, x)
                self.check(mem["shape"], x, path + "." + k)
        elif t == "list":
            if not isinstance(v, list):
                return self.err(path, "expected an array (%s)" % shape_name)
            if "min" in s and len(v) < s["min"]:
                self.err(path, "%d items, at least %d" % (len(v), s["min"]))
            if "max" in s and len(v) > s["max"]:
                self.err(path, "%d items, at most %d" % (len(v), s["max"]))
            for i, x in enumerate(v):
                self.check(s["member"]["shape"], x, "%s[%d]" % (path, i))
        elif t == "map":
            if not isinstance(v, dict):
                return self.err(path, "expected an object (map %s)" % shape_name)
            for k, x in v.items():
                self.check(s["key"]["shape"], k, path + "{key}")
                self.check(s["value"]["shape"], x, path + "." + k)
        elif t == "string":
            if not isinstance(v, str):
                return self.err(path, "expected a string, got %r" % (v,))
            if "enum" in s and v not in s["enum"]:
                self.err(path, "%r is not one of %s" % (v, s["enum"]))
            # '.*\S.*' over the whole value; '.' spans newlines (descriptions have them).
            if "pattern" in s and not re.fullmatch(s["pattern"], v, re.DOTALL):
                self.err(path, "%r does not match %s" % (v[:60], s["pattern"]))
            if "min" in s and len(v) < s["min"]:
                self.err(path, "shorter than %d" % s["min"])
            if "max" in s and len(v) > s["max"]:
                self.err(path, "longer than %d" % s["max"])
        elif t in ("integer", "long"):
            if not isinstance(v, int) or isinstance(v, bool):
                return self.err(path, "expected an integer, got %r" % (v,))
            if "min" in s and v < s["min"]:
                self.err(path, "below %d" % s["min"])
            if "max" in s and v > s["max"]:
                self.err(path, "above %d" % s["max"])
        elif t in ("double", "float"):
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                self.err(path, "expected a number, got %r" % (v,))
        elif t == "boolean":
            if not isinstance(v, bool):
                self.err(path, "expected a boolean, got %r" % (v,))
        elif t == "timestamp":
            if not isinstance(v, str) or not RFC3339.match(v):
                self.err(path, "expected a timestamp, got %r" % (v,))
        else:
            self.err(path, "unhandled shape type %s" % t)


def check_asff(path, model_path):
    doc = json.load(open(path, encoding="utf-8"))
    opener = gzip.open if model_path.endswith(".gz") else open
    model = json.load(opener(model_path, "rt", encoding="utf-8"))
    c = AsffChecker(model)
    if not isinstance(doc, dict) or set(doc) != {"Findings"}:
        return ["(root): expected {\"Findings\": [...]}"]
    findings = doc["Findings"]
    # BatchImportFindings takes 1..100 findings: check it as the calls it splits into.
    for start in range(0, max(len(findings), 1), 100):
        chunk = {"Findings": findings[start:start + 100]}
        if findings:
            c.check("BatchImportFindingsRequest", chunk, "Findings[%d:]" % start)
    for i, f in enumerate(findings):
        size = len(json.dumps(f, separators=(",", ":")).encode())
        if size > 240 * 1024:
            c.err("Findings[%d]" % i, "%d bytes, over the 240 KB limit" % size)
    ids = [f.get("Id") for f in findings]
    if len(set(ids)) != len(ids):
        c.err("Findings", "duplicate Id values")
    return c.errors


def check_csv(path):
    data = open(path, "rb").read()
    out = []
    if data and not data.endswith(b"\r\n"):
        out.append("(file): the last line does not end with CRLF")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    if not rows:
        return ["(file): empty"]
    if len(rows[0]) != 55:
        out.append("header: %d columns, expected 55" % len(rows[0]))
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(rows[0]):
            out.append("row %d: %d fields, header has %d" % (i, len(r), len(rows[0])))
        for j, cell in enumerate(r):
            if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                out.append("row %d col %d: starts with %r (CSV injection)" % (i, j + 1, cell[0]))
    return out


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    kind, path = argv[1], argv[2]
    if kind == "sarif":
        errs = check_sarif(path)
    elif kind == "cyclonedx":
        errs = check_cyclonedx(path)
    elif kind == "asff":
        errs = check_asff(path, argv[3])
    elif kind == "csv":
        errs = check_csv(path)
    else:
        print("unknown kind %s" % kind, file=sys.stderr)
        return 2
    for e in errs[:50]:
        print(e)
    if len(errs) > 50:
        print("... %d more" % (len(errs) - 50))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Validate an SBOM against the official JSON schema in tests/schemas/.

  validate_sbom.py cyclonedx|spdx FILE

Prints 'valid' or every error with its JSON path, and exits 1 on errors.
Cross-file $refs of the CycloneDX schema are served from tests/schemas/
(never fetched)."""
import json, os, sys
import jsonschema

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "schemas")

def load(rel):
    with open(os.path.join(HERE, rel), encoding="utf-8") as f:
        return json.load(f)

def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if kind == "cyclonedx":
        schema = load("cyclonedx/bom-1.6.SNAPSHOT.schema.json")
        store = {}
        for rel in ("cyclonedx/spdx.SNAPSHOT.schema.json", "cyclonedx/jsf-0.82.SNAPSHOT.schema.json",
                    "cyclonedx/bom-1.6.SNAPSHOT.schema.json"):
            s = load(rel)
            store[s["$id"]] = s
            store[os.path.basename(rel)] = s
            store["http://cyclonedx.org/schema/" + os.path.basename(rel)] = s
    elif kind == "spdx":
        schema = load("spdx/spdx-schema-2.3.json")
        store = {schema["$id"]: schema}
    else:
        sys.exit("kind must be cyclonedx or spdx")
    resolver = jsonschema.RefResolver.from_schema(schema, store=store)
    cls = jsonschema.validators.validator_for(schema)
    v = cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors[:50]:
        print("%s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)", e.message[:300]))
    if errors:
        print("%d error(s)" % len(errors))
        sys.exit(1)
    print("valid")

main()

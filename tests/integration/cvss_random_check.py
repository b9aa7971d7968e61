#!/usr/bin/env python3
"""
cvss_random_check.py KENSA N SEED: compare `KENSA cvss` with cvss_ref.py (an
independent calculator: exact decimals for v2/v3, a transcription of FIRST's
v4 calculator) on
  - every base vector of v2.0 (729), v3.0 and v3.1 (2,592 each), and v4.0 with
    E at each value (4 x 17,496 = 69,984 would be slow: a 1-in-8 sample),
  - N random vectors over all metrics of all versions (temporal, threat,
    environmental, supplemental), about 15% of them broken on purpose
    (a metric dropped, duplicated, moved, misspelt, a bad value, junk).
Every field must be identical; a vector must be accepted by both or rejected
by both. Prints "N passed, N failed".
"""
import itertools
import json
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cvss_ref as R  # noqa: E402


def base_vectors(rng):
    out = []
    for version, table in (("2.0", R.V2), ("3.0", R.V3), ("3.1", R.V3), ("4.0", R.V4)):
        mand = [t for t in table if t[2]]
        prefix = "" if version == "2.0" else "CVSS:%s/" % version
        for combo in itertools.product(*[t[1] for t in mand]):
            if version == "4.0" and rng.random() >= 1 / 8:
                continue
            out.append(prefix + "/".join("%s:%s" % (t[0], v) for t, v in zip(mand, combo)))
    return out


def main():
    kensa, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    vectors = base_vectors(rng)
    for _ in range(n):
        version = rng.choice(["2.0", "3.0", "3.1", "4.0"])
        vectors.append(R.random_broken(rng, version) if rng.random() < 0.15
                       else R.random_valid(rng, version))
    # One vector a line: a vector with a line break or surrounding blanks would not be one line.
    vectors = [v for v in vectors if "\n" not in v and v == v.strip()]
    proc = subprocess.run([kensa, "cvss"], input="\n".join(vectors) + "\n",
                          capture_output=True, text=True)
    rejected = set()
    for err in proc.stderr.splitlines():
        rejected.add(int(err.split("<stdin>:")[1].split(":")[0]))
    out = iter(proc.stdout.splitlines())
    passed = failed = 0
    counts = {"valid": 0, "invalid": 0}
    for i, vec in enumerate(vectors, 1):
        try:
            want = R.score(vec)
        except R.Invalid as e:
            want = None
            why = str(e)
        got = None if i in rejected else json.loads(next(out))
        ok = True
        if want is None or got is None:
            if (want is None) != (got is None):
                ok = False
                print("VALIDITY %s: reference %s, kensa %s" %
                      (vec, "rejects (%s)" % why if want is None else "accepts",
                       "rejects" if got is None else "accepts"))
            counts["invalid" if want is None else "valid"] += 1
        else:
            counts["valid"] += 1
            for k, v in want.items():
                if got.get(k) != v:
                    ok = False
                    print("DIFF %s: %s reference %r, kensa %r" % (vec, k, v, got.get(k)))
        passed += ok
        failed += not ok
    print("seed %d: %d vectors (%d valid, %d invalid)" % (seed, len(vectors), counts["valid"],
                                                          counts["invalid"]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

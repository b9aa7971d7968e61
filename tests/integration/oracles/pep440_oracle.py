#!/usr/bin/python3
# Oracle for `kensa version compare PyPI`: reads "A<TAB>B" lines and prints
# how packaging.version.Version orders them ("<", "=", ">"), or "E" when
# either is not a valid PEP 440 version. One process for all lines.
import sys
from packaging.version import InvalidVersion, Version

out = []
for line in sys.stdin.buffer.read().decode("utf-8", "surrogateescape").split("\n"):
    if line == "":
        continue
    a, _, b = line.partition("\t")
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        out.append("E")
        continue
    out.append("<" if va < vb else ">" if va > vb else "=")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))

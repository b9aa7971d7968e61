#!/usr/bin/python3
# Oracle for `kensa version compare "Red Hat"`: reads "A<TAB>B" lines of
# [epoch:]version[-release] strings and prints how rpm orders them: rpm.ver()
# is librpm's own rpmverParse()/rpmverCmp() (the comparison behind
# rpm.labelCompare() once the string is split). One process for all lines.
import sys
import rpm

out = []
for line in sys.stdin.read().split("\n"):
    if line == "":
        continue
    a, _, b = line.partition("\t")
    va, vb = rpm.ver(a), rpm.ver(b)
    out.append("<" if va < vb else ">" if va > vb else "=")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))

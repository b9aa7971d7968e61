#!/usr/bin/env python3
"""
cvss_ref.py: an independent CVSS v2 / v3.0 / v3.1 / v4.0 calculator used only
by the tests, to check Kensa's C implementation (src/cvss/) on random vectors.

It is deliberately built differently from the C code:
  - v2 and v3.x use exact decimal arithmetic (Python's decimal module) and
    apply the specifications' rounding definitions to the exact values
    (v2 round_to_1_decimal = round half up; v3.x Roundup = smallest one-decimal
    number >= the input), where the C code uses doubles and float-safe rounding;
  - v4.0 is a line-by-line transcription of FIRST's reference calculator
    (cvss40.js / cvss_score.js of the FIRST CVSS v4.0 calculator, with its
    EPSILON rounding), keyed by strings as the JavaScript is.
Sources: FIRST "A Complete Guide to the CVSS Version 2.0" (2007) section 3.2,
CVSS v3.0 / v3.1 specification documents section 7 (8 for v3.0) and Appendix A,
CVSS v4.0 specification section 8 and FIRST's calculator (cvss_lookup.js,
max_composed.js, max_severity.js).

Usage as a program:
  cvss_ref.py score   < vectors     one JSON object per line (like kensa cvss)
  cvss_ref.py random N SEED         N random valid and invalid vectors, one a line
"""
import json
import math
import random
import sys
from decimal import Decimal as D, ROUND_HALF_UP, ROUND_CEILING, getcontext

getcontext().prec = 60


class Invalid(Exception):
    pass


# ----------------------------------------------------------------------------
# Metric tables: (name, [values], mandatory). Order is the specification's.

V2 = [
    ("AV", ["L", "A", "N"], True), ("AC", ["H", "M", "L"], True), ("Au", ["M", "S", "N"], True),
    ("C", ["N", "P", "C"], True), ("I", ["N", "P", "C"], True), ("A", ["N", "P", "C"], True),
    ("E", ["U", "POC", "F", "H", "ND"], False), ("RL", ["OF", "TF", "W", "U", "ND"], False),
    ("RC", ["UC", "UR", "C", "ND"], False),
    ("CDP", ["N", "L", "LM", "MH", "H", "ND"], False), ("TD", ["N", "L", "M", "H", "ND"], False),
    ("CR", ["L", "M", "H", "ND"], False), ("IR", ["L", "M", "H", "ND"], False),
    ("AR", ["L", "M", "H", "ND"], False),
]
V3 = [
    ("AV", ["N", "A", "L", "P"], True), ("AC", ["L", "H"], True), ("PR", ["N", "L", "H"], True),
    ("UI", ["N", "R"], True), ("S", ["U", "C"], True), ("C", ["H", "L", "N"], True),
    ("I", ["H", "L", "N"], True), ("A", ["H", "L", "N"], True),
    ("E", ["X", "H", "F", "P", "U"], False), ("RL", ["X", "U", "W", "T", "O"], False),
    ("RC", ["X", "C", "R", "U"], False),
    ("CR", ["X", "H", "M", "L"], False), ("IR", ["X", "H", "M", "L"], False),
    ("AR", ["X", "H", "M", "L"], False),
    ("MAV", ["X", "N", "A", "L", "P"], False), ("MAC", ["X", "L", "H"], False),
    ("MPR", ["X", "N", "L", "H"], False), ("MUI", ["X", "N", "R"], False),
    ("MS", ["X", "U", "C"], False), ("MC", ["X", "H", "L", "N"], False),
    ("MI", ["X", "H", "L", "N"], False), ("MA", ["X", "H", "L", "N"], False),
]
V4 = [
    ("AV", ["N", "A", "L", "P"], True), ("AC", ["L", "H"], True), ("AT", ["N", "P"], True),
    ("PR", ["N", "L", "H"], True), ("UI", ["N", "P", "A"], True),
    ("VC", ["H", "L", "N"], True), ("VI", ["H", "L", "N"], True), ("VA", ["H", "L", "N"], True),
    ("SC", ["H", "L", "N"], True), ("SI", ["H", "L", "N"], True), ("SA", ["H", "L", "N"], True),
    ("E", ["X", "A", "P", "U"], False),
    ("CR", ["X", "H", "M", "L"], False), ("IR", ["X", "H", "M", "L"], False),
    ("AR", ["X", "H", "M", "L"], False),
    ("MAV", ["X", "N", "A", "L", "P"], False), ("MAC", ["X", "L", "H"], False),
    ("MAT", ["X", "N", "P"], False), ("MPR", ["X", "N", "L", "H"], False),
    ("MUI", ["X", "N", "P", "A"], False),
    ("MVC", ["X", "H", "L", "N"], False), ("MVI", ["X", "H", "L", "N"], False),
    ("MVA", ["X", "H", "L", "N"], False), ("MSC", ["X", "H", "L", "N"], False),
    ("MSI", ["X", "S", "H", "L", "N"], False), ("MSA", ["X", "S", "H", "L", "N"], False),
    ("S", ["X", "N", "P"], False), ("AU", ["X", "N", "Y"], False),
    ("R", ["X", "A", "U", "I"], False), ("V", ["X", "D", "C"], False),
    ("RE", ["X", "L", "M", "H"], False), ("U", ["X", "Clear", "Green", "Amber", "Red"], False),
]
TABLES = {"2.0": V2, "3.0": V3, "3.1": V3, "4.0": V4}


def parse(vector):
    """Returns (version, {metric: value}) or raises Invalid."""
    if vector.startswith("CVSS:3.0/"):
        version, body = "3.0", vector[9:]
    elif vector.startswith("CVSS:3.1/"):
        version, body = "3.1", vector[9:]
    elif vector.startswith("CVSS:4.0/"):
        version, body = "4.0", vector[9:]
    elif vector.startswith("CVSS:"):
        raise Invalid("unknown prefix")
    else:
        version, body = "2.0", vector
    table = TABLES[version]
    names = [t[0] for t in table]
    ordered = version in ("2.0", "4.0")   # v2 guide 2.4 and v4.0 section 7: fixed order
    got = {}
    last = -1
    for part in body.split("/"):
        if ":" not in part:
            raise Invalid("no colon in %r" % part)
        name, value = part.split(":", 1)
        if name not in names:
            raise Invalid("unknown metric %r" % name)
        idx = names.index(name)
        if value not in table[idx][1]:
            raise Invalid("unknown value %r for %s" % (value, name))
        if name in got:
            raise Invalid("duplicate %s" % name)
        if ordered and idx < last:
            raise Invalid("out of order %s" % name)
        last = idx
        got[name] = value
    for name, _, mandatory in table:
        if mandatory and name not in got:
            raise Invalid("missing %s" % name)
    return version, got


# ----------------------------------------------------------------------------
# v2: exact decimals, round half up (the guide's round_to_1_decimal).

def r1(x):
    return x.quantize(D("0.1"), rounding=ROUND_HALF_UP)


def score_v2(m):
    g = lambda k, default="ND": m.get(k, default)
    AV = {"L": D("0.395"), "A": D("0.646"), "N": D("1.0")}[g("AV")]
    AC = {"H": D("0.35"), "M": D("0.61"), "L": D("0.71")}[g("AC")]
    AU = {"M": D("0.45"), "S": D("0.56"), "N": D("0.704")}[g("Au")]
    cia = {"N": D(0), "P": D("0.275"), "C": D("0.660")}
    C, I, A = cia[g("C")], cia[g("I")], cia[g("A")]
    E = {"U": D("0.85"), "POC": D("0.9"), "F": D("0.95"), "H": D(1), "ND": D(1)}[g("E")]
    RL = {"OF": D("0.87"), "TF": D("0.90"), "W": D("0.95"), "U": D(1), "ND": D(1)}[g("RL")]
    RC = {"UC": D("0.90"), "UR": D("0.95"), "C": D(1), "ND": D(1)}[g("RC")]
    CDP = {"N": D(0), "L": D("0.1"), "LM": D("0.3"), "MH": D("0.4"), "H": D("0.5"), "ND": D(0)}[g("CDP")]
    TD = {"N": D(0), "L": D("0.25"), "M": D("0.75"), "H": D(1), "ND": D(1)}[g("TD")]
    req = {"L": D("0.5"), "M": D(1), "H": D("1.51"), "ND": D(1)}
    CR, IR, AR = req[g("CR")], req[g("IR")], req[g("AR")]

    def base_of(impact):
        expl = 20 * AV * AC * AU
        f = D(0) if impact == 0 else D("1.176")
        return r1(((D("0.6") * impact) + (D("0.4") * expl) - D("1.5")) * f)

    impact = D("10.41") * (1 - (1 - C) * (1 - I) * (1 - A))
    base = base_of(impact)
    temporal = r1(base * E * RL * RC)
    adj_impact = min(D(10), D("10.41") * (1 - (1 - C * CR) * (1 - I * IR) * (1 - A * AR)))
    adj_temporal = r1(base_of(adj_impact) * E * RL * RC)
    env = r1((adj_temporal + (10 - adj_temporal) * CDP) * TD)
    return {"baseScore": base, "temporalScore": temporal, "environmentalScore": env,
            "exploitabilityScore": r1(20 * AV * AC * AU), "impactScore": r1(impact)}


# ----------------------------------------------------------------------------
# v3.0 / v3.1: exact decimals; Roundup is the mathematical ceiling to one
# decimal, which is what v3.1's float-safe Roundup (Appendix A) is designed to
# reproduce in floating point, and what v3.0 defines in words.

def roundup(x):
    return x.quantize(D("0.1"), rounding=ROUND_CEILING)


def score_v3(version, m):
    def eff(k):   # modified metric if defined, else the base metric
        v = m.get("M" + k, "X")
        return v if v != "X" else m[k]
    AVw = {"N": D("0.85"), "A": D("0.62"), "L": D("0.55"), "P": D("0.2")}
    ACw = {"L": D("0.77"), "H": D("0.44")}
    UIw = {"N": D("0.85"), "R": D("0.62")}
    CIAw = {"H": D("0.56"), "L": D("0.22"), "N": D(0)}

    def PRw(pr, scope):
        return {"N": D("0.85"), "L": D("0.68") if scope == "C" else D("0.62"),
                "H": D("0.5") if scope == "C" else D("0.27")}[pr]
    E = {"X": D(1), "H": D(1), "F": D("0.97"), "P": D("0.94"), "U": D("0.91")}[m.get("E", "X")]
    RL = {"X": D(1), "U": D(1), "W": D("0.97"), "T": D("0.96"), "O": D("0.95")}[m.get("RL", "X")]
    RC = {"X": D(1), "C": D(1), "R": D("0.96"), "U": D("0.92")}[m.get("RC", "X")]
    req = {"X": D(1), "H": D("1.5"), "M": D(1), "L": D("0.5")}

    S = m["S"]
    iss = 1 - (1 - CIAw[m["C"]]) * (1 - CIAw[m["I"]]) * (1 - CIAw[m["A"]])
    if S == "U":
        impact = D("6.42") * iss
    else:
        impact = D("7.52") * (iss - D("0.029")) - D("3.25") * (iss - D("0.02")) ** 15
    expl = D("8.22") * AVw[m["AV"]] * ACw[m["AC"]] * PRw(m["PR"], S) * UIw[m["UI"]]
    if impact <= 0:
        base = D(0)
    elif S == "U":
        base = roundup(min(impact + expl, D(10)))
    else:
        base = roundup(min(D("1.08") * (impact + expl), D(10)))
    temporal = roundup(base * E * RL * RC)

    MS = eff("S")
    miss = min(1 - (1 - req[m.get("CR", "X")] * CIAw[eff("C")])
                 * (1 - req[m.get("IR", "X")] * CIAw[eff("I")])
                 * (1 - req[m.get("AR", "X")] * CIAw[eff("A")]), D("0.915"))
    if MS == "U":
        mimpact = D("6.42") * miss
    elif version == "3.0":
        mimpact = D("7.52") * (miss - D("0.029")) - D("3.25") * (miss - D("0.02")) ** 15
    else:
        mimpact = D("7.52") * (miss - D("0.029")) - D("3.25") * (miss * D("0.9731") - D("0.02")) ** 13
    mexpl = D("8.22") * AVw[eff("AV")] * ACw[eff("AC")] * PRw(eff("PR"), MS) * UIw[eff("UI")]
    if mimpact <= 0:
        env = D(0)
    elif MS == "U":
        env = roundup(roundup(min(mimpact + mexpl, D(10))) * E * RL * RC)
    else:
        env = roundup(roundup(min(D("1.08") * (mimpact + mexpl), D(10))) * E * RL * RC)
    # A changed scope with no impact has a negative Impact; NVD's impactScore shows 0.0.
    return {"baseScore": base, "temporalScore": temporal, "environmentalScore": env,
            "exploitabilityScore": r1(expl), "impactScore": max(D(0), r1(impact))}


# ----------------------------------------------------------------------------
# v4.0: transcription of FIRST's calculator (floating point, as JavaScript).

LOOKUP = {
    "000000": 10, "000001": 9.9, "000010": 9.8, "000011": 9.5, "000020": 9.5, "000021": 9.2,
    "000100": 10, "000101": 9.6, "000110": 9.3, "000111": 8.7, "000120": 9.1, "000121": 8.1,
    "000200": 9.3, "000201": 9, "000210": 8.9, "000211": 8, "000220": 8.1, "000221": 6.8,
    "001000": 9.8, "001001": 9.5, "001010": 9.5, "001011": 9.2, "001020": 9, "001021": 8.4,
    "001100": 9.3, "001101": 9.2, "001110": 8.9, "001111": 8.1, "001120": 8.1, "001121": 6.5,
    "001200": 8.8, "001201": 8, "001210": 7.8, "001211": 7, "001220": 6.9, "001221": 4.8,
    "002001": 9.2, "002011": 8.2, "002021": 7.2, "002101": 7.9, "002111": 6.9, "002121": 5,
    "002201": 6.9, "002211": 5.5, "002221": 2.7,
    "010000": 9.9, "010001": 9.7, "010010": 9.5, "010011": 9.2, "010020": 9.2, "010021": 8.5,
    "010100": 9.5, "010101": 9.1, "010110": 9, "010111": 8.3, "010120": 8.4, "010121": 7.1,
    "010200": 9.2, "010201": 8.1, "010210": 8.2, "010211": 7.1, "010220": 7.2, "010221": 5.3,
    "011000": 9.5, "011001": 9.3, "011010": 9.2, "011011": 8.5, "011020": 8.5, "011021": 7.3,
    "011100": 9.2, "011101": 8.2, "011110": 8, "011111": 7.2, "011120": 7, "011121": 5.9,
    "011200": 8.4, "011201": 7, "011210": 7.1, "011211": 5.2, "011220": 5, "011221": 3,
    "012001": 8.6, "012011": 7.5, "012021": 5.2, "012101": 7.1, "012111": 5.2, "012121": 2.9,
    "012201": 6.3, "012211": 2.9, "012221": 1.7,
    "100000": 9.8, "100001": 9.5, "100010": 9.4, "100011": 8.7, "100020": 9.1, "100021": 8.1,
    "100100": 9.4, "100101": 8.9, "100110": 8.6, "100111": 7.4, "100120": 7.7, "100121": 6.4,
    "100200": 8.7, "100201": 7.5, "100210": 7.4, "100211": 6.3, "100220": 6.3, "100221": 4.9,
    "101000": 9.4, "101001": 8.9, "101010": 8.8, "101011": 7.7, "101020": 7.6, "101021": 6.7,
    "101100": 8.6, "101101": 7.6, "101110": 7.4, "101111": 5.8, "101120": 5.9, "101121": 5,
    "101200": 7.2, "101201": 5.7, "101210": 5.7, "101211": 5.2, "101220": 5.2, "101221": 2.5,
    "102001": 8.3, "102011": 7, "102021": 5.4, "102101": 6.5, "102111": 5.8, "102121": 2.6,
    "102201": 5.3, "102211": 2.1, "102221": 1.3,
    "110000": 9.5, "110001": 9, "110010": 8.8, "110011": 7.6, "110020": 7.6, "110021": 7,
    "110100": 9, "110101": 7.7, "110110": 7.5, "110111": 6.2, "110120": 6.1, "110121": 5.3,
    "110200": 7.7, "110201": 6.6, "110210": 6.8, "110211": 5.9, "110220": 5.2, "110221": 3,
    "111000": 8.9, "111001": 7.8, "111010": 7.6, "111011": 6.7, "111020": 6.2, "111021": 5.8,
    "111100": 7.4, "111101": 5.9, "111110": 5.7, "111111": 5.7, "111120": 4.7, "111121": 2.3,
    "111200": 6.1, "111201": 5.2, "111210": 5.7, "111211": 2.9, "111220": 2.4, "111221": 1.6,
    "112001": 7.1, "112011": 5.9, "112021": 3, "112101": 5.8, "112111": 2.6, "112121": 1.5,
    "112201": 2.3, "112211": 1.3, "112221": 0.6,
    "200000": 9.3, "200001": 8.7, "200010": 8.6, "200011": 7.2, "200020": 7.5, "200021": 5.8,
    "200100": 8.6, "200101": 7.4, "200110": 7.4, "200111": 6.1, "200120": 5.6, "200121": 3.4,
    "200200": 7, "200201": 5.4, "200210": 5.2, "200211": 4, "200220": 4, "200221": 2.2,
    "201000": 8.5, "201001": 7.5, "201010": 7.4, "201011": 5.5, "201020": 6.2, "201021": 5.1,
    "201100": 7.2, "201101": 5.7, "201110": 5.5, "201111": 4.1, "201120": 4.6, "201121": 1.9,
    "201200": 5.3, "201201": 3.6, "201210": 3.4, "201211": 1.9, "201220": 1.9, "201221": 0.8,
    "202001": 6.4, "202011": 5.1, "202021": 2, "202101": 4.7, "202111": 2.1, "202121": 1.1,
    "202201": 2.4, "202211": 0.9, "202221": 0.4,
    "210000": 8.8, "210001": 7.5, "210010": 7.3, "210011": 5.3, "210020": 6, "210021": 5,
    "210100": 7.3, "210101": 5.5, "210110": 5.9, "210111": 4, "210120": 4.1, "210121": 2,
    "210200": 5.4, "210201": 4.3, "210210": 4.5, "210211": 2.2, "210220": 2, "210221": 1.1,
    "211000": 7.5, "211001": 5.5, "211010": 5.8, "211011": 4.5, "211020": 4, "211021": 2.1,
    "211100": 6.1, "211101": 5.1, "211110": 4.8, "211111": 1.8, "211120": 2, "211121": 0.9,
    "211200": 4.6, "211201": 1.8, "211210": 1.7, "211211": 0.7, "211220": 0.8, "211221": 0.2,
    "212001": 5.3, "212011": 2.4, "212021": 1.4, "212101": 2.4, "212111": 1.2, "212121": 0.5,
    "212201": 1, "212211": 0.3, "212221": 0.1,
}
LEVELS = {
    "AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3}, "PR": {"N": 0.0, "L": 0.1, "H": 0.2},
    "UI": {"N": 0.0, "P": 0.1, "A": 0.2}, "AC": {"L": 0.0, "H": 0.1}, "AT": {"N": 0.0, "P": 0.1},
    "VC": {"H": 0.0, "L": 0.1, "N": 0.2}, "VI": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VA": {"H": 0.0, "L": 0.1, "N": 0.2}, "SC": {"H": 0.1, "L": 0.2, "N": 0.3},
    "SI": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3}, "SA": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "CR": {"H": 0.0, "M": 0.1, "L": 0.2}, "IR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "AR": {"H": 0.0, "M": 0.1, "L": 0.2}, "E": {"U": 0.2, "P": 0.1, "A": 0},
}
MAX_COMPOSED = {
    "eq1": {0: ["AV:N/PR:N/UI:N/"], 1: ["AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/"],
            2: ["AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/"]},
    "eq2": {0: ["AC:L/AT:N/"], 1: ["AC:H/AT:N/", "AC:L/AT:P/"]},
    "eq3": {0: {"0": ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/"],
                "1": ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/"]},
            1: {"0": ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/"],
                "1": ["VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/",
                      "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/",
                      "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/"]},
            2: {"1": ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/"]}},
    "eq4": {0: ["SC:H/SI:S/SA:S/"], 1: ["SC:H/SI:H/SA:H/"], 2: ["SC:L/SI:L/SA:L/"]},
    "eq5": {0: ["E:A/"], 1: ["E:P/"], 2: ["E:U/"]},
}
MAX_SEVERITY = {"eq1": {0: 1, 1: 4, 2: 5}, "eq2": {0: 1, 1: 2},
                "eq3eq6": {0: {0: 7, 1: 6}, 1: {0: 8, 1: 8}, 2: {1: 10}},
                "eq4": {0: 6, 1: 5, 2: 4}, "eq5": {0: 1, 1: 1, 2: 1}}


def js_round(x):
    """JavaScript Math.round: nearest integer, ties towards +infinity."""
    f = math.floor(x)
    return f + 1 if x - f >= 0.5 else f


def score_v4(sel):
    def m(metric):
        s = sel.get(metric, "X")
        if metric == "E" and s == "X":
            return "A"
        if metric in ("CR", "IR", "AR") and s == "X":
            return "H"
        mod = sel.get("M" + metric, "X")
        if mod != "X":
            return mod
        return s

    if all(m(k) == "N" for k in ("VC", "VI", "VA", "SC", "SI", "SA")):
        return 0.0, None
    AV, PR, UI = m("AV"), m("PR"), m("UI")
    if AV == "N" and PR == "N" and UI == "N":
        eq1 = 0
    elif (AV == "N" or PR == "N" or UI == "N") and AV != "P":
        eq1 = 1
    else:
        eq1 = 2
    eq2 = 0 if (m("AC") == "L" and m("AT") == "N") else 1
    VC, VI, VA = m("VC"), m("VI"), m("VA")
    if VC == "H" and VI == "H":
        eq3 = 0
    elif VC == "H" or VI == "H" or VA == "H":
        eq3 = 1
    else:
        eq3 = 2
    if m("MSI") == "S" or m("MSA") == "S":
        eq4 = 0
    elif m("SC") == "H" or m("SI") == "H" or m("SA") == "H":
        eq4 = 1
    else:
        eq4 = 2
    eq5 = {"A": 0, "P": 1, "U": 2}[m("E")]
    if (m("CR") == "H" and VC == "H") or (m("IR") == "H" and VI == "H") or (m("AR") == "H" and VA == "H"):
        eq6 = 0
    else:
        eq6 = 1
    macro = "%d%d%d%d%d%d" % (eq1, eq2, eq3, eq4, eq5, eq6)
    value = LOOKUP[macro]
    nan = float("nan")
    look = lambda a, b, c, d, e, f: LOOKUP.get("%d%d%d%d%d%d" % (a, b, c, d, e, f), nan)
    s1 = look(eq1 + 1, eq2, eq3, eq4, eq5, eq6)
    s2 = look(eq1, eq2 + 1, eq3, eq4, eq5, eq6)
    if eq3 == 1 and eq6 == 1:
        s36 = look(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
    elif eq3 == 0 and eq6 == 1:
        s36 = look(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
    elif eq3 == 1 and eq6 == 0:
        s36 = look(eq1, eq2, eq3, eq4, eq5, eq6 + 1)
    elif eq3 == 0 and eq6 == 0:
        left = look(eq1, eq2, eq3, eq4, eq5, eq6 + 1)
        right = look(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
        s36 = nan if (math.isnan(left) or math.isnan(right)) else max(left, right)
    else:
        s36 = look(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1)
    s4 = look(eq1, eq2, eq3, eq4 + 1, eq5, eq6)
    s5 = look(eq1, eq2, eq3, eq4, eq5 + 1, eq6)

    maxes = []
    for a in MAX_COMPOSED["eq1"][eq1]:
        for b in MAX_COMPOSED["eq2"][eq2]:
            for c in MAX_COMPOSED["eq3"][eq3][str(eq6)]:
                for d in MAX_COMPOSED["eq4"][eq4]:
                    for e in MAX_COMPOSED["eq5"][eq5]:
                        maxes.append(a + b + c + d + e)

    def extract(metric, s):
        i = s.index(metric) + len(metric) + 1
        rest = s[i:]
        return rest[:rest.index("/")] if rest.find("/") > 0 else rest

    dist = None
    for mv in maxes:
        dist = {k: LEVELS[k][m(k)] - LEVELS[k][extract(k, mv)] for k in LEVELS}
        if all(v >= 0 for v in dist.values()):
            break
    d1 = dist["AV"] + dist["PR"] + dist["UI"]
    d2 = dist["AC"] + dist["AT"]
    d36 = dist["VC"] + dist["VI"] + dist["VA"] + dist["CR"] + dist["IR"] + dist["AR"]
    d4 = dist["SC"] + dist["SI"] + dist["SA"]
    step = 0.1
    n = 0
    n1 = n2 = n36 = n4 = n5 = 0
    ms1 = MAX_SEVERITY["eq1"][eq1] * step
    ms2 = MAX_SEVERITY["eq2"][eq2] * step
    ms36 = MAX_SEVERITY["eq3eq6"][eq3][eq6] * step
    ms4 = MAX_SEVERITY["eq4"][eq4] * step
    if not math.isnan(value - s1):
        n += 1
        n1 = (value - s1) * (d1 / ms1)
    if not math.isnan(value - s2):
        n += 1
        n2 = (value - s2) * (d2 / ms2)
    if not math.isnan(value - s36):
        n += 1
        n36 = (value - s36) * (d36 / ms36)
    if not math.isnan(value - s4):
        n += 1
        n4 = (value - s4) * (d4 / ms4)
    if not math.isnan(value - s5):
        n += 1
        n5 = (value - s5) * 0
    mean = 0 if n == 0 else (n1 + n2 + n36 + n4 + n5) / n
    v = max(0, min(10, value - mean))
    eps = math.pow(10, -6)
    return js_round((v + eps) * 10) / 10, macro


def v4_nomenclature(sel):
    t = sel.get("E", "X") != "X"
    e = any(sel.get(k, "X") != "X" for k, _, _ in V4[12:26])
    return "CVSS-B" + ("T" if t else "") + ("E" if e else "")


def severity(score):
    s = float(score)
    if s == 0:
        return "NONE"
    if s < 4.0:
        return "LOW"
    if s < 7.0:
        return "MEDIUM"
    if s < 9.0:
        return "HIGH"
    return "CRITICAL"


def severity_v2(score):   # NVD's CVSS v2 ranges: Low 0-3.9, Medium 4-6.9, High 7-10
    s = float(score)
    return "LOW" if s < 4.0 else "MEDIUM" if s < 7.0 else "HIGH"


def score(vector):
    """All of Kensa's JSON fields for one vector (numbers as floats)."""
    version, m = parse(vector)
    if version == "2.0":
        r = {k: float(v) for k, v in score_v2(m).items()}
        r["baseSeverity"] = severity_v2(r["baseScore"])
    elif version in ("3.0", "3.1"):
        r = {k: float(v) for k, v in score_v3(version, m).items()}
        r["baseSeverity"] = severity(r["baseScore"])
        r["temporalSeverity"] = severity(r["temporalScore"])
        r["environmentalSeverity"] = severity(r["environmentalScore"])
    else:
        s, _ = score_v4(m)
        base_only = {k: v for k, v in m.items() if k in [t[0] for t in V4[:11]]}
        b, _ = score_v4(base_only)
        r = {"baseScore": b, "baseSeverity": severity(b), "score": s, "severity": severity(s),
             "nomenclature": v4_nomenclature(m)}
    r["version"] = version
    return r


# ----------------------------------------------------------------------------
# Random vectors: valid ones over every metric of every version, and broken
# ones (a metric dropped, duplicated, moved, misspelt; a bad value; junk).

def random_valid(rng, version):
    table = TABLES[version]
    parts = []
    p_opt = rng.choice([0.0, 0.3, 0.7, 1.0])
    for name, values, mandatory in table:
        if mandatory:
            parts.append("%s:%s" % (name, rng.choice(values)))
        elif rng.random() < p_opt:
            parts.append("%s:%s" % (name, rng.choice(values)))
    if version in ("3.0", "3.1") and rng.random() < 0.2:
        rng.shuffle(parts)   # v3.x allows any order
    prefix = "" if version == "2.0" else "CVSS:%s/" % version
    return prefix + "/".join(parts)


def random_broken(rng, version):
    v = random_valid(rng, version)
    prefix, body = ("", v) if version == "2.0" else (v[:9], v[9:])
    parts = body.split("/")
    kind = rng.randrange(9)
    if kind == 0 and len(parts) > 1:
        del parts[rng.randrange(len(parts))]
    elif kind == 1:
        parts.insert(rng.randrange(len(parts) + 1), rng.choice(parts))
    elif kind == 2 and len(parts) > 1:
        i, j = rng.randrange(len(parts)), rng.randrange(len(parts))
        parts[i], parts[j] = parts[j], parts[i]
    elif kind == 3:
        i = rng.randrange(len(parts))
        parts[i] = parts[i].split(":")[0] + ":" + rng.choice(["Z", "", "x", "NN", "ND", "X", "S"])
    elif kind == 4:
        i = rng.randrange(len(parts))
        parts[i] = parts[i].lower()
    elif kind == 5:
        parts.append(rng.choice(["", "XX:Y", "E", "AV:N", ":", "MSI:S"]))
    elif kind == 6:
        prefix = rng.choice(["", "CVSS:3.1/", "CVSS:4.0/", "CVSS:2.0/", "CVSS:3.0/", "cvss:3.1/"])
    elif kind == 7:
        i = rng.randrange(len(parts))
        parts[i] = parts[i].replace(":", rng.choice(["", "::", "="]), 1)
    else:
        return prefix + "/".join(parts) + rng.choice([" ", "/", "\t", "x"])
    return prefix + "/".join(parts)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "score":
        for line in sys.stdin:
            vec = line.rstrip("\n")
            try:
                print(json.dumps(score(vec), sort_keys=True))
            except Invalid as e:
                print(json.dumps({"invalid": str(e)}))
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "random":
        n, rng = int(sys.argv[2]), random.Random(int(sys.argv[3]))
        for _ in range(n):
            version = rng.choice(["2.0", "3.0", "3.1", "4.0"])
            print(random_broken(rng, version) if rng.random() < 0.15 else random_valid(rng, version))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

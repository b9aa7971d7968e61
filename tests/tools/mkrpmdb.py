#!/usr/bin/python3
"""Build rpm databases in every format from the header blobs of an SQLite
rpmdb (test fixtures; Debian has no tool that writes NDB, and db5.3_load
needs a dump to make a Berkeley DB).

  mkrpmdb.py blobs  SQLITE DIR        write each header blob to DIR/<hnum>.hdr
  mkrpmdb.py ndb    SQLITE OUT [N]    an NDB Packages.db (rpm's rpmpkg.c layout)
  mkrpmdb.py bdbdump SQLITE OUT [N]   a db5.3_load -T -t hash dump (then db5.3_load -f)

N limits the number of packages (first N by hnum)."""
import sqlite3, struct, sys, zlib

def blobs(path, limit=None):
    con = sqlite3.connect("file:%s?immutable=1" % path, uri=True)
    rows = con.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
    con.close()
    return rows[:limit] if limit else rows

def ndb(rows):
    # header: magic, version 0, generation, slot pages; slots of 16 bytes; blobs in 16-byte blocks
    npages = 1
    while npages * 256 - 2 < len(rows):
        npages += 1
    out = bytearray(npages * 4096)
    struct.pack_into("<IIII", out, 0, 0x506d7052, 0, 1, npages)
    blk = len(out) // 16
    body = bytearray()
    for i, (hnum, blob) in enumerate(rows):
        blob = bytes(blob)
        total = 16 + len(blob) + 12  # blob header, blob, tail
        nblk = (total + 15) // 16
        struct.pack_into("<IIII", out, 32 + 16 * i, 0x746f6c53, i + 1, blk, nblk)
        rec = bytearray(nblk * 16)
        struct.pack_into("<IIII", rec, 0, 0x53626c42, i + 1, zlib.adler32(blob), len(blob))
        rec[16:16 + len(blob)] = blob
        struct.pack_into("<III", rec, 16 + len(blob), 0, 0, 0)
        body += rec
        blk += nblk
    for i in range(len(rows), npages * 256 - 2):
        struct.pack_into("<IIII", out, 32 + 16 * i, 0x746f6c53, 0, 0, 0)
    return bytes(out + body)

def bdbdump(rows):
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", "HEADER=END"]
    maxn = 0
    for hnum, blob in rows:
        lines.append(" " + struct.pack("<I", hnum).hex())
        lines.append(" " + bytes(blob).hex())
        maxn = max(maxn, hnum)
    lines.append(" " + struct.pack("<I", 0).hex())
    lines.append(" " + struct.pack("<I", maxn + 1).hex())
    lines.append("DATA=END")
    return "\n".join(lines) + "\n"

def main():
    cmd, src, dst = sys.argv[1:4]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    rows = blobs(src, limit)
    if cmd == "blobs":
        for hnum, blob in rows:
            open("%s/%d.hdr" % (dst, hnum), "wb").write(bytes(blob))
    elif cmd == "ndb":
        open(dst, "wb").write(ndb(rows))
    elif cmd == "bdbdump":
        open(dst, "w").write(bdbdump(rows))
    else:
        sys.exit("unknown command " + cmd)

main()

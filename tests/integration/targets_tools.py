#!/usr/bin/env python3
"""Helpers for the targets_*.sh integration tests (issue 7).

  status OUT PKG[=VERSION]...   a dpkg status file made of this machine's own
                                stanzas (/var/lib/dpkg/status) for PKG, with
                                Version replaced when =VERSION is given
  layer OUT.tar SPEC...         a layer tar: f:PATH:TEXT, d:PATH, l:PATH:TARGET,
                                h:PATH:TARGET, c:PATH (char device), z:PATH:MIB
                                (a file of zeros); PATH is written verbatim, so
                                '../x', '/abs' and whiteouts can be made
  tarbomb MIB                   a tar holding one file of MIB MiB of zeros (stdout)
  index LAYOUT NAME REF=OS/ARCH[/VARIANT]...
                                add an OCI image index named NAME to a layout,
                                listing the manifests of the refs with platforms
  proxy PORT BACKEND_PORT MODE  an HTTP front for a registry on 127.0.0.1: MODE
                                'token' challenges with Bearer and serves
                                /token (needs basic user:pass 'kensa:s3cret');
                                'tamper' flips a byte of every blob it serves
  json FILE EXPR                print eval(EXPR) over the JSON document d
  lcache FILE ACTION [ARG]      damage a per-layer cache entry (layercache_int.h):
                                meta (flip an index byte), data (flip the last
                                content byte), truncate (keep half), garbage
                                (random bytes), inject PATH (append an index
                                entry for PATH and re-checksum: well-formed),
                                info (print entries, records, data bytes)
"""
import base64
import gzip
import hashlib
import http.client
import http.server
import io
import json
import os
import re
import secrets
import sys
import tarfile


def cmd_status(out, specs):
    stanzas = open('/var/lib/dpkg/status').read().split('\n\n')
    by_name = {}
    for s in stanzas:
        m = re.search(r'^Package: (\S+)$', s, re.M)
        if m and re.search(r'^Status: install ok installed$', s, re.M):
            by_name.setdefault(m.group(1), s)
    res = []
    for spec in specs:
        name, _, ver = spec.partition('=')
        s = by_name[name]
        if ver:
            s = re.sub(r'^Version: .*$', 'Version: ' + ver, s, flags=re.M)
        res.append(s.strip('\n'))
    with open(out, 'w') as f:
        f.write('\n\n'.join(res) + '\n')


def add(tf, info, data=None):
    info.mtime = 1700000000
    info.uid = info.gid = 0
    tf.addfile(info, io.BytesIO(data) if data is not None else None)


def cmd_layer(out, specs):
    with tarfile.open(out, 'w', format=tarfile.PAX_FORMAT) as tf:
        for spec in specs:
            kind, path, *rest = spec.split(':', 2)
            arg = rest[0] if rest else ''
            ti = tarfile.TarInfo(path)
            if kind == 'f':
                data = arg.replace('\\n', '\n').encode()
                ti.size = len(data)
                ti.mode = 0o644
                add(tf, ti, data)
            elif kind == 'z':
                ti.size = int(arg) << 20
                add(tf, ti, b'\0' * ti.size)
            elif kind == 'd':
                ti.type = tarfile.DIRTYPE
                ti.mode = 0o755
                add(tf, ti)
            elif kind == 'l':
                ti.type = tarfile.SYMTYPE
                ti.linkname = arg
                add(tf, ti)
            elif kind == 'h':
                ti.type = tarfile.LNKTYPE
                ti.linkname = arg
                add(tf, ti)
            elif kind == 'c':
                ti.type = tarfile.CHRTYPE
                ti.devmajor, ti.devminor = 1, 3
                add(tf, ti)
            else:
                sys.exit('layer: unknown kind ' + kind)


def cmd_tarbomb(mib):
    """A tar of one file of MIB MiB of zeros, on stdout (compress it with zstd)."""
    ti = tarfile.TarInfo('zeros')
    ti.size = int(mib) << 20
    ti.mtime = 1700000000
    out = sys.stdout.buffer
    out.write(ti.tobuf(tarfile.PAX_FORMAT))
    zeros = bytes(1 << 20)
    for _ in range(int(mib)):
        out.write(zeros)
    out.write(bytes(1024))  # size is a multiple of 512: no padding, then the end blocks


def blob(layout, data):
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(layout, 'blobs', 'sha256', d), 'wb') as f:
        f.write(data)
    return 'sha256:' + d, len(data)


def cmd_index(layout, name, refs):
    idx_path = os.path.join(layout, 'index.json')
    idx = json.load(open(idx_path))
    manifests = []
    for r in refs:
        ref, _, plat = r.partition('=')
        parts = plat.split('/')
        desc = next(m for m in idx['manifests']
                    if m.get('annotations', {}).get('org.opencontainers.image.ref.name') == ref)
        p = {'os': parts[0], 'architecture': parts[1]}
        if len(parts) > 2:
            p['variant'] = parts[2]
        manifests.append({'mediaType': desc['mediaType'], 'digest': desc['digest'],
                          'size': desc['size'], 'platform': p})
    # An attestation manifest, as buildkit adds them: never an image.
    manifests.append({'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                      'digest': manifests[0]['digest'], 'size': manifests[0]['size'],
                      'platform': {'os': 'unknown', 'architecture': 'unknown'},
                      'annotations': {'vnd.docker.reference.type': 'attestation-manifest'}})
    data = json.dumps({'schemaVersion': 2,
                       'mediaType': 'application/vnd.oci.image.index.v1+json',
                       'manifests': manifests}).encode()
    dg, size = blob(layout, data)
    idx['manifests'].append({'mediaType': 'application/vnd.oci.image.index.v1+json',
                             'digest': dg, 'size': size,
                             'annotations': {'org.opencontainers.image.ref.name': name}})
    with open(idx_path, 'w') as f:
        json.dump(idx, f)


def cmd_proxy(port, backend, mode):
    tokens = set()

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def send(self, code, body=b'', headers=()):
            self.send_response(code)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(body)

        def do_GET(self):
            if mode == 'token' and self.path.startswith('/token'):
                auth = self.headers.get('Authorization', '')
                want = 'Basic ' + base64.b64encode(b'kensa:s3cret').decode()
                if auth != want or 'scope=repository%3A' not in self.path:
                    return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
                t = secrets.token_hex(16)
                tokens.add(t)
                return self.send(200, json.dumps({'token': t, 'expires_in': 300}).encode(),
                                 [('Content-Type', 'application/json')])
            if mode == 'token' and self.headers.get('Authorization', '')[7:] not in tokens:
                chal = ('Bearer realm="http://127.0.0.1:%s/token",service="kensa-test",'
                        'scope="repository:test/app:pull"' % port)
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}',
                                 [('WWW-Authenticate', chal)])
            c = http.client.HTTPConnection('127.0.0.1', int(backend), timeout=30)
            hdrs = {k: v for k, v in self.headers.items() if k.lower() in ('accept',)}
            c.request(self.command, self.path, headers=hdrs)
            r = c.getresponse()
            body = r.read()
            if mode == 'tamper' and '/blobs/' in self.path and r.status == 200 and body:
                body = bytes([body[0] ^ 1]) + body[1:]
            keep = [(k, v) for k, v in r.getheaders()
                    if k.lower() in ('content-type', 'docker-content-digest', 'location')]
            self.send(r.status, body, keep)

        do_HEAD = do_GET

    http.server.ThreadingHTTPServer(('127.0.0.1', int(port)), H).serve_forever()


def cmd_lcache(path, action, arg=None):
    """Independent of Kensa's code: the format as layercache_int.h documents it."""
    import struct
    b = bytearray(open(path, 'rb').read())
    assert b[:8] == b'KSLAYERC', 'not a layer cache entry'
    n_entries, index_len, n_records, data_len = struct.unpack_from('<QQQQ', b, 56)
    index_off = 128 + 16 * 32
    data_off = index_off + index_len + 64 * n_records
    assert len(b) == data_off + data_len, 'size does not match the header'
    if action == 'info':
        print(n_entries, n_records, data_len)
        return
    if action == 'meta':
        b[index_off + index_len // 2] ^= 0xff
    elif action == 'data':
        assert data_len > 0, 'no content records'
        b[-1] ^= 0xff
    elif action == 'truncate':
        del b[len(b) // 2:]
    elif action == 'garbage':
        b = bytearray(secrets.token_bytes(len(b)))
    elif action == 'inject':
        name = arg.encode()
        ent = struct.pack('<BBHIIIQq', 1, 0, 0, 0o644, len(name), 0, 0, 0) + name
        at = index_off + index_len
        b[at:at] = ent
        struct.pack_into('<QQ', b, 56, n_entries + 1, index_len + len(ent))
        meta_end = data_off + len(ent)
        b[96:128] = hashlib.sha256(bytes(b[:96]) + bytes(b[128:meta_end])).digest()
    else:
        sys.exit('lcache: unknown action ' + action)
    with open(path, 'wb') as f:
        f.write(b)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == 'status':
        cmd_status(args[0], args[1:])
    elif cmd == 'layer':
        cmd_layer(args[0], args[1:])
    elif cmd == 'tarbomb':
        cmd_tarbomb(args[0])
    elif cmd == 'index':
        cmd_index(args[0], args[1], args[2:])
    elif cmd == 'proxy':
        cmd_proxy(*args)
    elif cmd == 'lcache':
        cmd_lcache(*args)
    elif cmd == 'json':
        d = json.load(open(args[0]))
        print(eval(args[1], {'d': d}))
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main()

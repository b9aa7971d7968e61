#!/usr/bin/env python3
"""Send a request signed by botocore (the AWS CLI's own signer) with a chosen
clock, region and service, possibly several times with the very same
signature, and print one line per response: "STATUS ERROR_TYPE BODY".

Used by tests/integration/server_security.sh for what the AWS CLI cannot do
on purpose: skewed clocks, replays, wrong scopes. Needs botocore.

usage: sigv4_send.py METHOD URL KEY_ID SECRET [--date YYYYMMDDTHHMMSSZ]
                     [--region R] [--service S] [--body TEXT] [--count N]
"""
import argparse
import datetime
import sys
import urllib.error
import urllib.request

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ap = argparse.ArgumentParser()
ap.add_argument("method")
ap.add_argument("url")
ap.add_argument("key")
ap.add_argument("secret")
ap.add_argument("--date")
ap.add_argument("--region", default="us-east-1")
ap.add_argument("--service", default="inspector2")
ap.add_argument("--body", default="")
ap.add_argument("--count", type=int, default=1)
a = ap.parse_args()

if a.date:
    fixed = datetime.datetime.strptime(a.date, "%Y%m%dT%H%M%SZ")

    class FixedDT(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

        @classmethod
        def now(cls, tz=None):
            return fixed.replace(tzinfo=tz) if tz else fixed

    botocore.auth.datetime.datetime = FixedDT

req = AWSRequest(method=a.method, url=a.url, data=a.body.encode(),
                 headers={"Content-Type": "application/json"})
SigV4Auth(Credentials(a.key, a.secret), a.service, a.region).add_auth(req)
prepared = req.prepare()
for _ in range(a.count):
    r = urllib.request.Request(a.url, data=a.body.encode() if a.body else None,
                               method=a.method, headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            print(resp.status, "-", resp.read().decode()[:200].replace("\n", " "))
    except urllib.error.HTTPError as e:
        print(e.code, e.headers.get("x-amzn-ErrorType", "-"),
              e.read().decode()[:300].replace("\n", " "))
    sys.stdout.flush()

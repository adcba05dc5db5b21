#!/usr/bin/env python3
"""Reads ttpgraphd's HTTP listener for tests/e2e/metrics_test.sh, parsing /metrics with the
reference parser of the Prometheus text format (Debian's python3-prometheus-client).

  metrics_check.py status URL [--auth HEADER] [--post]  the HTTP status (and nothing else)
  metrics_check.py value URL NAME [LABEL=VALUE]... [--auth HEADER]
      the sum of the samples NAME whose labels include the given ones; "absent" when none
  metrics_check.py labels URL NAME [--auth HEADER]     label names the samples NAME carry
  metrics_check.py families URL [--auth HEADER]        every family name and type, one a line
  metrics_check.py dashboard URL FILE [--auth HEADER]
      the series and grpc_code values a Grafana dashboard queries that the scrape lacks ("" when none)
"""
import json
import re
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


# grpc_code values: grpc-go's names (codes.Code.String()), as go-grpc-prometheus exports them.
ALL_CODES = {"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
             "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
             "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated"}


def get(url, auth, post=False):
    req = urllib.request.Request(url, data=b"x" if post else None)
    if auth:
        req.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def families(url, auth):
    status, text = get(url, auth)
    if status != 200:
        sys.exit("GET %s answered %d: %s" % (url, status, text.strip()))
    return list(text_string_to_metric_families(text))


def samples(url, auth, name):
    for family in families(url, auth):
        for s in family.samples:
            if s.name == name:
                yield s


def main(argv):
    auth = None
    post = "--post" in argv
    argv = [a for a in argv if a != "--post"]
    if "--auth" in argv:
        i = argv.index("--auth")
        auth = argv[i + 1]
        argv = argv[:i] + argv[i + 2:]
    cmd, url = argv[0], argv[1]
    if cmd == "status":
        print(get(url, auth, post)[0])
    elif cmd == "value":
        want = dict(a.split("=", 1) for a in argv[3:])
        hits = [s.value for s in samples(url, auth, argv[2]) if all(s.labels.get(k) == v for k, v in want.items())]
        if not hits:
            print("absent")
        else:
            total = sum(hits)
            print(int(total) if total == int(total) else total)
    elif cmd == "labels":
        names = set()
        for s in samples(url, auth, argv[2]):
            names |= set(s.labels)
        print(",".join(sorted(names)))
    elif cmd == "families":
        for f in families(url, auth):
            print(f.name, f.type)
    elif cmd == "dashboard":
        names = {s.name for f in families(url, auth) for s in f.samples}
        missing = set()
        with open(argv[2]) as f:
            dash = json.load(f)
        for panel in dash.get("panels", []):
            for target in panel.get("targets", []):
                expr = target["expr"]
                missing |= set(re.findall(r"\b((?:grpc_server|ttpgraph|process)_\w+)", expr)) - names
                for value in re.findall(r'grpc_code[!=]~?"([^"]*)"', expr):
                    missing |= {"grpc_code=" + c for c in value.split("|") if c not in ALL_CODES}
        print(" ".join(sorted(missing)))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])

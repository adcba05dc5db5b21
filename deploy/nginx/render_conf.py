#!/usr/bin/env python3
"""Renders deploy/nginx/ttpgraph.conf.template into an nginx.conf for a set of ttpgraphd shards.

    deploy/nginx/render_conf.py --shard 10.0.0.1:50051 --shard 10.0.0.2:50051 \\
        --listen 0.0.0.0:8443 --tls-cert /etc/ttpgraph/tls/tls.crt --tls-key /etc/ttpgraph/tls/tls.key

Every @NAME@ of the template is replaced; a line whose placeholder has no value (an option not
given) is left out, so the TLS lines appear only with TLS. The first line of the output records
the command that made it, so a checked-in rendering (the Kubernetes ConfigMap) can be re-rendered
and compared (tests/deploy/k8s_test.sh). Python 3 standard library only.
"""
import argparse
import os
import re
import shlex
import sys

TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ttpgraph.conf.template")
ADDRESS = re.compile(r"^[A-Za-z0-9._-]+:[0-9]{1,5}$|^\[[0-9A-Fa-f:]+\]:[0-9]{1,5}$")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shard", action="append", required=True, metavar="HOST:PORT",
                   help="a ttpgraphd shard; repeat in a stable order (the hash ring is built from these names)")
    p.add_argument("--listen", default="0.0.0.0:8443", help="gRPC listener for clients (default %(default)s)")
    p.add_argument("--health-listen", default="0.0.0.0:8080",
                   help="plain-HTTP /healthz and /nginx_status (default %(default)s)")
    p.add_argument("--run-dir", default="/tmp/nginx", help="pid file and temp paths, writable by nginx (default %(default)s)")
    p.add_argument("--error-log", default="stderr", help="default %(default)s")
    p.add_argument("--access-log", default="/dev/stdout", help="default %(default)s")
    p.add_argument("--tls-cert", help="PEM certificate clients see (TLS on --listen)")
    p.add_argument("--tls-key", help="its PEM key")
    p.add_argument("--client-ca", help="require client certificates signed by this CA (mTLS at the proxy)")
    p.add_argument("--upstream-ca", help="re-encrypt to the shards (grpcs://), verifying them against this CA")
    p.add_argument("--upstream-name", default="ttpgraphd",
                   help="name the shards' certificate carries, checked and sent as SNI (default %(default)s)")
    p.add_argument("--upstream-client-cert", help="client certificate for shards that require mTLS (--client-ca)")
    p.add_argument("--upstream-client-key", help="its PEM key")
    p.add_argument("--max-fails", type=int, default=1,
                   help="failed connections before a shard is skipped for org-less calls (default %(default)s)")
    p.add_argument("--fail-timeout", default="10s", help="how long it is skipped (default %(default)s)")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    args = p.parse_args(argv)

    def need(cond, message):
        if not cond:
            p.error(message)

    for shard in args.shard:
        need(ADDRESS.match(shard), "--shard wants HOST:PORT, got %r" % shard)
    need(len(set(args.shard)) == len(args.shard), "--shard names a shard twice")
    need(bool(args.tls_cert) == bool(args.tls_key), "--tls-cert and --tls-key go together")
    need(not args.client_ca or args.tls_cert, "--client-ca needs --tls-cert/--tls-key")
    need(bool(args.upstream_client_cert) == bool(args.upstream_client_key),
         "--upstream-client-cert and --upstream-client-key go together")
    need(not args.upstream_client_cert or args.upstream_ca, "--upstream-client-cert needs --upstream-ca")
    need(args.max_fails >= 1, "--max-fails wants at least 1 (0 would never skip a dead shard)")
    need(re.match(r"^[0-9]+[smh]?$", args.fail_timeout), "--fail-timeout wants e.g. 10s")
    return args


def render(args, template_text, command):
    servers = lambda params: "\n".join("        server %s%s;" % (s, params) for s in args.shard)
    tls = bool(args.tls_cert)
    reencrypt = bool(args.upstream_ca)
    values = {
        "RUN_DIR": args.run_dir,
        "ERROR_LOG": args.error_log,
        "ACCESS_LOG": args.access_log,
        "ORG_SERVERS": servers(" max_fails=0"),
        "ANY_SERVERS": servers(" max_fails=%d fail_timeout=%s" % (args.max_fails, args.fail_timeout)),
        "LISTEN": args.listen,
        "SSL": " ssl" if tls else "",
        "TLS_CERT": args.tls_cert,
        "TLS_KEY": args.tls_key,
        "CLIENT_CA": args.client_ca,
        "VERIFY_CLIENT": "on" if args.client_ca else None,
        "HEALTH_LISTEN": args.health_listen,
        "UPSTREAM_SCHEME": "grpcs" if reencrypt else "grpc",
        "UPSTREAM_CA": args.upstream_ca,
        "UPSTREAM_VERIFY": "on" if reencrypt else None,
        "UPSTREAM_NAME": args.upstream_name if reencrypt else None,
        "UPSTREAM_SNI": "on" if reencrypt else None,
        "UPSTREAM_CLIENT_CERT": args.upstream_client_cert,
        "UPSTREAM_CLIENT_KEY": args.upstream_client_key,
    }
    out = ["# Rendered by: %s" % command]
    for line in template_text.splitlines():
        names = re.findall(r"@([A-Z_]+)@", line)
        unknown = [n for n in names if n not in values]
        if unknown:
            raise SystemExit("render_conf: template names unknown placeholder(s) %s" % ", ".join(unknown))
        if any(values[n] is None for n in names):
            continue
        for n in names:
            line = line.replace("@%s@" % n, values[n])
        out.append(line)
    return "\n".join(out) + "\n"


def main(argv):
    args = parse_args(argv)
    shown = []
    skip = False
    for a in argv:  # the command line without -o/--output, so a re-render compares byte for byte
        if skip:
            skip = False
        elif a in ("-o", "--output"):
            skip = True
        elif not a.startswith("--output="):
            shown.append(a)
    command = " ".join(["deploy/nginx/render_conf.py"] + [shlex.quote(a) for a in shown])
    with open(TEMPLATE) as f:
        text = render(args, f.read(), command)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])

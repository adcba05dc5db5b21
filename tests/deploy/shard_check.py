#!/usr/bin/python3
"""Checks of the sharded deployment, called phase by phase by shard_proxy_test.sh.

Talks gRPC with Debian's python3-grpcio and python3-protobuf; message classes are built at run
time from a descriptor set of proto/ (protoc --include_imports --descriptor_set_out), so no
generated code is needed. Every call sends `x-ttpgraph-org` when it is org-scoped, as the C++
client and ttpctl do (identity issue, "Routing metadata").

    shard_check.py --descriptors api.pb --proxy HOST:PORT --shard A --shard B --shard C \
                   --state state.json PHASE [ARGS]

Phases (each prints PASS/FAIL lines; the exit status is the number of failures, capped at 100):
  place N RELEASE      create N organizations through the proxy, find each one's shard by
                       asking every shard directly; writes the placement to --state
  route                writes 3 detections per organization through the proxy, then `serve`; with
                       --access-log, every logged call of an organization names one upstream, its shard
  serve                every organization's reads through the proxy answer as its shard does
                       directly (its detections, its coverage); no other shard knows it
  anyshard RELEASE     calls without the header reach a shard and answer as a shard does directly
  down INDEX RELEASE   shard INDEX is dead: its organizations answer UNAVAILABLE (never NOT_FOUND),
                       the others' and org-less calls answer as before
  latency RELEASE      prints the proxy's p50 overhead on group techniques (a figure, no check)
"""
import argparse
import collections
import json
import re
import statistics
import sys
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

DEADLINE_S = 10
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print("PASS %s" % name)
    else:
        failures += 1
        print("FAIL %s%s" % (name, ": %s" % (detail,) if detail != "" else ""))
    sys.stdout.flush()
    return ok


class Api:
    """Unary calls by full method name, with message classes from a descriptor set."""

    def __init__(self, descriptor_set, token=None, ca=None):
        fds = descriptor_pb2.FileDescriptorSet()
        with open(descriptor_set, "rb") as f:
            fds.ParseFromString(f.read())
        self.pool = descriptor_pool.DescriptorPool()
        for fd in fds.file:
            self.pool.Add(fd)
        self.factory = message_factory.MessageFactory(self.pool)
        self.token = token
        self.ca = ca
        self.channels = {}

    def message_class(self, full_name):
        desc = self.pool.FindMessageTypeByName(full_name)
        if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.21
            return message_factory.GetMessageClass(desc)
        return self.factory.GetPrototype(desc)

    def message(self, full_name, **fields):
        return self.message_class(full_name)(**fields)

    def channel(self, address, tls):
        key = (address, tls)
        if key not in self.channels:
            if tls:
                with open(self.ca, "rb") as f:
                    creds = grpc.ssl_channel_credentials(root_certificates=f.read())
                self.channels[key] = grpc.secure_channel(address, creds)
            else:
                self.channels[key] = grpc.insecure_channel(address)
        return self.channels[key]

    def call(self, address, method, request, org=None, tls=False):
        """Returns (response, None) or (None, grpc.RpcError)."""
        service, name = method.rsplit("/", 1)
        sdesc = self.pool.FindServiceByName(service)
        mdesc = sdesc.FindMethodByName(name)
        out_cls = self.message_class(mdesc.output_type.full_name)
        stub = self.channel(address, tls).unary_unary(
            "/%s/%s" % (service, name),
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=out_cls.FromString)
        metadata = []
        if org is not None:
            metadata.append(("x-ttpgraph-org", org))
        if self.token:
            metadata.append(("authorization", "Bearer " + self.token))
        try:
            return stub(request, timeout=DEADLINE_S, metadata=metadata), None
        except grpc.RpcError as e:
            return None, e


def code_of(err):
    return err.code().name if err is not None else "OK"


class Checker:
    def __init__(self, args):
        token = None
        if args.token_file:
            with open(args.token_file) as f:
                token = f.read().strip()
        self.api = Api(args.descriptors, token=token, ca=args.proxy_ca)
        self.proxy = args.proxy
        self.proxy_tls = bool(args.proxy_ca)
        self.shards = args.shard
        self.state_path = args.state

    def via_proxy(self, method, request, org=None):
        return self.api.call(self.proxy, method, request, org=org, tls=self.proxy_tls)

    def direct(self, shard, method, request, org=None):
        return self.api.call(self.shards[shard], method, request, org=org)

    def org_req(self, full_name, org, **fields):
        return self.api.message("ttpgraph.v1." + full_name, org_id=org, **fields)

    def load_state(self):
        with open(self.state_path) as f:
            return json.load(f)

    # --- place -------------------------------------------------------------------------------
    def place(self, n, release):
        placement = {}
        for i in range(n):
            org = "org-%02d" % i
            resp, err = self.via_proxy("ttpgraph.v1.OrgService/CreateOrganization",
                                       self.api.message("ttpgraph.v1.CreateOrganizationRequest", org_id=org,
                                                        display_name="Org %d" % i, release=release), org=org)
            if not check("create %s through the proxy" % org, err is None and resp.org_id == org,
                         code_of(err) if err else resp.org_id):
                continue
            holders = []
            for s in range(len(self.shards)):
                got, e = self.direct(s, "ttpgraph.v1.OrgService/GetOrganization", self.org_req("GetOrganizationRequest", org), org=org)
                if e is None:
                    holders.append(s)
                elif e.code() != grpc.StatusCode.NOT_FOUND:
                    check("%s asked of shard %d directly" % (org, s), False, "%s %s" % (code_of(e), e.details()))
            if check("%s lives on exactly one shard" % org, len(holders) == 1, "held by shards %s" % holders):
                placement[org] = holders[0]
        counts = collections.Counter(placement.values())
        print("placement: " + ", ".join("shard %d: %d" % (s, counts.get(s, 0)) for s in range(len(self.shards))))
        check("%d organizations spread over at least 2 shards" % n, len(counts) >= 2, "shards used: %s" % sorted(counts))
        with open(self.state_path, "w") as f:
            json.dump({"release": release, "placement": placement}, f, indent=1, sort_keys=True)

    # --- route -------------------------------------------------------------------------------
    def technique_for(self, org):
        # A different detection per organization, so coverage answers differ between them.
        return ["T1001", "T1001.001", "T1013", "T1030", "T1050"][int(org.split("-")[1]) % 5]

    def route(self, access_log):
        state = self.load_state()
        for org in sorted(state["placement"]):
            for k in range(3):
                det = self.api.message("ttpgraph.v1.Detection", id="%s-det-%d" % (org, k), name="rule %d" % k,
                                       source_format="other", techniques=[self.technique_for(org)])
                _, err = self.via_proxy("ttpgraph.v1.OrgService/CreateDetection",
                                        self.org_req("CreateDetectionRequest", org, detection=det), org=org)
                check("%s: detection %d written through the proxy" % (org, k), err is None, code_of(err))
        self.serve()
        if access_log:
            self.check_access_log(access_log, state["placement"])

    def serve(self):
        """Every organization answers through the proxy as its own shard does; no other shard has it."""
        state = self.load_state()
        want_ids = lambda org: ["%s-det-%d" % (org, k) for k in range(3)]
        for org, owner in sorted(state["placement"].items()):
            answers = []
            for _ in range(5):
                got, err = self.via_proxy("ttpgraph.v1.OrgService/ListDetections", self.org_req("ListDetectionsRequest", org), org=org)
                answers.append(sorted(d.id for d in got.detections) == want_ids(org) if err is None else code_of(err))
            check("%s: 5 reads through the proxy list its 3 detections" % org, answers == [True] * 5, str(answers))
            for s in range(len(self.shards)):
                got, err = self.direct(s, "ttpgraph.v1.OrgService/ListDetections", self.org_req("ListDetectionsRequest", org), org=org)
                if s == owner:
                    ids = sorted(d.id for d in got.detections) if err is None else code_of(err)
                    check("%s: its detections are on its shard %d" % (org, s), ids == want_ids(org), str(ids))
                else:
                    check("%s: shard %d does not know it" % (org, s), code_of(err) == "NOT_FOUND", code_of(err))
            creq = self.org_req("CoverageRequest", org)
            proxied, perr = self.via_proxy("ttpgraph.v1.OrgService/GetCoverage", creq, org=org)
            direct, derr = self.direct(owner, "ttpgraph.v1.OrgService/GetCoverage", creq, org=org)
            same = perr is None and derr is None and proxied.SerializeToString(deterministic=True) == direct.SerializeToString(deterministic=True)
            check("%s: coverage through the proxy equals its shard's, 3 detections counted" % org,
                  same and proxied.detections_counted == 3,
                  "%s/%s %s" % (code_of(perr), code_of(derr), proxied.detections_counted if perr is None else ""))

    def check_access_log(self, path, placement):
        # log_format ttpgraph in deploy/nginx/ttpgraph.conf.template.
        line_re = re.compile(r'org="([^"]*)" upstream=(\S+)')
        seen = collections.defaultdict(set)
        with open(path) as f:
            for line in f:
                m = line_re.search(line)
                if m and m.group(1) in placement:
                    seen[m.group(1)].add(m.group(2))
        for org, owner in sorted(placement.items()):
            check("%s: nginx logged every call of it on one upstream, its shard" % org,
                  seen[org] == {self.shards[owner]}, "upstreams %s, shard %s" % (sorted(seen[org]), self.shards[owner]))

    # --- anyshard ----------------------------------------------------------------------------
    def anyshard(self, release, calls=12, dead=None):
        live = [s for s in range(len(self.shards)) if s != dead]
        reqs = [("ttpgraph.v1.ReleaseService/ListReleases", self.api.message("ttpgraph.v1.ListReleasesRequest")),
                ("ttpgraph.v1.KnowledgeService/ListTechniques", self.api.message("ttpgraph.v1.ListTechniquesRequest", release=release)),
                ("grpc.health.v1.Health/Check", self.api.message("grpc.health.v1.HealthCheckRequest"))]
        for method, req in reqs:
            # A shard's own answer (a release's imported_at differs between shards).
            answers_of_shards = set()
            for s in live:
                expected, err = self.direct(s, method, req)
                if check("%s asked of shard %d directly" % (method, s), err is None, code_of(err)):
                    answers_of_shards.add(expected.SerializeToString(deterministic=True))
            answers = []
            for _ in range(calls):
                got, err = self.via_proxy(method, req)
                answers.append(code_of(err) if err else got.SerializeToString(deterministic=True) in answers_of_shards)
            check("%d calls of %s without x-ttpgraph-org through the proxy answer as a live shard does" % (calls, method),
                  answers == [True] * calls, str(answers))

    # --- down --------------------------------------------------------------------------------
    def down(self, dead, release):
        state = self.load_state()
        for org, owner in sorted(state["placement"].items()):
            got, err = self.via_proxy("ttpgraph.v1.OrgService/GetOrganization", self.org_req("GetOrganizationRequest", org), org=org)
            if owner == dead:
                # The proxy's own gRPC answer (location @unavailable), not a bare HTTP 502.
                check("%s (on the dead shard %d) answers UNAVAILABLE from the proxy" % (org, dead),
                      code_of(err) == "UNAVAILABLE" and err.details().startswith("ttpgraph proxy: no shard answered"),
                      "%s %s" % (code_of(err), err.details() if err else ""))
            else:
                check("%s (on shard %d) still answers" % (org, owner), err is None and got.org_id == org, code_of(err))
        self.anyshard(release, dead=dead)

    # --- latency -----------------------------------------------------------------------------
    def latency(self, release, calls=300):
        """Prints the proxy's overhead on group techniques (a figure, not a check)."""
        req = self.api.message("ttpgraph.v1.GroupTechniquesRequest", release=release, group="G0016")
        def p50(fn):
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                _, err = fn()
                times.append(time.perf_counter() - t0)
                if err is not None:
                    return None
            return statistics.median(times) * 1000
        method = "ttpgraph.v1.KnowledgeService/GetGroupTechniques"
        direct = p50(lambda: self.direct(0, method, req))
        proxied = p50(lambda: self.via_proxy(method, req))
        if check("group techniques answer directly and through the proxy", direct is not None and proxied is not None):
            print("figure: group techniques p50 over %d calls (Python client): direct %.3f ms, through nginx %.3f ms, "
                  "proxy overhead %.3f ms" % (calls, direct, proxied, proxied - direct))


def main():
    p = argparse.ArgumentParser(description="sharded deployment checks")
    p.add_argument("--descriptors", required=True)
    p.add_argument("--proxy", required=True)
    p.add_argument("--proxy-ca", help="the proxy speaks TLS; verify it against this CA")
    p.add_argument("--shard", action="append", required=True)
    p.add_argument("--state", required=True)
    p.add_argument("--token-file", help="send this bearer token on every call")
    p.add_argument("--access-log")
    p.add_argument("phase", choices=["place", "route", "serve", "anyshard", "down", "latency"])
    p.add_argument("rest", nargs="*")
    args = p.parse_args()
    c = Checker(args)
    if args.phase == "place":
        c.place(int(args.rest[0]), args.rest[1])
    elif args.phase == "route":
        c.route(args.access_log)
    elif args.phase == "serve":
        c.serve()
    elif args.phase == "anyshard":
        c.anyshard(args.rest[0])
    elif args.phase == "down":
        c.down(int(args.rest[0]), args.rest[1])
    else:
        c.latency(args.rest[0])
    sys.exit(min(failures, 100))


if __name__ == "__main__":
    main()

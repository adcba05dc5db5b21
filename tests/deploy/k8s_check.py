#!/usr/bin/python3
"""Checks the rendered Kustomize overlays of deploy/k8s (called by k8s_test.sh).

    k8s_check.py --source-dir SRC OVERLAY RENDERED.yaml

Prints PASS/FAIL lines; the exit status is the number of failures (capped at 100).
OVERLAY is single, sharded or sharded-monitoring.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys

import yaml

failures = 0

# Every TTPGRAPH_* a manifest may set (flag_env_names.txt beside this file).
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "flag_env_names.txt")) as f:
    KNOWN_ENV = {line.strip() for line in f if line.strip() and not line.startswith("#")}
MB = 1000 * 1000
# Benchmarks: RSS with six enterprise releases, and per organization of 500 detections.
BASE_RSS = 280 * MB
PER_ORG = 130 * 1000


def check(name, ok, detail=""):
    global failures
    if not ok:
        failures += 1
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": " + str(detail)))
    return ok


def quantity(q):
    """Kubernetes memory quantity -> bytes."""
    m = re.fullmatch(r"([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?", str(q))
    if not m:
        raise ValueError("bad quantity %r" % q)
    scale = {None: 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}[m.group(2)]
    return float(m.group(1)) * scale


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


class Rendered:
    def __init__(self, path):
        with open(path) as f:
            self.docs = [d for d in yaml.safe_load_all(f) if d]

    def of(self, kind):
        return [d for d in self.docs if d["kind"] == kind]

    def one(self, kind, name):
        found = [d for d in self.of(kind) if d["metadata"]["name"] == name]
        return found[0] if len(found) == 1 else None

    def workloads(self):
        return self.of("StatefulSet") + self.of("Deployment")

    def names(self, kind):
        return {d["metadata"]["name"] for d in self.of(kind)}


def check_workloads(r):
    for w in r.workloads():
        wname = "%s/%s" % (w["kind"], w["metadata"]["name"])
        pod = w["spec"]["template"]
        spec = pod["spec"]
        check("%s: selector matches its pod labels" % wname,
              matches(w["spec"]["selector"]["matchLabels"], pod["metadata"]["labels"]))
        psc = spec.get("securityContext", {})
        check("%s: runs as non-root with the runtime's seccomp profile" % wname,
              psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0
              and psc.get("seccompProfile", {}).get("type") == "RuntimeDefault", psc)
        check("%s: no service account token mounted" % wname, spec.get("automountServiceAccountToken") is False)
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        templates = {t["metadata"]["name"] for t in w["spec"].get("volumeClaimTemplates", [])}
        for c in spec["containers"]:
            cname = "%s container %s" % (wname, c["name"])
            res = c.get("resources", {})
            check("%s: cpu and memory requests, a memory limit" % cname,
                  {"cpu", "memory"} <= set(res.get("requests", {})) and "memory" in res.get("limits", {}), res)
            if "memory" in res.get("limits", {}) and "memory" in res.get("requests", {}):
                check("%s: memory limit >= request" % cname,
                      quantity(res["limits"]["memory"]) >= quantity(res["requests"]["memory"]), res)
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe"):
                p = c.get(probe)
                if not check("%s: has a %s" % (cname, probe), p is not None):
                    continue
                target = (p.get("grpc") or p.get("httpGet") or p.get("tcpSocket") or {}).get("port")
                check("%s: %s targets one of its ports (%s)" % (cname, probe, target),
                      target in ports or target in ports.values(), ports)
            sc = c.get("securityContext", {})
            check("%s: read-only root, no privilege escalation, no capabilities" % cname,
                  sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
                  and sc.get("capabilities", {}).get("drop") == ["ALL"], sc)
            for m in c.get("volumeMounts", []):
                check("%s: mount %s has a volume" % (cname, m["name"]),
                      m["name"] in volumes or m["name"] in templates)
            for ef in c.get("envFrom", []):
                ref = ef.get("configMapRef", {}).get("name")
                check("%s: envFrom ConfigMap %s exists" % (cname, ref), ref in r.names("ConfigMap"))
        for v in volumes.values():
            if "secret" in v:
                check("%s: Secret %s exists" % (wname, v["secret"]["secretName"]),
                      v["secret"]["secretName"] in r.names("Secret"))
            if "configMap" in v:
                check("%s: ConfigMap %s exists" % (wname, v["configMap"]["name"]),
                      v["configMap"]["name"] in r.names("ConfigMap"))


def shard_set(r):
    sts = r.one("StatefulSet", "ttpgraphd")
    if not check("one StatefulSet ttpgraphd", sts is not None):
        return None, None
    c = [c for c in sts["spec"]["template"]["spec"]["containers"] if c["name"] == "ttpgraphd"][0]
    return sts, c


def check_shards(r, min_orgs):
    sts, c = shard_set(r)
    if sts is None:
        return
    grpc_port = {p["name"]: p["containerPort"] for p in c["ports"]}.get("grpc")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        check("shard %s is a Kubernetes grpc probe on the gRPC port" % probe,
              c.get(probe, {}).get("grpc", {}).get("port") == grpc_port, c.get(probe))
    env = {e["name"]: e.get("value") for e in c.get("env", [])}
    cm = r.one("ConfigMap", c["envFrom"][0]["configMapRef"]["name"]) if c.get("envFrom") else None
    names = set(env) | set((cm or {}).get("data", {}))
    unknown = sorted(n for n in names if not (n.startswith("TTPGRAPH_") and n[len("TTPGRAPH_"):] in KNOWN_ENV))
    check("every TTPGRAPH_* setting names a ttpgraphd flag", not unknown, unknown)
    check("shard listens on its gRPC port", env.get("TTPGRAPH_LISTEN") == "0.0.0.0:%d" % grpc_port, env.get("TTPGRAPH_LISTEN"))
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    check("the data directory is the PVC", mounts.get(env.get("TTPGRAPH_DATA_DIR")) == "data"
          and [t["metadata"]["name"] for t in sts["spec"]["volumeClaimTemplates"]] == ["data"], mounts)
    token = env.get("TTPGRAPH_BOOTSTRAP_TOKEN_FILE", "")
    check("the bootstrap token file is in the mounted bootstrap Secret",
          mounts.get(token.rsplit("/", 1)[0]) == "bootstrap", token)
    need = BASE_RSS + min_orgs * PER_ORG
    req = quantity(c["resources"]["requests"]["memory"])
    check("shard memory request %s covers %d organizations (%.0f MB by the benchmarks)" %
          (c["resources"]["requests"]["memory"], min_orgs, need / MB), req >= need)
    headless = r.one("Service", sts["spec"]["serviceName"])
    check("the StatefulSet's serviceName is a headless Service selecting its pods",
          headless is not None and headless["spec"].get("clusterIP") == "None"
          and matches(headless["spec"]["selector"], sts["spec"]["template"]["metadata"]["labels"]))
    labels = sts["spec"]["template"]["metadata"]["labels"]
    pdbs = [p for p in r.of("PodDisruptionBudget") if matches(p["spec"]["selector"]["matchLabels"], labels)]
    check("one PodDisruptionBudget covers the shards, one shard at a time",
          len(pdbs) == 1 and pdbs[0]["spec"].get("maxUnavailable") == 1, pdbs)
    nps = [n for n in r.of("NetworkPolicy") if matches(n["spec"]["podSelector"]["matchLabels"], labels)]
    check("one NetworkPolicy guards the shards", len(nps) == 1)
    return sts, c, nps


def services_to(r, labels):
    return [s for s in r.of("Service") if matches(s["spec"].get("selector"), labels)]


def check_single(r):
    check("single: no proxy Deployment", not r.of("Deployment"))
    sts, c = shard_set(r)
    check("single: one shard", sts["spec"]["replicas"] == 1, sts["spec"]["replicas"])
    client = r.one("Service", "ttpgraphd")
    check("single: Service ttpgraphd reaches the shard's gRPC port",
          client is not None and matches(client["spec"]["selector"], sts["spec"]["template"]["metadata"]["labels"])
          and client["spec"]["ports"][0]["targetPort"] == "grpc")


def nginx_upstreams(conf):
    ups = {}
    for name, body in re.findall(r"upstream (\w+) \{(.*?)\}", conf, re.S):
        ups[name] = (re.findall(r"^\s*server (\S+?)[ ;]", body, re.M), body)
    return ups


def check_sharded(r, source_dir):
    sts, c = shard_set(r)
    n = sts["spec"]["replicas"]
    check("sharded: 3 shards", n == 3, n)
    # One Service per ordinal, selecting exactly that pod.
    per_shard = {}
    for s in r.of("Service"):
        sel = s["spec"].get("selector", {})
        if "statefulset.kubernetes.io/pod-name" in sel:
            per_shard[s["metadata"]["name"]] = (sel["statefulset.kubernetes.io/pod-name"], s["spec"]["ports"][0])
    want = ["ttpgraphd-%d" % i for i in range(n)]
    check("sharded: one Service per shard ordinal 0..%d" % (n - 1), sorted(per_shard) == want, sorted(per_shard))
    check("sharded: Service ttpgraphd-I selects pod ttpgraphd-I on port grpc",
          all(pod == name and port["targetPort"] == "grpc" for name, (pod, port) in per_shard.items()), per_shard)

    proxy = r.one("Deployment", "ttpgraph-proxy")
    if not check("sharded: the proxy Deployment", proxy is not None):
        return
    pspec = proxy["spec"]["template"]["spec"]
    nginx = pspec["containers"][0]
    conf_arg = nginx["command"][nginx["command"].index("-c") + 1]
    vols = {v["name"]: v for v in pspec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in nginx["volumeMounts"]}
    conf_vol = vols.get(mounts.get(conf_arg.rsplit("/", 1)[0]), {})
    cm = r.one("ConfigMap", conf_vol.get("configMap", {}).get("name", ""))
    conf = (cm or {}).get("data", {}).get(conf_arg.rsplit("/", 1)[1])
    if not check("sharded: the proxy's ConfigMap holds the nginx.conf it runs (%s)" % conf_arg, conf is not None):
        return
    ups = nginx_upstreams(conf)
    addrs = ["%s:%d" % (name, per_shard[name][1]["port"]) for name in want if name in per_shard]
    check("nginx: upstream ttpgraph_org lists the shard Services in ordinal order",
          ups.get("ttpgraph_org", ([],))[0] == addrs, ups.get("ttpgraph_org", ([],))[0])
    check("nginx: upstream ttpgraph_any lists the same shards", ups.get("ttpgraph_any", ([],))[0] == addrs)
    check("nginx: organizations by consistent hash of x-ttpgraph-org",
          "hash $http_x_ttpgraph_org consistent;" in ups.get("ttpgraph_org", ("", ""))[1])
    check("nginx: an organization's shard is never marked down (no fallback to another shard)",
          ups.get("ttpgraph_org", ("", ""))[1].count("max_fails=0") == n)
    first = conf.splitlines()[0]
    m = re.match(r"# Rendered by: (deploy/nginx/render_conf.py .*)$", first)
    if check("nginx.conf says how it was rendered", m is not None, first):
        argv = shlex.split(m.group(1))
        fresh = subprocess.run([sys.executable, source_dir + "/" + argv[0]] + argv[1:],
                               capture_output=True, text=True)
        check("nginx.conf is the template rendered by that command (re-render it after editing the template)",
              fresh.returncode == 0 and fresh.stdout == conf, fresh.stderr)
    ports = {p["name"]: p["containerPort"] for p in nginx["ports"]}
    check("nginx listens (TLS, HTTP/2) on the container's grpcs port",
          "listen 0.0.0.0:%d http2 ssl;" % ports.get("grpcs", 0) in conf)
    check("nginx /healthz is on the port its probes use",
          "listen 0.0.0.0:%d;" % ports.get("health", 0) in conf
          and nginx["readinessProbe"]["httpGet"]["path"] == "/healthz")
    tls_mount = [p for p, v in mounts.items() if vols.get(v, {}).get("secret")]
    for directive in ("ssl_certificate", "ssl_certificate_key"):
        path = re.search(r"^\s*%s (\S+);" % directive, conf, re.M)
        secret = vols.get(mounts.get(path.group(1).rsplit("/", 1)[0]) if path else "", {}).get("secret", {})
        sec = r.one("Secret", secret.get("secretName", ""))
        check("nginx %s comes from the TLS Secret" % directive,
              path is not None and sec is not None and sec.get("type") == "kubernetes.io/tls"
              and path.group(1).rsplit("/", 1)[1] in sec.get("data", {}), tls_mount)
    check("nginx writes its pid and temp files under the writable /tmp",
          "pid /tmp/nginx.pid;" in conf and mounts.get("/tmp") in vols and "emptyDir" in vols[mounts["/tmp"]])
    front = r.one("Service", "ttpgraph")
    check("Service ttpgraph reaches the proxy's grpcs port",
          front is not None and matches(front["spec"]["selector"], proxy["spec"]["template"]["metadata"]["labels"])
          and front["spec"]["ports"][0]["targetPort"] == "grpcs")
    _, _, nps = check_shards(r, 10000)
    allowed = [f["podSelector"]["matchLabels"] for rule in nps[0]["spec"]["ingress"] for f in rule.get("from", [])
               if "podSelector" in f and any(p["port"] == 50051 for p in rule["ports"])]
    check("the shards' NetworkPolicy admits the proxy to their gRPC port",
          any(matches(sel, proxy["spec"]["template"]["metadata"]["labels"]) for sel in allowed), allowed)
    pdb = [p for p in r.of("PodDisruptionBudget")
           if matches(p["spec"]["selector"]["matchLabels"], proxy["spec"]["template"]["metadata"]["labels"])]
    check("a PodDisruptionBudget keeps a proxy up", len(pdb) == 1 and pdb[0]["spec"].get("minAvailable") == 1)
    check("at least 2 proxy replicas", proxy["spec"]["replicas"] >= 2, proxy["spec"]["replicas"])


def check_monitoring(r):
    sms = r.of("ServiceMonitor")
    if not check("monitoring: one ServiceMonitor", len(sms) == 1):
        return
    sm = sms[0]
    svcs = [s for s in r.of("Service") if matches(sm["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
    ep = sm["spec"]["endpoints"][0]
    check("the ServiceMonitor selects Services that all have its port %s" % ep["port"],
          svcs and all(ep["port"] in [p["name"] for p in s["spec"]["ports"]] for s in svcs),
          [s["metadata"]["name"] for s in svcs])
    sts, c = shard_set(r)
    env = {e["name"]: e.get("value") for e in c["env"]}
    http = {p["name"]: p["containerPort"] for p in c["ports"]}.get("http")
    check("the scraped port is ttpgraphd's HTTP listener", env.get("TTPGRAPH_HTTP_LISTEN") == "0.0.0.0:%s" % http)
    secret = ep.get("bearerTokenSecret", {})
    sec = r.one("Secret", secret.get("name", ""))
    check("the ServiceMonitor's token Secret exists with its key", sec is not None and secret.get("key") in sec.get("data", {}))
    path = env.get("TTPGRAPH_METRICS_TOKEN_FILE", "")
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    vols = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
    vol = vols.get(mounts.get(path.rsplit("/", 1)[0], ""), {})
    check("ttpgraphd reads --metrics-token-file from that same Secret",
          vol.get("secret", {}).get("secretName") == secret.get("name") and path.rsplit("/", 1)[-1] == secret.get("key"),
          path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--source-dir", required=True)
    p.add_argument("overlay", choices=["single", "sharded", "sharded-monitoring"])
    p.add_argument("rendered")
    args = p.parse_args()
    r = Rendered(args.rendered)
    check("%s renders objects" % args.overlay, len(r.docs) > 0)
    check_workloads(r)
    if args.overlay == "single":
        check_shards(r, 1000)
        check_single(r)
    else:
        check_sharded(r, args.source_dir)
    if args.overlay == "sharded-monitoring":
        check_monitoring(r)
    else:
        check("%s: no ServiceMonitor (it needs the Prometheus Operator's CRDs)" % args.overlay, not r.of("ServiceMonitor"))
    sys.exit(min(failures, 100))


if __name__ == "__main__":
    main()

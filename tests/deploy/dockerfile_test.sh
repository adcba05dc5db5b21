#!/usr/bin/env bash
# deploy/Dockerfile, reviewed without a Docker engine (none runs here; hadolint is not in Debian):
#   - stages build (debian:12), proxy and runtime (debian:12-slim, the default target);
#   - lint: no ADD, no :latest, exec-form ENTRYPOINT/CMD/HEALTHCHECK, every apt-get install with
#     update, -y, --no-install-recommends and the lists removed in the same RUN;
#   - every package it installs exists in Debian 12 (apt-cache policy);
#   - the runtime's packages (with their dependencies and debian:12-slim's required packages)
#     provide every shared library the copied ttpgraphd, ttpctl and ttpgraph_health link, and
#     each named library package is needed by one of them;
#   - non-root numeric users equal to runAsUser in deploy/k8s; the data directory is the VOLUME;
#     the HEALTHCHECK runs the copied ttpgraph_health; what COPY --from=build takes was built.
#
# Env: TTPGRAPHD (its directory is the build tree), TTPGRAPH_SOURCE_DIR (set by ctest).
set -u
: "${TTPGRAPHD:?set TTPGRAPHD to the ttpgraphd binary}"
SRC="${TTPGRAPH_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ttpgraph-docker-XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/check.py" <<'PY'
import json, os, re, subprocess, sys
import yaml

src, build_dir = sys.argv[1], sys.argv[2]
failures = 0
def check(name, ok, detail=""):
    global failures
    failures += not ok
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": %s" % (detail,)))
    return ok
def sh(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True)

# ---- parse: stages of (instruction, argument) with continuation lines joined ----
stages, order = {}, []
text = re.sub(r"\\\n", " ", open(os.path.join(src, "deploy/Dockerfile")).read())
for line in text.splitlines():
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    op, _, arg = line.partition(" ")
    op, arg = op.upper(), re.sub(r"\s+", " ", arg.strip())
    if op == "FROM":
        image, _, name = arg.partition(" AS ")
        order.append(name)
        stages[name] = {"from": image, "ops": []}
    else:
        stages[order[-1]]["ops"].append((op, arg))
def ops(stage, op):
    return [a for o, a in stages.get(stage, {"ops": []})["ops"] if o == op]

check("stages build, proxy, runtime; runtime last (the default target)", order == ["build", "proxy", "runtime"], order)
check("build FROM debian:12, proxy and runtime FROM debian:12-slim",
      [stages[s]["from"] for s in order] == ["debian:12", "debian:12-slim", "debian:12-slim"])

# ---- lint ----
all_ops = [(s, o, a) for s in order for o, a in stages[s]["ops"]]
check("no ADD (COPY only)", not [a for _, o, a in all_ops if o == "ADD"])
check("no :latest image", not [s for s in order if stages[s]["from"].endswith(":latest")])
for s, o, a in all_ops:
    if o in ("ENTRYPOINT", "CMD") or (o == "HEALTHCHECK" and " CMD " in a):
        form = a.split(" CMD ", 1)[1] if o == "HEALTHCHECK" else a
        try:
            ok = isinstance(json.loads(form), list)
        except ValueError:
            ok = False
        check("%s %s in exec form" % (s, o), ok, a)
installed = {}
for s, o, a in all_ops:
    if o == "RUN" and "apt-get install" in a:
        check("%s: apt-get update, -y, --no-install-recommends and lists removed in one RUN" % s,
              "apt-get update" in a and " -y " in a and "--no-install-recommends" in a and "rm -rf /var/lib/apt/lists/*" in a, a)
        pkgs = a.split("--no-install-recommends", 1)[1].split("&&", 1)[0].split()
        installed.setdefault(s, []).extend(pkgs)

# ---- packages exist in Debian 12 ----
if check("apt knows Debian 12's packages (apt lists present; else run apt-get update)",
         "Candidate: (none)" not in sh("apt-cache", "policy", "libc6").stdout):
    names = sorted({p for pkgs in installed.values() for p in pkgs})
    candidate = {}  # one apt-cache call: it takes seconds each
    for block in re.split(r"\n(?=\S)", sh("apt-cache", "policy", *names).stdout):
        m = re.match(r"(\S+?):(?:amd64)?\n(?:.*\n)*?\s+Candidate: (\S+)", block)
        if m:
            candidate[m.group(1)] = m.group(2)
    for s, pkgs in installed.items():
        for p in pkgs:
            check("%s: package %s is in Debian 12 (%s)" % (s, p, candidate.get(p)), candidate.get(p, "(none)") != "(none)")
check("proxy installs Debian's nginx", installed.get("proxy") == ["nginx"], installed.get("proxy"))

# ---- runtime libraries ----
copies = [a.split() for a in ops("runtime", "COPY") if a.startswith("--from=build")]
binaries = [p for c in copies for p in c[1:-1]]
check("runtime copies ttpgraphd, ttpctl and ttpgraph_health from the build",
      sorted(os.path.basename(b) for b in binaries) == ["ttpctl", "ttpgraph_health", "ttpgraphd"], binaries)
local = {b: os.path.join(build_dir, os.path.relpath(b, "/src/build")) for b in binaries}
for b, path in local.items():
    check("%s was built (%s)" % (b, path), os.access(path, os.X_OK))
def closure(pkgs):
    out = sh("apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
             "--no-breaks", "--no-replaces", "--no-enhances", *pkgs).stdout
    return {l.strip().strip("<>").split(":")[0] for l in out.splitlines() if l and not l.startswith(" ")}
required = [l.split()[0] for l in sh("dpkg-query", "-W", "-f", "${Package} ${Priority}\n").stdout.splitlines()
            if l.endswith(" required")]
base = closure(required)  # what debian:12-slim holds
runtime_pkgs = installed.get("runtime", [])
available = base | closure(runtime_pkgs)
libs = {}  # binary -> the real paths of the libraries it loads
for b, path in local.items():
    if os.path.exists(path):
        libs[b] = {os.path.realpath(m.group(1)) for m in re.finditer(r"=> (/\S+)", sh("ldd", path).stdout)}
owner = {}  # real path -> package; dpkg knows a merged-/usr file by either name
for line in sh("dpkg", "-S", *sorted(set().union(*libs.values()) | {re.sub(r"^/usr", "", f) for f in set().union(*libs.values())})).stdout.splitlines():
    pkg, _, f = line.partition(": ")
    owner[f] = owner["/usr" + f] = pkg.split(":")[0]
needed_by = {}
for b, paths in libs.items():
    for real in sorted(paths):
        pkg = owner.get(real)
        if check("%s: %s comes from a Debian package" % (os.path.basename(b), os.path.basename(real)), pkg is not None, real):
            needed_by.setdefault(pkg, set()).add(os.path.basename(b))
for pkg, users in sorted(needed_by.items()):
    check("runtime image has %s (for %s)" % (pkg, ", ".join(sorted(users))), pkg in available)
for pkg in runtime_pkgs:
    if pkg != "ca-certificates":  # no library: the CA store for https fetches (--sync-index, URL imports)
        check("runtime package %s is linked by a copied binary" % pkg, pkg in needed_by)
check("runtime installs no -dev package", not [p for p in runtime_pkgs if p.endswith("-dev")])

# ---- users, volume, health ----
def pod_user(path):
    docs = [d for d in yaml.safe_load_all(open(os.path.join(src, path))) if d]
    return docs[0]["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
for stage, manifest in (("runtime", "deploy/k8s/base/statefulset.yaml"),
                        ("proxy", "deploy/k8s/overlays/sharded/proxy-deployment.yaml")):
    user = ops(stage, "USER")
    uid = user[-1].split(":")[0] if user else "0"
    check("%s runs as a numeric non-root user (%s)" % (stage, uid), uid.isdigit() and int(uid) > 0)
    check("%s's uid is %s's runAsUser" % (stage, manifest), uid.isdigit() and int(uid) == pod_user(manifest), uid)
check("uid 33 is Debian's www-data, which owns nginx's files",
      sh("getent", "passwd", "33").stdout.startswith("www-data:"))
env = " ".join(ops("runtime", "ENV"))
data_dir = re.search(r"TTPGRAPH_DATA_DIR=(\S+)", env)
volumes = json.loads(ops("runtime", "VOLUME")[0]) if ops("runtime", "VOLUME") else []
check("the data directory is the VOLUME", data_dir is not None and volumes == [data_dir.group(1)], volumes)
check("the data directory is made for the user, mode 0700",
      any("install -d -o ttpgraph -g ttpgraph -m 0700 %s" % data_dir.group(1) in a for a in ops("runtime", "RUN")))
listen = re.search(r"TTPGRAPH_LISTEN=\S+:(\d+)", env)
check("EXPOSE has the gRPC port of TTPGRAPH_LISTEN", listen is not None and listen.group(1) in " ".join(ops("runtime", "EXPOSE")).split())
hc = ops("runtime", "HEALTHCHECK")
hc_cmd = json.loads(hc[0].split(" CMD ", 1)[1]) if hc else []
dest = [c[-1] for c in copies]
check("HEALTHCHECK runs the copied ttpgraph_health",
      hc_cmd[:1] == ["/usr/local/bin/ttpgraph_health"] and "/usr/local/bin/" in dest, hc_cmd)
check("ENTRYPOINT is ttpgraphd", ops("runtime", "ENTRYPOINT") == ['["/usr/local/bin/ttpgraphd"]'])
check("build builds the three binaries",
      any("deploy/build.sh ttpgraphd ttpctl ttpgraph_health" in a for a in ops("build", "RUN"))
      and any("deploy/install_deps.sh" in a for a in ops("build", "RUN")))
deploy = yaml.safe_load(open(os.path.join(src, "deploy/k8s/overlays/sharded/proxy-deployment.yaml")))
check("the proxy image's CMD is the proxy Deployment's command",
      json.loads(ops("proxy", "CMD")[0]) == deploy["spec"]["template"]["spec"]["containers"][0]["command"])
ignore = open(os.path.join(src, "deploy/Dockerfile.dockerignore")).read().split()
check("the build context leaves out .git, build trees and secrets",
      {".git", "build", "deploy/k8s/**/secrets/*"} <= set(ignore), ignore)
sys.exit(min(failures, 100))
PY
/usr/bin/python3 "$WORK/check.py" "$SRC" "$(dirname "$TTPGRAPHD")" >"$WORK/out" 2>&1
cat "$WORK/out"
passed=$(grep -c '^PASS ' "$WORK/out")
failed=$(grep -c '^FAIL ' "$WORK/out")
grep -q '^Traceback' "$WORK/out" && failed=$((failed + 1)) && echo "FAIL the checker crashed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

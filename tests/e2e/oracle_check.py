#!/usr/bin/env python3
"""Naive-scan oracle for ttpgraph.

Loads a STIX bundle, computes the expected answers straight from the raw
objects (no knowledge of the server's code), asks `ttpctl` the same
questions and compares:

  a. techniques used by every active group, for four usage-path selections,
     with provenance (direct / via software / via campaigns);
  b. mitigations of every active, in-domain technique;
  c. detectability (data components, detection strategies) of every active,
     in-domain technique.

Usage:
  oracle_check.py --ttpctl PATH --server HOST:PORT --bundle FILE \\
                  --release enterprise-attack@18.1 [--jobs 4] [--limit-groups N]
  oracle_check.py --bundle FILE --release R --print     # oracle answers only

Python 3 standard library only.
"""

import argparse
import collections
import concurrent.futures
import gzip
import json
import subprocess
import sys

ATTACK_SOURCES = ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack")
SOFTWARE_TYPES = ("malware", "tool")

# name -> (ttpctl flags, include direct, include software, include campaigns)
PATH_SETS = collections.OrderedDict([
    ("all", ([], True, True, True)),
    ("no-software", (["--no-software"], True, False, True)),
    ("direct-only", (["--no-software", "--no-campaigns"], True, False, False)),
    ("software-only", (["--no-direct", "--no-campaigns"], False, True, False)),
])


# --------------------------------------------------------------------------
# The oracle: plain dictionaries and loops over the bundle's objects.
# --------------------------------------------------------------------------

def load_bundle(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    bundle = json.loads(data)
    if not isinstance(bundle, dict) or bundle.get("type") != "bundle":
        raise SystemExit("%s: not a STIX bundle" % path)
    return bundle.get("objects", [])


def attack_id(obj):
    for ref in obj.get("external_references", []):
        if ref.get("source_name") in ATTACK_SOURCES and ref.get("external_id"):
            return ref["external_id"]
    return ""


def is_active(obj):
    return not obj.get("revoked", False) and not obj.get("x_mitre_deprecated", False)


class Oracle:
    def __init__(self, objects, domain):
        self.domain = domain
        self.by_id = {}
        for o in objects:
            old = self.by_id.get(o["id"])
            if old is None or o.get("modified", "") >= old.get("modified", ""):
                self.by_id[o["id"]] = o
        # Active relationships whose ends both exist, by (type, source).
        self.rels = [o for o in self.by_id.values()
                     if o["type"] == "relationship" and is_active(o)
                     and o["source_ref"] in self.by_id and o["target_ref"] in self.by_id]
        self.out = collections.defaultdict(list)  # (rel type, source) -> [target objects]
        self.into = collections.defaultdict(list)  # (rel type, target) -> [source objects]
        for r in self.rels:
            self.out[(r["relationship_type"], r["source_ref"])].append(self.by_id[r["target_ref"]])
            self.into[(r["relationship_type"], r["target_ref"])].append(self.by_id[r["source_ref"]])

    def name(self, obj):
        return attack_id(obj) or obj["id"]

    def in_domain(self, obj):
        domains = obj.get("x_mitre_domains")
        return not domains or self.domain in domains

    def listed(self, stix_type):
        """Active, in-domain objects of one type, sorted by ATT&CK ID."""
        objs = [o for o in self.by_id.values()
                if o["type"] == stix_type and is_active(o) and self.in_domain(o)]
        return sorted(objs, key=lambda o: (attack_id(o), o["id"]))

    def active_targets(self, rel_type, source_id, types):
        return [t for t in self.out[(rel_type, source_id)] if t["type"] in types and is_active(t)]

    def group_techniques(self, group_id, direct=True, software=True, campaigns=True):
        """{technique ATT&CK ID: {"direct": bool, "via_software": set, "via_campaigns": set}}"""
        result = collections.defaultdict(
            lambda: {"direct": False, "via_software": set(), "via_campaigns": set()})
        if direct:
            for tech in self.active_targets("uses", group_id, ("attack-pattern",)):
                result[self.name(tech)]["direct"] = True
        if software:
            for sw in self.active_targets("uses", group_id, SOFTWARE_TYPES):
                for tech in self.active_targets("uses", sw["id"], ("attack-pattern",)):
                    result[self.name(tech)]["via_software"].add(self.name(sw))
        if campaigns:
            for camp in self.into[("attributed-to", group_id)]:
                if camp["type"] != "campaign" or not is_active(camp):
                    continue
                for tech in self.active_targets("uses", camp["id"], ("attack-pattern",)):
                    result[self.name(tech)]["via_campaigns"].add(self.name(camp))
        return dict(result)

    def mitigations(self, tech_id):
        return {self.name(m) for m in self.into[("mitigates", tech_id)]
                if m["type"] == "course-of-action" and is_active(m)}

    def detectability(self, tech_id):
        """({data component stix id: {"label", "via_detects_relationship",
        "detection_strategies", "analytics"}}, {detection strategy ATT&CK ID})"""
        comps = collections.defaultdict(
            lambda: {"label": "", "via_detects_relationship": False, "detection_strategies": set(),
                     "analytics": set()})
        strategies = set()
        for src in self.into[("detects", tech_id)]:
            if not is_active(src):
                continue
            if src["type"] == "x-mitre-data-component":  # ATT&CK 10-17
                comps[src["id"]]["label"] = self.name(src)
                comps[src["id"]]["via_detects_relationship"] = True
            elif src["type"] == "x-mitre-detection-strategy":  # ATT&CK 18+
                strategies.add(self.name(src))
                for an_ref in src.get("x_mitre_analytic_refs", []):
                    analytic = self.by_id.get(an_ref)
                    if analytic is None or not is_active(analytic):
                        continue
                    for ls in analytic.get("x_mitre_log_source_references", []):
                        dc = self.by_id.get(ls.get("x_mitre_data_component_ref"))
                        if dc is None or not is_active(dc):
                            continue
                        comps[dc["id"]]["label"] = self.name(dc)
                        comps[dc["id"]]["detection_strategies"].add(self.name(src))
                        comps[dc["id"]]["analytics"].add(self.name(analytic))
        return dict(comps), strategies

    # Only used by --print (handy to check the fixtures' README by hand).
    def revoked_chain(self, stix_id):
        hops, seen, cur = [], {stix_id}, stix_id
        while True:
            nxt = self.out[("revoked-by", cur)]
            if not nxt:
                return hops, False
            cur = nxt[0]["id"]
            if cur in seen:
                return hops, True
            seen.add(cur)
            hops.append(self.name(self.by_id[cur]))

    def tactic_order(self):
        order = []
        for m in self.by_id.values():
            if m["type"] == "x-mitre-matrix" and is_active(m):
                for ref in m.get("tactic_refs", []):
                    tac = self.by_id.get(ref)
                    if tac and tac.get("x_mitre_shortname") not in order:
                        order.append(tac.get("x_mitre_shortname"))
        return order

    def tactics(self, tech):
        phases = {p["phase_name"] for p in tech.get("kill_chain_phases", [])
                  if p.get("kill_chain_name") in ATTACK_SOURCES}
        return [t for t in self.tactic_order() if t in phases]


# --------------------------------------------------------------------------
# Reading ttpctl's JSON (proto3 JSON: false / empty fields may be missing).
# --------------------------------------------------------------------------

def field(d, snake, default=None):
    if not isinstance(d, dict):
        return default
    if snake in d:
        return d[snake]
    parts = snake.split("_")
    camel = parts[0] + "".join(p.title() for p in parts[1:])
    return d.get(camel, default)


def obj_id(d):
    return field(d, "attack_id") or field(d, "stix_id") or ""


def paging_problem(doc, listed):
    page = field(doc, "page") or {}
    if field(page, "next_page_token"):
        return "response is paged (next_page_token set): ttpctl must return every page"
    total = field(page, "total_size")
    if total is not None and int(total) != len(listed):
        return "page.total_size=%s but %d items returned" % (total, len(listed))
    return None


def fmt(values):
    return "{" + ", ".join(sorted(values)) + "}"


def compare_sets(what, expected, got, problems, labels=None):
    """Keys of `expected` vs keys of `got`; `labels` optionally names keys for people."""
    labels = labels or {}
    missing, extra = set(expected) - set(got), set(got) - set(expected)
    if missing:
        problems.append("%s: missing %s" % (what, fmt(labels.get(k, k) for k in missing)))
    if extra:
        problems.append("%s: unexpected %s" % (what, fmt(labels.get(k, k) for k in extra)))


def check_group(doc, expected):
    problems = []
    rows = field(doc, "techniques") or []
    p = paging_problem(doc, rows)
    if p:
        problems.append(p)
    got = {}
    for row in rows:
        tid = obj_id(field(row, "technique"))
        if tid in got:
            problems.append("technique %s listed twice" % tid)
        got[tid] = {
            "direct": bool(field(row, "direct", False)),
            "via_software": {obj_id(s) for s in field(row, "via_software") or []},
            "via_campaigns": {obj_id(c) for c in field(row, "via_campaigns") or []},
        }
    ids = [obj_id(field(row, "technique")) for row in rows]
    if ids != sorted(ids):
        problems.append("techniques not ordered by ATT&CK ID")
    compare_sets("techniques", expected, got, problems)
    for tid in sorted(set(expected) & set(got)):
        exp, act = expected[tid], got[tid]
        if exp["direct"] != act["direct"]:
            problems.append("%s direct: expected %s, got %s" % (tid, exp["direct"], act["direct"]))
        for key in ("via_software", "via_campaigns"):
            if exp[key] != act[key]:
                problems.append("%s %s: expected %s, got %s" % (tid, key, fmt(exp[key]), fmt(act[key])))
    return problems


def check_mitigations(doc, expected):
    problems = []
    rows = field(doc, "mitigations") or []
    p = paging_problem(doc, rows)
    if p:
        problems.append(p)
    compare_sets("mitigations", expected, {obj_id(field(r, "mitigation")) for r in rows}, problems)
    return problems


def check_detectability(doc, expected):
    exp_comps, exp_strategies = expected
    problems = []
    rows = field(doc, "data_components") or []
    p = paging_problem(doc, rows)
    if p:
        problems.append(p)
    got = {field(field(r, "data_component"), "stix_id", ""): r for r in rows}
    labels = {dc: obj_id(field(r, "data_component")) or dc for dc, r in got.items()}
    labels.update({dc: c["label"] for dc, c in exp_comps.items()})
    compare_sets("data components", exp_comps, got, problems, labels)
    for dc in sorted(set(exp_comps) & set(got)):
        exp, row = exp_comps[dc], got[dc]
        via = bool(field(row, "via_detects_relationship", False))
        if via != exp["via_detects_relationship"]:
            problems.append("%s via_detects_relationship: expected %s, got %s"
                            % (labels[dc], exp["via_detects_relationship"], via))
        for key in ("detection_strategies", "analytics"):
            act = set(field(row, key) or [])
            if act != exp[key]:
                problems.append("%s %s: expected %s, got %s" % (labels[dc], key, fmt(exp[key]), fmt(act)))
    strategies = {obj_id(field(s, "strategy")) for s in field(doc, "detection_strategies") or []}
    compare_sets("detection strategies", exp_strategies, strategies, problems)
    return problems


# --------------------------------------------------------------------------
# Running ttpctl.
# --------------------------------------------------------------------------

def run_ttpctl(args, words):
    cmd = [args.ttpctl] + args.ttpctl_arg + ["--server", args.server, "--json"] + words
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ss: %s" % (args.timeout, " ".join(cmd))
    except OSError as e:
        return None, "cannot run %s: %s" % (args.ttpctl, e)
    if proc.returncode != 0:
        return None, "exit %d: %s\n      %s" % (proc.returncode, " ".join(cmd),
                                              proc.stderr.strip()[:500])
    try:
        return json.loads(proc.stdout), None
    except ValueError as e:
        return None, "output is not JSON (%s): %s\n      %s" % (e, " ".join(cmd), proc.stdout[:300])


def make_checks(oracle, args):
    """[(label, ttpctl words, expected, compare function)]"""
    checks = []
    groups = oracle.listed("intrusion-set")
    if args.limit_groups is not None:
        groups = groups[:args.limit_groups]
    for g in groups:
        for name, (flags, direct, software, campaigns) in PATH_SETS.items():
            expected = oracle.group_techniques(g["id"], direct, software, campaigns)
            words = ["group", "techniques", oracle.name(g), "--release", args.release] + flags
            checks.append(("%s [%s]" % (oracle.name(g), name), words, expected, check_group))
    techniques = oracle.listed("attack-pattern")
    if args.limit_techniques is not None:
        techniques = techniques[:args.limit_techniques]
    for t in techniques:
        tid = oracle.name(t)
        checks.append(("%s mitigations" % tid,
                       ["technique", "mitigations", tid, "--release", args.release],
                       oracle.mitigations(t["id"]), check_mitigations))
        checks.append(("%s detectability" % tid,
                       ["technique", "detectability", tid, "--release", args.release],
                       oracle.detectability(t["id"]), check_detectability))
    return len(groups), len(techniques), checks


def run_checks(args, oracle):
    n_groups, n_techs, checks = make_checks(oracle, args)

    def one(check):
        label, words, expected, compare = check
        doc, error = run_ttpctl(args, words)
        return label, [error] if error else compare(doc, expected)

    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for label, problems in pool.map(one, checks):
            if problems:
                failures.append((label, problems))

    for label, problems in failures[:args.max_diffs]:
        print("FAIL %s" % label)
        for p in problems[:10]:
            print("    " + p)
        if len(problems) > 10:
            print("    ... %d more" % (len(problems) - 10))
    if len(failures) > args.max_diffs:
        print("... %d more failing checks" % (len(failures) - args.max_diffs))
    print("oracle: %d groups x %d path sets, %d techniques: %d passed, %d failed"
          % (n_groups, len(PATH_SETS), n_techs, len(checks) - len(failures), len(failures)))
    return 1 if failures else 0


# --------------------------------------------------------------------------
# --print: the oracle's answers, without ttpctl.
# --------------------------------------------------------------------------

def print_answers(oracle, args):
    print("release %s, tactic order (matrix): %s" % (args.release, ", ".join(oracle.tactic_order())))
    groups = oracle.listed("intrusion-set")
    if args.limit_groups is not None:
        groups = groups[:args.limit_groups]
    for g in groups:
        print("group %s (%s)" % (oracle.name(g), g.get("name")))
        for name, (_, direct, software, campaigns) in PATH_SETS.items():
            res = oracle.group_techniques(g["id"], direct, software, campaigns)
            parts = []
            for tid in sorted(res):
                r = res[tid]
                prov = (["direct"] if r["direct"] else []) + sorted(r["via_software"]) \
                    + sorted(r["via_campaigns"])
                parts.append("%s(%s)" % (tid, "+".join(prov)))
            print("  %-14s %s" % (name + ":", " ".join(parts) or "-"))
    techniques = oracle.listed("attack-pattern")
    if args.limit_techniques is not None:
        techniques = techniques[:args.limit_techniques]
    for t in techniques:
        tid = oracle.name(t)
        comps, strategies = oracle.detectability(t["id"])
        dcs = []
        for dc_id in sorted(comps, key=lambda i: oracle.name(oracle.by_id[i])):
            c = comps[dc_id]
            how = (["detects-rel"] if c["via_detects_relationship"] else []) \
                + sorted(c["detection_strategies"]) + sorted(c["analytics"])
            dcs.append("%s(%s)" % (oracle.name(oracle.by_id[dc_id]), "+".join(how)))
        print("technique %s (%s) tactics=[%s]" % (tid, t.get("name"), ", ".join(oracle.tactics(t))))
        print("  mitigations:    %s" % (" ".join(sorted(oracle.mitigations(t["id"]))) or "-"))
        print("  data comps:     %s" % (" ".join(dcs) or "-"))
        print("  strategies:     %s" % (" ".join(sorted(strategies)) or "-"))
    for o in sorted(oracle.by_id.values(), key=lambda o: (attack_id(o), o["id"])):
        if o.get("revoked") and o["type"] != "relationship":
            hops, cycle = oracle.revoked_chain(o["id"])
            print("revoked %s %s -> [%s]%s" % (o["type"], oracle.name(o), ", ".join(hops),
                                              " CYCLE" if cycle else ""))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ttpctl", help="path to the ttpctl binary")
    ap.add_argument("--server", help="HOST:PORT of ttpgraphd")
    ap.add_argument("--bundle", required=True, help="STIX bundle (.json or .json.gz)")
    ap.add_argument("--release", required=True, help="DOMAIN@VERSION, e.g. enterprise-attack@18.1")
    ap.add_argument("--jobs", type=int, default=4, help="parallel ttpctl calls")
    ap.add_argument("--limit-groups", type=int, help="check only the first N groups")
    ap.add_argument("--limit-techniques", type=int, help="check only the first N techniques")
    ap.add_argument("--max-diffs", type=int, default=10, help="failing checks to print")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per ttpctl call")
    ap.add_argument("--ttpctl-arg", action="append", default=[],
                    help="extra ttpctl argument before the others (repeatable), "
                         "e.g. --ttpctl-arg=--token=...")
    ap.add_argument("--print", "--self-test", dest="print_only", action="store_true",
                    help="print the oracle's answers for the bundle; do not call ttpctl")
    args = ap.parse_args()

    domain = args.release.split("@", 1)[0]
    oracle = Oracle(load_bundle(args.bundle), domain)
    if args.print_only:
        return print_answers(oracle, args)
    if not args.ttpctl or not args.server:
        ap.error("--ttpctl and --server are required (or use --print)")
    return run_checks(args, oracle)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Independent gap computation from a raw ATT&CK bundle (SPEC.md "Gap").

Input: the bundle, the DETECTED technique IDs (tests/e2e/org_sigma_oracle.py's
"detected" list, itself computed from the Sigma tarball), and the names of the
data components the organization collects. For every active group of the
domain (or --groups), the techniques it uses through direct `uses`, its
software and its attributed campaigns (tests/e2e/diff_oracle.py's naive set
walk), minus the DETECTED ones: LOGGED when a collected data component can
detect the technique (10-17 `detects`, or 18+ strategy -> analytic -> log
source -> data component), else BLIND. Ranked by number of groups, then
software + campaigns through which they use it, then ATT&CK ID. Greedy
telemetry recommendations over the BLIND gaps.

Prints JSON: {"techniques_used", "detected", "logged", "blind", "gaps": [...],
"recommendations": [[DC id, added, cumulative], ...]}.
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diff_oracle import Release, active, attack_id, load  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--detected", required=True, help="JSON file with a 'detected' list of ATT&CK IDs")
    ap.add_argument("--collect", action="append", default=[], help="collected data component name")
    ap.add_argument("--groups", default="")
    ap.add_argument("--domain", default="enterprise-attack")
    ap.add_argument("--no-software", action="store_true")
    ap.add_argument("--no-campaigns", action="store_true")
    ap.add_argument("--min-groups", type=int, default=1)
    ap.add_argument("--recommendations", type=int, default=10)
    a = ap.parse_args()

    rel = Release(load(a.bundle))
    rel.index()
    detected = set(json.load(open(a.detected))["detected"])
    in_domain = lambda o: a.domain in o.get("x_mitre_domains", [a.domain])
    groups = sorted((o for o in rel.objects if o["type"] == "intrusion-set" and active(o) and in_domain(o)),
                    key=lambda o: (attack_id(o), o["name"]))
    if a.groups:
        want = a.groups.split(",")
        groups = [g for g in groups if attack_id(g) in want]
    collected = {o["id"] for o in rel.objects if o["type"] == "x-mitre-data-component" and active(o)
                 and o["name"].lower() in {c.lower() for c in a.collect}}

    uses = {}  # technique stix id -> {"groups", "software", "campaigns"}
    for g in groups:
        gid = g["id"]
        entries = [("direct", gid, rel.out_active("uses", gid, ("attack-pattern",)))]
        if not a.no_software:
            for s in rel.out_active("uses", gid, ("malware", "tool")):
                entries.append(("software", s, rel.out_active("uses", s, ("attack-pattern",))))
        if not a.no_campaigns:
            for c in rel.in_active("attributed-to", gid, ("campaign",)):
                entries.append(("campaigns", c, rel.out_active("uses", c, ("attack-pattern",))))
        for kind, via, techs in entries:
            for t in techs:
                if not in_domain(rel.by_id[t]):
                    continue
                u = uses.setdefault(t, {"groups": set(), "software": set(), "campaigns": set()})
                u["groups"].add(attack_id(g))
                if kind != "direct":
                    u[kind].add(attack_id(rel.by_id[via]))

    out = {"techniques_used": len(uses), "detected": 0, "logged": 0, "blind": 0, "gaps": []}
    for t, u in uses.items():
        if len(u["groups"]) < a.min_groups:
            continue
        tid = attack_id(rel.by_id[t])
        if tid in detected:
            out["detected"] += 1
            continue
        dcs = rel.data_components(t)
        status = "LOGGED" if dcs & collected else "BLIND"
        out["logged" if status == "LOGGED" else "blind"] += 1
        out["gaps"].append({"id": tid, "status": status, "groups": sorted(u["groups"]),
                            "software": sorted(u["software"]), "campaigns": sorted(u["campaigns"]),
                            "data_components": sorted(attack_id(rel.by_id[d]) or d for d in dcs)})
    out["gaps"].sort(key=lambda x: (-len(x["groups"]), -(len(x["software"]) + len(x["campaigns"])), x["id"]))

    blind = [set(g["data_components"]) for g in out["gaps"] if g["status"] == "BLIND"]
    closed, recs, total = [False] * len(blind), [], 0
    candidates = sorted({d for s in blind for d in s})
    while len(recs) < a.recommendations:
        best, best_n = None, 0
        for d in candidates:
            if d in [r[0] for r in recs]:
                continue
            n = sum(1 for i, s in enumerate(blind) if not closed[i] and d in s)
            if n > best_n:
                best, best_n = d, n
        if best is None:
            break
        for i, s in enumerate(blind):
            if best in s:
                closed[i] = True
        total += best_n
        recs.append([best, best_n, total])
    out["recommendations"] = recs
    print(json.dumps(out))


if __name__ == "__main__":
    main()

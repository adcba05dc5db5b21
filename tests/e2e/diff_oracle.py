#!/usr/bin/env python3
"""Independent oracle for the release diff and group overlap.

Reads two STIX bundles (plain or gzip) and computes, with plain dictionaries
and loops over the raw objects (no knowledge of the server's code):

  * MITRE's changelog categories per object type, by the rules of
    mitreattack-python's diff_stix (diffStix/core/diff_stix.py,
    change_detector.py, utils/version_utils.py);
  * relationship diffs as naive set differences between the releases
    (objects active in both): group direct techniques and software, campaign
    techniques and attributions, technique mitigations, detection strategies
    and data components (10-17 `detects` and the 18+ strategy -> analytic ->
    log source chain), tactic changes, sub-technique parent changes;
  * the `detects` relationship sources per release.

Usage:
  diff_oracle.py --from OLD.json.gz --to NEW.json.gz            # JSON on stdout
  diff_oracle.py --overlap BUNDLE --groups G0016,G0007,... [--no-software]
                 [--no-campaigns] [--no-direct]                  # overlap JSON

Python 3 standard library only.
"""

import argparse
import datetime
import gzip
import json
import sys

ATTACK_SOURCES = ("mitre-attack", "mitre-mobile-attack", "mitre-ics-attack")
TYPES = [
    ("techniques", ("attack-pattern",)),
    ("software", ("malware", "tool")),
    ("groups", ("intrusion-set",)),
    ("campaigns", ("campaign",)),
    ("assets", ("x-mitre-asset",)),
    ("mitigations", ("course-of-action",)),
    ("datasources", ("x-mitre-data-source",)),
    ("datacomponents", ("x-mitre-data-component",)),
    ("detectionstrategies", ("x-mitre-detection-strategy",)),
    ("analytics", ("x-mitre-analytic",)),
]
CATEGORIES = ["additions", "major_version_changes", "minor_version_changes", "other_version_changes",
              "patches", "revocations", "deprecations", "deletions", "unchanged"]


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data)["objects"]


def attack_id(o):
    for r in o.get("external_references", []):
        if r.get("source_name") in ATTACK_SOURCES and r.get("external_id"):
            return r["external_id"]
    return ""


def active(o):
    return not o.get("revoked", False) and not o.get("x_mitre_deprecated", False)


def version(o):
    major, minor = o.get("x_mitre_version", "0.0").split(".")
    return int(major), int(minor)


def instant(ts):
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def desc_lines(o):
    return o["description"].replace("\n", " ").splitlines()


class Release:
    def __init__(self, objects):
        self.objects = objects
        self.by_id = {o["id"]: o for o in objects}
        self.rels = [o for o in objects if o["type"] == "relationship"
                     and o["source_ref"] in self.by_id and o["target_ref"] in self.by_id]
        self.active_rels = [r for r in self.rels if active(r)]

    def targets(self, source, rel_type, target_types):
        return {r["target_ref"] for r in self.active_rels
                if r["relationship_type"] == rel_type and r["source_ref"] == source
                and self.by_id[r["target_ref"]]["type"] in target_types and active(self.by_id[r["target_ref"]])}

    def index(self):
        """(rel type, source) -> [rel] and (rel type, target) -> [rel], active only."""
        self.out, self.into = {}, {}
        for r in self.active_rels:
            self.out.setdefault((r["relationship_type"], r["source_ref"]), []).append(r)
            self.into.setdefault((r["relationship_type"], r["target_ref"]), []).append(r)

    def out_active(self, rel_type, source, target_types):
        return {r["target_ref"] for r in self.out.get((rel_type, source), [])
                if self.by_id[r["target_ref"]]["type"] in target_types and active(self.by_id[r["target_ref"]])}

    def in_active(self, rel_type, target, source_types):
        return {r["source_ref"] for r in self.into.get((rel_type, target), [])
                if self.by_id[r["source_ref"]]["type"] in source_types and active(self.by_id[r["source_ref"]])}

    def data_components(self, tech):
        dcs = set(self.in_active("detects", tech, ("x-mitre-data-component",)))
        for s in self.in_active("detects", tech, ("x-mitre-detection-strategy",)):
            for a in self.by_id[s].get("x_mitre_analytic_refs", []):
                an = self.by_id.get(a)
                if an is None or an["type"] != "x-mitre-analytic" or not active(an):
                    continue
                for ls in an.get("x_mitre_log_source_references", []):
                    dc = self.by_id.get(ls.get("x_mitre_data_component_ref", ""))
                    if dc is not None and active(dc):
                        dcs.add(dc["id"])
        return dcs

    def tactics(self, tech):
        return {p["phase_name"] for p in self.by_id[tech].get("kill_chain_phases", [])
                if p.get("kill_chain_name") in ATTACK_SOURCES}

    def parent(self, tech):
        ps = [r["target_ref"] for r in self.out.get(("subtechnique-of", tech), [])]
        return ps[0] if ps else ""


def changelog(old, new):
    out = {}
    for name, stix_types in TYPES:
        o = {x["id"]: x for x in old.objects if x["type"] in stix_types}
        n = {x["id"]: x for x in new.objects if x["type"] in stix_types}
        cats = {c: [] for c in CATEGORIES}
        cats["additions"] = sorted(n.keys() - o.keys())
        cats["deletions"] = sorted(o.keys() - n.keys())
        for sid in sorted(o.keys() & n.keys()):
            a, b = o[sid], n[sid]
            if b.get("revoked"):
                if a.get("revoked"):
                    continue
                revs = [r for r in new.objects if r["type"] == "relationship"
                        and r["relationship_type"] == "revoked-by" and r["source_ref"] == sid]
                if not revs or revs[0]["target_ref"] not in n:
                    continue
                cats["revocations"].append(sid)
                continue
            if b.get("x_mitre_deprecated"):
                if not a.get("x_mitre_deprecated"):
                    cats["deprecations"].append(sid)
                continue
            va, vb = version(a), version(b)
            if vb == (va[0] + 1, 0):
                cats["major_version_changes"].append(sid)
            elif vb == (va[0], va[1] + 1):
                cats["minor_version_changes"].append(sid)
            elif va != vb:
                cats["other_version_changes"].append(sid)
            elif instant(a["modified"]) != instant(b["modified"]):
                cats["patches"].append(sid)
            elif "description" in a and "description" in b and \
                    (any(l not in desc_lines(b) for l in desc_lines(a)) or
                     any(l not in desc_lines(a) for l in desc_lines(b))):
                cats["patches"].append(sid)
            else:
                cats["unchanged"].append(sid)
        out[name] = cats
    return out


def delta(a, b):
    return {"gained": sorted(b - a), "lost": sorted(a - b)}


def both_active(old, new, stix_type):
    return sorted(sid for sid, o in new.by_id.items()
                  if o["type"] == stix_type and active(o)
                  and sid in old.by_id and old.by_id[sid]["type"] == stix_type and active(old.by_id[sid]))


def relationship_diffs(old, new):
    old.index()
    new.index()
    res = {"groups": {}, "campaigns": {}, "techniques": {}, "tactic_changes": {}, "parent_changes": {}}
    for g in both_active(old, new, "intrusion-set"):
        d = {"techniques": delta(old.out_active("uses", g, ("attack-pattern",)),
                                 new.out_active("uses", g, ("attack-pattern",))),
             "software": delta(old.out_active("uses", g, ("malware", "tool")),
                               new.out_active("uses", g, ("malware", "tool")))}
        if any(v["gained"] or v["lost"] for v in d.values()):
            res["groups"][g] = d
    for c in both_active(old, new, "campaign"):
        d = {"techniques": delta(old.out_active("uses", c, ("attack-pattern",)),
                                 new.out_active("uses", c, ("attack-pattern",))),
             "groups": delta(old.out_active("attributed-to", c, ("intrusion-set",)),
                             new.out_active("attributed-to", c, ("intrusion-set",)))}
        if any(v["gained"] or v["lost"] for v in d.values()):
            res["campaigns"][c] = d
    for t in both_active(old, new, "attack-pattern"):
        d = {"mitigations": delta(old.in_active("mitigates", t, ("course-of-action",)),
                                  new.in_active("mitigates", t, ("course-of-action",))),
             "strategies": delta(old.in_active("detects", t, ("x-mitre-detection-strategy",)),
                                 new.in_active("detects", t, ("x-mitre-detection-strategy",))),
             "data_components": delta(old.data_components(t), new.data_components(t))}
        if any(v["gained"] or v["lost"] for v in d.values()):
            res["techniques"][t] = d
        ta, tb = old.tactics(t), new.tactics(t)
        if ta != tb:
            res["tactic_changes"][t] = {"removed": sorted(ta - tb), "added": sorted(tb - ta)}
        if old.parent(t) != new.parent(t):
            res["parent_changes"][t] = [old.parent(t), new.parent(t)]
    return res


def detects_sources(rel):
    counts = {"x-mitre-data-component": 0, "x-mitre-detection-strategy": 0, "other": 0}
    for r in rel.active_rels:
        if r["relationship_type"] != "detects":
            continue
        t = rel.by_id[r["source_ref"]]["type"]
        counts[t if t in counts else "other"] += 1
    return counts


def group_techniques(rel, gid, direct, software, campaigns):
    techs = set()
    if direct:
        techs |= rel.out_active("uses", gid, ("attack-pattern",))
    if software:
        for s in rel.out_active("uses", gid, ("malware", "tool")):
            techs |= rel.out_active("uses", s, ("attack-pattern",))
    if campaigns:
        for c in rel.in_active("attributed-to", gid, ("campaign",)):
            techs |= rel.out_active("uses", c, ("attack-pattern",))
    return techs


def overlap(rel, group_ids, direct, software, campaigns):
    rel.index()
    by_attack = {}
    for o in rel.objects:
        if o["type"] == "intrusion-set" and active(o):
            by_attack[attack_id(o)] = o["id"]
    sets = {g: group_techniques(rel, by_attack[g], direct, software, campaigns) for g in group_ids}
    pairs = []
    for i, a in enumerate(group_ids):
        for b in group_ids[i + 1:]:
            sa, sb = sets[a], sets[b]
            union = len(sa | sb)
            pairs.append({"a": a, "b": b, "shared": len(sa & sb), "only_a": len(sa - sb), "only_b": len(sb - sa),
                          "jaccard": (len(sa & sb) / union) if union else 0.0})
    return {"groups": {g: len(s) for g, s in sets.items()}, "pairs": pairs}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="old")
    ap.add_argument("--to", dest="new")
    ap.add_argument("--overlap")
    ap.add_argument("--groups", default="")
    ap.add_argument("--no-software", action="store_true")
    ap.add_argument("--no-campaigns", action="store_true")
    ap.add_argument("--no-direct", action="store_true")
    args = ap.parse_args()
    if args.overlap:
        rel = Release(load(args.overlap))
        groups = [g for g in args.groups.split(",") if g]
        json.dump(overlap(rel, groups, not args.no_direct, not args.no_software, not args.no_campaigns),
                  sys.stdout, indent=1, sort_keys=True)
        return
    if not args.old or not args.new:
        ap.error("--from and --to are required")
    old, new = Release(load(args.old)), Release(load(args.new))
    out = {"changelog": changelog(old, new)}
    out.update(relationship_diffs(old, new))
    out["detects"] = {"from": detects_sources(old), "to": detects_sources(new)}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()

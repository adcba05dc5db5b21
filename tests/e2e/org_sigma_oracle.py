#!/usr/bin/env python3
"""Independent count of what the SigmaHQ rules DETECT in an ATT&CK bundle.

Reads the tarball with tarfile and a minimal line-based tag reader (no YAML
library), and the bundle with json; prints JSON:
  {"rules": N, "detected": [ids], "tactics": {shortname: detected count}}
Rules of the three rule folders count when their status is neither deprecated
nor unsupported; a tagged ID counts for the active technique it names, or for
the end of its revoked-by chain; unknown and deprecated IDs count for nothing.
"""
import argparse, gzip, json, re, tarfile

TAG = re.compile(r"^attack\.t\d{4}(\.\d{3})?$")
FOLDERS = ("rules/", "rules-emerging-threats/", "rules-threat-hunting/")

def rule_tags(text):
    docs, cur, in_tags, status = [], [], False, ""
    for line in text.splitlines():
        if line.strip() == "---":
            in_tags = False
            continue
        if line.startswith("status:"):
            status = line.split(":", 1)[1].split("#")[0].strip()
        if line.startswith("tags:"):
            in_tags = True
            continue
        if in_tags:
            s = line.strip()
            if s.startswith("- "):
                cur.append(s[2:].split("#")[0].strip().lower())
                continue
            if s and not s.startswith("#"):
                in_tags = False
    return status, [t.upper()[7:] for t in cur if TAG.match(t)]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tarball", required=True)
    ap.add_argument("--bundle", required=True)
    a = ap.parse_args()
    objs = json.load(gzip.open(a.bundle))["objects"]
    by_id, stix = {}, {}
    for o in objs:
        stix[o["id"]] = o
        if o["type"] != "attack-pattern":
            continue
        for r in o.get("external_references", []):
            if r.get("source_name") == "mitre-attack":
                by_id.setdefault(r["external_id"], []).append(o)
    revoked_by = {o["source_ref"]: o["target_ref"] for o in objs
                  if o["type"] == "relationship" and o.get("relationship_type") == "revoked-by"}
    def aid(o):
        return next(r["external_id"] for r in o["external_references"] if r.get("source_name") == "mitre-attack")
    def active(o):
        return not o.get("revoked") and not o.get("x_mitre_deprecated") and \
            "enterprise-attack" in o.get("x_mitre_domains", ["enterprise-attack"])
    def resolve(tid):
        cands = by_id.get(tid, [])
        if not cands:
            return None
        o = next((c for c in cands if active(c)), cands[0])
        seen = set()
        while o.get("revoked") and o["id"] in revoked_by and o["id"] not in seen:
            seen.add(o["id"])
            o = stix.get(revoked_by[o["id"]], o)
        return aid(o) if active(o) else None
    detected, rules = set(), 0
    with tarfile.open(a.tarball) as tf:
        for m in tf:
            if not m.isfile() or not m.name.endswith(".yml") or not m.name.startswith(FOLDERS):
                continue
            rules += 1
            status, tags = rule_tags(tf.extractfile(m).read().decode("utf-8"))
            if status in ("deprecated", "unsupported"):
                continue
            for t in tags:
                r = resolve(t)
                if r:
                    detected.add(r)
    tactics = {}
    for o in objs:
        if o["type"] == "attack-pattern" and active(o) and aid(o) in detected:
            for p in o.get("kill_chain_phases", []):
                if p.get("kill_chain_name") == "mitre-attack":
                    tactics[p["phase_name"]] = tactics.get(p["phase_name"], 0) + 1
    print(json.dumps({"rules": rules, "detected": sorted(detected), "tactics": tactics}))

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A naive, independent reader of ttpgraph's extension exports (issue 12).

  extension_oracle.py make-bundle RELEASE.json.gz OUT.json
      writes the e2e test's extension bundle: a custom technique ACME-T0001, a
      custom group without an ID (the server assigns one) that uses it and
      MITRE's T1059.001, looked up by ATT&CK ID in the real release.
  extension_oracle.py check-merged MERGED.json RELEASE.json.gz GROUP_ID
      reads `ttpctl extension export --merged` output with nothing but json:
      prints one line per fact the e2e test compares (the collection, counts,
      the custom technique by ID, the custom group's techniques, G0016's x_ field).
"""
import gzip
import json
import sys

TECH = "attack-pattern--ac000000-0000-4000-8000-0000000e2e01"
GROUP = "intrusion-set--ac000000-0000-4000-8000-0000000e2e02"


def attack_id(o):
    for r in o.get("external_references", []):
        if r.get("source_name") == "mitre-attack":
            return r.get("external_id")
    return None


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)["objects"]


def make_bundle(release, out):
    by_id = {attack_id(o): o for o in load(release) if o.get("type") == "attack-pattern"}
    t1059_001 = by_id["T1059.001"]["id"]
    stamp = "2026-12-01T00:00:00.000Z"
    objects = [
        {"type": "attack-pattern", "spec_version": "2.1", "id": TECH, "created": stamp, "modified": stamp,
         "name": "ACME Payroll Fraud", "description": "Seen in ACME incident 2026-17.",
         "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "execution"}],
         "external_references": [{"source_name": "mitre-attack", "external_id": "ACME-T0001"}],
         "x_mitre_domains": ["enterprise-attack"], "x_mitre_platforms": ["Windows"], "x_mitre_version": "1.0",
         "x_acme_priority": 1},
        {"type": "intrusion-set", "spec_version": "2.1", "id": GROUP, "created": stamp, "modified": stamp,
         "name": "ACME Finance Crew", "aliases": ["ACME Finance Crew"], "x_mitre_domains": ["enterprise-attack"],
         "x_acme_sector": ["finance"]},
    ]
    for n, target in enumerate([TECH, t1059_001]):
        objects.append({"type": "relationship", "spec_version": "2.1",
                        "id": "relationship--ac000000-0000-4000-8000-0000000e2e1%d" % n, "created": stamp,
                        "modified": stamp, "relationship_type": "uses", "source_ref": GROUP, "target_ref": target})
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"type": "bundle", "id": "bundle--ac000000-0000-4000-8000-0000000e2e00", "objects": objects}, f)


def check_merged(merged, release, group_id):
    objects = load(merged)
    base = load(release)
    print("first type", objects[0]["type"])
    print("contents match", len(objects[0]["x_mitre_contents"]) == len(objects) - 1)
    print("extra objects", len(objects) - 1 - len(base))
    print("all 2.1", all(o.get("spec_version") == "2.1" for o in objects))
    by_attack = {}
    for o in objects:
        if attack_id(o):
            by_attack.setdefault(attack_id(o), []).append(o)
    tech = [o for o in by_attack.get("ACME-T0001", []) if o["type"] == "attack-pattern"]
    print("ACME-T0001", tech[0]["name"] if len(tech) == 1 else "missing")
    group = [o for o in by_attack.get(group_id, []) if o["type"] == "intrusion-set"]
    print(group_id, group[0]["name"] if len(group) == 1 else "missing")
    ids = {o["id"]: o for o in objects}
    used = sorted(attack_id(ids[r["target_ref"]]) for r in objects
                  if r["type"] == "relationship" and r["relationship_type"] == "uses" and group
                  and r["source_ref"] == group[0]["id"] and ids.get(r["target_ref"], {}).get("type") == "attack-pattern")
    print("group techniques", ",".join(used))
    g0016 = [o for o in by_attack.get("G0016", []) if o["type"] == "intrusion-set"]
    print("G0016 x_acme_sector", json.dumps(g0016[0].get("x_acme_sector")) if g0016 else "missing")


if __name__ == "__main__":
    if sys.argv[1] == "make-bundle":
        make_bundle(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "check-merged":
        check_merged(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)

#!/usr/bin/env python3
"""Writes the hand-made bundles of tests/testdata/gap and tests/testdata/migration.

Run from the repository root: python3 tests/testdata/gap/make_fixtures.py
The README next to each bundle gives the expected answers.
"""
import json, os

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = "2024-01-01T00:00:00.000Z"


def ext(kind, attack_id):
    return [{"source_name": "mitre-attack", "url": f"https://attack.mitre.org/{kind}/{attack_id}", "external_id": attack_id}]


def uid(prefix, n):
    return f"{prefix}--{n:08x}-0000-4000-8000-{n:012x}"


class B:
    def __init__(self, modified):
        self.objects, self.modified, self.rel = [], modified, 0

    def add(self, o):
        o.setdefault("created", T0)
        o.setdefault("modified", self.modified)
        o.setdefault("x_mitre_domains", ["enterprise-attack"])
        self.objects.append(o)
        return o["id"]

    def tactics(self, names):
        ids = []
        for i, (short, ta) in enumerate(names):
            ids.append(self.add({"type": "x-mitre-tactic", "id": uid("x-mitre-tactic", 0x7a0 + i), "name": short.title(),
                                 "external_references": ext("tactics", ta), "x_mitre_version": "1.0",
                                 "description": "Fixture tactic.", "x_mitre_shortname": short}))
        self.add({"type": "x-mitre-matrix", "id": uid("x-mitre-matrix", 0x3a0), "name": "Enterprise ATT&CK",
                  "external_references": ext("matrices", "enterprise-attack"), "x_mitre_version": "1.0",
                  "description": "Fixture matrix.", "tactic_refs": ids})

    def technique(self, n, tid, name, tactics=("execution",), version="1.0", sub=False, **kw):
        o = {"type": "attack-pattern", "id": uid("attack-pattern", n), "name": name,
             "external_references": ext("techniques", tid.replace(".", "/")) , "x_mitre_version": version,
             "description": f"Fixture technique {tid}.",
             "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": t} for t in tactics],
             "x_mitre_platforms": ["Windows"], "x_mitre_is_subtechnique": sub}
        o["external_references"][0]["external_id"] = tid
        o.update(kw)
        return self.add(o)

    def group(self, n, gid, name, **kw):
        o = {"type": "intrusion-set", "id": uid("intrusion-set", n), "name": name, "external_references": ext("groups", gid),
             "x_mitre_version": "1.0", "description": "Fixture group.", "aliases": [name]}
        o.update(kw)
        return self.add(o)

    def software(self, n, sid, name):
        return self.add({"type": "malware", "id": uid("malware", n), "name": name, "external_references": ext("software", sid),
                         "x_mitre_version": "1.0", "description": "Fixture malware.", "x_mitre_aliases": [name],
                         "x_mitre_platforms": ["Windows"], "labels": ["malware"]})

    def campaign(self, n, cid, name):
        return self.add({"type": "campaign", "id": uid("campaign", n), "name": name, "external_references": ext("campaigns", cid),
                         "x_mitre_version": "1.0", "description": "Fixture campaign.", "aliases": [name],
                         "first_seen": T0, "last_seen": T0})

    def data_component(self, n, dcid, name):
        return self.add({"type": "x-mitre-data-component", "id": uid("x-mitre-data-component", n), "name": name,
                         "external_references": ext("datacomponents", dcid), "x_mitre_version": "1.0",
                         "description": "Fixture data component."})

    def r(self, kind, src, dst):
        self.rel += 1
        self.add({"type": "relationship", "id": uid("relationship", 0x7e0000 + self.rel), "relationship_type": kind,
                  "source_ref": src, "target_ref": dst})

    def write(self, path, n):
        with open(path, "w") as f:
            json.dump({"type": "bundle", "id": uid("bundle", n), "spec_version": "2.0", "objects": self.objects}, f, indent=1)
            f.write("\n")


def gap_fixture():
    b = B("2025-04-15T00:00:00.000Z")
    b.tactics([("execution", "TA0002")])
    t = {}
    for i, (tid, name) in enumerate([("T2001", "Everyone Uses"), ("T2002", "Two Groups And Software"),
                                     ("T2003", "Two Groups Plain"), ("T2004", "Detected By Three"),
                                     ("T2005", "Logged One"), ("T2006", "No Telemetry"),
                                     ("T2007", "Two Groups And Campaign"), ("T2008", "One Group DC3")]):
        t[tid] = b.technique(0x2000 + i, tid, name)
    t["T2001.001"] = b.technique(0x2101, "T2001.001", "Everyone Uses Sub", sub=True)
    b.r("subtechnique-of", t["T2001.001"], t["T2001"])
    g1, g2, g3 = b.group(1, "G1001", "Gap One"), b.group(2, "G1002", "Gap Two"), b.group(3, "G1003", "Gap Three")
    g9 = b.group(9, "G1009", "Gap Revoked", revoked=True)
    b.r("revoked-by", g9, g1)
    s1 = b.software(1, "S1001", "GapRAT")
    c1 = b.campaign(1, "C1001", "Gap Operation")
    dc = {k: b.data_component(0x10 + i, k, n) for i, (k, n) in
          enumerate([("DC1001", "Wide Sensor"), ("DC1002", "Overlapping Sensor"), ("DC1003", "Narrow Sensor"),
                     ("DC1004", "Collected Sensor")])}
    for g in (g1, g2, g3):
        b.r("uses", g, t["T2001"]); b.r("uses", g, t["T2004"])
    for g in (g1, g2):
        b.r("uses", g, t["T2002"]); b.r("uses", g, t["T2003"])
    b.r("uses", g1, s1); b.r("uses", s1, t["T2002"])
    b.r("uses", g1, t["T2001.001"])
    b.r("uses", g3, t["T2005"])
    b.r("uses", g2, t["T2006"])
    b.r("attributed-to", c1, g1); b.r("uses", c1, t["T2007"]); b.r("uses", g2, t["T2007"])
    b.r("uses", g3, t["T2008"])
    for x in ("T2001", "T2002", "T2007"): b.r("detects", dc["DC1001"], t[x])
    for x in ("T2001", "T2002"): b.r("detects", dc["DC1002"], t[x])
    for x in ("T2003", "T2008"): b.r("detects", dc["DC1003"], t[x])
    for x in ("T2005",): b.r("detects", dc["DC1004"], t[x])
    for x in ("T2004", "T2001.001"): b.r("detects", dc["DC1004"], t[x])
    b.write(os.path.join(HERE, "gap-fixture.json"), 0x6a9)


def migration_pair():
    old, new = B("2025-04-15T00:00:00.000Z"), B("2025-10-21T00:00:00.000Z")
    for b in (old, new):
        b.tactics([("execution", "TA0002"), ("persistence", "TA0003")])
    same = dict(modified="2025-04-15T00:00:00.000Z")
    # T3001 unchanged; T3002 revoked by T3010 (new) -> AUTO; T3003 deprecated -> ORPHANED;
    # T3004 revoked without successor in `to` (revoked-by target deprecated) -> ORPHANED;
    # T3005 major change -> REVIEW; T3006 moves tactic -> REVIEW;
    # T3007 split: its subs T3007.001 stays, T3007.002 revoked by T3008.001 -> parent split -> REVIEW;
    # T3011 and T3012 revoked into T3013 -> merged -> REVIEW.
    for b, is_new in ((old, False), (new, True)):
        m = {} if is_new else same
        b.technique(0x3001, "T3001", "Stays", **same)
        if is_new:
            b.technique(0x3002, "T3002", "Replaced", revoked=True, **{})
            b.technique(0x3010, "T3010", "Replacement")
            b.r("revoked-by", "attack-pattern--00003002-0000-4000-8000-000000003002", "attack-pattern--00003010-0000-4000-8000-000000003010")
            b.technique(0x3003, "T3003", "Retired", x_mitre_deprecated=True)
            b.technique(0x3004, "T3004", "Revoked Into Nothing", revoked=True)
            b.technique(0x3014, "T3014", "Dead End", x_mitre_deprecated=True)
            b.r("revoked-by", "attack-pattern--00003004-0000-4000-8000-000000003004", "attack-pattern--00003014-0000-4000-8000-000000003014")
            b.technique(0x3005, "T3005", "Rewritten", version="2.0")
            b.technique(0x3006, "T3006", "Moves", tactics=("persistence",), version="1.1")
            b.technique(0x3007, "T3007", "Splits", **same)
            b.technique(0x7001, "T3007.001", "Split Stays", sub=True, **same)
            b.r("subtechnique-of", "attack-pattern--00007001-0000-4000-8000-000000007001", "attack-pattern--00003007-0000-4000-8000-000000003007")
            b.technique(0x7002, "T3007.002", "Split Leaves", sub=True, revoked=True)
            b.technique(0x3008, "T3008", "Split Target")
            b.technique(0x8001, "T3008.001", "Split Arrives", sub=True)
            b.r("subtechnique-of", "attack-pattern--00008001-0000-4000-8000-000000008001", "attack-pattern--00003008-0000-4000-8000-000000003008")
            b.r("revoked-by", "attack-pattern--00007002-0000-4000-8000-000000007002", "attack-pattern--00008001-0000-4000-8000-000000008001")
            b.technique(0x3011, "T3011", "Merged A", revoked=True)
            b.technique(0x3012, "T3012", "Merged B", revoked=True)
            b.technique(0x3013, "T3013", "Merge Result")
            b.r("revoked-by", "attack-pattern--00003011-0000-4000-8000-000000003011", "attack-pattern--00003013-0000-4000-8000-000000003013")
            b.r("revoked-by", "attack-pattern--00003012-0000-4000-8000-000000003012", "attack-pattern--00003013-0000-4000-8000-000000003013")
        else:
            for n, tid, name in [(0x3002, "T3002", "Replaced"), (0x3003, "T3003", "Retired"),
                                 (0x3004, "T3004", "Revoked Into Nothing"), (0x3005, "T3005", "Rewritten"),
                                 (0x3006, "T3006", "Moves"), (0x3007, "T3007", "Splits"),
                                 (0x3011, "T3011", "Merged A"), (0x3012, "T3012", "Merged B")]:
                b.technique(n, tid, name, **same)
            b.technique(0x3014, "T3014", "Dead End", **same)
            b.technique(0x7001, "T3007.001", "Split Stays", sub=True, **same)
            b.technique(0x7002, "T3007.002", "Split Leaves", sub=True, **same)
            b.r("subtechnique-of", "attack-pattern--00007001-0000-4000-8000-000000007001", "attack-pattern--00003007-0000-4000-8000-000000003007")
            b.r("subtechnique-of", "attack-pattern--00007002-0000-4000-8000-000000007002", "attack-pattern--00003007-0000-4000-8000-000000003007")
    old.write(os.path.join(HERE, "..", "migration", "migration-old.json"), 0x3a1)
    new.write(os.path.join(HERE, "..", "migration", "migration-new.json"), 0x3a2)


gap_fixture()
migration_pair()

# Writes tests/testdata/frameworks/atlas-mini.json and atlas-mini-reused-ids.json.
import json, sys, copy
out_dir = sys.argv[1]
T = "2025-10-01T00:00:00.000Z"
def uid(kind, n): return f"{kind}--{n}"
def ref(ext_id, kind):
    return {"source_name": "mitre-atlas", "external_id": ext_id,
            "url": f"https://atlas.mitre.org/{kind}/{ext_id}"}
objs = []
def base(typ, sid, name, **kw):
    o = {"type": typ, "spec_version": "2.1", "id": sid, "created": T, "modified": T, "name": name}
    o.update(kw); objs.append(o); return o

tactics = [  # id, shortname, name, uuid suffix
    ("AML.TA0002", "reconnaissance", "Reconnaissance", "1"),
    ("AML.TA0003", "resource-development", "Resource Development", "2"),
    ("AML.TA0004", "initial-access", "Initial Access", "3"),
    ("AML.TA0000", "ml-model-access", "ML Model Access", "4"),
    ("AML.TA0001", "ml-attack-staging", "ML Attack Staging", "5"),
]
tac_ids = {}
coll_id = "x-mitre-collection--a71a0000-0000-4000-8000-000000000001"
matrix_id = "x-mitre-matrix--a71a0000-0000-4000-8000-000000000002"
coll = {"type": "x-mitre-collection", "spec_version": "2.1", "id": coll_id, "created": T, "modified": T,
        "name": "ATLAS Mini", "description": "Hand-made framework in ATLAS's shape for ttpgraph's tests.",
        "x_mitre_version": "4.9", "x_mitre_contents": []}
objs.append(coll)
matrix = base("x-mitre-matrix", matrix_id, "ATLAS Mini Matrix",
              description="The matrix of the hand-made ATLAS-shaped framework.",
              external_references=[{"source_name": "mitre-atlas", "external_id": "ATLAS",
                                    "url": "https://atlas.mitre.org/matrices/ATLAS"}],
              tactic_refs=[])
for ext, short, name, n in tactics:
    sid = f"x-mitre-tactic--a71a0000-0000-4000-8000-00000000010{n}"
    tac_ids[short] = sid
    matrix["tactic_refs"].append(sid)
    base("x-mitre-tactic", sid, name, description=f"The adversary's {name.lower()}.",
         x_mitre_shortname=short, external_references=[ref(ext, "tactics")])

techniques = [  # ext id, name, tactics, uuid suffix
    ("AML.T0000", "Search Open Technical Databases", ["reconnaissance"], "201"),
    ("AML.T0000.000", "Journals and Conference Proceedings", ["reconnaissance"], "202"),
    ("AML.T0000.001", "Pre-Print Repositories", ["reconnaissance"], "203"),
    ("AML.T0002", "Acquire Public ML Artifacts", ["resource-development"], "204"),
    ("AML.T0002.000", "Datasets", ["resource-development"], "205"),
    ("AML.T0002.001", "Models", ["resource-development"], "206"),
    ("AML.T0010", "ML Supply Chain Compromise", ["initial-access"], "207"),
    ("AML.T0015", "Evade ML Model", ["initial-access", "ml-attack-staging"], "208"),
    ("AML.T0040", "ML Model Inference API Access", ["ml-model-access"], "209"),
    ("AML.T0043", "Craft Adversarial Data", ["ml-attack-staging"], "210"),
    ("AML.T0043.000", "White-Box Optimization", ["ml-attack-staging"], "211"),
    ("AML.T0051", "LLM Prompt Injection", ["initial-access"], "212"),
]
tech_ids = {}
for ext, name, tacs, n in techniques:
    sid = f"attack-pattern--a71a0000-0000-4000-8000-000000000{n}"
    tech_ids[ext] = sid
    sub = ext.count(".") == 2
    o = base("attack-pattern", sid, name, description=f"{name} (hand-made).",
             kill_chain_phases=[{"kill_chain_name": "mitre-atlas", "phase_name": t} for t in tacs],
             external_references=[ref(ext, "techniques")],
             x_mitre_is_subtechnique=sub, x_mitre_platforms=["ML Systems"], x_mitre_version="1.0")
    if ext == "AML.T0010":
        # ATLAS links techniques adapted from ATT&CK: that reference comes first and must not win,
        # and its ATT&CK kill-chain phase names no tactic of this framework.
        o["external_references"].insert(0, {"source_name": "mitre-attack", "external_id": "T1195",
                                             "url": "https://attack.mitre.org/techniques/T1195"})
        o["kill_chain_phases"].insert(0, {"kill_chain_name": "mitre-attack", "phase_name": "reconnaissance"})
    if ext == "AML.T0051":
        # Workbench tags what it exports with a MITRE domain: ignored for a framework's own domain.
        o["x_mitre_domains"] = ["enterprise-attack"]

mitigations = [("AML.M0000", "Limit Public Release of Information", "301", ["AML.T0000"]),
               ("AML.M0002", "Passive ML Output Obfuscation", "302", ["AML.T0040"]),
               ("AML.M0013", "Code Signing", "303", ["AML.T0010"]),
               ("AML.M0015", "Adversarial Input Detection", "304", ["AML.T0043", "AML.T0015"])]
mit_ids = {}
for ext, name, n, _ in mitigations:
    sid = f"course-of-action--a71a0000-0000-4000-8000-000000000{n}"
    mit_ids[ext] = sid
    base("course-of-action", sid, name, description=f"{name} (hand-made).",
         external_references=[ref(ext, "mitigations")], x_mitre_version="1.0")

group_id = "intrusion-set--a71a0000-0000-4000-8000-000000000401"
base("intrusion-set", group_id, "Mini Model Thieves", description="A hand-made group.",
     aliases=["Mini Model Thieves", "MMT"],
     external_references=[{"source_name": "mitre-atlas", "external_id": "AML.G0001",
                           "url": "https://atlas.mitre.org/groups/AML.G0001"}])

rel_n = [500]
def rel(src, rtype, dst, desc=None):
    rel_n[0] += 1
    sid = f"relationship--a71a0000-0000-4000-8000-000000000{rel_n[0]}"
    o = {"type": "relationship", "spec_version": "2.1", "id": sid, "created": T, "modified": T,
         "relationship_type": rtype, "source_ref": src, "target_ref": dst}
    if desc: o["description"] = desc
    objs.append(o); return o

for ext in tech_ids:
    if ext.count(".") == 2:
        rel(tech_ids[ext], "subtechnique-of", tech_ids[ext.rsplit(".", 1)[0]])
for ext, _, _, targets in mitigations:
    for t in targets:
        rel(mit_ids[ext], "mitigates", tech_ids[t], f"{ext} mitigates {t}.")
for t in ["AML.T0000.001", "AML.T0002.000", "AML.T0043", "AML.T0051"]:
    rel(group_id, "uses", tech_ids[t], f"Mini Model Thieves used {t}.")

coll["x_mitre_contents"] = [{"object_ref": o["id"], "object_modified": o["modified"]} for o in objs if o is not coll]
bundle = {"type": "bundle", "id": "bundle--a71a0000-0000-4000-8000-000000000000", "objects": objs}
open(f"{out_dir}/atlas-mini.json", "w").write(json.dumps(bundle, indent=2) + "\n")

# The same framework as version 4.10, whose last three "uses" reuse relationship ids:
# each of the three takes the id of a relationship before it (different targets), and
# one of them is repeated word for word (an identical duplicate: no collision).
b2 = copy.deepcopy(bundle)
objs2 = b2["objects"]
objs2[0]["x_mitre_version"] = "4.10"
objs2[0]["name"] = "ATLAS Mini"
rels = [o for o in objs2 if o["type"] == "relationship"]
uses = [o for o in rels if o["relationship_type"] == "uses"]
uses[1]["id"] = rels[0]["id"]   # AML.T0002.000 use takes the first subtechnique-of's id
uses[2]["id"] = rels[5]["id"]   # AML.T0043 use takes a mitigates' id
uses[3]["id"] = uses[0]["id"]   # AML.T0051 use takes the first use's id
objs2.append(copy.deepcopy(uses[3]))  # identical duplicate of a re-identified object
b2["id"] = "bundle--a71a0000-0000-4000-8000-000000000010"
open(f"{out_dir}/atlas-mini-reused-ids.json", "w").write(json.dumps(b2, indent=2) + "\n")
print(len(objs), len(objs2))

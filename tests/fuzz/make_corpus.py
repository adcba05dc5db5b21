#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets: the tests/testdata fixtures and
small slices of ../shared/data (never copied into the repository). Records
seeds come from fuzz_seeds (real encoders), not from here.

  make_corpus.py SOURCE_DIR SHARED_DATA_DIR CORPUS_DIR   # writes CORPUS_DIR/<target>/seed-*

Seeds are named by their content's digest, so running it again adds nothing.
A missing shared data folder only loses its slices.
"""
import glob
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

src, shared, out = sys.argv[1:4]
counts = {}


def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + hashlib.sha256(data).hexdigest()[:16]), "wb") as f:
        f.write(data)
    counts[target] = counts.get(target, 0) + 1


def files(*patterns, root=None):
    for p in patterns:
        for path in sorted(glob.glob(os.path.join(root or src + "/tests/testdata", p), recursive=True)):
            with open(path, "rb") as f:
                yield path, f.read()


def gz(data, mtime=0):
    return gzip.compress(data, mtime=mtime)


def shared_file(rel):
    path = os.path.join(shared, rel)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if path.endswith(".gz") else data


# ---- STIX bundles (plain and gzip) and the gunzip layer under them ----------------
for path, data in files("mini_attack/*.json", "bad/*.json", "migration/*.json"):
    seed("stix_bundle_fuzz", data)
mini17 = open(src + "/tests/testdata/mini_attack/mini-v17.json", "rb").read()
seed("stix_bundle_fuzz", gz(open(src + "/tests/testdata/mini_attack/mini-v21-collection.json", "rb").read()))
for name, per_type_max in (("attack/ics-attack-18.1.json.gz", 2), ("attack/enterprise-attack-18.1.json.gz", 1)):
    raw = shared_file(name)
    if raw is None:
        continue
    bundle = json.loads(raw)
    # A few objects of each type and some relationships touching them.
    kept, per_type = [], {}
    for o in bundle["objects"]:
        if o["type"] != "relationship" and per_type.get(o["type"], 0) < per_type_max:
            per_type[o["type"]] = per_type.get(o["type"], 0) + 1
            kept.append(o)
    ids = {o["id"] for o in kept}
    rels = [o for o in bundle["objects"] if o["type"] == "relationship" and
            (o["source_ref"] in ids or o["target_ref"] in ids)][:8]
    slice_ = dict(bundle, objects=kept + rels)
    seed("stix_bundle_fuzz", json.dumps(slice_, separators=(",", ":")))
    seed("stix_bundle_fuzz", gz(json.dumps(slice_, indent=1).encode()))

seed("gunzip_fuzz", b"{\"type\": \"bundle\"}")
seed("gunzip_fuzz", gz(b"{\"type\": \"bundle\", \"objects\": []}"))
seed("gunzip_fuzz", gz(b"first member ") + gz(b"second member"))  # multi-member
seed("gunzip_fuzz", gz(mini17)[:300])                              # cut off
seed("gunzip_fuzz", gz(b"x" * 300000))                            # past the fuzzer's 256 KiB limit

# ---- Sigma rules, plain and archived ------------------------------------------------
sigma = list(files("org/sigma/*.yml", "org/bad/*.yml"))
sigma += list(files("sample/**/*.yml", root=os.path.join(shared, "sigma")))
for path, data in sigma:
    seed("sigma_rule_fuzz", data)


def tar(members, fmt, compress):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        d = tarfile.TarInfo("rules")
        d.type, d.mtime = tarfile.DIRTYPE, 0
        t.addfile(d)
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            t.addfile(info, io.BytesIO(data))
    return gz(buf.getvalue()) if compress else buf.getvalue()


rules = [(os.path.relpath(p, os.path.dirname(p)), d) for p, d in sigma[:3]]
seed("sigma_tarball_fuzz", tar([("rules/" + n, d) for n, d in rules], tarfile.USTAR_FORMAT, True))
seed("sigma_tarball_fuzz", tar([("rules/" + n, d) for n, d in rules[:1]], tarfile.USTAR_FORMAT, False))
long_name = "rules/" + "very_long_directory_name/" * 5 + "rule.yml"  # > 100 bytes: GNU 'L' or pax 'x'
seed("sigma_tarball_fuzz", tar([(long_name, sigma[0][1])], tarfile.GNU_FORMAT, True))
seed("sigma_tarball_fuzz", tar([(long_name, sigma[0][1]), ("README.md", b"not a rule")], tarfile.PAX_FORMAT, False))

# ---- D3FEND Turtle ------------------------------------------------------------------
for path, data in files("d3fend/*.ttl"):
    seed("d3fend_turtle_fuzz", data)
ttl = shared_file("d3fend/d3fend-protege-1.2.0.ttl.gz")
if ttl is not None:
    text = ttl.decode()
    prefixes = "".join(line + "\n" for line in text.splitlines() if line.startswith("@prefix"))
    blocks = [b for b in text.split("\n\n") if not b.startswith("@prefix") and b.strip()]
    # Whole statements of the real file under its prefixes: a few consecutive
    # blocks from several places (classes, restrictions, properties).
    for at in range(len(blocks) // 7, len(blocks), len(blocks) // 7):
        seed("d3fend_turtle_fuzz", prefixes + "\n\n".join(blocks[at:at + 6]) + "\n")

# ---- CSV: the Atomic index and detections ------------------------------------------
for path, data in files("atomic/*.csv"):
    seed("atomic_csv_fuzz", data)
for name in ("atomic/index.csv", "atomic/index-master.csv"):
    raw = shared_file(name)
    if raw is not None:
        lines = raw.split(b"\n")
        seed("atomic_csv_fuzz", b"\n".join(lines[:1] + lines[400:440]) + b"\n")
for path, data in files("org/*.csv", "org/bad/*.csv"):
    seed("detections_csv_fuzz", data)
d3fend_csv = shared_file("d3fend/d3fend.csv")  # RFC 4180, CRLF: another shape of CSV
if d3fend_csv is not None:
    seed("detections_csv_fuzz", b"\r\n".join(d3fend_csv.split(b"\r\n")[:15]) + b"\r\n")

# ---- Navigator layers ---------------------------------------------------------------
for path, data in files("org/*.json", "org/bad/layer-*.json"):
    seed("navigator_layer_fuzz", data)
for path, data in files("**/*.json", root=os.path.join(shared, "navigator")):
    seed("navigator_layer_fuzz", data)

# ---- collection indexes and page tokens ---------------------------------------------
for path, data in files("collection_index/*.json", "mini_attack/collection-index.json.in"):
    seed("collection_index_fuzz", data)
for data in (b"", b"\x01\x00\x00\x10\x00\x00\x00\x05", b"enterprise-attack@18.1\x00\x01\x00\x00\x00\x01abc.10"):
    seed("page_token_fuzz", data)

print("make_corpus: " + ", ".join(f"{t} {n}" for t, n in sorted(counts.items())))

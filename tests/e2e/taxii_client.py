#!/usr/bin/env python3
"""A TAXII 2.1 client that follows the specification to the letter, run against a real ttpgraphd by
tests/e2e/taxii_test.sh. Debian 12 packages no taxii2-client, so this is python3-requests and the
text of TAXII 2.1 (OASIS Standard, 10 June 2021):

- every request sends `Accept: application/taxii+json;version=2.1` and a bearer token; every answer,
  errors included, must be `Content-Type: application/taxii+json;version=2.1` (1.6.8);
- discovery (4.1) -> the API root from `api_roots` (4.2) -> collections (5.1, 5.2);
- objects (5.4) paged with `limit` and `next` until `more` is false (3.4, 3.7 envelope), with
  X-TAXII-Date-Added-First/-Last on every page that has objects (3.5);
- manifest (5.3), get an object (5.6), object versions (5.8), `added_after`, `match[...]` (3.4);
- errors are error messages (3.6.1) with the HTTP status (401, 403, 404, 406, 400).

Every object paged must equal the bundle's object (the server serves them as imported), and the
collection id must be the UUID v5 of the release name in ttpgraph's namespace, computed here.

Usage: taxii_client.py --base https://localhost:PORT --token-file F --bundle B.json.gz --release R
       [--ca CA.pem] [--plain-base http://127.0.0.1:PORT]
       taxii_client.py ... --view ORG/NAME --merged-export MERGED.json [--other-token-file F]
Prints PASS/FAIL lines; exits 1 when any check failed.
"""
import argparse
import collections
import datetime
import gzip
import json
import re
import sys
import uuid

import requests

MEDIA = "application/taxii+json;version=2.1"
failures = 0


def check(name, ok, detail=""):
    global failures
    if ok:
        print(f"PASS {name}")
    else:
        failures += 1
        print(f"FAIL {name}: {detail}")
    return ok


def rfc3339(text):
    return re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", text or "") is not None


def parse_time(text):
    return datetime.datetime.strptime(text.replace("Z", "+0000"),
                                      "%Y-%m-%dT%H:%M:%S.%f%z" if "." in text else "%Y-%m-%dT%H:%M:%S%z")


class Taxii:
    def __init__(self, token, verify, accept=MEDIA):
        self.s = requests.Session()
        self.verify = verify  # per request: a session's verify loses to $REQUESTS_CA_BUNDLE
        self.headers = {"Accept": accept}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def get(self, url, params=None, expect=200):
        r = self.s.get(url, headers=self.headers, params=params, timeout=60, verify=self.verify)
        media = r.headers.get("Content-Type", "").replace(" ", "")
        if media != MEDIA:
            check(f"media type of {url}", False, f"Content-Type {media!r}")
        if r.status_code != expect:
            check(f"status of {url} {params or ''}", False, f"HTTP {r.status_code}, expected {expect}: {r.text[:300]}")
        return r, r.json()


def page_all(client, url, params, what):
    """Every page of url with params, following next; the objects (or versions) and the pages."""
    items, pages, p = [], 0, dict(params)
    while True:
        r, env = client.get(url, p)
        pages += 1
        got = env.get("objects", env.get("versions", []))
        items += got
        if got:
            first, last = r.headers.get("X-TAXII-Date-Added-First"), r.headers.get("X-TAXII-Date-Added-Last")
            if not (rfc3339(first) and rfc3339(last)):
                check(f"{what}: date headers of page {pages}", False, f"{first!r} {last!r}")
        if not isinstance(env.get("more", False), bool):
            check(f"{what}: more is a boolean", False, repr(env.get("more")))
        if not env.get("more", False):
            if "next" in env:
                check(f"{what}: no next on the last page", False, env["next"])
            return items, pages
        if not got or not isinstance(env.get("next"), str):
            check(f"{what}: page {pages} with more has objects and a next", False, json.dumps(env)[:200])
            return items, pages
        p = dict(params, next=env["next"])


def view_checks(c, root, title, export_path, other):
    """The collection of extension view `title` (ORG/NAME): listed with its id (the UUID v5 of
    "view:ORG/NAME"), every object paged at limit 1000 equal to the merged export's (the same
    STIX 2.1 JSON, the export's x-mitre-collection aside), the extension's objects added after
    the release's; `other` (a client of another organization) neither lists nor reads it."""
    export = json.load(open(export_path))
    want = {o["id"]: o for o in export["objects"] if o["type"] != "x-mitre-collection"}
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "ttpgraph:taxii:release")
    want_id = str(uuid.uuid5(ns, "view:" + title))
    _, colls = c.get(root + "collections/")
    mine = [x for x in colls.get("collections", []) if x["title"] == title]
    check(f"view collection {title} listed once", len(mine) == 1, json.dumps(colls)[:300])
    check("view collection id: UUID v5 of view:ORG/NAME", mine and mine[0]["id"] == want_id, mine)
    check("view collection: STIX 2.1", mine and mine[0]["media_types"] == ["application/stix+json;version=2.1"], mine)
    curl = f"{root}collections/{want_id}/"
    objects, pages = page_all(c, curl + "objects/", {"limit": 1000}, "view objects")
    check(f"view objects: {len(want)} paged in {(len(want) + 999) // 1000} pages",
          len(objects) == len(want) and pages == (len(want) + 999) // 1000, f"{len(objects)} in {pages}")
    differ = [o["id"] for o in objects if want.get(o["id"]) != o]
    check("view objects: each equals the merged export's", not differ, differ[:3])
    manifest, _ = page_all(c, curl + "manifest/", {"limit": 1000}, "view manifest")
    dates = sorted({m["date_added"] for m in manifest})
    check("view manifest: the release's objects, then the extension's, added later", len(dates) >= 2 and all(
        rfc3339(d) for d in dates), dates[:5])
    late = [m["id"] for m in manifest if m["date_added"] != dates[0]]
    check("view: the extension's objects come last", [o["id"] for o in objects][-len(late):] == late if late else False,
          late[:3])
    if other is not None:
        _, theirs = other.get(root + "collections/")
        check("another organization does not list the view",
              all(x["title"] != title for x in theirs.get("collections", [])), json.dumps(theirs)[:300])
        _, body = other.get(curl + "objects/", expect=403)
        check("another organization reading the view: 403", body.get("http_status") == "403", json.dumps(body))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--token-file", required=True)
    ap.add_argument("--bundle", required=True)
    ap.add_argument("--release", required=True)
    ap.add_argument("--ca")
    ap.add_argument("--plain-base")
    ap.add_argument("--view", help="ORG/NAME: check that view's collection instead of the release's")
    ap.add_argument("--merged-export", help="with --view: the extension's merged export (ttpctl extension export --merged)")
    ap.add_argument("--other-token-file", help="with --view: a token of another organization")
    a = ap.parse_args()
    token = open(a.token_file).read().strip()
    verify = a.ca if a.ca else True
    c = Taxii(token, verify)
    bundle = json.load(gzip.open(a.bundle)) if a.bundle.endswith(".gz") else json.load(open(a.bundle))
    by_id = {o["id"]: o for o in bundle["objects"]}
    spec = bundle.get("spec_version", "2.1")

    # Discovery -> API root -> collections.
    _, disc = c.get(a.base + "/taxii2/")
    check("discovery: title and api_roots", isinstance(disc.get("title"), str) and isinstance(disc.get("api_roots"), list)
          and len(disc["api_roots"]) == 1, json.dumps(disc))
    root = disc["api_roots"][0]
    check("discovery: the API root is an absolute URL of this server", root.startswith(a.base + "/"), root)
    check("discovery: default is the API root", disc.get("default") == root, json.dumps(disc))
    _, api = c.get(root)
    check("API root: versions", api.get("versions") == [MEDIA], json.dumps(api))
    check("API root: max_content_length is an integer", isinstance(api.get("max_content_length"), int), json.dumps(api))
    if a.view:
        other = Taxii(open(a.other_token_file).read().strip(), verify) if a.other_token_file else None
        view_checks(c, root, a.view, a.merged_export, other)
        print(f"{failures} failed")
        return 1 if failures else 0
    _, colls = c.get(root + "collections/")
    ns = uuid.uuid5(uuid.NAMESPACE_URL, "ttpgraph:taxii:release")
    want_id = str(uuid.uuid5(ns, a.release))
    mine = [x for x in colls.get("collections", []) if x["title"] == a.release]
    check(f"collections: {a.release} listed once", len(mine) == 1, json.dumps(colls)[:300])
    coll = mine[0]
    check("collection id: UUID v5 of the release name", coll["id"] == want_id, coll["id"])
    check("collection: can_read, not can_write", coll["can_read"] is True and coll["can_write"] is False, json.dumps(coll))
    check("collection: media type of the bundle's STIX version",
          coll["media_types"] == [f"application/stix+json;version={spec}"], json.dumps(coll))
    _, one = c.get(f"{root}collections/{want_id}/")
    check("get a collection", one == coll, json.dumps(one))
    curl = f"{root}collections/{want_id}/"

    # Objects: every page at limit 1000 to the end.
    objects, pages = page_all(c, curl + "objects/", {"limit": 1000}, "objects")
    check(f"objects: paged {len(bundle['objects'])} objects", len(objects) == len(bundle["objects"]), len(objects))
    check("objects: pages of 1000", pages == (len(bundle["objects"]) + 999) // 1000, pages)
    ids = [o["id"] for o in objects]
    check("objects: each once", len(set(ids)) == len(ids), f"{len(ids) - len(set(ids))} repeated")
    differ = [o["id"] for o in objects if by_id.get(o["id"]) != o]
    check("objects: each equals the bundle's object", not differ, differ[:3])
    small, small_pages = page_all(c, curl + "objects/", {"limit": 100}, "objects at limit 100")
    check("objects: limit 100 pages the same objects in the same order", [o["id"] for o in small] == ids,
          f"{len(small)} objects in {small_pages} pages")

    _, env = c.get(curl + "objects/", {"limit": 5000})
    check("limit over the server's 1000: a page of 1000", len(env["objects"]) == 1000 and env["more"] is True,
          len(env.get("objects", [])))

    # Manifest.
    manifest, _ = page_all(c, curl + "manifest/", {"limit": 1000}, "manifest")
    check("manifest: one entry per object, same order", [m["id"] for m in manifest] == ids, len(manifest))
    bad = [m for m in manifest if m["version"] != by_id[m["id"]].get("modified", by_id[m["id"]].get("created"))
           or m["media_type"] != f"application/stix+json;version={spec}" or not rfc3339(m["date_added"])]
    check("manifest: version = modified, media type, date_added", not bad, bad[:2])
    added = {m["date_added"] for m in manifest}
    check("manifest: every object added at the import", len(added) == 1, added)
    added = added.pop()

    # added_after.
    r, env = c.get(curl + "objects/", {"added_after": added})
    check("added_after the import: nothing", env.get("objects", []) == [] and env.get("more") is False, json.dumps(env)[:200])
    check("added_after the import: no date headers", "X-TAXII-Date-Added-First" not in r.headers, dict(r.headers))
    before = (parse_time(added) - datetime.timedelta(milliseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    r, env = c.get(curl + "objects/", {"added_after": before, "limit": 10})
    check("added_after just before the import: the first page", len(env["objects"]) == 10 and env["more"] is True,
          len(env.get("objects", [])))
    check("X-TAXII-Date-Added-First/-Last: the import time",
          r.headers.get("X-TAXII-Date-Added-First") == added and r.headers.get("X-TAXII-Date-Added-Last") == added,
          dict(r.headers))

    # match[...]
    types = collections.Counter(o["type"] for o in bundle["objects"])
    got, _ = page_all(c, curl + "objects/", {"match[type]": "intrusion-set", "limit": 50}, "match[type]")
    check(f"match[type]=intrusion-set: {types['intrusion-set']} groups",
          len(got) == types["intrusion-set"] and all(o["type"] == "intrusion-set" for o in got), len(got))
    got, _ = page_all(c, curl + "manifest/", {"match[type]": "malware,tool", "limit": 1000}, "match[type] two")
    check("match[type]=malware,tool", len(got) == types["malware"] + types["tool"], len(got))
    t1059 = next(o for o in bundle["objects"] if o["type"] == "attack-pattern" and any(
        r.get("external_id") == "T1059" for r in o.get("external_references", [])))
    g0016 = next(o for o in bundle["objects"] if o["type"] == "intrusion-set" and any(
        r.get("external_id") == "G0016" for r in o.get("external_references", [])))
    _, env = c.get(curl + "objects/", {"match[id]": f"{t1059['id']},{g0016['id']}"})
    check("match[id]: T1059 and G0016", sorted(o["id"] for o in env["objects"]) == sorted([t1059["id"], g0016["id"]]),
          json.dumps(env)[:200])
    _, env = c.get(curl + "objects/", {"match[id]": t1059["id"], "match[type]": "intrusion-set"})
    check("match[id] and match[type] together: none", env.get("objects") == [], json.dumps(env)[:200])
    _, env = c.get(curl + "objects/", {"match[id]": t1059["id"], "match[version]": t1059["modified"]})
    check("match[version]=its modified", [o["id"] for o in env["objects"]] == [t1059["id"]], json.dumps(env)[:200])
    _, env = c.get(curl + "objects/", {"match[id]": t1059["id"], "match[version]": "2001-01-01T00:00:00Z"})
    check("match[version]=another time: none", env.get("objects") == [], json.dumps(env)[:200])
    _, env = c.get(curl + "objects/", {"match[spec_version]": spec, "limit": 5})
    check(f"match[spec_version]={spec}", len(env["objects"]) == 5 and env["more"] is True, json.dumps(env)[:200])

    # Get an object, its versions.
    _, env = c.get(f"{curl}objects/{t1059['id']}/")
    check("get an object: T1059 as in the bundle", env.get("objects") == [t1059] and env.get("more") is False,
          json.dumps(env)[:200])
    _, env = c.get(f"{curl}objects/{t1059['id']}/versions/")
    check("object versions", env == {"more": False, "versions": [t1059["modified"]]}, json.dumps(env))

    # Errors: TAXII error messages with the status.
    def error(name, url, status, params=None, client=c):
        _, body = client.get(url, params, expect=status)
        check(f"{name}: HTTP {status} error message", body.get("http_status") == str(status)
              and isinstance(body.get("title"), str) and isinstance(body.get("description"), str), json.dumps(body))
        return body

    error("no token", curl + "objects/", 401, client=Taxii(None, verify))
    error("wrong token", curl + "objects/", 401, client=Taxii("ttpg_0000000000000000_wrong", verify))
    error("unknown collection", f"{root}collections/{uuid.uuid5(ns, 'enterprise-attack@1.0')}/objects/", 404)
    error("unknown object", f"{curl}objects/attack-pattern--00000000-0000-4000-8000-000000000000/", 404)
    error("Accept: application/json", curl + "objects/", 406, client=Taxii(token, verify, "application/json"))
    error("Accept: TAXII 2.0", curl + "objects/", 406,
          client=Taxii(token, verify, "application/vnd.oasis.taxii+json; version=2.0"))
    body = error("bad next", curl + "objects/", 400, {"next": "not-a-token"})
    check("bad next: says so", "next" in body["description"], body["description"])
    error("next of another filter", curl + "objects/", 400,
          {"next": c.get(curl + "objects/", {"limit": 1})[1]["next"], "match[type]": "tool"})
    error("limit 0", curl + "objects/", 400, {"limit": 0})
    error("limit not a number", curl + "manifest/", 400, {"limit": "all"})
    error("added_after not a time", curl + "objects/", 400, {"added_after": "yesterday"})
    if a.plain_base:
        body = error("TAXII over plain HTTP beside TLS", a.plain_base + "/taxii2/", 403)
        check("403 says why", "HTTPS" in body["description"], body["description"])
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Checks a Markdown coverage report the way a wiki would read it.

Renders REPORT.md with Python-Markdown (Debian's python3-markdown, tables
extension), then compares it with the JSON report of the same model
(RenderReportJson):
  - the h2 sections, in the order of issue 13;
  - the tactic table: one row per tactic in matrix order with its ID, counts
    and percentages, then the overall row;
  - the top blind spots table: the technique IDs in rank order;
  - only the elements Markdown tables, lists and emphasis make (a detection
    named "<script>" must stay text), every --expect-text present as text;
  - every table row with as many cells as its header.
Prints "tactic table: N rows match" and exits 0, or prints what differs and
exits 1.

Usage: report_markdown_check.py REPORT.md REPORT.json [--expect-text TEXT]...
"""
import argparse
import json
import sys
from html.parser import HTMLParser

import markdown

SECTIONS = ["Coverage by tactic", "ATT&CK matrix", "Top 10 blind spots", "Telemetry to add",
            "Trend across releases", "What changes in the next release", "How the numbers are computed"]
ALLOWED_TAGS = {"h1", "h2", "p", "ul", "ol", "li", "strong", "blockquote", "table", "thead", "tbody", "tr", "th", "td"}


class Document(HTMLParser):
    """Headings, tables (rows of cell texts, each under the last h2), all text, tags."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h2 = []
        self.tables = []  # (section, rows)
        self.tags = set()
        self.text = []
        self._in_h2 = False
        self._cell = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "h2":
            self._in_h2 = True
            self.h2.append("")
        elif tag == "table":
            self.tables.append((self.h2[-1] if self.h2 else "", []))
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False
        elif tag in ("td", "th"):
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr":
            self.tables[-1][1].append(self._row)
            self._row = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_h2:
            self.h2[-1] += data
        if self._cell is not None:
            self._cell += data


def pct(v):
    return "%.1f%%" % v


def count(n):
    return "{:,}".format(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("markdown")
    ap.add_argument("json")
    ap.add_argument("--expect-text", action="append", default=[])
    args = ap.parse_args()
    with open(args.markdown, encoding="utf-8") as f:
        md = f.read()
    with open(args.json, encoding="utf-8") as f:
        model = json.load(f)
    doc = Document()
    doc.feed(markdown.markdown(md, extensions=["tables"]))
    errors = []

    expected_sections = [s for s in SECTIONS if s != "What changes in the next release" or model["next_release"]]
    if doc.h2 != expected_sections:
        errors.append("sections %r, expected %r" % (doc.h2, expected_sections))
    extra = doc.tags - ALLOWED_TAGS
    if extra:
        errors.append("elements Markdown should not have made: %s" % sorted(extra))
    text = "".join(doc.text)
    for t in args.expect_text:
        if t not in text:
            errors.append("text %r is not in the rendered document" % t)

    tables = {}
    for section, rows in doc.tables:
        tables.setdefault(section, rows)
        for row in rows[1:]:
            if len(row) != len(rows[0]):
                errors.append("%s: row %r has %d cells, header %d" % (section, row, len(row), len(rows[0])))

    rows = tables.get("Coverage by tactic")
    if rows is None:
        errors.append("no tactic table")
    else:
        header, body = rows[0], rows[1:]
        want_header = ["Tactic", "ID", "Techniques", "DETECTED", "DETECTED %", "LOGGED", "LOGGED %", "BLIND", "BLIND %"]
        if header != want_header:
            errors.append("tactic table header %r" % header)

        def cells(c):
            return [count(c["techniques"]), count(c["detected"]), pct(c["detected_pct"]), count(c["logged"]),
                    pct(c["logged_pct"]), count(c["blind"]), pct(c["blind_pct"])]

        want = [[t["name"], t["id"]] + cells(t["coverage"]) for t in model["tactics"]]
        want.append(["All techniques (each once)", ""] + cells(model["overall"]))
        if body != want:
            for got_row, want_row in zip(body, want):
                if got_row != want_row:
                    errors.append("tactic row %r, expected %r" % (got_row, want_row))
            if len(body) != len(want):
                errors.append("tactic table has %d rows, expected %d" % (len(body), len(want)))
        # The sums behind the percentages hold too.
        for t in model["tactics"]:
            c = t["coverage"]
            if c["detected"] + c["logged"] + c["blind"] != c["techniques"]:
                errors.append("tactic %s: counts do not add up" % t["shortname"])

    spots = tables.get("Top 10 blind spots")
    if model["blind_spots"]:
        got = [r[1].split(" ")[0] for r in spots[1:]] if spots else []
        want = [b["technique_id"] for b in model["blind_spots"]]
        if got != want:
            errors.append("blind spots %r, expected %r" % (got, want))

    if errors:
        print("\n".join(errors))
        return 1
    print("tactic table: %d rows match" % len(model["tactics"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

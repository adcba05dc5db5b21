#!/usr/bin/python3
"""Loads an HTML coverage report in headless Chromium and checks it (issue 13).

DIR holds NAME.html (from ReportService.GetCoverageReport) and NAME.expect.json, what the page
must show, written from the RPC answers (GetCoverage, GetGap) by
tests/e2e/report_browser_test.cc. Chromium (Debian's package) is driven over
the DevTools protocol on a pipe (--remote-debugging-pipe: fds 3 and 4), so
nothing but the Python standard library is needed. Checks:
  - no console error, uncaught exception or log error, and no network
    request but the report file itself;
  - the sections in the order of issue 13;
  - exactly one heatmap cell per (tactic, technique) of the coverage (under
    roll-up any or all, sub-techniques are folded into a parent in the same
    tactic), each with the status class and data-status of its coverage
    (roll-up) status and the Navigator color of that status as its fill;
  - each tactic's percentages equal the coverage RPC's;
  - the top-10 blind spots equal the gap RPC's gaps with BLIND ones first;
  - no horizontal overflow of the page at 1440 x 900;
  - the tables sort when a header is clicked (the optional script), and
    without JavaScript the page still has every cell and table row;
  - a full-page screenshot (NAME.png) with many colors, among them the
    three status colors, and a print to PDF (NAME.pdf) of one or two A4
    landscape pages (pdfinfo): the summary on the first, the heatmap with
    every tactic and the footer on the last (pdftotext).
Prints a summary and exits 0, or prints every failure and exits 1.

Usage: report_browser.py --dir DIR --name NAME [--chromium /usr/bin/chromium]
"""
import argparse
import base64
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

from PIL import Image

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
         "--remote-debugging-pipe"]
COLORS = {"DETECTED": (0x8e, 0xc8, 0x43), "LOGGED": (0xff, 0xe7, 0x66), "BLIND": (0xff, 0x66, 0x66)}
SECTIONS = ["summary", "tactics", "matrix", "blind-spots", "telemetry", "trend", "next-release", "method"]
TIMEOUT = 90  # seconds for any one answer or event


class Browser:
    """Chromium with the DevTools protocol on fds 3 (commands) and 4 (answers)."""

    def __init__(self, chromium, profile):
        cmd_r, self.cmd_w = os.pipe()
        self.res_r, res_w = os.pipe()
        # Above 10 so that moving them to 3 and 4 in the child cannot clobber one another.
        hi_r, hi_w = os.dup2(cmd_r, 10), os.dup2(res_w, 11)

        def child():
            os.dup2(hi_r, 3)
            os.dup2(hi_w, 4)

        self.proc = subprocess.Popen([chromium] + FLAGS + ["--user-data-dir=" + profile, "about:blank"],
                                     preexec_fn=child, close_fds=False, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for fd in (cmd_r, res_w, hi_r, hi_w):
            os.close(fd)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.time()
            if left <= 0 or not select.select([self.res_r], [], [], left)[0]:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self.res_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe: " + self.proc.stderr.read().decode(errors="replace")[-2000:])
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.time() + TIMEOUT
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m["result"]
            if "method" in m:
                self.events.append(m)

    def wait_event(self, method, session):
        deadline = time.time() + TIMEOUT
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method and e.get("sessionId") == session:
                    return self.events.pop(i)
            m = self._read_message(deadline)
            if "method" in m:
                self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Page:
    def __init__(self, browser, width, height):
        self.b = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.s = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method, params=None):
        return self.b.send(method, params, self.s)

    def load(self, url):
        self.call("Page.navigate", {"url": url})
        self.b.wait_event("Page.loadEventFired", self.s)

    def eval(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate: %s" % r["exceptionDetails"])
        return r["result"].get("value")


# Everything the checks read from the page, in one evaluation.
READ_PAGE = r"""(() => {
  const text = (e) => e ? e.textContent.trim() : null;
  return {
    sections: Array.from(document.querySelectorAll('main > [id]')).map(e => e.id),
    cells: Array.from(document.querySelectorAll('#heatmap .cell')).map(g => ({
      technique: g.dataset.technique, tactic: g.dataset.tactic, status: g.dataset.status,
      classes: g.getAttribute('class').split(' '), fill: getComputedStyle(g.querySelector('rect')).fill,
      title: text(g.querySelector('title'))})),
    tactics: Array.from(document.querySelectorAll('#tactics tbody tr')).map(tr => ({
      shortname: tr.dataset.tactic, techniques: text(tr.querySelector('.n-techniques')),
      detected_pct: text(tr.querySelector('.p-detected')), logged_pct: text(tr.querySelector('.p-logged')),
      blind_pct: text(tr.querySelector('.p-blind'))})),
    top: Array.from(document.querySelectorAll('#blind-spots tbody tr')).map(tr => tr.dataset.technique),
    telemetry: Array.from(document.querySelectorAll('#telemetry .telemetry-line')).map(text),
    sortable: document.querySelectorAll('th.sortable').length,
    scroll_width: document.documentElement.scrollWidth, width: window.innerWidth,
    height: document.documentElement.scrollHeight,
  };
})()"""

SORT_BY_TECHNIQUES = r"""(() => {
  const th = document.querySelectorAll('#tactics thead th')[1];
  th.click();
  return Array.from(document.querySelectorAll('#tactics tbody tr .n-techniques'))
      .map(td => parseInt(td.textContent.replace(/,/g, ''), 10));
})()"""


def rgb(c):
    return "rgb(%d, %d, %d)" % c


def check_page(seen, expect, errors):
    """The checks on what the page shows; returns a summary line."""
    if seen["sections"] != SECTIONS:
        errors.append("sections %r, expected %r" % (seen["sections"], SECTIONS))

    # Heatmap: one cell per (tactic, technique); under roll-up any or all a
    # sub-technique is folded into its parent when the parent is in the tactic.
    known_tactics = {t["shortname"] for t in expect["tactics"]}
    techniques = expect["techniques"]
    want = {}
    for tid, t in techniques.items():
        for tactic in t["tactics"]:
            folded = (expect["rollup"] != "none" and t["is_subtechnique"] and
                      tactic in techniques.get(t["parent"], {}).get("tactics", []))
            if tactic in known_tactics and not folded:
                want[(tactic, tid)] = t["status"]
    got = {}
    for c in seen["cells"]:
        key = (c["tactic"], c["technique"])
        if key in got:
            errors.append("two heatmap cells for %s in %s" % (c["technique"], c["tactic"]))
        got[key] = c
    if set(got) != set(want):
        missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
        errors.append("heatmap cells: %d missing %s, %d extra %s" % (len(missing), missing[:5], len(extra), extra[:5]))
    if expect["rollup"] == "none" and {c["technique"] for c in seen["cells"]} != set(techniques):
        errors.append("the heatmap does not draw every technique the coverage counts")
    for key, c in got.items():
        status = want.get(key)
        if status is None:
            continue
        if c["status"] != status or status.lower() not in c["classes"] or "cell" not in c["classes"]:
            errors.append("cell %s/%s: data-status %s, classes %s; coverage says %s" %
                          (key[0], key[1], c["status"], c["classes"], status))
        if c["fill"] != rgb(COLORS[status]):
            errors.append("cell %s/%s: fill %s, expected %s for %s" % (key[0], key[1], c["fill"], rgb(COLORS[status]), status))
        if not c["title"] or not c["title"].startswith(key[1] + " "):
            errors.append("cell %s/%s: tooltip %r" % (key[0], key[1], c["title"]))

    # Tactic table: the coverage RPC's percentages, in matrix order.
    want_rows = [{"shortname": t["shortname"], "techniques": "{:,}".format(t["techniques"]),
                  "detected_pct": "%.1f%%" % t["detected_pct"], "logged_pct": "%.1f%%" % t["logged_pct"],
                  "blind_pct": "%.1f%%" % t["blind_pct"]} for t in expect["tactics"]]
    if seen["tactics"] != want_rows:
        for g, w in zip(seen["tactics"], want_rows):
            if g != w:
                errors.append("tactic row %r, expected %r" % (g, w))
        if len(seen["tactics"]) != len(want_rows):
            errors.append("%d tactic rows, expected %d" % (len(seen["tactics"]), len(want_rows)))

    # Top 10: the gap RPC's ranking with BLIND gaps first.
    gaps = expect["gaps"]
    want_top = ([g["technique"] for g in gaps if g["status"] == "BLIND"] +
                [g["technique"] for g in gaps if g["status"] == "LOGGED"])[:10]
    if seen["top"] != want_top:
        errors.append("top 10 %r, expected %r" % (seen["top"], want_top))

    phrase = re.compile(r"^Collect .+ to address \d+ .+ gaps?: T\d{4}(\.\d{3})?(, T\d{4}(\.\d{3})?)*$")
    for line in seen["telemetry"]:
        if not phrase.match(line):
            errors.append("telemetry line not phrased as issue 13 says: %r" % line)
    if not seen["telemetry"]:
        errors.append("no telemetry line")
    if seen["scroll_width"] > seen["width"]:
        errors.append("the page overflows horizontally: %d px wide in a %d px window" %
                      (seen["scroll_width"], seen["width"]))
    return "heatmap: %d techniques in %d cells; %d tactics; top 10 %s; %d telemetry lines" % (
        len({k[1] for k in got}), len(got), len(seen["tactics"]), ",".join(seen["top"]), len(seen["telemetry"]))


def check_png(path, errors):
    img = Image.open(path).convert("RGB")
    colors = img.getcolors(maxcolors=1 << 24)
    present = {c for _, c in colors}
    for status, c in COLORS.items():
        if c not in present:
            errors.append("screenshot: no pixel of the %s color %s" % (status, c))
    if len(colors) < 64:
        errors.append("screenshot has only %d colors" % len(colors))
    return "screenshot %dx%d, %d colors" % (img.size[0], img.size[1], len(colors))


def check_pdf(path, expect, errors):
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    w, h = float(size.group(1)), float(size.group(2))
    if not 1 <= pages <= 2:
        errors.append("PDF has %d pages, expected one or two" % pages)
    if abs(w - 841.89) > 2 or abs(h - 595.28) > 2:
        errors.append("PDF page is %.0f x %.0f pt, expected A4 landscape (842 x 595)" % (w, h))
    last = subprocess.run(["pdftotext", "-layout", "-f", str(pages), "-l", str(pages), path, "-"],
                          capture_output=True, text=True, check=True).stdout
    squeezed = re.sub(r"\s+", " ", last)
    for t in expect["tactics"]:
        # The heatmap's column headers break long names in two lines.
        if not all(word in squeezed for word in t["name"].split()):
            errors.append("the PDF's last page lacks the heatmap column %s" % t["name"])
    if "How the numbers are computed" not in squeezed:
        errors.append("the PDF's last page lacks the footer under the heatmap")
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", path, "-"], capture_output=True, text=True,
                           check=True).stdout
    if pages == 2:
        for title in ("Coverage by tactic", "Top 10 blind spots", "Telemetry to add", "Trend across releases"):
            if title not in first:
                errors.append("the PDF's first page lacks %r" % title)
    return "PDF %d pages of %.0f x %.0f pt" % (pages, w, h)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    d = os.path.abspath(args.dir)
    path = lambda ext: os.path.join(d, args.name + ext)
    with open(path(".expect.json")) as f:
        expect = json.load(f)
    url = "file://" + path(".html")
    errors, summary = [], []
    profile = tempfile.mkdtemp(prefix="report-chromium-")
    browser = Browser(args.chromium, profile)
    try:
        page = Page(browser, 1440, 900)
        page.load(url)
        seen = page.eval(READ_PAGE)
        summary.append(check_page(seen, expect, errors))
        if seen["sortable"] == 0:
            errors.append("the sorting script did not run")
        counts = page.eval(SORT_BY_TECHNIQUES)
        if counts != sorted(counts):
            errors.append("clicking Techniques did not sort the tactic table: %r" % counts)
        page.load(url)  # unsorted again for the pictures

        shot = page.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1440, "height": seen["height"], "scale": 1}})
        with open(path(".png"), "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        pdf = page.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
        with open(path(".pdf"), "wb") as f:
            f.write(base64.b64decode(pdf["data"]))

        # Without JavaScript: the same cells and rows, no sorting.
        nojs = Page(browser, 1440, 900)
        nojs.call("Emulation.setScriptExecutionDisabled", {"value": True})
        nojs.load(url)
        plain = nojs.eval(READ_PAGE)
        if plain["sortable"] != 0:
            errors.append("scripts ran although disabled")
        if len(plain["cells"]) != len(seen["cells"]) or plain["tactics"] != seen["tactics"] or plain["top"] != seen["top"]:
            errors.append("without JavaScript the page shows something else")

        for e in browser.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                errors.append("console %s: %s" % (p["type"], [a.get("value", a.get("description")) for a in p["args"]]))
            elif m == "Runtime.exceptionThrown":
                errors.append("uncaught exception: %s" % p["exceptionDetails"].get("text"))
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                errors.append("log %s: %s" % (p["entry"]["level"], p["entry"]["text"]))
            elif m == "Network.requestWillBeSent" and p["request"]["url"] != url:
                errors.append("network request: %s" % p["request"]["url"])
        requests = sum(1 for e in browser.events if e["method"] == "Network.requestWillBeSent")
        summary.append("%d requests (the report file, loaded 3 times)" % requests)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    summary.append(check_png(path(".png"), errors))
    summary.append(check_pdf(path(".pdf"), expect, errors))
    print("\n".join(summary))
    if errors:
        print("FAILED:\n" + "\n".join(errors))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Every `ttpctl` command line in README.md's ```sh blocks, run in README order
# against a real ttpgraphd on the real data: a README example that breaks
# fails here. The lines are extracted mechanically, so a new example is
# covered with no edit here; `\` continuations are joined and bash drops the
# trailing comments. Each line must exit 0; every file the examples write
# must be a Navigator layer or a coverage report.
#
# The only changes made to README text before it runs (SUBSTITUTIONS below):
#   README text                                              run as
#   ttpctl (first word)                                      "$TTPCTL" --server "$ADDR" (a shell function)
#   ../shared/data                                           $TTPGRAPH_SHARED_DATA
#   https://raw.githubusercontent.com/mitre-attack/          the local copy: file://$TTPGRAPH_SHARED_DATA/attack/
#     attack-stix-data/master/enterprise-attack/X.json         X.json.gz (no network in CI)
#   https://raw.githubusercontent.com/mitre-attack/          $WORK/index.json, a collection index (attack-stix-data
#     attack-stix-data/master/index.json                       layout) listing the local enterprise 17.1 and 18.1
# Only ```sh blocks are examples a user runs here; the operator commands of
# "Operating ttpgraph" (a cluster, docker, per-shard loops) are ```bash blocks,
# checked by tests/deploy instead.
# A line of an sh block that is not a ttpctl command must match NOT_HERE (the
# commands other tests run), so no example is skipped silently.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init readme

DATA="$TTPGRAPH_SHARED_DATA"
cat >"$WORK/index.json" <<EOF
{"collections": [{"name": "Enterprise ATT&CK", "versions": [
  {"version": "17.1", "url": "$DATA/attack/enterprise-attack-17.1.json.gz"},
  {"version": "18.1", "url": "$DATA/attack/enterprise-attack-18.1.json.gz"}]}]}
EOF

if ! python3 - "$SRC/README.md" "$DATA" "$WORK" >"$WORK/examples.tsv" <<'EOF'; then
import re, sys
readme, data, work = sys.argv[1:]
STIX_DATA = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/"
SUBSTITUTIONS = [
    (r"\.\./shared/data", data),
    (re.escape(STIX_DATA) + r"index\.json", work + "/index.json"),
    (re.escape(STIX_DATA) + r"enterprise-attack/([\w.-]+\.json)", "file://" + data + r"/attack/\1.gz"),
]
# Benchmarks (build/tests/, clients/python/run.sh ... bench) are run by hand. The
# Python section's venv, install and worked example are what ctest's
# python.ttpgraph does (clients/python/run.sh, tests/test_example.py).
NOT_HERE = [r"^bash deploy/", r"^bash tests/", r"^build/tests/", r"^bash clients/python/run.sh ", r"^/usr/bin/python3 -m venv ", r"^\.venv/bin/"]
in_sh, pending, count = False, "", 0
for n, line in enumerate(open(readme, encoding="utf-8"), 1):
    if line.startswith("```"):
        in_sh = line.strip() == "```sh"
        continue
    if not in_sh:
        continue
    text = pending + line.rstrip("\n")
    if text.endswith("\\"):
        pending = text[:-1]
        continue
    pending = ""
    if not text.strip() or text.lstrip().startswith("#"):
        continue
    if text.startswith("ttpctl "):
        for pattern, repl in SUBSTITUTIONS:
            text = re.sub(pattern, repl, text)
        print("%d\t%s" % (n, text))
        count += 1
    elif not any(re.match(p, text) for p in NOT_HERE):
        sys.exit("README.md:%d: an sh line that is neither a ttpctl command nor in NOT_HERE: %s" % (n, text))
if count == 0:
    sys.exit("no ttpctl example found in README.md")
EOF
  fail "extracting the README examples"
  finish
fi
pass "$(wc -l <"$WORK/examples.tsv") ttpctl examples extracted from README.md"

# The examples' server-side reads (the file:// stand-ins and the index) lie under these two.
if ! start_server --import-root "$DATA,$WORK"; then
  fail "ttpgraphd did not start"
  cat "$WORK/server.log"
  finish
fi

ttpctl() { "$TTPCTL" --server "$ADDR" "$@"; }
mkdir -p "$WORK/run"
cd "$WORK/run" || exit 1
while IFS=$'\t' read -r line cmd; do
  if eval "$cmd" >"$WORK/out" 2>"$WORK/err" </dev/null; then
    pass "README.md:$line: ${cmd:0:110}"
  else
    fail "README.md:$line exit $?: $cmd
      $(head -c 600 "$WORK/err")"
  fi
done <"$WORK/examples.tsv"

# The documents the examples wrote: each a Navigator 4.5 layer, a coverage report (HTML with
# its heatmap, Markdown with its tactic table, or JSON), or an organization document of
# `org export`, or an extension's export (a bundle behind its x-mitre-collection, a collection index).
written=0
for f in "$WORK"/run/*; do
  [ -e "$f" ] || continue
  written=$((written + 1))
  kind=""
  case "$f" in
    *.html) grep -q '<svg id="heatmap"' "$f" && grep -q '</html>' "$f" && kind="an HTML coverage report" ;;
    *.md) grep -q '^## Coverage by tactic' "$f" && kind="a Markdown coverage report" ;;
    *) kind=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("a JSON coverage report" if d.get("format") == "ttpgraph.coverage-report" else
      "an organization document" if (d.get("format"), d.get("version")) == ("ttpgraph.organization", 1) else
      "an extension bundle" if d.get("type") == "bundle" and d["objects"][0]["type"] == "x-mitre-collection" else
      "a collection index" if d.get("collections") else
      "a Navigator 4.5 layer" if d["versions"]["layer"] == "4.5" else "")' "$f" 2>/dev/null) ;;
  esac
  if [ $? = 0 ] && [ -n "$kind" ]; then
    pass "$(basename "$f") is $kind"
  else
    fail "$(basename "$f") is neither a Navigator 4.5 layer, a coverage report nor an organization document: $(head -c 200 "$f")"
  fi
done
[ "$written" -gt 0 ] && pass "$written documents written" || fail "the examples wrote no document"

finish

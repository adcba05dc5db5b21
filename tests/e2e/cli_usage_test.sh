#!/usr/bin/env bash
# ttpctl's command line (issue 14, "ttpctl") on the real data: each defect the
# issue lists, with the behaviour that replaces it; help, --version, exit
# codes, the release default, old spellings as aliases, --output, refusals of
# destructive commands without a terminal (the prompt itself:
# cli_confirm_test.sh), bash completion.
#
# Env: TTPGRAPHD, TTPCTL, TTPGRAPH_SHARED_DATA, TTPGRAPH_SOURCE_DIR (set by ctest).
source "$(dirname "$0")/lib.sh"
e2e_init usage

DATA="$TTPGRAPH_SHARED_DATA"
unset TTPGRAPH_ORG TTPGRAPH_SERVER TTPGRAPH_TOKEN TTPGRAPH_TOKEN_FILE
E17=enterprise-attack@17.1
E18=enterprise-attack@18.1

# ctl NAME ARGS...: ttpctl, stdout -> $WORK/NAME.out, stderr -> $WORK/NAME.err; sets RC.
ctl() {
  local name=$1
  shift
  "$TTPCTL" --server "$ADDR" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null
  RC=$?
}
# usage_error NAME DESCRIPTION STDERR_SUBSTRING ARGS...: exit 2, the substring on stderr, nothing on stdout.
usage_error() {
  local name=$1 what=$2 needle=$3
  shift 3
  ctl "$name" "$@"
  if [ "$RC" = 2 ] && grep -qF -- "$needle" "$WORK/$name.err" && [ ! -s "$WORK/$name.out" ]; then
    pass "$what: $(head -1 "$WORK/$name.err")"
  else
    fail "$what: exit $RC, stderr: $(cat "$WORK/$name.err"), stdout: $(head -c 200 "$WORK/$name.out")"
  fi
}
# ok NAME DESCRIPTION ARGS...: exit 0.
ok() {
  local name=$1 what=$2
  shift 2
  ctl "$name" "$@"
  if [ "$RC" = 0 ]; then pass "$what"; else fail "$what: exit $RC: $(head -c 400 "$WORK/$name.err")"; fi
}
json() { python3 -c "import json, sys; doc = json.load(open(sys.argv[1])); print($2)" "$WORK/$1.out"; }

if ! start_server; then
  fail "ttpgraphd did not start"
  cat "$WORK/server.log"
  finish
fi
ok import "17.1 and 18.1 imported" release import "$DATA/attack/enterprise-attack-17.1.json.gz" "$DATA/attack/enterprise-attack-18.1.json.gz"
ok ics "ics 18.1 imported" release import "$DATA/attack/ics-attack-18.1.json.gz"
ok d3fend "D3FEND imported" d3fend import "$DATA/d3fend/d3fend-protege-1.2.0.ttl.gz"
ok atomic "Atomic index imported" atomic import "$DATA/atomic/index.csv"
ok org "org acme" org create acme --release "$E18"
ok sigma "Sigma sample imported" --org acme detection import "$DATA/sigma/sample"

# ---------------------------------------------------------------- the defects of issue 14
# 1. README's example: --techniques is coverage's switch, not detection create's list.
ok cov_all "coverage --countermeasures --atomics --techniques (README example)" \
  --org acme coverage --countermeasures --atomics --techniques
if grep -q "^TECHNIQUE  *NAME  *STATUS  *DETECTIONS" "$WORK/cov_all.out" && grep -q "blind techniques have a D3FEND countermeasure" "$WORK/cov_all.out"; then
  pass "coverage --techniques prints the per-technique table with the joins"
else
  fail "coverage --techniques table: $(head -c 600 "$WORK/cov_all.out")"
fi
# 2. --techniques no longer swallows the next flag.
ok cov_17 "coverage --techniques --release R" --org acme coverage --techniques --release "$E17"
check "coverage --techniques --release $E17 answers for 17.1" "acme on $E17" "$(head -1 "$WORK/cov_17.out" | cut -d: -f1)"
ctl cov_17_json --json --org acme coverage --techniques --release "$E17"
check "--json: the release asked" "$E17" "$(json cov_17_json 'doc["release"]')"
# 3. diff --summary prints its table once (a paged answer repeats the summary on every page).
ok diff_summary "diff --summary" diff --from "$E17" --to "$E18" --summary
check "diff --summary: one summary table" 1 "$(grep -c '^TYPE  *ADDED' "$WORK/diff_summary.out")"
check "diff --summary: techniques counted once" 1 "$(grep -c '^techniques ' "$WORK/diff_summary.out")"
ctl diff_json --json diff --from "$E17" --to "$E18"
check "diff --json: one summary entry per object type" 10 "$(json diff_json 'len(doc["diff"]["summary"]) if "diff" in doc else len(doc["summary"])')"
# 4. Unknown flags are errors naming the command and the closest flag.
usage_error relase "--relase is refused" "technique list: unknown flag --relase (did you mean --release?)" \
  technique list --relase "$E17"
usage_error ov_group "overlap layer --group is refused" "overlap layer: unknown flag --group (did you mean --groups?)" \
  overlap layer --group G0016
usage_error sibling "a flag of a sibling command is named as such" "it is a flag of \`ttpctl coverage\`" \
  --org acme coverage trend --countermeasures --releases "$E17"
usage_error org_flag "--org on a command without an organization" "release list: unknown flag --org" --org acme release list
usage_error unknown_cmd "unknown command" "unknown command 'relase' (did you mean release?)" relase list
usage_error unknown_sub "unknown subcommand" "release: unknown command 'lst' (did you mean list?)" release lst
usage_error group_only "a group without its command" "release: give a command: import, list, show, delete" release
# Missing or malformed values.
usage_error no_value "a flag without its value" "coverage trend: --releases needs a value (R1,R2)" --org acme coverage trend --releases
usage_error flag_as_value "a flag is not taken as the previous flag's value" "detection create: --techniques needs a value" \
  --org acme detection create r1 --techniques --name x
ctl after_create --json --org acme detection list
check "nothing created by the refused detection create" 0 "$(json after_create 'sum(1 for d in doc.get("detections", []) if d["id"] == "r1")')"
usage_error not_int "--top-k must be a whole number" "overlap: --top-k: not a whole number: 'five'" overlap --group G0016 --top-k five
usage_error bad_choice "--rollup choices" "coverage: --rollup: unknown value 'some' (none, any, all)" --org acme coverage --rollup some
usage_error switch_value "a switch takes no value" "coverage: --techniques takes no value" --org acme coverage --techniques=yes
usage_error operands "too many operands" "object show: too many operands: T1059 T1003" object show T1059 T1003
usage_error missing_operand "missing operand" "release show: give RELEASE" release show
usage_error no_org "an organization command without an organization" "give the organization: --org ORG" coverage
# 5. Per-command help; help and --help say the same.
ok help_cov "ttpctl help coverage" help coverage
ok help_cov2 "ttpctl coverage --help" coverage --help
if cmp -s "$WORK/help_cov.out" "$WORK/help_cov2.out" && grep -q "^usage: ttpctl coverage \[FLAGS\]" "$WORK/help_cov.out" &&
   grep -q "^Examples:" "$WORK/help_cov.out" && grep -q "^  --techniques  " "$WORK/help_cov.out" &&
   grep -q "^Exit status: 0 ok; 1 the request failed" "$WORK/help_cov.out"; then
  pass "help coverage = coverage --help: usage, flags, examples, exit status"
else
  fail "help coverage: $(cat "$WORK/help_cov.out")"
fi
ok help_all "ttpctl help" help
ok help_all2 "ttpctl --help" --help
if cmp -s "$WORK/help_all.out" "$WORK/help_all2.out" && grep -q "^  technique countermeasures  " "$WORK/help_all.out"; then
  pass "the overview lists every command"
else
  fail "ttpctl help: $(head -20 "$WORK/help_all.out")"
fi
ok help_group "ttpctl release --help" release --help
grep -q "^  release delete RELEASE  " "$WORK/help_group.out" && pass "group help lists its commands" || fail "group help: $(cat "$WORK/help_group.out")"
usage_error help_unknown "help of an unknown command" "help: no command 'technique grops' (did you mean groups?)" help technique grops
# Every command in the table has its help, with at least one example.
python3 - "$WORK/help_all.out" >"$WORK/commands.txt" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().split("Global flags")[0].splitlines()
for l in lines:
    m = re.match(r"^  (\S+(?: [a-z0-9-]+)?)  ", l)
    if m:
        print(m.group(1))
EOF
missing=""
while read -r cmd; do
  # shellcheck disable=SC2086
  "$TTPCTL" help $cmd >"$WORK/h.out" 2>&1 && grep -q "^Examples:" "$WORK/h.out" || missing="$missing [$cmd]"
done <"$WORK/commands.txt"
n="$(wc -l <"$WORK/commands.txt")"
if [ -z "$missing" ] && [ "$n" -ge 60 ]; then pass "all $n commands have help with examples"; else fail "help without examples:$missing ($n commands)"; fi
# 6. --version: the version and a commit of this repository (or "unknown" outside git).
ok version "ttpctl --version" --version
read -r prog ver commit_word commit <"$WORK/version.out"
commit="${commit%)}"
if [ "$prog" = ttpctl ] && [[ "$ver" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] && [ "$commit_word" = "(commit" ]; then
  pass "--version: $(cat "$WORK/version.out")"
else
  fail "--version: $(cat "$WORK/version.out")"
fi
if [ "$(git -C "$SRC" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$SRC" && pwd -P)" ]; then
  git -C "$SRC" cat-file -e "$commit^{commit}" 2>/dev/null && pass "the commit $commit is in this repository" ||
    fail "--version names commit '$commit', not one of $SRC"
  # A tarball of the same tree (no .git) configures with "unknown".
  mkdir -p "$WORK/tarball"
  git -C "$SRC" archive HEAD | tar -x -C "$WORK/tarball"
  if cmake -S "$WORK/tarball" -B "$WORK/tarball/build" -G Ninja >"$WORK/cmake.log" 2>&1; then
    grep -qF 'TTPGRAPH_GIT_COMMIT=\"unknown\"' "$WORK/tarball/build/build.ninja" &&
      pass "a build from a tarball says commit unknown" || fail "tarball build: $(grep -o 'TTPGRAPH_GIT_COMMIT=[^ ]*' "$WORK/tarball/build/build.ninja")"
  else
    fail "configuring a tarball of the tree: $(tail -5 "$WORK/cmake.log")"
  fi
else
  check "a build outside git says commit unknown" unknown "$commit"
fi
# 7. org delete: never $TTPGRAPH_ORG, never without confirmation.
ok scratch "org scratch" org create scratch
TTPGRAPH_ORG=scratch usage_error delete_env "org delete does not fall back to \$TTPGRAPH_ORG" \
  "org delete: give the organization to delete" org delete --yes
usage_error delete_no_tty "org delete without a terminal and without --yes" \
  "org delete: asks before it will delete organization scratch with all its detections and inventory, and stdin is not a terminal: pass --yes to confirm" \
  org delete scratch
usage_error rdelete_no_tty "release delete without a terminal" "pass --yes to confirm" release delete ics-attack@18.1
usage_error ddelete_no_tty "d3fend delete without a terminal" "pass --yes to confirm" d3fend delete 1.2.0
ctl still --json org list
check "nothing deleted without --yes" "acme,scratch" "$(json still '",".join(sorted(o["org_id"] for o in doc["organizations"]))')"
ctl still_r --json release list
check "the release is still there" True "$(json still_r '"ics-attack@18.1" in [r["name"] for r in doc["releases"]]')"
ctl still_d --json d3fend versions
check "the D3FEND version is still there" 1 "$(json still_d 'len(doc["versions"])')"
ok delete_yes "org delete scratch --yes" org delete scratch --yes
ok rdelete_yes "release delete --yes" release delete ics-attack@18.1 --yes
ctl gone --json org list
check "org delete --yes deleted it" "acme" "$(json gone '",".join(sorted(o["org_id"] for o in doc["organizations"]))')"

# ---------------------------------------------------------------- release default, aliases, --output, exit codes
ok t_default "technique list" --json technique list
ok t_latest "technique list --release enterprise-attack@latest" --json technique list --release enterprise-attack@latest
ok t_bare "technique list --release 18.1" --json technique list --release 18.1
if cmp -s "$WORK/t_default.out" "$WORK/t_latest.out" && cmp -s "$WORK/t_default.out" "$WORK/t_bare.out"; then
  pass "no --release = enterprise-attack@latest = 18.1 (a bare version)"
else
  fail "technique list release default"
fi
"$TTPCTL" help technique list | grep -q -- "--release RELEASE  *the ATT&CK release. Default: enterprise-attack@latest" &&
  pass "help shows the knowledge default" || fail "help technique list lacks the release default"
"$TTPCTL" help gap | grep -q -- "--release RELEASE  *the ATT&CK release. Default: the organization's release" &&
  pass "help shows the organization default" || fail "help gap lacks the release default"
ok gap_default "gap without --release" --json --org acme gap --groups G0016
check "gap without --release: the organization's release" "$E18" "$(json gap_default 'doc["release"]')"
# Old spellings: help names them, and they still work.
"$TTPCTL" help d3fend import | grep -q -- "--d3fend VERSION .*also --version (old spelling)" && pass "help names --version as the old spelling of --d3fend" ||
  fail "help d3fend import: $("$TTPCTL" help d3fend import)"
"$TTPCTL" help atomic import | grep -q -- "--index NAME .*also --name (old spelling)" && pass "help names --name as the old spelling of --index" ||
  fail "help atomic import: $("$TTPCTL" help atomic import)"
ok d3_alias "d3fend import --version" --json d3fend import "$DATA/d3fend/d3fend-protege-1.2.0.ttl.gz" --version 1.2.0
check "d3fend import --version (old spelling)" OUTCOME_UNCHANGED "$(json d3_alias 'doc["outcome"]')"
ok at_alias "atomic import --name" --json atomic import "$DATA/atomic/index.csv" --name default
check "atomic import --name (old spelling)" OUTCOME_UNCHANGED "$(json at_alias 'doc["outcome"]')"
ok show_alias "detection show (old spelling of detection get)" --json --org acme detection show "$(json after_create 'doc["detections"][0]["id"]')"
ok search_text "object search TEXT" --json object search powershell --type attack-pattern --type malware
ok search_flag "object search --search TEXT" --json object search --search powershell --type attack-pattern,malware
if cmp -s "$WORK/search_text.out" "$WORK/search_flag.out" && [ "$(json search_text 'len(doc["objects"])')" -gt 1 ]; then
  pass "object search TEXT --type A --type B = object search --search TEXT --type A,B"
else
  fail "object search spellings differ"
fi
# --output on every command that writes a document, the same bytes as stdout.
for spec in "coverage:--org acme coverage layer" "gap:--org acme gap layer --groups G0016,G0007" \
            "diff:diff layer --from $E17 --to $E18" "overlap:overlap layer --groups G0016,G0007"; do
  name="${spec%%:*}"
  # shellcheck disable=SC2086
  ctl "${name}_stdout" ${spec#*:}
  # shellcheck disable=SC2086
  ctl "${name}_file" ${spec#*:} --output "$WORK/$name-layer.json"
  if [ "$RC" = 0 ] && [ ! -s "$WORK/${name}_file.out" ] && cmp -s "$WORK/${name}_stdout.out" "$WORK/$name-layer.json" &&
     grep -q "wrote $WORK/$name-layer.json" "$WORK/${name}_file.err"; then
    pass "$name layer --output FILE = stdout"
  else
    fail "$name layer --output: exit $RC $(cat "$WORK/${name}_file.err")"
  fi
done
# Exit codes: 1 with the gRPC code name for a server error.
ctl notfound object show T9999
if [ "$RC" = 1 ] && grep -q "^ttpctl: NOT_FOUND: " "$WORK/notfound.err"; then pass "server error: exit 1, gRPC code in the message"; else fail "object show T9999: exit $RC $(cat "$WORK/notfound.err")"; fi
ctl badrel technique list --release enterprise
if [ "$RC" = 1 ] && grep -q "^ttpctl: INVALID_ARGUMENT: " "$WORK/badrel.err"; then pass "invalid release: exit 1, INVALID_ARGUMENT"; else fail "bad release: exit $RC $(cat "$WORK/badrel.err")"; fi
"$TTPCTL" --server 127.0.0.1:1 release list >/dev/null 2>"$WORK/unavail.err"
check "no server: exit 1" 1 "$?"
grep -q "^ttpctl: UNAVAILABLE: " "$WORK/unavail.err" && pass "no server: UNAVAILABLE" || fail "no server: $(cat "$WORK/unavail.err")"

# ---------------------------------------------------------------- bash completion
ok completion "completion bash" completion bash
# complete_words WORDS...: what completing the last word offers.
complete_words() {
  bash --norc --noprofile -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ttpctl; echo "${COMPREPLY[*]}"' \
    _ "$WORK/completion.out" "$@"
}
check "the script registers itself" "complete -o bashdefault -o default -F _ttpctl ttpctl" \
  "$(bash --norc --noprofile -c 'source "$1"; complete -p ttpctl' _ "$WORK/completion.out")"
check "completes a command" "release" "$(complete_words ttpctl rel)"
check "completes a subcommand" "import" "$(complete_words ttpctl release im)"
check "completes a flag of that command" "--countermeasures" "$(complete_words ttpctl --org acme coverage --cou)"
check "offers the flags of coverage trend only" "--releases" "$(complete_words ttpctl coverage trend --rel)"
check "completes a flag's values" "any all" "$(complete_words ttpctl coverage --rollup a)"
check "skips flag values while finding the command" "--top-k" "$(complete_words ttpctl overlap --release 18.1 --group G0016 --top)"

finish

#include "clients/cpp/ttpctl/cli.h"

#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <regex>

#include "clients/cpp/ttpctl/common.h"

namespace ttpctl {
namespace {

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// Command paths are words joined by one space.
bool ExtendsOrIs(const std::string& path, const std::string& prefix) {
  return path == prefix || StartsWith(path, prefix + " ");
}

std::string FirstWords(const std::string& path, size_t n) {
  size_t at = 0;
  for (size_t i = 0; i < n; ++i) {
    at = path.find(' ', at);
    if (at == std::string::npos) return path;
    if (i + 1 < n) ++at;
  }
  return path.substr(0, at);
}

size_t WordCount(const std::string& s) {
  return s.empty() ? 0 : static_cast<size_t>(std::count(s.begin(), s.end(), ' ')) + 1;
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

const Flag* FindGlobal(const std::string& name) {
  for (const Flag& f : GlobalFlags())
    if (f.name == name || std::find(f.aliases.begin(), f.aliases.end(), name) != f.aliases.end()) return &f;
  return nullptr;
}

// 0: a switch, 1: takes a value, -1: unknown, -2: a switch in some commands
// under `path` and a value in others (give it after the whole command).
int Arity(const std::string& name, const std::string& path) {
  if (const Flag* g = FindGlobal(name)) return g->type == FlagType::kSwitch ? 0 : 1;
  int arity = -1;
  for (const Command* c : Table().Under(path)) {
    const Flag* f = c->FindFlag(name);
    if (!f) continue;
    int a = f->type == FlagType::kSwitch ? 0 : 1;
    if (arity == -1) arity = a;
    else if (arity != a) return -2;
  }
  return arity;
}

// A bare version ("18.1", "latest") means enterprise-attack.
std::string NormalizeRelease(const std::string& r) {
  static const std::regex bare(R"((\d+(\.\d+)*|latest))");
  return std::regex_match(r, bare) ? "enterprise-attack@" + r : r;
}

std::string FlagSynopsis(const Flag& f) { return f.type == FlagType::kSwitch ? f.name : f.name + " " + f.value; }

std::string Synopsis(const Command& c) {
  std::string s = "ttpctl " + c.path;
  if (!c.operands.empty()) s += " " + c.operands;
  if (!c.flags.empty()) s += " [FLAGS]";
  return s;
}

// "  left  right" lines, the right column aligned.
std::string Columns(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t width = 0;
  for (auto& [left, right] : rows) width = std::max(width, left.size());
  std::string out;
  for (auto& [left, right] : rows) out += "  " + left + std::string(width - left.size() + 2, ' ') + right + "\n";
  return out;
}

std::string FlagLines(const std::vector<Flag>& flags) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Flag& f : flags) {
    std::string text = f.help;
    const std::string& def = f.default_help.empty() ? f.default_value : f.default_help;
    if (!def.empty()) text += (f.help.empty() ? "" : ". ") + std::string("Default: ") + def;
    if (!f.choices.empty()) text += " (" + Join(f.choices, "|") + ")";
    if (f.type == FlagType::kList) text += " (comma list; may be repeated)";
    if (f.type == FlagType::kRepeated) text += " (may be repeated)";
    for (auto& al : f.aliases) text += "; also " + al + " (old spelling)";
    rows.push_back({FlagSynopsis(f), text});
  }
  return Columns(rows);
}

const char* kReleaseRule =
    "RELEASE is DOMAIN@VERSION, DOMAIN@latest, or a bare VERSION of enterprise-attack (18.1).\n"
    "Default release: for organization commands the organization's release, otherwise\n"
    "enterprise-attack@latest.\n";
const char* kExitCodes =
    "Exit status: 0 ok; 1 the request failed (a server error: the message starts with its\n"
    "gRPC code name, e.g. NOT_FOUND; or a file that cannot be read or written, or a declined\n"
    "confirmation); 2 usage error (unknown command or flag, missing or malformed value).\n";

std::string GroupHelp(const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const Command* c : Table().Under(prefix))
    rows.push_back({c->path + (c->operands.empty() ? "" : " " + c->operands), c->summary});
  return "ttpctl " + prefix + ": commands\n" + Columns(rows) +
         "\n`ttpctl help COMMAND` shows a command's flags and examples.\n";
}

std::string CommandHelp(const Command& c) {
  std::string out = "usage: " + Synopsis(c) + "\n\n" + c.summary + "\n";
  if (!c.details.empty()) out += "\n" + c.details + (c.details.back() == '\n' ? "" : "\n");
  for (auto& al : c.aliases) out += "\nAlso spelled `ttpctl " + al + "`.\n";
  if (!c.flags.empty()) {
    out += "\nFlags:\n" + FlagLines(c.flags);
  }
  if (!c.local) {
    std::vector<std::string> globals;
    for (const Flag& f : GlobalFlags())
      if (f.name != "--help") globals.push_back(FlagSynopsis(f));
    out += "\nGlobal flags: " + Join(globals, ", ") + " (see `ttpctl help`)\n";
  }
  bool takes_release = false;
  for (const Flag& f : c.flags) takes_release |= f.release;
  if (takes_release) out += "\n" + std::string(kReleaseRule);
  if (!c.examples.empty()) {
    out += "\nExamples:\n";
    for (auto& e : c.examples) out += "  " + e + "\n";
  }
  out += "\n" + std::string(kExitCodes);
  return out;
}

std::string OverviewHelp() {
  std::string out =
      "ttpctl: the command-line client of ttpgraphd.\n\n"
      "usage: ttpctl [GLOBAL FLAGS] COMMAND [OPERANDS] [FLAGS]\n\nCommands:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const std::string& group : Table().Children(""))  // commands grouped by their first word
    for (const Command* c : Table().Under(group)) rows.push_back({c->path, c->summary});
  std::vector<Flag> globals = GlobalFlags();
  globals.push_back(Switch("--version", "print the version and the build's git commit (before any command)"));
  out += Columns(rows) + "\nGlobal flags (anywhere on the line):\n" + FlagLines(globals);
  out += "\n" + std::string(kReleaseRule) + "\n" + kExitCodes +
         "\n`ttpctl help COMMAND` (or `ttpctl COMMAND --help`) shows a command's flags and examples;\n"
         "`ttpctl completion bash` prints a bash completion script.\n";
  return out;
}

[[noreturn]] void UsageErrorAt(const std::string& where, const std::string& msg) {
  std::string see = where.empty() ? "ttpctl help" : "ttpctl help " + where;
  fprintf(stderr, "ttpctl: %s%s\n(see `%s`)\n", where.empty() ? "" : (where + ": ").c_str(), msg.c_str(), see.c_str());
  exit(kExitUsage);
}

std::string Suggest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best = Closest(word, candidates);
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

int HelpCommand(Client&, const Args& a) {
  const std::string path = Join(a.operands);
  if (!path.empty() && !Table().Find(path) && Table().Under(path).empty()) {
    std::string known = FirstWords(path, 1) == path ? "" : FirstWords(path, WordCount(path) - 1);
    std::string last = path.substr(known.empty() ? 0 : known.size() + 1);
    UsageError(a, "no command '" + path + "'" + Suggest(last, Table().Children(known)));
  }
  fputs(HelpText(path).c_str(), stdout);
  return kExitOk;
}

int CompletionCommand(Client&, const Args& a) {
  if (a.operands[0] != "bash") UsageError(a, "only bash is supported, not '" + a.operands[0] + "'");
  fputs(BashCompletion().c_str(), stdout);
  return kExitOk;
}

void AddMetaCommands(CommandTable& t) {
  t.Add("help", HelpCommand)
      .Operands("[COMMAND...]", 0, -1)
      .Summary("Prints help: the overview, a group of commands, or one command's flags and examples.")
      .Local()
      .Example("ttpctl help coverage")
      .Example("ttpctl help technique groups");
  t.Add("completion", CompletionCommand)
      .Operands("SHELL", 1, 1)
      .Summary("Prints a completion script for SHELL (bash), generated from the command table.")
      .Details("Load it in the current shell with `source <(ttpctl completion bash)`, or install it as\n"
               "/etc/bash_completion.d/ttpctl.")
      .Local()
      .Example("ttpctl completion bash > ~/.local/share/bash-completion/completions/ttpctl");
}

std::vector<std::string> FlagNames(const std::vector<const Command*>& commands) {
  std::vector<std::string> names;
  for (const Command* c : commands)
    for (const Flag& f : c->flags) names.push_back(f.name);
  for (const Flag& f : GlobalFlags()) names.push_back(f.name);
  return names;
}

// `v` as given to `flag` (spelled `given`): a number checked, a choice in the
// table's spelling, a bare release version completed; a usage error otherwise.
std::string CheckedValue(const Args& a, const Flag& f, const std::string& given, std::string v) {
  if (f.type == FlagType::kInt || f.type == FlagType::kNumber) {
    bool ok = !v.empty();
    try {
      size_t used = 0;
      if (f.type == FlagType::kInt) (void)std::stoi(v, &used);
      else (void)std::stod(v, &used);
      ok = ok && used == v.size();
    } catch (...) {
      ok = false;
    }
    if (!ok) UsageError(a, given + ": not a " + (f.type == FlagType::kInt ? "whole number" : "number") + ": '" + v + "'");
  }
  std::vector<std::string> parts = f.type == FlagType::kList ? CommaList(v) : std::vector<std::string>{v};
  for (auto& p : parts) {
    if (!f.choices.empty()) {  // case-insensitive, returned in the table's spelling
      auto it = std::find_if(f.choices.begin(), f.choices.end(),
                             [&](const std::string& c) { return strcasecmp(c.c_str(), p.c_str()) == 0; });
      if (it == f.choices.end())
        UsageError(a, given + ": unknown value '" + p + "' (" + Join(f.choices, ", ") + ")" + Suggest(p, f.choices));
      p = *it;
    }
    if (f.release) p = NormalizeRelease(p);
  }
  return f.type == FlagType::kList ? Join(parts, ",") : parts[0];
}

}  // namespace

const CommandTable& Table() {
  static const CommandTable table = [] {
    CommandTable t;
    AddReleaseCommands(t);
    AddKnowledgeCommands(t);
    AddOrgCommands(t);
    AddAnalysisCommands(t);
    AddDefenseCommands(t);
    AddReportCommands(t);
    AddAccessCommands(t);
    AddBackupCommands(t);
    AddExtensionCommands(t);
    AddMetaCommands(t);
    return t;
  }();
  return table;
}

Flag Switch(std::string name, std::string help) {
  Flag f;
  f.name = std::move(name);
  f.help = std::move(help);
  return f;
}

Flag Value(std::string name, FlagType type, std::string value, std::string help) {
  Flag f;
  f.name = std::move(name);
  f.type = type;
  f.value = std::move(value);
  f.help = std::move(help);
  return f;
}

const std::vector<Flag>& GlobalFlags() {
  static const std::vector<Flag> flags = [] {
    std::vector<Flag> g;
    g.push_back(Value("--server", FlagType::kString, "HOST:PORT", "the ttpgraphd to ask")
                    .Default("", "$TTPGRAPH_SERVER, else 127.0.0.1:50051"));
    g.push_back(Switch("--json", "print exactly one JSON document on stdout; every ATT&CK object in it carries "
                                 "attack_id, stix_id, name and type"));
    g.push_back(Value("--token-file", FlagType::kString, "FILE", "send the bearer token read from FILE")
                    .Default("", "$TTPGRAPH_TOKEN_FILE, else the token in $TTPGRAPH_TOKEN"));
    g.push_back(Value("--ca", FlagType::kString, "FILE", "connect with TLS, trusting the PEM CA certificates in FILE"));
    g.push_back(Value("--cert", FlagType::kString, "FILE", "PEM client certificate for mutual TLS (with --key)"));
    g.push_back(Value("--key", FlagType::kString, "FILE", "PEM key of --cert"));
    g.push_back(Switch("--help", "print help, of the command when one is given (also -h)"));
    return g;
  }();
  return flags;
}

const Flag* Command::FindFlag(const std::string& name) const {
  for (const Flag& f : flags)
    if (f.name == name || std::find(f.aliases.begin(), f.aliases.end(), name) != f.aliases.end()) return &f;
  return nullptr;
}

Command& CommandTable::Add(std::string path, Handler run) {
  Command c;
  c.path = std::move(path);
  c.run = run;
  commands_.push_back(std::move(c));
  return commands_.back();
}

const Command* CommandTable::Find(const std::string& path) const {
  for (const Command& c : commands_)
    if (c.path == path || std::find(c.aliases.begin(), c.aliases.end(), path) != c.aliases.end()) return &c;
  return nullptr;
}

std::vector<std::string> CommandTable::Children(const std::string& prefix) const {
  std::vector<std::string> out;
  const size_t depth = WordCount(prefix);
  for (const Command& c : commands_) {
    std::vector<std::string> paths = c.aliases;
    paths.insert(paths.begin(), c.path);
    for (const std::string& p : paths) {
      if (WordCount(p) <= depth || (!prefix.empty() && !ExtendsOrIs(p, prefix))) continue;
      std::string word = FirstWords(p, depth + 1).substr(prefix.empty() ? 0 : prefix.size() + 1);
      if (std::find(out.begin(), out.end(), word) == out.end()) out.push_back(word);
    }
  }
  return out;
}

std::vector<const Command*> CommandTable::Under(const std::string& prefix) const {
  std::vector<const Command*> out;
  for (const Command& c : commands_) {
    bool under = prefix.empty() || ExtendsOrIs(c.path, prefix);
    for (auto& al : c.aliases) under |= ExtendsOrIs(al, prefix);
    if (under) out.push_back(&c);
  }
  return out;
}

std::string Args::Get(const std::string& flag) const {
  auto it = flags.find(flag);
  if (it != flags.end() && !it->second.empty()) return it->second.back();
  if (command)
    if (const Flag* f = command->FindFlag(flag)) return f->default_value;
  return "";
}

int Args::Int(const std::string& flag) const {
  std::string v = Get(flag);
  return v.empty() ? 0 : std::stoi(v);
}

double Args::Number(const std::string& flag) const {
  std::string v = Get(flag);
  return v.empty() ? 0 : std::stod(v);
}

std::vector<std::string> Args::List(const std::string& flag) const {
  std::vector<std::string> out;
  auto it = flags.find(flag);
  if (it == flags.end()) return out;
  const Flag* f = command ? command->FindFlag(flag) : nullptr;
  for (const std::string& v : it->second) {
    if (f && f->type == FlagType::kRepeated) {
      out.push_back(v);
      continue;
    }
    for (std::string& x : CommaList(v)) out.push_back(std::move(x));
  }
  return out;
}

std::string Args::Org() const {
  std::string org = Get("--org");
  if (org.empty())
    if (const char* env = getenv("TTPGRAPH_ORG")) org = env;
  if (org.empty()) UsageError(*this, "give the organization: --org ORG (or $TTPGRAPH_ORG)");
  return org;
}

std::string Args::Required(const std::string& flag) const {
  std::string v = Get(flag);
  if (v.empty()) {
    const Flag* f = command ? command->FindFlag(flag) : nullptr;
    UsageError(*this, flag + (f && !f->value.empty() ? " " + f->value : "") + " is required");
  }
  return v;
}

std::string Args::Name() const { return command ? command->path : ""; }

void UsageError(const Args& a, const std::string& msg) { UsageErrorAt(a.Name(), msg); }

std::string Closest(const std::string& word, const std::vector<std::string>& candidates) {
  auto bare = [](const std::string& s) { return s.substr(s.find_first_not_of('-') == std::string::npos ? 0 : s.find_first_not_of('-')); };
  const std::string w = bare(word);
  std::string best;
  size_t best_d = std::string::npos;
  for (const std::string& c : candidates) {
    const std::string b = bare(c);
    size_t d = EditDistance(w, b);
    if (w.size() >= 3 && StartsWith(b, w)) d = std::min<size_t>(d, 1);  // --count -> --countermeasures
    if (d < best_d) best_d = d, best = c;
  }
  return best_d <= std::max<size_t>(2, w.size() / 3) ? best : "";
}

Args Parse(const std::vector<std::string>& argv) {
  const CommandTable& table = Table();
  struct Given {
    std::string name;
    std::optional<std::string> value;
  };
  std::vector<Given> given;
  Args a;
  std::string path;
  bool words_done = false, only_operands = false, help = false, version = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& s = argv[i];
    if (!only_operands && s == "--") {
      only_operands = true;
      continue;
    }
    if (!only_operands && (s == "--help" || s == "-h")) {
      help = true;
      continue;
    }
    if (!only_operands && s == "--version" && path.empty()) {
      version = true;
      continue;
    }
    if (!only_operands && s.size() > 1 && s[0] == '-') {
      Given g;
      size_t eq = s.find('=');
      g.name = s.substr(0, eq);
      if (eq != std::string::npos) g.value = s.substr(eq + 1);
      int arity = Arity(g.name, path);
      if (arity == -1 && path.empty())
        UsageErrorAt("", "unknown flag " + g.name + " before the command" + Suggest(g.name, FlagNames(table.Under(""))));
      if (arity == -2 && !g.value)
        UsageErrorAt(path, g.name + " means different things in different commands: give it after the whole command");
      // A value flag followed by another flag (or nothing) has no value;
      // validation below says so, naming the command.
      if (arity == 1 && !g.value && i + 1 < argv.size() && !StartsWith(argv[i + 1], "--")) g.value = argv[++i];
      given.push_back(std::move(g));
      continue;
    }
    if (!words_done && !only_operands) {
      std::string next = path.empty() ? s : path + " " + s;
      auto children = table.Children(path);
      if (std::find(children.begin(), children.end(), s) != children.end()) {
        path = next;
        continue;
      }
    }
    words_done = true;
    a.operands.push_back(s);
  }

  if (version) {
    printf("%s\n", VersionLine().c_str());
    exit(kExitOk);
  }
  const Command* cmd = path.empty() ? nullptr : table.Find(path);
  if (path.empty()) {
    if (a.operands.empty()) {
      if (help) {
        fputs(OverviewHelp().c_str(), stdout);
        exit(kExitOk);
      }
      fputs(OverviewHelp().c_str(), stderr);
      UsageErrorAt("", "give a command");
    }
    UsageErrorAt("", "unknown command '" + a.operands[0] + "'" + Suggest(a.operands[0], table.Children("")));
  }
  if (!cmd) {  // a group of commands: "ttpctl release"
    if (help) {
      fputs(GroupHelp(path).c_str(), stdout);
      exit(kExitOk);
    }
    std::vector<std::string> children = table.Children(path);
    if (!a.operands.empty())
      UsageErrorAt(path, "unknown command '" + a.operands[0] + "'" + Suggest(a.operands[0], children));
    UsageErrorAt(path, "give a command: " + Join(children, ", "));
  }
  if (help) {
    fputs(CommandHelp(*cmd).c_str(), stdout);
    exit(kExitOk);
  }
  a.command = cmd;

  for (Given& g : given) {
    const Flag* f = FindGlobal(g.name);
    if (!f) f = cmd->FindFlag(g.name);
    if (!f) {
      std::string hint = Suggest(g.name, FlagNames({cmd}));
      if (hint.empty()) {  // a flag of a sibling command?
        for (const Command* other : table.Under(FirstWords(cmd->path, 1)))
          if (other != cmd && other->FindFlag(g.name)) {
            hint = " (it is a flag of `ttpctl " + other->path + "`)";
            break;
          }
      }
      UsageError(a, "unknown flag " + g.name + hint);
    }
    if (f->type == FlagType::kSwitch) {
      if (g.value) UsageError(a, g.name + " takes no value");
      a.flags[f->name].push_back("");
      continue;
    }
    if (!g.value) UsageError(a, g.name + " needs a value (" + f->value + ")");
    std::string v = CheckedValue(a, *f, g.name, *g.value);
    a.flags[f->name].push_back(v);
  }

  const int n = static_cast<int>(a.operands.size());
  if (n < cmd->min_operands || (cmd->max_operands >= 0 && n > cmd->max_operands)) {
    std::string msg = n < cmd->min_operands ? "give " + cmd->operands
                      : cmd->max_operands == 0 ? "takes no operands, got '" + a.operands[0] + "'"
                                               : "too many operands: " + Join(a.operands);
    if (n > cmd->max_operands && cmd->max_operands >= 0) {
      std::string hint = Suggest(a.operands[cmd->max_operands], table.Children(cmd->path));
      if (!hint.empty()) msg += hint;
    }
    UsageError(a, msg + "\nusage: " + Synopsis(*cmd));
  }
  return a;
}

std::string HelpText(const std::string& path) {
  if (path.empty()) return OverviewHelp();
  if (const Command* c = Table().Find(path)) return CommandHelp(*c);
  return GroupHelp(path);
}

std::string BashCompletion() {
  const CommandTable& t = Table();
  // Every node: "" (the root), groups and commands.
  std::vector<std::string> nodes = {""};
  for (const Command& c : t.commands()) {
    std::vector<std::string> paths = c.aliases;
    paths.insert(paths.begin(), c.path);
    for (const std::string& p : paths)
      for (size_t n = 1; n <= WordCount(p); ++n)
        if (std::find(nodes.begin(), nodes.end(), FirstWords(p, n)) == nodes.end()) nodes.push_back(FirstWords(p, n));
  }
  auto join = [](const std::vector<std::string>& v) { return Join(v); };
  std::string words, flags, values, choices, files;
  for (const std::string& node : nodes) {
    std::vector<std::string> node_flags, node_values;
    for (const Flag& f : GlobalFlags()) {
      node_flags.push_back(f.name);
      if (f.type != FlagType::kSwitch) node_values.push_back(f.name);
    }
    const Command* c = node.empty() ? nullptr : t.Find(node);
    if (c)
      for (const Flag& f : c->flags) {
        node_flags.push_back(f.name);
        std::vector<std::string> spellings = f.aliases;
        spellings.push_back(f.name);
        for (auto& s : spellings)
          if (f.type != FlagType::kSwitch) node_values.push_back(s);
        if (!f.choices.empty()) choices += "    \"" + node + "|" + f.name + "\") echo \"" + join(f.choices) + "\" ;;\n";
        if (f.value == "FILE" || f.value == "PATH" || f.value == "CSV")
          files += "    \"" + node + "|" + f.name + "\") return 0 ;;\n";
      }
    else  // a group: the value flags of every command below it, to skip their values
      for (const Command* sub : t.Under(node))
        for (const Flag& f : sub->flags)
          if (f.type != FlagType::kSwitch) node_values.push_back(f.name);
    std::string children = join(t.Children(node));
    if (!children.empty()) words += "    \"" + node + "\") echo \"" + children + "\" ;;\n";
    flags += "    \"" + node + "\") echo \"" + join(node_flags) + "\" ;;\n";
    values += "    \"" + node + "\") echo \" " + join(node_values) + " \" ;;\n";
  }
  std::string out =
      "# bash completion for ttpctl, generated by `ttpctl completion bash` from its command table.\n"
      "# Load it with: source <(ttpctl completion bash)\n"
      "_ttpctl_words() {\n  case \"$1\" in\n" + words + "  esac\n}\n"
      "_ttpctl_flags() {\n  case \"$1\" in\n" + flags + "  esac\n}\n"
      "_ttpctl_value_flags() {\n  case \"$1\" in\n" + values + "  esac\n}\n"
      "_ttpctl_choices() {\n  case \"$1\" in\n" + choices + "  esac\n}\n"
      "_ttpctl_file_value() {\n  case \"$1\" in\n" + files + "  esac\n  return 1\n}\n"
      R"BASH(_ttpctl() {
  local cur=${COMP_WORDS[COMP_CWORD]} path="" w i next
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    case "$w" in
      --*=*) continue ;;
      -*)
        if [[ "$(_ttpctl_value_flags "$path")" == *" $w "* ]]; then ((i++)); fi
        continue ;;
    esac
    next=${path:+$path }$w
    if [[ " $(_ttpctl_words "$path") " == *" $w "* ]]; then path=$next; else break; fi
  done
  local prev=${COMP_WORDS[COMP_CWORD-1]}
  if [[ "$prev" == -* && "$cur" != -* && "$(_ttpctl_value_flags "$path")" == *" $prev "* ]]; then
    local values
    values=$(_ttpctl_choices "$path|$prev")
    if [[ -n "$values" ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$values" -- "$cur")
    elif _ttpctl_file_value "$path|$prev"; then
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(_ttpctl_flags "$path")" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -W "$(_ttpctl_words "$path")" -- "$cur")
  fi
  return 0
}
complete -o bashdefault -o default -F _ttpctl ttpctl
)BASH";
  return out;
}

void Confirm(const Args& a, const std::string& action) {
  if (a.Has("--yes")) return;
  if (!isatty(STDIN_FILENO))
    UsageError(a, "asks before it will " + action + ", and stdin is not a terminal: pass --yes to confirm");
  fprintf(stderr, "ttpctl: %s? [y/N] ", action.c_str());
  fflush(stderr);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "y" || answer == "Y" || answer == "yes" || answer == "YES") return;
  fprintf(stderr, "ttpctl: %s: not confirmed; nothing changed\n", a.Name().c_str());
  exit(kExitFailed);
}

void WriteDocument(const Args& a, const std::string& doc) {
  if (!a.Has("--output")) {
    fwrite(doc.data(), 1, doc.size(), stdout);
    if (doc.empty() || doc.back() != '\n') fputc('\n', stdout);
    return;
  }
  const std::string path = a.Get("--output");
  FILE* f = fopen(path.c_str(), "wb");
  if (!f) Die("cannot write " + path);
  const bool newline = doc.empty() || doc.back() != '\n';  // a document ends with one
  bool ok = fwrite(doc.data(), 1, doc.size(), f) == doc.size() && (!newline || fputc('\n', f) != EOF);
  ok = fclose(f) == 0 && ok;
  if (!ok) Die("cannot write " + path);
  fprintf(stderr, "ttpctl: wrote %s (%zu bytes)\n", path.c_str(), doc.size() + newline);
}

}  // namespace ttpctl

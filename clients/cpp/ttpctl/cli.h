// ttpctl's command table and everything it drives: argument parsing, help,
// "did you mean" suggestions and bash completion. Nothing about a command is
// written twice: its entry in the table is its parser, its help and its
// completion.
//
// A command group (clients/cpp/ttpctl/*_commands.cc) adds its commands:
//
//   void AddReleaseCommands(CommandTable& t) {
//     t.Add("release delete", ReleaseDelete)
//         .Operands("RELEASE", 1, 1)
//         .Summary("Deletes a release (asks first on a terminal).")
//         .Flags({YesFlag()})
//         .Example("ttpctl release delete ics-attack@18.1 --yes");
//   }
//
// Parsing rules (one for every command):
// - Global flags (--server, --json, --token-file, --ca, --cert, --key)
//   may stand anywhere; a command's flags after its first word.
// - `--flag value` and `--flag=value`; list flags take comma lists and may be
//   repeated; `--` ends the flags.
// - An unknown flag, a missing or malformed value, or a wrong number of
//   operands is a usage error (exit 2) naming the command and suggesting the
//   closest flag or command.
// - Old spellings are aliases of the canonical flag and say so in help.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "clients/cpp/ttpgraph_client.h"

namespace ttpctl {

using ttpgraph::Client;
namespace v1 = ttpgraph::v1;

// Exit statuses, documented in `ttpctl help` and README.md.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;  // a server error (its gRPC code starts the message) or a local failure
constexpr int kExitUsage = 2;

enum class FlagType {
  kSwitch,    // --no-software
  kString,    // --tactic execution
  kInt,       // --top-k 5
  kNumber,    // --threshold 0.5
  kList,      // --groups G0016,G0007 (comma list, may be repeated)
  kRepeated,  // --log-source 'A|B' (may be repeated; commas are kept)
};

struct Flag {
  std::string name;  // "--release"
  FlagType type = FlagType::kSwitch;
  std::string value;  // placeholder in help: "RELEASE"
  std::string help;
  // The value a command sees when the flag is absent.
  std::string default_value;
  // What help shows as the default when it is not a literal value
  // ("the organization's release"); default_value otherwise.
  std::string default_help;
  std::vector<std::string> aliases;  // old spellings, still accepted
  std::vector<std::string> choices;  // allowed values (checked and completed)
  bool release = false;              // a bare VERSION means enterprise-attack@VERSION

  Flag& Alias(std::string a) { return aliases.push_back(std::move(a)), *this; }
  Flag& Choices(std::vector<std::string> c) { return choices = std::move(c), *this; }
  Flag& Default(std::string value, std::string shown = "") {
    default_value = std::move(value);
    default_help = std::move(shown);
    return *this;
  }
};

Flag Switch(std::string name, std::string help);
Flag Value(std::string name, FlagType type, std::string value, std::string help);

struct Command;

// A parsed command line.
struct Args {
  const Command* command = nullptr;
  std::vector<std::string> operands;                      // after the command words
  std::map<std::string, std::vector<std::string>> flags;  // canonical name -> values as given

  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
  // The last value given, else the flag's default.
  std::string Get(const std::string& flag) const;
  // Typed values (checked while parsing).
  int Int(const std::string& flag) const;
  double Number(const std::string& flag) const;
  // Every value of a list flag, comma lists split, in order.
  std::vector<std::string> List(const std::string& flag) const;
  // The organization: --org, else $TTPGRAPH_ORG; a usage error when neither.
  std::string Org() const;
  // The value of a flag the command cannot do without; a usage error when absent.
  std::string Required(const std::string& flag) const;
  // The command words, "release import".
  std::string Name() const;
};

using Handler = int (*)(Client&, const Args&);

struct Command {
  std::string path;                  // "release import"
  std::vector<std::string> aliases;  // other paths: "detection show"
  Handler run = nullptr;
  std::string operands;  // "PATH_OR_URL..."
  int min_operands = 0;
  int max_operands = 0;  // -1: any number
  std::string summary;   // one line
  std::string details;   // more paragraphs for help
  std::vector<Flag> flags;
  std::vector<std::string> examples;
  bool local = false;  // needs no server (help, completion)

  Command& Operands(std::string text, int min, int max) {
    operands = std::move(text);
    min_operands = min;
    max_operands = max;
    return *this;
  }
  Command& Summary(std::string s) { return summary = std::move(s), *this; }
  Command& Details(std::string s) { return details = std::move(s), *this; }
  Command& Flags(std::vector<Flag> f) {
    for (auto& x : f) flags.push_back(std::move(x));
    return *this;
  }
  Command& Example(std::string e) { return examples.push_back(std::move(e)), *this; }
  Command& Alias(std::string a) { return aliases.push_back(std::move(a)), *this; }
  Command& Local() { return local = true, *this; }
  const Flag* FindFlag(const std::string& name) const;  // canonical name or alias
};

class CommandTable {
 public:
  // Adds a command; groups ("release") come from the words of the paths.
  Command& Add(std::string path, Handler run);
  const std::vector<Command>& commands() const { return commands_; }
  const Command* Find(const std::string& path) const;  // path or alias
  // The words that may follow `prefix` ("" for the first word), in table order.
  std::vector<std::string> Children(const std::string& prefix) const;
  // The commands at or below `prefix`.
  std::vector<const Command*> Under(const std::string& prefix) const;

 private:
  std::vector<Command> commands_;
};

// The table of every ttpctl command, filled on first use.
const CommandTable& Table();

// Global flags: accepted by every command, anywhere on the line.
const std::vector<Flag>& GlobalFlags();

// Parses argv (without the program name) against the table. Usage errors
// exit with kExitUsage. `help`/`--help` and `--version` are answered here.
Args Parse(const std::vector<std::string>& argv);

// Help text: the overview (empty `path`), a group ("release") or a command.
std::string HelpText(const std::string& path);
// The bash completion script, generated from the table.
std::string BashCompletion();

// "did you mean": the candidate closest to `word` by edit distance, or ""
// when none is close.
std::string Closest(const std::string& word, const std::vector<std::string>& candidates);

// A usage error: "ttpctl: COMMAND: msg" plus where to read more; exits 2.
[[noreturn]] void UsageError(const Args& a, const std::string& msg);

// Asks "ttpctl: ACTION? [y/N]" on a terminal unless --yes was given
// ("delete release ics-attack@18.1"). Without a terminal and without --yes:
// a usage error saying to pass --yes. Any answer but y/yes exits
// kExitFailed with "nothing changed".
void Confirm(const Args& a, const std::string& action);

// A document (a layer, an export, a report): to --output FILE when given, else
// stdout, ending with a newline (one is added when it has none).
void WriteDocument(const Args& a, const std::string& doc);

// "ttpctl VERSION (commit COMMIT)".
std::string VersionLine();

}  // namespace ttpctl

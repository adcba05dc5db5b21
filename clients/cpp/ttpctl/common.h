// Shared pieces of ttpctl: argument parsing, output (JSON or tables), errors,
// and the registry each command group adds itself to.
//
// A command group (clients/cpp/ttpctl/*_commands.cc) registers itself once:
//
//   static const ttpctl::Registration kReg("release", ReleaseCommand,
//       "  release list ...\n", {"--domain", "--version"});
#pragma once

#include <map>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "clients/cpp/ttpgraph_client.h"

namespace ttpctl {

namespace v1 = ttpgraph::v1;
using ttpgraph::Client;

struct Args {
  std::vector<std::string> positional;                    // command words and operands
  std::map<std::string, std::vector<std::string>> flags;  // flag -> values ("" for switches)
  bool Has(const std::string& f) const { return flags.count(f) > 0; }
  std::string Get(const std::string& f, const std::string& def = "") const;
  // --release, default enterprise-attack@latest.
  std::string Release() const { return Get("--release", "enterprise-attack@latest"); }
};

using CommandFn = int (*)(Client&, const Args&);

struct Registration {
  // `name` is the first command word; `usage` lines go into --help;
  // `value_flags` are the flags of this group that take a value.
  Registration(const char* name, CommandFn fn, const char* usage, std::vector<std::string> value_flags);
};

struct Command {
  CommandFn fn;
  std::string usage;
};
std::map<std::string, Command>& Commands();
std::vector<std::string>& ValueFlags();

// True when --json was given: print exactly one JSON document.
bool JsonOutput();
void SetJsonOutput(bool on);

[[noreturn]] void Die(const std::string& msg, int code = 1);
// Exits with the server's status and message unless `s` is OK.
void Check(const absl::Status& s);
void PrintJson(const google::protobuf::Message& m);
// Columns padded to their widest cell (cells cut at 60 characters).
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// A progress bar on stderr, only when stderr is a terminal.
void ProgressBar(const std::string& label, size_t done, size_t total);

std::string JoinStrings(const google::protobuf::RepeatedPtrField<std::string>& v, const char* sep = ", ");
// ATT&CK IDs (or STIX ids when there is none), comma-separated.
std::string Ids(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v);
std::string StatusWord(const v1::AttackObject& o);  // active / revoked / deprecated
void PrintObjects(const v1::ObjectList& list);
std::string ReadFileOrDie(const std::string& path);

}  // namespace ttpctl

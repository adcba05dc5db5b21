// Shared pieces of ttpctl: output (JSON or tables), errors, the flags that
// mean the same thing in every command (one spelling per concept), and the
// command groups that fill the table (clients/cpp/ttpctl/*_commands.cc).
#pragma once

#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/message.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/cpp/ttpctl/cli.h"

namespace ttpctl {

// Each *_commands.cc adds its commands; cli.cc calls these in this order,
// which is the order of `ttpctl help`.
void AddReleaseCommands(CommandTable& t);
void AddKnowledgeCommands(CommandTable& t);
void AddOrgCommands(CommandTable& t);
void AddAnalysisCommands(CommandTable& t);
void AddDefenseCommands(CommandTable& t);
void AddAccessCommands(CommandTable& t);  // token, audit
void AddReportCommands(CommandTable& t);
void AddBackupCommands(CommandTable& t);
void AddExtensionCommands(CommandTable& t);

// ---- flags shared by several commands: defined once, spelled once ----------
// --release for knowledge queries. Default: enterprise-attack@latest.
Flag ReleaseFlag();
// --release for organization commands. Default: the organization's release.
Flag OrgReleaseFlag();
// --release for D3FEND / Atomic lookups, where a release is optional.
Flag LookupReleaseFlag();
// --org ORG. Default: $TTPGRAPH_ORG.
Flag OrgFlag();
Flag OutputFlag();
Flag YesFlag();
// --d3fend VERSION. Default: the newest imported.
Flag D3fendFlag();
// --index NAME of an Atomic Red Team index. Default: "default".
Flag AtomicIndexFlag();
// --groups G1,G2 (a list of groups).
Flag GroupsFlag(const std::string& help);
// --no-direct, --no-software, --no-campaigns: the usage paths of a group.
std::vector<Flag> UsagePathFlags();
// The threat of gap and report: --groups G1,G2 or --all-groups, exactly one (a usage error otherwise).
void ThreatFromFlags(const Args& a, v1::ThreatSelection* out);
// --rollup none|any|all of coverage and report.
v1::RollupPolicy RollupFromFlags(const Args& a);
Flag TacticFlag();
Flag PlatformFlag();
Flag SearchFlag(const std::string& help);
Flag IncludeRevokedFlag();
Flag IncludeDeprecatedFlag();
Flag ReplaceFlag();
Flag Sha256Flag();
Flag ServerSideFlag();
Flag DryRunFlag(const std::string& help);

// ---- output -------------------------------------------------------------------
// True when --json was given: print exactly one JSON document.
bool JsonOutput();
void SetJsonOutput(bool on);

[[noreturn]] void Die(const std::string& msg, int code = kExitFailed);
// Exits kExitFailed with "CODE_NAME: message" unless `s` is OK.
void Check(const absl::Status& s);
void PrintJson(const google::protobuf::Message& m);
// One line of JSON (for documents ttpctl composes from several answers).
std::string ToJson(const google::protobuf::Message& m);
// Columns padded to their widest cell (cells cut at 60 characters).
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// A progress bar on stderr, only when stderr is a terminal.
void ProgressBar(const std::string& label, size_t done, size_t total);

// "a,b,,c" -> {a, b, c}.
std::vector<std::string> CommaList(const std::string& s);
std::string Join(const std::vector<std::string>& v, const char* sep = " ");
std::string JoinStrings(const google::protobuf::RepeatedPtrField<std::string>& v, const char* sep = ", ");
// The ATT&CK ID, or the STIX id when there is none.
std::string Id(const v1::AttackObject& o);
// Id() of each, comma-separated.
std::string Ids(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v);
// "DC0032 Process Creation; DC0033 Process Termination"
std::string Labels(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v);
std::string StatusWord(const v1::AttackObject& o);  // active / revoked / deprecated
// A table's word for an enum value: its name without the enum's prefix (DETECTED for
// COVERAGE_STATUS_DETECTED, CREATED for OUTCOME_CREATED). --json prints the full name.
std::string EnumLabel(const google::protobuf::EnumDescriptor* e, int value);
template <typename Enum>
std::string EnumLabel(Enum value) {
  return EnumLabel(google::protobuf::GetEnumDescriptor<Enum>(), static_cast<int>(value));
}
void PrintObjects(const v1::ObjectList& list);
std::string ReadFileOrDie(const std::string& path);
std::string BaseName(const std::string& path);

}  // namespace ttpctl

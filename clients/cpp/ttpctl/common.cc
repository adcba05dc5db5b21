#include "clients/cpp/ttpctl/common.h"

#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "absl/strings/match.h"

namespace ttpctl {
namespace {
bool json_output = false;
}

Flag ReleaseFlag() {
  Flag f = Value("--release", FlagType::kString, "RELEASE", "the ATT&CK release").Default("enterprise-attack@latest");
  f.release = true;
  return f;
}

Flag OrgReleaseFlag() {
  Flag f = Value("--release", FlagType::kString, "RELEASE", "the ATT&CK release").Default("", "the organization's release");
  f.release = true;
  return f;
}

Flag LookupReleaseFlag() {
  Flag f = Value("--release", FlagType::kString, "RELEASE",
                 "check the technique in this ATT&CK release and follow its revoked-by chain there")
               .Default("", "none: the ID as given, in no particular release");
  f.release = true;
  return f;
}

Flag OrgFlag() { return Value("--org", FlagType::kString, "ORG", "the organization").Default("", "$TTPGRAPH_ORG"); }
Flag OutputFlag() { return Value("--output", FlagType::kString, "FILE", "write the document to FILE").Default("", "stdout"); }
Flag YesFlag() { return Switch("--yes", "do not ask for confirmation (required without a terminal)"); }
Flag D3fendFlag() {
  return Value("--d3fend", FlagType::kString, "VERSION", "the D3FEND version").Default("", "the newest imported");
}
Flag AtomicIndexFlag() {
  return Value("--index", FlagType::kString, "NAME", "the Atomic Red Team index").Default("", "default");
}
Flag GroupsFlag(const std::string& help) { return Value("--groups", FlagType::kList, "G1,G2", help); }
std::vector<Flag> UsagePathFlags() {
  return {Switch("--no-direct", "leave out techniques the group uses directly"),
          Switch("--no-software", "leave out techniques used through the group's software"),
          Switch("--no-campaigns", "leave out techniques used through campaigns attributed to the group")};
}
Flag TacticFlag() { return Value("--tactic", FlagType::kString, "TACTIC", "only this tactic (shortname or TA ID)"); }
Flag PlatformFlag() { return Value("--platform", FlagType::kString, "PLATFORM", "only this platform (Windows, Linux, ...)"); }
Flag SearchFlag(const std::string& help) { return Value("--search", FlagType::kString, "TEXT", help); }
Flag IncludeRevokedFlag() { return Switch("--include-revoked", "list revoked objects too"); }
Flag IncludeDeprecatedFlag() { return Switch("--include-deprecated", "list deprecated objects too"); }
Flag ReplaceFlag() { return Switch("--replace", "replace a stored copy that has different content"); }
Flag Sha256Flag() { return Value("--sha256", FlagType::kString, "HEX", "refuse the import unless the bytes have this SHA-256"); }
Flag ServerSideFlag() { return Switch("--server-side", "the server reads PATH from its own file system"); }
Flag DryRunFlag(const std::string& help) { return Switch("--dry-run", help); }

bool JsonOutput() { return json_output; }
void SetJsonOutput(bool on) { json_output = on; }

void Die(const std::string& msg, int code) {
  fprintf(stderr, "ttpctl: %s\n", msg.c_str());
  exit(code);
}

std::string ToJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, o).ok()) Die("cannot print JSON");
  return out;
}

namespace {
// What ttpctl adds to a server error the server words in API terms.
std::string Hint(const absl::Status& s) {
  const absl::string_view m = s.message();
  if (s.code() == absl::StatusCode::kNotFound) {
    if (absl::StartsWith(m, "unknown organization")) return " (create it: ttpctl org create ORG --release R)";
    if (absl::StartsWith(m, "no D3FEND version is imported")) return " (ttpctl d3fend import PATH)";
    if (absl::StrContains(m, "DefenseService.ImportAtomicIndex")) return " (ttpctl atomic import PATH)";
  }
  if (s.code() == absl::StatusCode::kAborted && absl::StrContains(m, "since the plan was read"))
    return " (run the dry run again: ttpctl --org ORG migrate --from R1 --to R2, review, then --apply --generation N)";
  if (s.code() == absl::StatusCode::kUnauthenticated && absl::StartsWith(m, "missing token"))
    return " (ttpctl --token-file FILE, $TTPGRAPH_TOKEN_FILE or $TTPGRAPH_TOKEN)";
  return "";
}
}  // namespace

void Check(const absl::Status& s) {
  if (!s.ok()) Die(std::string(absl::StatusCodeToString(s.code())) + ": " + std::string(s.message()) + Hint(s));
}

void PrintJson(const google::protobuf::Message& m) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  std::string out;
  auto s = google::protobuf::util::MessageToJsonString(m, &out, o);
  if (!s.ok()) Die("cannot print JSON: " + std::string(s.message()));
  fwrite(out.data(), 1, out.size(), stdout);
}

void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  constexpr size_t kMaxCell = 60;
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (auto& r : rows)
    for (size_t c = 0; c < r.size() && c < width.size(); ++c) width[c] = std::max(width[c], std::min(r[c].size(), kMaxCell));
  auto line = [&](const std::vector<std::string>& r) {
    std::string out;
    for (size_t c = 0; c < r.size(); ++c) {
      std::string cell = r[c].size() > kMaxCell ? r[c].substr(0, kMaxCell - 3) + "..." : r[c];
      out += cell;
      if (c + 1 < r.size() && c < width.size()) out += std::string(width[c] - std::min(width[c], cell.size()) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    puts(out.c_str());
  };
  line(header);
  for (auto& r : rows) line(r);
  if (rows.empty()) puts("(none)");
}

void ProgressBar(const std::string& label, size_t done, size_t total) {
  if (!isatty(STDERR_FILENO) || total == 0) return;
  int pct = static_cast<int>(done * 100 / total);
  int filled = pct * 30 / 100;
  fprintf(stderr, "\r%-40.40s [%s%s] %3d%% %6.1f MB", label.c_str(), std::string(filled, '#').c_str(),
          std::string(30 - filled, ' ').c_str(), pct, done / 1048576.0);
  if (done == total) fprintf(stderr, "\n");
}

std::vector<std::string> CommaList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string JoinStrings(const google::protobuf::RepeatedPtrField<std::string>& v, const char* sep) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Id(const v1::AttackObject& o) { return o.attack_id().empty() ? o.stix_id() : o.attack_id(); }

std::string Ids(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v) {
  std::string out;
  for (auto& o : v) out += (out.empty() ? "" : ", ") + Id(o);
  return out;
}

void ThreatFromFlags(const Args& a, v1::ThreatSelection* out) {
  const std::vector<std::string> groups = a.List("--groups");
  if (!groups.empty() && a.Has("--all-groups")) UsageError(a, "give --groups or --all-groups, not both");
  if (groups.empty() && !a.Has("--all-groups")) UsageError(a, "give the threat: --groups G0016,G0007 or --all-groups");
  if (groups.empty()) out->set_all_groups(true);
  for (const std::string& g : groups) out->mutable_groups()->add_ids(g);
}

v1::RollupPolicy RollupFromFlags(const Args& a) {
  const std::string r = a.Get("--rollup");
  return r == "any" ? v1::ROLLUP_POLICY_ANY : r == "all" ? v1::ROLLUP_POLICY_ALL : v1::ROLLUP_POLICY_NONE;
}

std::string Labels(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v) {
  std::string out;
  for (auto& o : v) out += (out.empty() ? "" : "; ") + Id(o) + (o.name().empty() ? "" : " " + o.name());
  return out;
}

std::string StatusWord(const v1::AttackObject& o) {
  return o.revoked() ? "revoked" : o.deprecated() ? "deprecated" : "active";
}

void PrintObjects(const v1::ObjectList& list) {
  if (JsonOutput()) return PrintJson(list);
  std::vector<std::vector<std::string>> rows;
  for (auto& o : list.objects())
    rows.push_back({o.attack_id(), o.name(), o.type(), JoinStrings(o.tactics()), StatusWord(o)});
  PrintTable({"ID", "NAME", "TYPE", "TACTICS", "STATUS"}, rows);
}

std::string BaseName(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string EnumLabel(const google::protobuf::EnumDescriptor* e, int value) {
  const google::protobuf::EnumValueDescriptor* v = e->FindValueByNumber(value);
  if (v == nullptr) return std::to_string(value);
  std::string prefix;  // CoverageStatus -> COVERAGE_STATUS_
  for (char ch : e->name()) {
    if (std::isupper(static_cast<unsigned char>(ch)) && !prefix.empty()) prefix += '_';
    prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  prefix += '_';
  const std::string& name = v->name();
  return name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : name;
}

}  // namespace ttpctl

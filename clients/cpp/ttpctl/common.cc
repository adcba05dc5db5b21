#include "clients/cpp/ttpctl/common.h"

#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ttpctl {
namespace {
bool json_output = false;
}

std::string Args::Get(const std::string& f, const std::string& def) const {
  auto it = flags.find(f);
  return it == flags.end() || it->second.empty() ? def : it->second.back();
}

std::map<std::string, Command>& Commands() {
  static std::map<std::string, Command> commands;
  return commands;
}
std::vector<std::string>& ValueFlags() {
  static std::vector<std::string> flags = {"--server"};
  return flags;
}

Registration::Registration(const char* name, CommandFn fn, const char* usage, std::vector<std::string> value_flags) {
  Commands()[name] = Command{fn, usage};
  for (auto& f : value_flags) ValueFlags().push_back(f);
}

bool JsonOutput() { return json_output; }
void SetJsonOutput(bool on) { json_output = on; }

void Die(const std::string& msg, int code) {
  fprintf(stderr, "ttpctl: %s\n", msg.c_str());
  exit(code);
}

void Check(const absl::Status& s) {
  if (!s.ok()) Die(std::string(absl::StatusCodeToString(s.code())) + ": " + std::string(s.message()));
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

std::string ServerAddress(const Args& a) {
  const char* env = getenv("TTPGRAPH_SERVER");
  return a.Get("--server", env && *env ? env : "127.0.0.1:50051");
}

std::string Org(const Args& a) {
  std::string org = a.Get("--org");
  if (org.empty())
    if (const char* env = getenv("TTPGRAPH_ORG")) org = env;
  if (org.empty()) Die("give the organization: --org ORG (or $TTPGRAPH_ORG)", 2);
  return org;
}

std::string RequiredFlag(const Args& a, const std::string& flag, const char* cmd) {
  std::string v = a.Get(flag);
  if (v.empty()) Die(std::string(cmd) + ": " + flag + " is required", 2);
  return v;
}

int IntFlag(const Args& a, const std::string& flag, int def) {
  if (!a.Has(flag)) return def;
  try {
    size_t used = 0;
    int v = std::stoi(a.Get(flag), &used);
    if (used != a.Get(flag).size()) throw std::invalid_argument("trailing");
    return v;
  } catch (...) {
    Die(flag + ": not a number: " + a.Get(flag), 2);
  }
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

std::vector<std::string> FlagList(const Args& a, const std::string& flag) {
  std::vector<std::string> out;
  if (!a.Has(flag)) return out;
  for (const std::string& v : a.flags.at(flag))
    for (std::string& x : CommaList(v)) out.push_back(std::move(x));
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

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace ttpctl

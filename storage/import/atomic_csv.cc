#include "storage/import/atomic_csv.h"

#include <algorithm>
#include <map>

#include "storage/internal/varint.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

using internal::PutString;
using internal::PutStrings;
using internal::PutVarint;

constexpr const char* kColumns[] = {"Tactic",    "Technique #", "Technique Name", "Test #",
                                    "Test Name", "Test GUID",   "Executor Name"};
enum Col { kTactic, kTechnique, kTechniqueName, kTestNumber, kTestName, kGuid, kExecutor, kColCount };

bool IsTechniqueId(std::string_view s) {
  auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (s.size() != 5 && s.size() != 9) return false;
  if (s[0] != 'T' || !digits(s.substr(1, 4))) return false;
  return s.size() == 5 || (s[5] == '.' && digits(s.substr(6, 3)));
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// Record: magic + version byte, then varints and length-prefixed strings.
constexpr std::string_view kMagic = "ARTI\x01";

}  // namespace

absl::StatusOr<CsvTable> ParseCsv(std::string_view text, std::string_view source_name) {
  CsvTable t;
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  int64_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    std::vector<std::string> row;
    int64_t row_line = line;
    while (true) {
      std::string field;
      if (i < text.size() && text[i] == '"') {
        int64_t quote_line = line;
        ++i;
        while (true) {
          if (i >= text.size())
            return absl::InvalidArgumentError(
                Cat(source_name, ":", quote_line, ": unterminated quoted field (a \" is never closed)"));
          char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
            } else {
              break;
            }
          } else {
            if (c == '\n') ++line;
            field.push_back(c);
          }
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          return absl::InvalidArgumentError(
              Cat(source_name, ":", line, ": unexpected character after a closing quote"));
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') field.push_back(text[i++]);
      }
      row.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '\r') ++i;
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      break;
    }
    if (row.size() == 1 && row[0].empty()) continue;  // blank line
    t.rows.push_back(std::move(row));
    t.lines.push_back(row_line);
  }
  return t;
}

absl::StatusOr<AtomicIndexData> ParseAtomicCsv(std::string_view text, std::string_view source_name) {
  auto table = ParseCsv(text, source_name);
  if (!table.ok()) return table.status();
  if (table->rows.empty()) return absl::InvalidArgumentError(Cat(source_name, ": empty file, no CSV header"));
  const auto& header = table->rows[0];
  int col[kColCount];
  std::vector<std::string> missing;
  for (int c = 0; c < kColCount; ++c) {
    col[c] = -1;
    for (size_t h = 0; h < header.size(); ++h)
      if (Trim(header[h]) == kColumns[c]) col[c] = static_cast<int>(h);
    if (col[c] < 0) missing.push_back(Cat("'", kColumns[c], "'"));
  }
  if (!missing.empty())
    // The header is not echoed: the file may be one the server was asked to
    // read (its first line is nobody's business).
    return absl::InvalidArgumentError(Cat(source_name, ":1: not an Atomic Red Team CSV index: missing column",
                                          missing.size() > 1 ? "s " : " ", Join(missing, ", "), " (the first line has ",
                                          header.size(), " comma-separated field", header.size() == 1 ? "" : "s", ")"));
  std::map<std::string, AtomicTest> by_guid;
  AtomicIndexData out;
  for (size_t r = 1; r < table->rows.size(); ++r) {
    const auto& row = table->rows[r];
    const int64_t line = table->lines[r];
    if (row.size() != header.size())
      return absl::InvalidArgumentError(
          Cat(source_name, ":", line, ": ", row.size(), " fields where the header has ", header.size()));
    ++out.rows;
    std::string guid = ToLower(Trim(row[col[kGuid]]));
    std::string technique = ToUpper(Trim(row[col[kTechnique]]));
    if (guid.empty()) return absl::InvalidArgumentError(Cat(source_name, ":", line, ": empty 'Test GUID'"));
    if (!IsTechniqueId(technique))
      return absl::InvalidArgumentError(
          Cat(source_name, ":", line, ": 'Technique #' is '", row[col[kTechnique]], "', not an ATT&CK technique ID"));
    int32_t number = 0;
    std::string number_text = Trim(row[col[kTestNumber]]);
    if (!ParseNumber(number_text, &number) || number <= 0)
      return absl::InvalidArgumentError(Cat(source_name, ":", line, ": 'Test #' is '", number_text, "', not a number"));
    auto [it, inserted] = by_guid.try_emplace(guid);
    AtomicTest& t = it->second;
    if (inserted) {
      t.guid = guid;
      t.technique_id = technique;
      t.technique_name = Trim(row[col[kTechniqueName]]);
      t.test_number = number;
      t.name = Trim(row[col[kTestName]]);
      t.executor = Trim(row[col[kExecutor]]);
    } else if (t.technique_id != technique) {
      return absl::InvalidArgumentError(Cat(source_name, ":", line, ": test ", guid, " is given for ", technique,
                                            " but an earlier row gives it for ", t.technique_id));
    }
    std::string tactic = ToLower(Trim(row[col[kTactic]]));
    if (!tactic.empty() && std::find(t.tactics.begin(), t.tactics.end(), tactic) == t.tactics.end())
      t.tactics.push_back(tactic);
  }
  for (auto& [guid, t] : by_guid) {
    std::sort(t.tactics.begin(), t.tactics.end());
    out.tests.push_back(std::move(t));
  }
  std::sort(out.tests.begin(), out.tests.end(), [](const AtomicTest& a, const AtomicTest& b) {
    if (a.technique_id != b.technique_id) return a.technique_id < b.technique_id;
    if (a.test_number != b.test_number) return a.test_number < b.test_number;
    return a.guid < b.guid;
  });
  return out;
}

std::string EncodeAtomicIndex(const AtomicIndexData& d) {
  std::string out(kMagic);
  PutVarint(&out, static_cast<uint64_t>(d.rows));
  PutVarint(&out, d.tests.size());
  for (const AtomicTest& t : d.tests) {
    PutString(&out, t.guid);
    PutString(&out, t.technique_id);
    PutString(&out, t.technique_name);
    PutVarint(&out, static_cast<uint64_t>(t.test_number));
    PutString(&out, t.name);
    PutString(&out, t.executor);
    PutStrings(&out, t.tactics);
  }
  return out;
}

absl::StatusOr<AtomicIndexData> DecodeAtomicIndex(std::string_view bytes) {
  if (!StartsWith(bytes, kMagic)) return absl::DataLossError("atomic index record: bad magic");
  internal::VarintReader r(bytes.substr(kMagic.size()));
  AtomicIndexData d;
  d.rows = static_cast<int64_t>(r.Varint());
  uint64_t n = r.Varint();
  if (!r.ok() || n > r.remaining()) return absl::DataLossError("atomic index record: bad test count");
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    AtomicTest t;
    t.guid = r.String();
    t.technique_id = r.String();
    t.technique_name = r.String();
    t.test_number = static_cast<int32_t>(r.Varint());
    t.name = r.String();
    t.executor = r.String();
    r.Strings(&t.tactics);
    d.tests.push_back(std::move(t));
  }
  if (!r.done() || d.tests.size() != n)
    return absl::DataLossError("atomic index record: truncated or trailing bytes");
  return d;
}

}  // namespace ttpgraph

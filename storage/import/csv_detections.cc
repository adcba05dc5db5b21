#include "storage/import/csv_detections.h"

#include <algorithm>
#include <map>

#include "storage/strings.h"

namespace ttpgraph {
namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> ListCell(std::string_view cell, bool upper) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    std::string t = Trim(cur);
    if (!t.empty()) out.push_back(upper ? ToUpper(t) : t);
    cur.clear();
  };
  for (char c : cell) {
    if (c == ';' || c == '|' || c == ',') flush();
    else cur.push_back(c);
  }
  flush();
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::vector<std::string>>> SplitCsv(std::string_view path, std::string_view text,
                                                               std::vector<int>* lines) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, row_has_content = false;
  int line = 1, row_line = 1, quote_line = 0;
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 BOM
  auto end_row = [&] {
    row.push_back(std::move(cell));
    cell.clear();
    if (row_has_content || row.size() > 1 || !row[0].empty()) {
      rows.push_back(std::move(row));
      lines->push_back(row_line);
    }
    row.clear();
    row_has_content = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          cell.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell.push_back(c);
      }
      continue;
    }
    if (c == '"' && Trim(cell).empty()) {
      cell.clear();
      quoted = true;
      quote_line = line;
      row_has_content = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
      row_has_content = true;
    } else if (c == '\n') {
      if (!cell.empty() && cell.back() == '\r') cell.pop_back();
      end_row();
      ++line;
      row_line = line;
    } else {
      cell.push_back(c);
    }
  }
  if (quoted) return absl::InvalidArgumentError(Cat(path, ":", quote_line, ": quoted cell is never closed"));
  if (!cell.empty() || !row.empty()) end_row();
  return rows;
}

absl::StatusOr<std::vector<CsvDetectionRow>> ParseDetectionsCsv(std::string_view path, std::string_view text) {
  std::vector<int> lines;
  auto rows = SplitCsv(path, text, &lines);
  if (!rows.ok()) return rows.status();
  enum Col { kId, kName, kTechniques, kState, kComponents, kFormat, kTags, kQuery, kDescription };
  std::map<Col, size_t> cols = {{kId, 0}, {kName, 1}, {kTechniques, 2}, {kState, 3}, {kComponents, 4}};
  size_t first = 0;
  if (!rows->empty()) {
    std::string c0 = ToLower(Trim((*rows)[0][0]));
    if (c0 == "id" || c0 == "rule_id" || c0 == "rule id") {
      static const std::map<std::string, Col> kNames = {
          {"id", kId},           {"rule_id", kId},           {"rule id", kId},
          {"name", kName},       {"title", kName},           {"techniques", kTechniques},
          {"technique_ids", kTechniques}, {"technique ids", kTechniques}, {"technique", kTechniques},
          {"state", kState},     {"data_components", kComponents}, {"data components", kComponents},
          {"source_format", kFormat}, {"format", kFormat},   {"tags", kTags},
          {"query", kQuery},     {"description", kDescription}};
      cols.clear();
      for (size_t i = 0; i < (*rows)[0].size(); ++i) {
        std::string h = ToLower(Trim((*rows)[0][i]));
        auto it = kNames.find(h);
        if (it == kNames.end())
          return absl::InvalidArgumentError(Cat(path, ":", lines[0], ": unknown column '", (*rows)[0][i],
                                                "' (id, name, techniques, state, data_components, source_format, "
                                                "tags, query, description)"));
        cols[it->second] = i;
      }
      if (!cols.count(kName) || !cols.count(kTechniques))
        return absl::InvalidArgumentError(Cat(path, ":", lines[0], ": the header needs at least id, name and techniques"));
      first = 1;
    }
  }
  size_t needed = 0;
  for (auto& [c, i] : cols) needed = std::max(needed, i + 1);
  std::vector<CsvDetectionRow> out;
  for (size_t r = first; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    const int line = lines[r];
    auto cell = [&](Col c) -> std::string {
      auto it = cols.find(c);
      return it == cols.end() || it->second >= row.size() ? std::string() : Trim(row[it->second]);
    };
    if (row.size() < std::min<size_t>(needed, 3))
      return absl::InvalidArgumentError(Cat(path, ":", line, ": ", row.size(), " cells; expected ", needed,
                                            " (id, name, techniques, state, data_components)"));
    CsvDetectionRow d;
    d.line = line;
    d.id = cell(kId);
    if (d.id.empty()) return absl::InvalidArgumentError(Cat(path, ":", line, ": empty rule id"));
    d.name = cell(kName);
    d.techniques = ListCell(cell(kTechniques), /*upper=*/true);
    d.state = ToLower(cell(kState));
    if (!d.state.empty() && d.state != "enabled" && d.state != "disabled" && d.state != "testing")
      return absl::InvalidArgumentError(Cat(path, ":", line, ": unknown state '", cell(kState),
                                            "' (enabled, disabled or testing)"));
    d.data_components = ListCell(cell(kComponents), false);
    d.source_format = ToLower(cell(kFormat));
    d.tags = ListCell(cell(kTags), false);
    d.query = cell(kQuery);
    d.description = cell(kDescription);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace ttpgraph

#include "storage/import/sigma_logsource_map.h"

#include <algorithm>

#include "storage/import/csv_detections.h"
#include "storage/strings.h"

namespace ttpgraph {

absl::StatusOr<SigmaLogsourceMap> SigmaLogsourceMap::Parse(std::string_view path, std::string_view csv) {
  std::vector<int> lines;
  auto rows = SplitCsv(path, csv, &lines);
  if (!rows.ok()) return rows.status();
  if (rows->empty() || rows->front().size() < 4 || ToLower((*rows)[0][0]) != "category" ||
      ToLower((*rows)[0][3]) != "data_components")
    return absl::InvalidArgumentError(Cat(path, ":1: expected the header category,product,service,data_components[,note]"));
  SigmaLogsourceMap map;
  for (size_t r = 1; r < rows->size(); ++r) {
    const auto& row = (*rows)[r];
    if (row.size() < 4)
      return absl::InvalidArgumentError(Cat(path, ":", lines[r], ": ", row.size(), " cells; expected at least 4"));
    Row m;
    m.line = lines[r];
    m.category = ToLower(row[0]);
    m.product = ToLower(row[1]);
    m.service = ToLower(row[2]);
    for (auto& dc : Split(row[3], ';')) {
      std::string t = dc;
      while (!t.empty() && t.front() == ' ') t.erase(t.begin());
      while (!t.empty() && t.back() == ' ') t.pop_back();
      if (!t.empty()) m.data_components.push_back(t);
    }
    if (m.category.empty() && m.product.empty() && m.service.empty())
      return absl::InvalidArgumentError(Cat(path, ":", lines[r], ": a row needs a category, product or service"));
    if (m.data_components.empty())
      return absl::InvalidArgumentError(Cat(path, ":", lines[r], ": no data component"));
    map.rows_.push_back(std::move(m));
  }
  return map;
}

std::vector<std::string> SigmaLogsourceMap::Lookup(std::string_view category, std::string_view product,
                                                   std::string_view service) const {
  const std::string c = ToLower(category), p = ToLower(product), s = ToLower(service);
  int best = 0;
  std::vector<const Row*> hits;
  for (const Row& r : rows_) {
    if ((!r.category.empty() && r.category != c) || (!r.product.empty() && r.product != p) ||
        (!r.service.empty() && r.service != s))
      continue;
    int specificity = !r.category.empty() * 4 + !r.service.empty() * 2 + !r.product.empty();
    if (specificity > best) {
      best = specificity;
      hits.clear();
    }
    if (specificity == best) hits.push_back(&r);
  }
  std::vector<std::string> out;
  for (const Row* r : hits)
    for (auto& dc : r->data_components)
      if (std::find(out.begin(), out.end(), dc) != out.end()) continue;
      else out.push_back(dc);
  return out;
}

}  // namespace ttpgraph

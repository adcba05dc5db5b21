// The part every ATT&CK Navigator layer ttpgraph exports shares (format 4.5):
// name, versions {attack, navigator, layer "4.5"}, domain, description,
// filters, sorting, hideDisabled, gradient and legendItems. The exporters
// (coverage, gap, overlap, diff) fill a LayerHeader and append their own
// members and techniques after it.
//
//   LayerHeader h;
//   h.name = "Overlap of G0016, G0007"; ...
//   std::string out = LayerHeaderJson(h);
//   out += ",\"techniques\":[" + Join(entries, ",") + "]}";
//
// Pure; no gRPC, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ttpgraph {

// The Navigator version the layers declare (must be >= 4.9.0 for format 4.5).
inline constexpr const char* kNavigatorVersion = "5.1.0";

struct LayerHeader {
  std::string name;
  std::string attack_version;  // versions.attack: the release's version
  std::string domain;
  std::string description;
  std::string platform;        // when set, filters.platforms = [platform]
  int sorting = 3;             // 3: by score, descending
  // Raw JSON members written after hideDisabled, each led by a comma.
  std::string display_fields;
  std::vector<std::string> gradient_colors;  // no gradient when empty
  int64_t gradient_max = 0;                  // minValue is 0
  std::vector<std::pair<std::string, std::string>> legend;  // label, colour
};

// `{"name":...,"legendItems":[...]`, without the closing brace.
std::string LayerHeaderJson(const LayerHeader& h);

}  // namespace ttpgraph

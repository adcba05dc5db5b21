#include "server/export/layer_header.h"

#include "storage/strings.h"

namespace ttpgraph {

std::string LayerHeaderJson(const LayerHeader& h) {
  std::string out = Cat("{\"name\":", JsonQuote(h.name), ",\"versions\":{\"attack\":", JsonQuote(h.attack_version),
                        ",\"navigator\":", JsonQuote(kNavigatorVersion), ",\"layer\":\"4.5\"},\"domain\":",
                        JsonQuote(h.domain), ",\"description\":", JsonQuote(h.description));
  if (!h.platform.empty()) out += Cat(",\"filters\":{\"platforms\":[", JsonQuote(h.platform), "]}");
  out += Cat(",\"sorting\":", h.sorting, ",\"hideDisabled\":false", h.display_fields);
  if (!h.gradient_colors.empty()) {
    std::vector<std::string> colors;
    for (const std::string& c : h.gradient_colors) colors.push_back(JsonQuote(c));
    out += Cat(",\"gradient\":{\"colors\":[", Join(colors, ","), "],\"minValue\":0,\"maxValue\":", h.gradient_max, "}");
  }
  std::vector<std::string> legend;
  for (const auto& [label, color] : h.legend)
    legend.push_back(Cat("{\"label\":", JsonQuote(label), ",\"color\":", JsonQuote(color), "}"));
  out += Cat(",\"legendItems\":[", Join(legend, ","), "]");
  return out;
}

}  // namespace ttpgraph

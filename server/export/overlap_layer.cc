#include "server/export/overlap_layer.h"

#include "storage/strings.h"

namespace ttpgraph {
namespace {

constexpr const char* kOverlapNavigatorVersion = "5.1.0";

}  // namespace

std::string OverlapLayerJson(const GroupTechniqueIndex& index, const std::vector<NodeId>& groups) {
  const ReleaseGraph& g = index.graph();
  std::vector<std::string> group_ids;
  for (NodeId n : groups) group_ids.push_back(g.node(n).attack_id);
  std::vector<std::string> paths;
  if (index.paths().direct) paths.push_back("direct");
  if (index.paths().software) paths.push_back("software");
  if (index.paths().campaigns) paths.push_back("campaigns");

  std::vector<std::string> entries;
  for (const TechniqueUseCount& u : TechniqueUseCounts(index, groups)) {
    std::vector<std::string> names, ids;
    for (NodeId gn : u.groups) {
      names.push_back(Cat(g.node(gn).attack_id, " ", g.node(gn).name));
      ids.push_back(g.node(gn).attack_id);
    }
    entries.push_back(Cat("{\"techniqueID\":", JsonQuote(g.node(u.technique).attack_id), ",\"score\":", u.groups.size(),
                          ",\"enabled\":true,\"comment\":", JsonQuote(Cat("used by ", Join(names, ", "))),
                          ",\"metadata\":[{\"name\":\"groups\",\"value\":", JsonQuote(Join(ids, ", ")), "}]}"));
  }
  const size_t n = groups.size();
  std::string out = "{";
  out += Cat("\"name\":", JsonQuote(n <= 4 ? Cat("Overlap of ", Join(group_ids, ", "))
                                        : Cat("Overlap of ", n, " groups")));
  out += Cat(",\"versions\":{\"attack\":", JsonQuote(g.id().version.ToString()), ",\"navigator\":",
             JsonQuote(kOverlapNavigatorVersion), ",\"layer\":\"4.5\"}");
  out += Cat(",\"domain\":", JsonQuote(g.id().domain));
  out += Cat(",\"description\":", JsonQuote(Cat("Score = number of the ", n, " selected groups using the technique (",
                                            g.id().Name(), "; paths: ", Join(paths, ", "),
                                            "). Groups: ", Join(group_ids, ", "))));
  out += Cat(",\"sorting\":3,\"hideDisabled\":false");
  out += Cat(",\"gradient\":{\"colors\":[\"#ffffff\",\"#ff6666\"],\"minValue\":0,\"maxValue\":", n, "}");
  out += Cat(",\"legendItems\":[{\"label\":\"used by 1 group\",\"color\":\"#ffffff\"},{\"label\":",
             JsonQuote(Cat("used by all ", n, " groups")), ",\"color\":\"#ff6666\"}]");
  out += ",\"techniques\":[" + Join(entries, ",") + "]}";
  return out;
}

}  // namespace ttpgraph

#include "server/export/overlap_layer.h"

#include "server/export/layer_header.h"
#include "storage/strings.h"

namespace ttpgraph {

std::string OverlapLayerJson(const GroupUsageIndex& index, const std::vector<NodeId>& groups) {
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
  LayerHeader h;
  h.name = n <= 4 ? Cat("Overlap of ", Join(group_ids, ", ")) : Cat("Overlap of ", n, " groups");
  h.attack_version = g.id().version.ToString();
  h.domain = g.id().domain;
  h.description = Cat("Score = number of the ", n, " selected groups using the technique (", g.id().Name(),
                      "; paths: ", Join(paths, ", "), "). Groups: ", Join(group_ids, ", "));
  h.gradient_colors = {"#ffffff", "#ff6666"};
  h.gradient_max = static_cast<int64_t>(n);
  h.legend = {{"used by 1 group", "#ffffff"}, {Cat("used by all ", n, " groups"), "#ff6666"}};
  std::string out = LayerHeaderJson(h);
  out += ",\"techniques\":[" + Join(entries, ",") + "]}";
  return out;
}

}  // namespace ttpgraph

#include "server/export/diff_layer.h"

#include <set>

#include "server/export/layer_header.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

struct CategoryStyle {
  const char* color;
  const char* singular;
  const char* legend;
};
// MITRE's changelog layer colours and legend (mitreattack-python diffStix).
constexpr CategoryStyle kStyles[kChangeCategoryCount] = {
    {"#a1d99b", "addition", "additions: ATT&CK objects which are only present in the new release."},
    {"#fcf3a2", "major_version_change", "major_version_changes: ATT&CK objects that have a major version change. (e.g. 1.0 → 2.0)"},
    {"#c7c4e0", "minor_version_change", "minor_version_changes: ATT&CK objects that have a minor version change. (e.g. 1.0 → 1.1)"},
    {"#B5E5CF", "other_version_change", "other_version_changes: ATT&CK objects that have a version change of any other kind. (e.g. 1.0 → 1.2)"},
    {"#B99095", "patch", "patches: ATT&CK objects that have been patched while keeping the version the same."},
    {"#ff9000", "revocation", "revocations: ATT&CK objects which are revoked by a different object."},
    {"#ff6363", "deprecation", "deprecations: ATT&CK objects which are deprecated and no longer in use, and not replaced."},
    {"#ff00e1", "deletion", "deletions: ATT&CK objects which are no longer found in the STIX data."},
    {"#ffffff", "unchanged", "unchanged: ATT&CK objects which did not change between the two versions."},
};

void AddEntries(const ReleaseGraph& g, NodeId n, ChangeCategory cat, const std::string& comment,
                std::vector<std::string>* out) {
  const Node& t = g.node(n);
  if (t.attack_id.empty()) return;
  const CategoryStyle& st = kStyles[static_cast<int>(cat)];
  std::vector<std::string> tactics = t.tactics;
  if (tactics.empty()) tactics.push_back("");
  for (const std::string& tactic : tactics) {
    std::string e = Cat("{\"techniqueID\":", JsonQuote(t.attack_id));
    if (!tactic.empty()) e += Cat(",\"tactic\":", JsonQuote(tactic));
    e += Cat(",\"enabled\":true,\"color\":", JsonQuote(st.color), ",\"comment\":", JsonQuote(comment), "}");
    out->push_back(std::move(e));
  }
}

}  // namespace

DiffLayer DiffLayerJson(const ReleaseGraph& from, const ReleaseGraph& to, const DiffReport& report,
                        const DiffLayerOptions& options) {
  std::vector<std::string> entries;
  std::set<NodeId> listed;
  for (const ObjectChange& c : report.changes) {
    if (c.object_type != DiffObjectType::kTechniques || c.category == ChangeCategory::kDeletion || c.to == kNoNode)
      continue;
    // Revoked and deprecated techniques keep their kill-chain phases, so they sit where they were.
    std::string comment = kStyles[static_cast<int>(c.category)].singular;
    if (!c.changed_fields.empty()) comment += Cat(" (", Join(c.changed_fields, ", "), ")");
    if (!c.old_version.empty() && c.old_version != c.new_version)
      comment += Cat("; version ", c.old_version, " → ", c.new_version);
    if (c.category == ChangeCategory::kRevocation && !c.revoked_by.empty())
      comment += Cat("; revoked by ", to.node(c.revoked_by.back()).attack_id, " ", to.node(c.revoked_by.back()).name);
    AddEntries(to, c.to, c.category, comment, &entries);
    listed.insert(c.to);
  }
  if (options.include_unchanged)
    for (NodeId n : to.techniques()) {
      const Node& t = to.node(n);
      if (!t.active() || !t.in_domain || listed.count(n) || from.FindStix(t.stix_id) == kNoNode) continue;
      AddEntries(to, n, ChangeCategory::kUnchanged, "unchanged", &entries);
    }
  const auto& s = report.summary[static_cast<int>(DiffObjectType::kTechniques)].counts;
  std::string description = Cat("Techniques changed between ATT&CK ", report.from_release.Name(), " and ",
                                report.to_release.Name(), " (diff_stix categories): ");
  std::vector<std::string> parts;
  for (int c = 0; c < kChangeCategoryCount; ++c)
    parts.push_back(Cat(ChangeCategoryName(static_cast<ChangeCategory>(c)), " ", s[c]));
  description += Join(parts, ", ");

  LayerHeader h;
  h.name = Cat("ATT&CK ", report.from_release.version.ToString(), " → ", report.to_release.version.ToString(),
               " changes");
  h.attack_version = report.to_release.version.ToString();
  h.domain = report.to_release.domain;
  h.description = std::move(description);
  h.sorting = 0;
  h.display_fields =
      ",\"selectTechniquesAcrossTactics\":true,\"showTacticRowBackground\":true,\"tacticRowBackground\":\"#205b8f\"";
  for (int c = 0; c < kChangeCategoryCount; ++c)
    if (static_cast<ChangeCategory>(c) != ChangeCategory::kDeletion)
      h.legend.push_back({kStyles[c].legend, kStyles[c].color});
  DiffLayer out;
  out.json = LayerHeaderJson(h);
  out.json += ",\"techniques\":[" + Join(entries, ",") + "]}";
  out.technique_entries = static_cast<int>(entries.size());
  return out;
}

}  // namespace ttpgraph

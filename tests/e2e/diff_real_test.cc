// DiffReleases on the real enterprise bundles (../shared/data/attack), checked against
// tests/e2e/diff_oracle.py: an independent Python scan of the two raw bundles
// by diff_stix's rules (changelog) and by naive set differences
// (relationship diffs). Every category is compared as a set of STIX ids, not
// only as a count.
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/diff.h"
#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using testing::SharedData;

struct Loaded {
  std::shared_ptr<const ReleaseGraph> graph;
  std::map<std::string, std::string> json_by_key;
};

Loaded Load(const std::string& file, const std::string& version) {
  auto text = MaybeGunzip(testing::ReadFile(SharedData("attack/" + file)), size_t{1} << 30);
  EXPECT_TRUE(text.ok()) << text.status();
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = version;
  auto bundle = ParseBundle(*text, opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
  EXPECT_TRUE(g.ok()) << g.status();
  Loaded l;
  l.graph = *g;
  for (auto& o : bundle->objects) l.json_by_key[o.key] = o.json;
  return l;
}

DiffContent ContentFor(const Loaded& a, const Loaded& b) {
  DiffContent c;
  for (const std::string& k : DiffContentKeys(*a.graph, *b.graph)) {
    auto it = a.json_by_key.find(k);
    if (it == a.json_by_key.end()) it = b.json_by_key.find(k);
    if (it != b.json_by_key.end()) c[k] = it->second;
  }
  return c;
}

std::string RunOracle(const std::string& from, const std::string& to) {
  std::string cmd = Cat("python3 ", TTPGRAPH_SOURCE_DIR, "/tests/e2e/diff_oracle.py --from ", from, " --to ", to);
  FILE* p = popen(cmd.c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << "oracle failed: " << cmd;
  return out;
}

std::set<std::string> Strings(simdjson::dom::element e) {
  std::set<std::string> out;
  for (auto x : e.get_array()) out.insert(std::string(x.get_string().value()));
  return out;
}

std::set<std::string> Stix(const ReleaseGraph& g, const std::vector<NodeId>& ids) {
  std::set<std::string> out;
  for (NodeId n : ids) out.insert(g.node(n).stix_id);
  return out;
}

struct DiffCase {
  std::string from_version, to_version;
  int changelog_entries;  // diff_oracle.py's changelog: objects over every type and category
};

class DiffRealTest : public ::testing::TestWithParam<DiffCase> {};

TEST_P(DiffRealTest, MatchesOracle) {
  const auto& [from_version, to_version, changelog_entries] = GetParam();
  const std::string from_file = "enterprise-attack-" + from_version + ".json.gz";
  const std::string to_file = "enterprise-attack-" + to_version + ".json.gz";
  Loaded from = Load(from_file, from_version), to = Load(to_file, to_version);
  // The oracle diffs groups' direct uses: compare over the direct path alone
  // (the default, all three paths, is pinned by tests/e2e/diff_service_real_test.cc
  // and checked against the oracle's path-aware group techniques in tests/e2e/analysis_test.sh).
  ASSERT_OK_AND_ASSIGN(DiffReport r, DiffReleases(*from.graph, *to.graph, ContentFor(from, to), QueryLimits{},
                                                  UsagePaths{true, false, false}));

  std::string oracle_text = RunOracle(SharedData("attack/" + from_file), SharedData("attack/" + to_file));
  simdjson::dom::parser parser;
  simdjson::dom::element oracle = parser.parse(oracle_text);

  // ---- changelog, per type and category, as sets of STIX ids
  std::map<std::pair<std::string, std::string>, std::set<std::string>> mine;
  for (const ObjectChange& c : r.changes) {
    const Node& n = c.to != kNoNode ? to.graph->node(c.to) : from.graph->node(c.from);
    mine[{DiffObjectTypeName(c.object_type), ChangeCategoryName(c.category)}].insert(n.stix_id);
  }
  int compared = 0;
  for (int t = 0; t < kDiffObjectTypeCount; ++t) {
    const char* type = DiffObjectTypeName(static_cast<DiffObjectType>(t));
    for (int c = 0; c < kChangeCategoryCount; ++c) {
      const char* cat = ChangeCategoryName(static_cast<ChangeCategory>(c));
      std::set<std::string> expected = Strings(oracle["changelog"][type][cat]);
      if (static_cast<ChangeCategory>(c) == ChangeCategory::kUnchanged) {
        EXPECT_EQ(r.summary[t].counts[c], static_cast<int>(expected.size())) << type << " " << cat;
      } else {
        EXPECT_EQ((mine[{type, cat}]), expected) << type << " " << cat;
        EXPECT_EQ(r.summary[t].counts[c], static_cast<int>(expected.size())) << type << " " << cat;
      }
      compared += static_cast<int>(expected.size());
    }
  }
  EXPECT_EQ(compared, changelog_entries);

  // ---- groups: direct techniques and software
  std::map<std::string, const GroupDelta*> groups;
  for (auto& d : r.groups) groups[to.graph->node(d.to).stix_id] = &d;
  simdjson::dom::object og = oracle["groups"];
  EXPECT_EQ(groups.size(), og.size());
  for (auto [sid, v] : og) {
    auto it = groups.find(std::string(sid));
    ASSERT_NE(it, groups.end()) << sid;
    EXPECT_EQ(Stix(*to.graph, it->second->techniques.gained), Strings(v["techniques"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, it->second->techniques.lost), Strings(v["techniques"]["lost"])) << sid;
    EXPECT_EQ(Stix(*to.graph, it->second->software.gained), Strings(v["software"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, it->second->software.lost), Strings(v["software"]["lost"])) << sid;
  }
  // ---- campaigns
  std::map<std::string, const CampaignDelta*> campaigns;
  for (auto& d : r.campaigns) campaigns[to.graph->node(d.to).stix_id] = &d;
  simdjson::dom::object oc = oracle["campaigns"];
  EXPECT_EQ(campaigns.size(), oc.size());
  for (auto [sid, v] : oc) {
    auto it = campaigns.find(std::string(sid));
    ASSERT_NE(it, campaigns.end()) << sid;
    EXPECT_EQ(Stix(*to.graph, it->second->techniques.gained), Strings(v["techniques"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, it->second->techniques.lost), Strings(v["techniques"]["lost"])) << sid;
    EXPECT_EQ(Stix(*to.graph, it->second->groups.gained), Strings(v["groups"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, it->second->groups.lost), Strings(v["groups"]["lost"])) << sid;
  }
  // ---- techniques: mitigations, strategies, data components
  std::map<std::string, const TechniqueRelDelta*> techs;
  for (auto& d : r.techniques) techs[to.graph->node(d.to).stix_id] = &d;
  simdjson::dom::object ot = oracle["techniques"];
  EXPECT_EQ(techs.size(), ot.size());
  for (auto [sid, v] : ot) {
    auto it = techs.find(std::string(sid));
    ASSERT_NE(it, techs.end()) << sid;
    const TechniqueRelDelta& d = *it->second;
    EXPECT_EQ(Stix(*to.graph, d.mitigations.gained), Strings(v["mitigations"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, d.mitigations.lost), Strings(v["mitigations"]["lost"])) << sid;
    EXPECT_EQ(Stix(*to.graph, d.strategies.gained), Strings(v["strategies"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, d.strategies.lost), Strings(v["strategies"]["lost"])) << sid;
    EXPECT_EQ(Stix(*to.graph, d.data_components.gained), Strings(v["data_components"]["gained"])) << sid;
    EXPECT_EQ(Stix(*from.graph, d.data_components.lost), Strings(v["data_components"]["lost"])) << sid;
  }
  // ---- tactic and parent changes
  simdjson::dom::object otc = oracle["tactic_changes"];
  EXPECT_EQ(r.tactic_changes.size(), otc.size());
  for (auto& tc : r.tactic_changes) {
    simdjson::dom::element v;
    ASSERT_EQ(otc[to.graph->node(tc.to).stix_id].get(v), simdjson::SUCCESS);
    EXPECT_EQ(std::set<std::string>(tc.removed.begin(), tc.removed.end()), Strings(v["removed"]));
    EXPECT_EQ(std::set<std::string>(tc.added.begin(), tc.added.end()), Strings(v["added"]));
  }
  simdjson::dom::object opc = oracle["parent_changes"];
  EXPECT_EQ(r.parent_changes.size(), opc.size());
  // ---- detects model
  EXPECT_EQ(r.from_detects.from_data_components, int64_t(oracle["detects"]["from"]["x-mitre-data-component"]));
  EXPECT_EQ(r.from_detects.from_detection_strategies,
            int64_t(oracle["detects"]["from"]["x-mitre-detection-strategy"]));
  EXPECT_EQ(r.to_detects.from_data_components, int64_t(oracle["detects"]["to"]["x-mitre-data-component"]));
  EXPECT_EQ(r.to_detects.from_detection_strategies, int64_t(oracle["detects"]["to"]["x-mitre-detection-strategy"]));
}

INSTANTIATE_TEST_SUITE_P(Enterprise, DiffRealTest,
                         // diff_oracle.py --from enterprise-attack-17.1 --to enterprise-attack-18.1: 4,316
                         // changelog entries (18.1 has 691 techniques, 691 detection strategies, 1,739
                         // analytics, ...; 17.1 adds 37 data sources); from 18.0: 4,279 (no data sources).
                         ::testing::Values(DiffCase{"17.1", "18.1", 4316}, DiffCase{"18.0", "18.1", 4279}),
                         [](const auto& info) {
                           std::string n = info.param.from_version + "_to_" + info.param.to_version;
                           for (char& c : n)
                             if (c == '.') c = '_';
                           return n;
                         });

TEST(DiffRealTest, DifferentDomainsAreRefused) {
  Loaded ent = Load("enterprise-attack-18.1.json.gz", "18.1");
  auto text = MaybeGunzip(testing::ReadFile(SharedData("attack/ics-attack-18.1.json.gz")), size_t{1} << 30);
  ASSERT_OK(text.status());
  BundleParseOptions opts;
  opts.domain = "ics-attack";
  opts.version = "18.1";
  ASSERT_OK_AND_ASSIGN(auto bundle, ParseBundle(*text, opts));
  ASSERT_OK_AND_ASSIGN(auto ics, ReleaseGraph::Build(bundle.id, bundle.objects));
  EXPECT_THAT(DiffReleases(*ent.graph, *ics, {}, QueryLimits{}),
              testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                ::testing::AllOf(::testing::HasSubstr("enterprise-attack@18.1"),
                                                 ::testing::HasSubstr("ics-attack@18.1"))));
}

}  // namespace
}  // namespace ttpgraph

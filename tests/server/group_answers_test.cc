// GroupAnswerCache and the encoded GetGroupTechniques pages, on the mini
// releases (tests/testdata/mini_attack/README.md): the bytes parse as the
// answer the typed path would give, answers are kept per graph, a dropped
// graph's answers go, and the byte budget holds.
#include "server/group_answers.h"

#include <gtest/gtest.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <string>
#include <vector>

#include "server/proto_convert.h"
#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/knowledge_service.pb.h"

namespace ttpgraph {
namespace {

using GraphPtr = std::shared_ptr<const ReleaseGraph>;

GraphPtr MiniV18() {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = "18.0";
  auto bundle = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/mini-v18.json")), opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
  EXPECT_TRUE(g.ok()) << g.status();
  return *g;
}

NodeId G0001(const ReleaseGraph& g) {
  for (NodeId n : g.FindAttackId("G0001"))
    if (g.node(n).type == "intrusion-set") return n;
  ADD_FAILURE() << "G0001 is not in the mini release";
  return kNoNode;
}

v1::GroupTechniquesResponse Decode(grpc::ByteBuffer bytes) {
  v1::GroupTechniquesResponse out;
  grpc::ProtoBufferReader reader(&bytes);
  EXPECT_TRUE(out.ParseFromZeroCopyStream(&reader));
  return out;
}

TEST(GroupAnswersTest, PagesDecodeToTheTypedAnswer) {
  GraphPtr g = MiniV18();
  NodeId group = G0001(*g);
  ASSERT_NE(group, kNoNode);
  const UsagePaths all;
  GroupAnswerCache cache;
  auto answer = cache.Get(g, group, all, /*full=*/true);
  std::vector<GroupTechnique> used = TechniquesUsedByGroup(*g, group, all);
  ASSERT_EQ(answer->entries.size(), used.size());
  ASSERT_GE(used.size(), 2u);

  PageWindow window{1, used.size(), "next-token"};
  v1::GroupTechniquesResponse page = Decode(EncodeGroupTechniquesPage(*answer, window));
  v1::AttackObject want_group;
  ToProto(*g, group, &want_group);
  EXPECT_EQ(page.group().SerializeAsString(), want_group.SerializeAsString());
  EXPECT_EQ(page.page().next_page_token(), "next-token");
  EXPECT_EQ(page.page().total_size(), static_cast<int>(used.size()));
  ASSERT_EQ(page.techniques_size(), static_cast<int>(used.size()) - 1);
  for (size_t i = 1; i < used.size(); ++i) {
    const v1::GroupTechnique& got = page.techniques(static_cast<int>(i) - 1);
    EXPECT_EQ(got.technique().stix_id(), g->node(used[i].technique).stix_id);
    EXPECT_EQ(got.direct(), used[i].direct);
    EXPECT_EQ(got.via_software_size(), static_cast<int>(used[i].via_software.size()));
    EXPECT_EQ(got.via_campaigns_size(), static_cast<int>(used[i].via_campaigns.size()));
  }
  // An empty window still names the group and the total.
  v1::GroupTechniquesResponse empty = Decode(EncodeGroupTechniquesPage(*answer, PageWindow{0, 0, ""}));
  EXPECT_EQ(empty.group().attack_id(), "G0001");
  EXPECT_EQ(empty.techniques_size(), 0);
  EXPECT_EQ(empty.page().total_size(), static_cast<int>(used.size()));
}

TEST(GroupAnswersTest, KeptPerGraphPathsAndView) {
  GraphPtr g = MiniV18();
  NodeId group = G0001(*g);
  GroupAnswerCache cache;
  const UsagePaths all, direct_only{true, false, false};
  auto basic = cache.Get(g, group, all, false);
  EXPECT_EQ(cache.Get(g, group, all, false), basic);  // the same answer, not a recomputed one
  EXPECT_NE(cache.Get(g, group, all, true), basic);
  EXPECT_NE(cache.Get(g, group, direct_only, false), basic);
  EXPECT_EQ(cache.Get(g, group, direct_only, false)->entries.size(),
            TechniquesUsedByGroup(*g, group, direct_only).size());

  // A release replaced: the new graph gets its own answers, even at the old address.
  std::weak_ptr<const GroupAnswer> old = basic;
  basic.reset();
  g.reset();
  GraphPtr again = MiniV18();
  auto fresh = cache.Get(again, G0001(*again), all, false);
  EXPECT_TRUE(old.expired());  // the dropped graph's answers were let go
  EXPECT_FALSE(fresh->entries.empty());
}

TEST(GroupAnswersTest, ByteBudgetStartsAfresh) {
  GraphPtr g = MiniV18();
  NodeId group = G0001(*g);
  const UsagePaths all, direct_only{true, false, false};
  GroupAnswerCache tiny(/*max_bytes=*/1);  // any second answer passes the budget
  auto first = tiny.Get(g, group, all, false);
  EXPECT_EQ(tiny.Get(g, group, all, false), first);
  auto other = tiny.Get(g, group, direct_only, false);  // over budget: the cache starts afresh
  auto again = tiny.Get(g, group, all, false);
  EXPECT_NE(again, first);
  EXPECT_EQ(again->entries, first->entries);
  EXPECT_EQ(other->entries.size(), TechniquesUsedByGroup(*g, group, direct_only).size());
}

}  // namespace
}  // namespace ttpgraph

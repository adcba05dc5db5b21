// The encoded GetGroupTechniques answers (group_answers.h), on the mini
// releases (tests/testdata/mini_attack/README.md): the bytes parse as the
// answer the typed path would give, answers are kept with their release per
// (group, paths, view), and a revoked group's resolution rides along.
#include "server/group_answers.h"

#include <gtest/gtest.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <string>
#include <vector>

#include "server/knowledge_convert.h"
#include "storage/import/bundle_parser.h"
#include "storage/strings.h"
#include "tests/testing/test_env.h"
#include "ttpgraph/v1/knowledge_service.pb.h"

namespace ttpgraph {
namespace {

std::shared_ptr<const ReleaseContext> MiniV18(uint64_t incarnation = 1) {
  BundleParseOptions opts;
  opts.domain = "enterprise-attack";
  opts.version = "18.0";
  auto bundle = ParseBundle(testing::ReadFile(testing::TestData("mini_attack/mini-v18.json")), opts);
  EXPECT_TRUE(bundle.ok()) << bundle.status();
  auto g = ReleaseGraph::Build(bundle->id, bundle->objects);
  EXPECT_TRUE(g.ok()) << g.status();
  return std::make_shared<const ReleaseContext>(*g, incarnation, size_t{64} << 20);
}

// The knowledge floor's answer for `group` as asked.
core::GroupTechniquesAnswer AnswerFor(const std::shared_ptr<const ReleaseContext>& ctx, std::string_view group,
                                      const UsagePaths& paths) {
  auto object = ResolveActive(ctx->graph(), group, {"intrusion-set"}, "group", QueryLimits{});
  EXPECT_TRUE(object.ok()) << object.status();
  auto usage = ctx->Usage(paths, QueryLimits{});
  EXPECT_TRUE(usage.ok()) << usage.status();
  core::GroupTechniquesAnswer a{core::Subject{ctx, *object}, paths, nullptr};
  a.techniques = std::shared_ptr<const std::vector<GroupTechnique>>(*usage, (*usage)->UsesOf(object->answered));
  return a;
}

v1::GroupTechniquesResponse Decode(grpc::ByteBuffer bytes) {
  v1::GroupTechniquesResponse out;
  grpc::ProtoBufferReader reader(&bytes);
  EXPECT_TRUE(out.ParseFromZeroCopyStream(&reader));
  return out;
}

TEST(GroupAnswersTest, PagesDecodeToTheTypedAnswer) {
  auto ctx = MiniV18();
  const ReleaseGraph& g = ctx->graph();
  const UsagePaths all;
  core::GroupTechniquesAnswer a = AnswerFor(ctx, "G0001", all);
  auto answer = EncodedGroupAnswer(a, /*full=*/true);
  std::vector<GroupTechnique> used = TechniquesUsedByGroup(g, a.subject.node(), all);
  ASSERT_EQ(answer->entries.size(), used.size());
  ASSERT_EQ(used.size(), 4u);

  PageWindow window{1, used.size(), "next-token"};
  v1::GroupTechniquesResponse page = Decode(EncodeGroupTechniquesPage(*answer, window, ""));
  v1::AttackObject want_group;
  ToProto(g, a.subject.node(), &want_group);
  EXPECT_EQ(page.group().SerializeAsString(), want_group.SerializeAsString());
  EXPECT_EQ(page.page().next_page_token(), "next-token");
  EXPECT_EQ(page.page().total_size(), 4);
  EXPECT_FALSE(page.has_resolution());
  ASSERT_EQ(page.techniques_size(), 3);
  for (size_t i = 1; i < used.size(); ++i) {
    const v1::GroupTechnique& got = page.techniques(static_cast<int>(i) - 1);
    EXPECT_EQ(got.technique().stix_id(), g.node(used[i].technique).stix_id);
    EXPECT_EQ(got.direct(), used[i].direct);
    EXPECT_EQ(got.via_software_size(), static_cast<int>(used[i].via_software.size()));
    EXPECT_EQ(got.via_campaigns_size(), static_cast<int>(used[i].via_campaigns.size()));
  }
  // An empty window still names the group and the total.
  v1::GroupTechniquesResponse empty = Decode(EncodeGroupTechniquesPage(*answer, PageWindow{0, 0, ""}, ""));
  EXPECT_EQ(empty.group().attack_id(), "G0001");
  EXPECT_EQ(empty.techniques_size(), 0);
  EXPECT_EQ(empty.page().total_size(), 4);
}

TEST(GroupAnswersTest, KeptWithTheReleasePerPathsAndView) {
  auto ctx = MiniV18();
  const UsagePaths all, direct_only{true, false, false};
  auto basic = EncodedGroupAnswer(AnswerFor(ctx, "G0001", all), false);
  EXPECT_EQ(EncodedGroupAnswer(AnswerFor(ctx, "G0001", all), false), basic);  // kept, not recomputed
  // Another entry (a different object) per view and per path set.
  EXPECT_NE(EncodedGroupAnswer(AnswerFor(ctx, "G0001", all), true), basic);
  auto direct = EncodedGroupAnswer(AnswerFor(ctx, "G0001", direct_only), false);
  EXPECT_NE(direct, basic);
  EXPECT_EQ(direct->entries.size(),
            TechniquesUsedByGroup(ctx->graph(), AnswerFor(ctx, "G0001", all).subject.node(), direct_only).size());
  // mini_attack/README.md, G0001: all paths T1001, T1001.001, T1013, T1030; direct only T1001.
  EXPECT_EQ(basic->entries.size(), 4u);
  EXPECT_EQ(direct->entries.size(), 1u);

  // Another build of the release has answers of its own; the old ones go with the old build.
  std::weak_ptr<const GroupAnswer> old = basic;
  basic.reset();
  direct.reset();
  ctx.reset();
  EXPECT_TRUE(old.expired());
  auto again = MiniV18(2);
  EXPECT_EQ(EncodedGroupAnswer(AnswerFor(again, "G0001", all), false)->entries.size(), 4u);
}

TEST(GroupAnswersTest, RevokedGroupAnswersForItsSuccessorAndSaysSo) {
  auto ctx = MiniV18();
  const ReleaseGraph& g = ctx->graph();
  core::GroupTechniquesAnswer a = AnswerFor(ctx, "G0002", UsagePaths{});  // revoked by G0001
  EXPECT_TRUE(a.subject.revoked());
  EXPECT_EQ(g.node(a.subject.node()).attack_id, "G0001");
  v1::Resolution r;
  ToProto(g, "g0002", a.subject.object, &r);
  auto encoded = EncodedGroupAnswer(a, false);
  v1::GroupTechniquesResponse page =
      Decode(EncodeGroupTechniquesPage(*encoded, PageWindow{0, encoded->entries.size(), ""}, r.SerializeAsString()));
  EXPECT_EQ(page.group().attack_id(), "G0001");
  EXPECT_EQ(page.techniques_size(), 4);
  EXPECT_EQ(page.resolution().asked(), "g0002");
  EXPECT_EQ(page.resolution().asked_object().attack_id(), "G0002");
  EXPECT_TRUE(page.resolution().asked_object().revoked());
  EXPECT_EQ(page.resolution().answered_for().attack_id(), "G0001");
  ASSERT_EQ(page.resolution().revoked_by().hops_size(), 1);
  EXPECT_EQ(page.resolution().revoked_by().final().attack_id(), "G0001");
}

}  // namespace
}  // namespace ttpgraph

// Release sync from a collection index (core/sync.h, ttpgraphd --sync-index)
// against a real in-process server: the fixtures of tests/testdata/sync (a
// tiny index over the mini releases, with a wrong sha256 and a missing
// bundle), the import root as the fetch rules' boundary, the status in
// ListReleases and "nothing partial, the server keeps serving" on every bad
// input. Each pass runs on the test's thread (RunOnce): no sleeps.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/core/sync.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::StatusIs;

ServerOptions UnderTestData() {
  ServerOptions o;
  o.limits.import_roots = {testing::TestData("")};
  return o;
}

class SyncTest : public ::testing::Test {
 protected:
  SyncTest() : server_(UnderTestData()) {}

  // A sync of the index (a file of tests/testdata/sync), installed in the
  // application so ListReleases reports it.
  core::ReleaseSync& Sync(const std::string& index, std::vector<std::string> domains = {}) {
    core::SyncOptions o;
    o.index = index.empty() || index[0] == '/' ? index : testing::TestData("sync/" + index);
    o.domains = std::move(domains);
    EXPECT_OK(core::ReleaseSync::Validate(o));
    server_.server().app().set_sync(std::make_unique<core::ReleaseSync>(&server_.server().app(), o));
    return *server_.server().app().sync();
  }

  v1::ListReleasesResponse List() {
    v1::ListReleasesResponse resp;
    EXPECT_OK(server_.client().CallAllPages(&v1::ReleaseService::Stub::ListReleases, v1::ListReleasesRequest{}, &resp));
    return resp;
  }
  std::vector<std::string> ReleaseNames() {
    const v1::ListReleasesResponse list = List();
    std::vector<std::string> names;
    for (auto& r : list.releases()) names.push_back(r.name());
    return names;
  }

  testing::TestServer server_;
};

TEST_F(SyncTest, ImportsWhatIsMissingThenNothing) {
  core::ReleaseSync& sync = Sync("index.json");
  ASSERT_OK(sync.RunOnce());
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));
  core::SyncStatus s = sync.status();
  EXPECT_EQ(s.passes, 1u);
  EXPECT_EQ(s.failed_passes, 0u);
  EXPECT_EQ(s.releases_imported, 2u);
  EXPECT_THAT(s.last_imported, ElementsAre("enterprise-attack@18.0", "enterprise-attack@17.0"));  // newest first
  EXPECT_EQ(s.last_error, "");
  EXPECT_NE(s.last_success_unix_ms, 0);
  EXPECT_EQ(s.last_success_unix_ms, s.last_attempt_unix_ms);
  EXPECT_TRUE(sync.first_pass_done());

  // The release list carries the status.
  v1::ListReleasesResponse list = List();
  ASSERT_TRUE(list.has_sync());
  EXPECT_EQ(list.sync().index(), testing::TestData("sync/index.json"));
  EXPECT_EQ(list.sync().interval(), "6h");
  EXPECT_EQ(list.sync().releases_imported(), 2);
  EXPECT_EQ(list.sync().passes(), 1);
  EXPECT_THAT(list.sync().last_imported(), ElementsAre("enterprise-attack@18.0", "enterprise-attack@17.0"));
  EXPECT_EQ(list.sync().last_error(), "");
  EXPECT_NE(list.sync().last_success(), "");

  // A second pass finds everything stored and imports nothing.
  ASSERT_OK(sync.RunOnce());
  s = sync.status();
  EXPECT_EQ(s.passes, 2u);
  EXPECT_EQ(s.releases_imported, 2u);
  EXPECT_THAT(s.last_imported, IsEmpty());
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));
}

TEST_F(SyncTest, WithoutSyncTheReleaseListHasNoStatus) { EXPECT_FALSE(List().has_sync()); }

TEST_F(SyncTest, AWrongSha256SkipsThatReleaseWholeAndTheNextPassRetries) {
  core::ReleaseSync& bad = Sync("index-wrong-sha256.json");
  EXPECT_THAT(bad.RunOnce(), StatusIs(absl::StatusCode::kInvalidArgument,
                                      AllOf(HasSubstr("enterprise-attack@18.0"), HasSubstr("digest"))));
  // 17.0 is in, 18.0 not at all; the server answers as before.
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0"));
  v1::GetReleaseRequest get;
  get.set_release("enterprise-attack@18.0");
  v1::Release release;
  EXPECT_THAT(server_.client().Call(&v1::ReleaseService::Stub::GetRelease, get, &release),
              StatusIs(absl::StatusCode::kNotFound));
  core::SyncStatus s = bad.status();
  EXPECT_THAT(s.last_error, AllOf(HasSubstr("enterprise-attack@18.0"), HasSubstr("digest")));
  EXPECT_EQ(s.last_success_unix_ms, 0);
  EXPECT_EQ(s.failed_passes, 1u);
  EXPECT_EQ(s.releases_imported, 1u);
  EXPECT_EQ(s.releases_failed, 1u);
  EXPECT_THAT(List().sync().last_error(), HasSubstr("enterprise-attack@18.0"));
  // The index fixed: the next pass imports what is still missing, and only that.
  core::ReleaseSync& good = Sync("index.json");
  ASSERT_OK(good.RunOnce());
  EXPECT_THAT(good.status().last_imported, ElementsAre("enterprise-attack@18.0"));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0", "enterprise-attack@18.0"));
}

TEST_F(SyncTest, AMissingBundleIsNamedAndTheOthersImport) {
  core::ReleaseSync& sync = Sync("index-missing-bundle.json");
  EXPECT_THAT(sync.RunOnce(), StatusIs(absl::StatusCode::kNotFound,
                                       AllOf(HasSubstr("enterprise-attack@18.0"), HasSubstr("not a readable regular file"))));
  EXPECT_THAT(ReleaseNames(), ElementsAre("enterprise-attack@17.0"));
  EXPECT_THAT(sync.status().last_error, HasSubstr("enterprise-attack@18.0"));
}

TEST_F(SyncTest, AMissingIndexImportsNothingAndSaysSo) {
  core::ReleaseSync& sync = Sync("no-such-index.json");
  EXPECT_THAT(sync.RunOnce(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a readable regular file")));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
  core::SyncStatus s = sync.status();
  EXPECT_THAT(s.last_error, HasSubstr("no-such-index.json"));
  EXPECT_EQ(s.passes, 1u);
  EXPECT_EQ(s.failed_passes, 1u);
  EXPECT_TRUE(sync.first_pass_done());  // ready all the same: the server serves what it has
}

TEST_F(SyncTest, AnIndexOutsideTheImportRootIsRefused) {
  core::ReleaseSync& sync = Sync("/etc/passwd");
  EXPECT_THAT(sync.RunOnce(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the import root")));
  EXPECT_THAT(ReleaseNames(), IsEmpty());
}

TEST_F(SyncTest, OnlyTheChosenDomainsAreImported) {
  core::ReleaseSync& sync = Sync("index.json", {"mobile-attack"});
  ASSERT_OK(sync.RunOnce());
  EXPECT_THAT(ReleaseNames(), IsEmpty());
  EXPECT_EQ(sync.status().releases_imported, 0u);
  const v1::ListReleasesResponse list = List();
  EXPECT_THAT(list.sync().domains(), ElementsAre("mobile-attack"));
}

TEST(SyncOptionsTest, BadOptionsAreRefusedBeforeAnyPass) {
  core::SyncOptions o;
  EXPECT_THAT(core::ReleaseSync::Validate(o), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--sync-index")));
  o.index = "relative/index.json";
  EXPECT_THAT(core::ReleaseSync::Validate(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("neither an https URL nor an absolute path")));
  o.index = "/srv/index.json";
  o.domains = {"enterprise-attack", "pre-attack"};
  EXPECT_THAT(core::ReleaseSync::Validate(o), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'pre-attack'")));
  o.domains = {};
  o.interval = absl::Seconds(5);
  EXPECT_THAT(core::ReleaseSync::Validate(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--sync-interval")));
  o.interval = absl::Hours(6);
  EXPECT_OK(core::ReleaseSync::Validate(o));
}

// The server with --sync-index refuses to start on bad options.
TEST(SyncServerTest, BadSyncOptionsStopTheStart) {
  testing::TempDir dir;
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  o.data_dir = dir.path() + "/db";
  o.sync.index = "index.json";
  EXPECT_THAT(TtpgraphServer::Start(o).status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace ttpgraph

// Race stress test of the application floor (core::Application, no gRPC, so
// that a TSan run of it reports races in ttpgraph's code and not in gRPC's):
// threads import, replace and delete a release, write, delete and migrate the
// detections of organizations, delete and re-create those, and query all of it
// at once. Every answer is checked against a serial model:
//   - a release read (group techniques, technique list, object lookup) of the
//     release being replaced and deleted equals the same read of one of its two
//     contents, imported under stable names beside it, or is NOT_FOUND (or
//     ABORTED for an object lookup that raced a replace); never DATA_LOSS or a mix;
//   - each organization has one writer, which keeps the model of its
//     detections: after each of its writes the organization lists exactly the
//     model, and the writer records the model under the (incarnation,
//     generation) it wrote; every coverage answer a reader got is then checked
//     against the model of the generation it names;
//   - a migration planned before an edit and applied after it is ABORTED and
//     leaves the edit alone; a migrator applying concurrently never brings back
//     a detection the writer deleted.
// Iterations: TTPGRAPH_STRESS_ROUNDS (default 40 per organization writer; the release writer
// makes half as many rounds of three imports).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "server/core/analysis.h"
#include "server/core/application.h"
#include "server/core/coverage.h"
#include "server/core/knowledge.h"
#include "server/core/organizations.h"
#include "server/core/releases.h"
#include "server/log.h"
#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using testing::StatusIs;

constexpr char kMoving[] = "enterprise-attack@17.0";  // replaced and deleted all the time
constexpr char kContentA[] = "enterprise-attack@16.0";  // mini-v17.json, never touched
constexpr char kContentB[] = "enterprise-attack@18.0";  // mini-v18.json, never touched; the organizations' release
// Active in-domain techniques of both contents: a detection's technique, DETECTED when it is enabled
// (T1040 is not: the fixture's mobile-domain technique).
const std::vector<std::string> kTechniques = {"T1001", "T1003", "T1013", "T1030"};
constexpr int kOrgs = 3;
constexpr int kDetectionIds = 6;

int Rounds() {
  const char* env = std::getenv("TTPGRAPH_STRESS_ROUNDS");
  return env && std::atoi(env) > 0 ? std::atoi(env) : 40;
}

// What a release read answered, comparable across two builds of one content.
struct ReleaseReads {
  std::vector<std::string> group_techniques;  // G0001's, by ATT&CK ID
  std::vector<std::string> techniques;        // ListTechniques
  std::string object_json;                    // T1001's STIX object
  bool operator==(const ReleaseReads& o) const {
    return group_techniques == o.group_techniques && techniques == o.techniques && object_json == o.object_json;
  }
};

// Each read alone (they may see different versions of a release being
// replaced); a field is left empty when its read was NOT_FOUND.
absl::StatusOr<ReleaseReads> ReadRelease(core::Application& app, const std::string& release, int* absent) {
  ReleaseReads r;
  QueryLimits limits;
  auto usage = core::GroupTechniques(app, release, "G0001", UsagePaths{}, limits);
  if (usage.ok()) {
    for (const GroupTechnique& t : *usage->techniques)
      r.group_techniques.push_back(usage->subject.release->graph().node(t.technique).attack_id);
  } else if (absl::IsNotFound(usage.status())) {
    ++*absent;
  } else {
    return usage.status();
  }
  auto list = core::ListTechniques(app, release, TechniqueFilter{});
  if (list.ok()) {
    for (NodeId n : list->nodes) r.techniques.push_back(list->release->graph().node(n).attack_id);
  } else if (absl::IsNotFound(list.status())) {
    ++*absent;
  } else {
    return list.status();
  }
  auto object = core::GetObject(app, release, "T1001", "", limits);
  if (object.ok()) {
    r.object_json = object->stix_json;
  } else if (absl::IsNotFound(object.status()) || absl::IsAborted(object.status())) {
    ++*absent;
  } else {
    return object.status();
  }
  return r;
}

struct ModelDetection {
  std::string technique;
  bool enabled = true;
};
using Model = std::map<std::string, ModelDetection>;  // by detection id ("m" aside)

// The techniques a model's coverage on kContentB reports DETECTED.
std::set<std::string> DetectedOf(const Model& m) {
  std::set<std::string> out;
  for (const auto& [id, d] : m)
    if (d.enabled) out.insert(d.technique);
  return out;
}

class RaceStressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetQuietLogs(true);
    StoreOptions so;
    so.path = dir_.path() + "/db";
    so.sync_writes = false;
    ASSERT_OK_AND_ASSIGN(store_, Store::Open(so));
    app_ = std::make_unique<core::Application>(store_.get(), core::ServerLimits{});
    a_ = testing::ReadFile(testing::TestData("mini_attack/mini-v17.json"));
    b_ = testing::ReadFile(testing::TestData("mini_attack/mini-v18.json"));
    ASSERT_OK(Import(a_, "16.0", false));
    ASSERT_OK(Import(b_, "18.0", false));
    ASSERT_OK(Import(a_, "17.0", false));
    int absent = 0;
    ASSERT_OK_AND_ASSIGN(reads_a_, ReadRelease(*app_, kContentA, &absent));
    ASSERT_OK_AND_ASSIGN(reads_b_, ReadRelease(*app_, kContentB, &absent));
    ASSERT_EQ(absent, 0);
    ASSERT_FALSE(reads_a_ == reads_b_) << "the two contents must be told apart";
    ASSERT_EQ(reads_a_.object_json.empty(), false);
  }

  absl::Status Import(const std::string& bytes, const std::string& version, bool replace) {
    core::ReleaseImportOptions o;
    o.domain = "enterprise-attack";
    o.version = version;
    o.replace = replace;
    return core::ImportRelease(*app_, bytes, o, QueryLimits{}).status();
  }

  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<core::Application> app_;
  std::string a_, b_;
  ReleaseReads reads_a_, reads_b_;
};

TEST_F(RaceStressTest, ConcurrentWritesAndReadsMatchTheSerialModel) {
  core::Application& app = *app_;
  const int rounds = Rounds();
  for (int o = 0; o < kOrgs; ++o)
    ASSERT_OK(core::CreateOrganization(app, OrgId("org-" + std::to_string(o)), "", kContentB));
  // The model of each generation each writer wrote: (org, incarnation, generation) -> model.
  std::mutex history_mu;
  std::map<std::tuple<std::string, uint64_t, int64_t>, Model> history;
  struct Observation {
    std::string org;
    uint64_t incarnation;
    int64_t generation;
    std::set<std::string> detected;
    int counted;
  };
  std::mutex observed_mu;
  std::vector<Observation> observed;
  std::atomic<int> writers_left{kOrgs + 1};
  std::atomic<int> failures{0};
  std::atomic<int> migrations_applied{0}, migrations_aborted{0}, release_reads{0}, release_absent{0};
  auto fail = [&](const std::string& what) {
    ++failures;
    ADD_FAILURE() << what;
  };
  std::vector<std::thread> threads;

  // The release writer: 17.0 is content A, then B (replace), then absent.
  threads.emplace_back([&] {
    for (int r = 0; r < rounds / 2; ++r) {
      if (auto s = Import(a_, "17.0", true); !s.ok()) fail("import A: " + s.ToString());
      if (auto s = Import(b_, "17.0", true); !s.ok()) fail("replace with B: " + s.ToString());
      if (auto s = core::DeleteRelease(app, kMoving, /*force=*/true).status(); !s.ok()) fail("delete: " + s.ToString());
    }
    --writers_left;
  });

  // One writer per organization, keeping its model.
  for (int o = 0; o < kOrgs; ++o) {
    threads.emplace_back([&, o] {
      const OrgId org("org-" + std::to_string(o));
      std::mt19937 rng(1000 + o);
      Model model;
      bool has_m = false;  // the migration detection (disabled: coverage never counts it)
      auto record = [&]() -> bool {
        auto rec = app.orgs().GetOrg(org);
        if (!rec.ok()) return fail("GetOrg after a write: " + rec.status().ToString()), false;
        // Only this thread writes these detections: the record read now holds the model (the
        // migrator rewrites only "m", which coverage does not count).
        std::lock_guard<std::mutex> lock(history_mu);
        history[{org.str(), rec->incarnation, rec->generation}] = model;
        return true;
      };
      auto check_listing = [&](const char* after) {
        auto all = core::ListDetections(app, org, core::DetectionFilter{});
        if (!all.ok()) return fail(std::string("list after ") + after + ": " + all.status().ToString());
        Model seen;
        bool seen_m = false;
        for (const Detection& d : *all) {
          if (d.id == "m") {
            seen_m = true;
            continue;
          }
          seen[d.id] = ModelDetection{d.techniques.empty() ? "" : d.techniques[0],
                                      d.state == DetectionState::kEnabled};
        }
        bool same = seen.size() == model.size() && seen_m == has_m;
        for (const auto& [id, d] : model) {
          auto it = seen.find(id);
          same = same && it != seen.end() && it->second.technique == d.technique && it->second.enabled == d.enabled;
        }
        if (!same) {
          std::string diff;
          for (const auto& [id, d] : model) diff += Cat(" model ", id, "=", d.technique, d.enabled ? "" : "(off)");
          for (const auto& [id, d] : seen) diff += Cat(" stored ", id, "=", d.technique, d.enabled ? "" : "(off)");
          fail(Cat(org.str(), ": detections after ", after, " differ from the model:", diff, has_m ? " m" : "",
                   seen_m ? " stored m" : ""));
        }
      };
      if (!record()) return;
      for (int r = 0; r < rounds; ++r) {
        const int op = static_cast<int>(rng() % 20);
        if (op == 0) {  // delete and re-create the organization
          if (auto s = core::DeleteOrganization(app, org).status(); !s.ok()) fail("delete org: " + s.ToString());
          if (auto s = core::CreateOrganization(app, org, "", kContentB).status(); !s.ok())
            fail("re-create org: " + s.ToString());
          model.clear();
          has_m = false;
          record();
          check_listing("re-create");
          continue;
        }
        if (op <= 3) {  // the migration detection: add it, or delete it
          if (!has_m) {
            Detection m;
            m.id = "m";
            m.name = "to migrate";
            m.release = kContentA;
            m.techniques = {"T1010"};  // revoked: a migration to 18.0 re-maps it
            m.state = DetectionState::kDisabled;
            auto put = core::PutDetection(app, org, m, OrgStore::PutMode::kUpsert, QueryLimits{});
            if (!put.ok()) fail("put m: " + put.status().ToString());
            has_m = put.ok();
          } else {
            auto del = core::DeleteDetection(app, org, "m");
            if (!del.ok()) fail("delete m: " + del.status().ToString());
            has_m = false;
          }
          record();
          check_listing("m");
          continue;
        }
        if (op == 4) {  // a plan read, then an edit, then applying that plan: ABORTED, the edit stays
          auto plan = core::ApplyMigration(app, org, kContentA, kContentB, {}, /*apply=*/false, QueryLimits{});
          if (!plan.ok()) {
            fail("plan: " + plan.status().ToString());
            continue;
          }
          const std::string id = "d0";
          Detection d;
          d.id = id;
          d.name = Cat("edited after the plan of round ", r);  // never the stored content: a write
          d.techniques = {kTechniques[rng() % kTechniques.size()]};
          if (auto s = core::PutDetection(app, org, d, OrgStore::PutMode::kUpsert, QueryLimits{}).status(); !s.ok())
            fail("edit after plan: " + s.ToString());
          model[id] = ModelDetection{d.techniques[0], true};
          record();
          auto applied = core::ApplyMigration(app, org, kContentA, kContentB, {}, /*apply=*/true, QueryLimits{},
                                              nullptr, plan->plan.org.generation);
          if (!absl::IsAborted(applied.status()))
            fail("apply of a plan read before an edit: " + applied.status().ToString() + " (want ABORTED)");
          check_listing("an aborted migration");
          continue;
        }
        const std::string id = "d" + std::to_string(rng() % kDetectionIds);
        if (op <= 8 && model.count(id)) {
          if (auto s = core::DeleteDetection(app, org, id).status(); !s.ok()) fail("delete: " + s.ToString());
          model.erase(id);
        } else {
          Detection d;
          d.id = id;
          d.name = "rule " + id;
          d.techniques = {kTechniques[rng() % kTechniques.size()]};
          d.state = rng() % 4 == 0 ? DetectionState::kDisabled : DetectionState::kEnabled;
          if (auto s = core::PutDetection(app, org, d, OrgStore::PutMode::kUpsert, QueryLimits{}).status(); !s.ok())
            fail("put: " + s.ToString());
          model[id] = ModelDetection{d.techniques[0], d.state == DetectionState::kEnabled};
        }
        record();
        check_listing("a write");
      }
      --writers_left;
    });
  }

  // The migrator: applies 16.0 -> 18.0 to every organization while they change.
  threads.emplace_back([&] {
    while (writers_left > 1) {
      for (int o = 0; o < kOrgs; ++o) {
        auto applied = core::ApplyMigration(app, OrgId("org-" + std::to_string(o)), kContentA, kContentB, {},
                                            /*apply=*/true, QueryLimits{});
        if (applied.ok()) {
          if (applied->applied) ++migrations_applied;
        } else if (absl::IsAborted(applied.status())) {
          ++migrations_aborted;
        } else if (!absl::IsNotFound(applied.status())) {  // NOT_FOUND: between a delete and a re-create
          fail("migration: " + applied.status().ToString());
        }
      }
    }
  });

  // Readers: coverage of the organizations, reads of the moving release.
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      while (writers_left > 0) {
        const OrgId org("org-" + std::to_string(rng() % kOrgs));
        core::CoverageQuery q;
        auto cov = core::Coverage(app, org, q, QueryLimits{});
        if (cov.ok()) {
          Observation ob{org.str(), cov->org.org.incarnation, cov->org.org.generation, {},
                         cov->report.detections_counted};
          for (const TechniqueCoverage& tc : cov->report.techniques)
            if (tc.status == CoverageStatus::kDetected) ob.detected.insert(cov->release->graph().node(tc.technique).attack_id);
          std::lock_guard<std::mutex> lock(observed_mu);
          observed.push_back(std::move(ob));
        } else if (!absl::IsNotFound(cov.status())) {
          fail("coverage: " + cov.status().ToString());
        }
        int absent = 0;
        auto reads = ReadRelease(app, kMoving, &absent);
        if (!reads.ok()) {
          fail("release read: " + reads.status().ToString());
          continue;
        }
        ++release_reads;
        release_absent += absent;
        // Each read alone is of A or B (or absent).
        auto one_of = [](const auto& got, const auto& a, const auto& b) { return got == a || got == b; };
        if (!reads->group_techniques.empty() &&
            !one_of(reads->group_techniques, reads_a_.group_techniques, reads_b_.group_techniques))
          fail("group techniques of neither content");
        if (!reads->techniques.empty() && !one_of(reads->techniques, reads_a_.techniques, reads_b_.techniques))
          fail("technique list of neither content");
        if (!reads->object_json.empty() && !one_of(reads->object_json, reads_a_.object_json, reads_b_.object_json))
          fail("object of neither content");
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  // Every coverage answer against the model of the generation it names.
  int verified = 0, unrecorded = 0;
  for (const Observation& ob : observed) {
    auto it = history.find({ob.org, ob.incarnation, ob.generation});
    if (it == history.end()) {
      ++unrecorded;  // a generation the migrator wrote, or one read before its writer recorded it
      continue;
    }
    const Model& m = it->second;
    const std::set<std::string> want = DetectedOf(m);
    EXPECT_EQ(ob.detected, want) << ob.org << " generation " << ob.generation;
    int enabled = 0;
    for (const auto& [id, d] : m) enabled += d.enabled ? 1 : 0;
    EXPECT_EQ(ob.counted, enabled) << ob.org << " generation " << ob.generation;
    ++verified;
  }
  // Each organization ends as its writer's model says.
  for (int o = 0; o < kOrgs; ++o) {
    const OrgId org("org-" + std::to_string(o));
    ASSERT_OK_AND_ASSIGN(Organization rec, app.orgs().GetOrg(org));
    std::lock_guard<std::mutex> lock(history_mu);
    const Model* last = nullptr;
    for (auto& [key, m] : history)
      if (std::get<0>(key) == org.str() && std::get<1>(key) == rec.incarnation) last = &m;
    ASSERT_NE(last, nullptr);
    ASSERT_OK_AND_ASSIGN(auto cov, core::Coverage(app, org, core::CoverageQuery{}, QueryLimits{}));
    std::set<std::string> detected;
    for (const TechniqueCoverage& tc : cov.report.techniques)
      if (tc.status == CoverageStatus::kDetected) detected.insert(cov.release->graph().node(tc.technique).attack_id);
    EXPECT_EQ(detected, DetectedOf(*last)) << org.str();
  }
  printf("coverage answers: %zu (%d checked against the model of their generation, %d of an unrecorded one); "
         "release reads: %d (%d parts absent); migrations applied %d, aborted %d\n",
         observed.size(), verified, unrecorded, release_reads.load(), release_absent.load(),
         migrations_applied.load(), migrations_aborted.load());
  EXPECT_GT(verified, 0);
}

}  // namespace
}  // namespace ttpgraph

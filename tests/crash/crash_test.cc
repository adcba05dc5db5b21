// Crash consistency of ttpgraphd (issue 11): each round begins one random write
// on a real ttpgraphd, SIGKILLs the process at a random moment within the
// write's typical duration, and checks what the restart finds:
//   - the store equals the state before the write, or the state the same write
//     gives when it runs to completion on a copy of that state (and the latter
//     when the client was told OK before the kill): a release is whole or
//     absent, an organization's detections all or nothing per import, an audit
//     record exists exactly when its change does;
//   - every release's objects equal a clean parse of the bundle it came from;
//   - reference counts equal a recount over the manifests, and no object is
//     left that no release holds (tests/testing/store_check.h);
//   - ttpgraphd starts again on the directory and answers.
// The data directory keeps its state from round to round.
//
//   crash_test                       # ctest: 5 rounds
//   crash_test --rounds 100          # by hand (tests/README.md); prints its seed
//   crash_test --rounds 100 --seed 42
//
// Needs TTPGRAPHD, TTPCTL and TTPGRAPH_SHARED_DATA (ctest sets them). The seed
// fixes the writes and the kill delays; where within a write a delay lands
// still depends on the machine's speed.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/import/bundle_parser.h"
#include "storage/import/decompress.h"
#include "storage/import/sha256.h"
#include "storage/org_store.h"
#include "storage/store.h"
#include "storage/strings.h"
#include "tests/testing/store_check.h"
#include "tests/testing/store_dump.h"
#include "tests/testing/test_files.h"

extern char** environ;

namespace ttpgraph::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

int g_rounds = 5;
uint64_t g_seed = 0;

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

// ---- processes ---------------------------------------------------------------

pid_t Spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

// The exit status, or -signal; nullopt while it runs (when `block` is false).
std::optional<int> Reap(pid_t pid, bool block) {
  int status = 0;
  pid_t r = waitpid(pid, &status, block ? 0 : WNOHANG);
  if (r == 0) return std::nullopt;
  if (r < 0) return -1000;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof(a);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A ttpgraphd on a data directory, and ttpctl calls against it.
class Daemon {
 public:
  Daemon(std::string dir, std::string log) : dir_(std::move(dir)), log_(std::move(log)) {}
  ~Daemon() { Kill(); }

  // Starts ttpgraphd and waits (bounded) until it answers.
  bool Start() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      addr_ = Cat("127.0.0.1:", FreePort());
      pid_ = Spawn({Env("TTPGRAPHD"), "--listen", addr_, "--data-dir", dir_, "--quiet"}, log_);
      for (int i = 0; i < 400; ++i) {
        if (Ctl({"release", "list"}) == 0) return true;
        if (Reap(pid_, false)) break;  // exited (a port taken in between): try again
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      Kill();
    }
    return false;
  }
  // SIGTERM; the exit status (0 expected).
  int Stop() {
    if (pid_ <= 0) return 0;
    kill(pid_, SIGTERM);
    int rc = *Reap(pid_, true);
    pid_ = -1;
    return rc;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    Reap(pid_, true);
    pid_ = -1;
  }
  std::vector<std::string> CtlArgv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {Env("TTPCTL"), "--server", addr_, "--token-file", dir_ + "/admin.token"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  pid_t SpawnCtl(const std::vector<std::string>& args) const { return Spawn(CtlArgv(args), log_); }
  int Ctl(const std::vector<std::string>& args) const { return *Reap(SpawnCtl(args), true); }

 private:
  std::string dir_, log_, addr_;
  pid_t pid_ = -1;
};

// ---- what the store holds ------------------------------------------------------

// Releases the rounds may write, and the clean parse of each bundle that may
// lie under its name: the object keys a release must hold, whole.
struct Bundle {
  std::string name;  // domain@version
  std::string path;
  std::vector<std::string> domain_version;  // given on the command line (the real bundles have no collection)
  std::set<std::string> keys;
  std::map<std::string, int64_t> counts_by_type;
  std::vector<std::string> import;  // the ttpctl call that imports it
};

Bundle Parse(std::string name, std::string path, std::vector<std::string> domain_version) {
  Bundle b{std::move(name), std::move(path), std::move(domain_version), {}, {}};
  b.import = {"release", "import", "--domain", b.domain_version[0], "--version", b.domain_version[1], b.path};
  auto text = MaybeGunzip(ReadFile(b.path), size_t{1} << 30);
  EXPECT_TRUE(text.ok()) << b.path << ": " << text.status();
  BundleParseOptions opts;
  opts.domain = b.domain_version[0];
  opts.version = b.domain_version[1];
  auto parsed = ParseBundle(text.ok() ? *text : "", opts);
  EXPECT_TRUE(parsed.ok()) << b.path << ": " << parsed.status();
  if (!parsed.ok()) return b;
  EXPECT_EQ(parsed->id.Name(), b.name);
  for (auto& o : parsed->objects) b.keys.insert(o.key);
  b.counts_by_type = parsed->counts_by_type;
  return b;
}

// One store state, without what differs between two runs of the same writes
// (times, request ids, generations): one line per fact.
struct State {
  std::vector<std::string> lines;
  std::set<std::string> releases, orgs, d3fend_versions;
  std::map<std::string, int64_t> release_objects;
  bool operator==(const State& o) const { return lines == o.lines; }
};

std::string Normalize(std::string line) {
  static const std::regex times(R"( (imported|created|updated|last_used)=-?\d+)");
  static const std::regex audit_head(R"(^audit -?\d+ "(?:[^"\\]|\\.)*" )");
  line = std::regex_replace(line, times, "");
  return std::regex_replace(line, audit_head, "audit ");
}

// Opens the store as ttpgraphd would after the crash, checks every release
// against the bundles that may lie under its name, and dumps it; then checks
// the files themselves (reference counts).
State Inspect(const std::string& dir, const std::vector<Bundle>& bundles) {
  State st;
  {
    auto store = Store::Open(StoreOptions{.path = dir});
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return st;
    for (const std::string& raw : DumpStore(**store)) {
      if (raw.rfind("kv ", 0) == 0) continue;  // below: only what does not change between runs
      if (raw.rfind("object ", 0) == 0) continue;  // checked below against the bundles
      st.lines.push_back(Normalize(raw));
    }
    // The key-value space but for the audit trail, organizations and tokens
    // (dumped above as decoded lines): D3FEND and Atomic versions point at
    // content-addressed blobs; their manifests' import time (field 4) goes.
    EXPECT_TRUE((*store)
                    ->KvScan("",
                             [&](std::string_view k, std::string_view v) {
                               if (k.rfind("audit/", 0) == 0 || k.rfind("org/", 0) == 0 || k.rfind("token/", 0) == 0)
                                 return true;
                               std::string value(v);
                               if (k.find("/v/") != std::string_view::npos) {
                                 auto fields = Split(value, '\t');
                                 if (fields.size() > 3) fields.erase(fields.begin() + 3);
                                 value = Join(fields, "\t");
                                 if (k.rfind("d3fend/v/", 0) == 0) st.d3fend_versions.insert(fields.back());
                               }
                               st.lines.push_back(Cat("kv ", k, " ", value.size() > 200 ? Sha256Hex(value) : value));
                               return true;
                             })
                    .ok());
    auto releases = (*store)->ListReleases();
    EXPECT_TRUE(releases.ok()) << releases.status();
    for (const ReleaseInfo& r : releases.ok() ? *releases : std::vector<ReleaseInfo>{}) {
      const std::string name = r.id.Name();
      st.releases.insert(name);
      st.release_objects[name] = r.object_count;
      auto objects = (*store)->LoadReleaseObjects(r.id);
      auto records = (*store)->LoadReleaseRecords(r.id);
      EXPECT_TRUE(objects.ok()) << name << ": " << objects.status();
      EXPECT_TRUE(records.ok()) << name << ": " << records.status();
      if (!objects.ok() || !records.ok()) continue;
      std::set<std::string> keys;
      for (auto& o : *objects) keys.insert(o.key);
      EXPECT_EQ(static_cast<int64_t>(objects->size()), r.object_count) << name;
      EXPECT_EQ(records->size(), objects->size()) << name;
      // Whole: exactly the objects of a clean parse of one bundle that may lie under this name.
      bool matched = false;
      for (const Bundle& b : bundles)
        if (b.name == name && b.keys == keys && b.counts_by_type == r.counts_by_type) matched = true;
      EXPECT_TRUE(matched) << "release " << name << " (" << keys.size()
                           << " objects) is no clean import of a bundle written under that name";
    }
    OrgStore orgs(store->get());
    auto list = orgs.ListOrgs();
    EXPECT_TRUE(list.ok()) << list.status();
    for (const Organization& o : list.ok() ? *list : std::vector<Organization>{}) {
      st.orgs.insert(o.id);
      auto dets = orgs.ListDetections(OrgId(o.id));
      EXPECT_TRUE(dets.ok()) << dets.status();
      if (dets.ok()) EXPECT_EQ(static_cast<int64_t>(dets->size()), o.detection_count) << "organization " << o.id;
    }
  }
  for (const std::string& problem : CheckStoreFiles(dir)) ADD_FAILURE() << dir << ": " << problem;
  return st;
}

// The lines of `a` not in `b`, for a failure message.
std::string Missing(const State& a, const State& b) {
  std::multiset<std::string> in_b(b.lines.begin(), b.lines.end());
  std::string out;
  int n = 0;
  for (auto& l : a.lines)
    if (!in_b.count(l) && n++ < 8) out += "\n  " + l.substr(0, 300);
  return out;
}

// ---- the writes -----------------------------------------------------------------

struct Write {
  std::string kind;
  std::vector<std::vector<std::string>> setup;  // ttpctl calls first, not interrupted
  std::vector<std::string> op;                  // the ttpctl call interrupted
};

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(Env("TTPGRAPHD").empty()) << "set TTPGRAPHD, TTPCTL and TTPGRAPH_SHARED_DATA (ctest does)";
    ASSERT_FALSE(Env("TTPCTL").empty());
    const std::string attack = SharedData("attack/");
    bundles_ = {
        Parse("ics-attack@18.1", attack + "ics-attack-18.1.json.gz", {"ics-attack", "18.1"}),
        Parse("mobile-attack@18.1", attack + "mobile-attack-18.1.json.gz", {"mobile-attack", "18.1"}),
        Parse("enterprise-attack@17.0", TestData("mini_attack/mini-v17.json"), {"enterprise-attack", "17.0"}),
        Parse("enterprise-attack@17.0", TestData("mini_attack/mini-v18.json"), {"enterprise-attack", "17.0"}),
        Parse("enterprise-attack@1.0", TestData("migration/migration-old.json"), {"enterprise-attack", "1.0"}),
        Parse("enterprise-attack@2.0", TestData("migration/migration-new.json"), {"enterprise-attack", "2.0"}),
    };
    // Detections of the migration organization: 400 mapped to techniques the
    // migration re-maps (T3002 -> T3010, T3007.002 -> T3008.001), 100 not.
    migration_csv_ = work_.path() + "/migration.csv";
    std::string csv = "id,name,techniques,state,data_components,source_format,tags\n";
    const char* techniques[] = {"T3002", "T3007.002", "T3002;T3001", "T3007.002;T3002", "T3001"};
    for (int i = 0; i < 500; ++i) csv += Cat("m-", i, ",Migrated ", i, ",", techniques[i % 5], ",enabled,,splunk,\n");
    WriteFile(migration_csv_, csv);
  }

  // The next write, with the setup that makes it meaningful in `st`.
  Write NextWrite(const State& st) {
    const std::string sigma_tar = SharedData("sigma/sigma-rules.tar.gz");
    const std::string sigma_sample = SharedData("sigma/sample");
    auto recreate_org = [&](Write& w, const std::string& org, const std::string& release) {
      if (st.orgs.count(org)) w.setup.push_back({"org", "delete", org, "--yes"});
      w.setup.push_back({"org", "create", org, "--release", release});
    };
    Write w;
    switch (Pick(7)) {
      case 0: {  // a new release
        const Bundle& b = bundles_[Pick(2)];
        w.kind = "release import " + b.name;
        if (st.releases.count(b.name)) w.setup.push_back({"release", "delete", b.name, "--yes", "--force"});
        w.op = b.import;
        break;
      }
      case 1: {  // a replace, by the other mini content
        const std::string name = "enterprise-attack@17.0";
        auto it = st.release_objects.find(name);
        bool v17 = it != st.release_objects.end() && it->second == static_cast<int64_t>(bundles_[2].keys.size());
        if (it == st.release_objects.end())
          w.setup.push_back(bundles_[2].import);
        w.kind = "release replace " + name;
        w.op = bundles_[(it == st.release_objects.end() || v17) ? 3 : 2].import;
        w.op.insert(w.op.begin() + 2, "--replace");
        break;
      }
      case 2: {  // a release delete
        std::vector<const Bundle*> present;
        for (int i : {0, 1, 2})
          if (st.releases.count(bundles_[i].name)) present.push_back(&bundles_[i]);
        const Bundle* b = present.empty() ? &bundles_[0] : present[Pick(present.size())];
        if (present.empty()) w.setup.push_back(b->import);
        w.kind = "release delete " + b->name;
        w.op = {"release", "delete", b->name, "--yes", "--force"};
        break;
      }
      case 3: {  // a Sigma import into a fresh organization: the SigmaHQ release or the sample
        bool full = Pick(2) == 0;
        recreate_org(w, "sig", "enterprise-attack@2.0");
        w.kind = full ? "sigma import (3,728 rules)" : "sigma import (sample)";
        w.op = {"--org", "sig", "detection", "import", full ? sigma_tar : sigma_sample};
        break;
      }
      case 4: {  // a migration apply of 500 detections
        recreate_org(w, "mig", "enterprise-attack@1.0");
        w.setup.push_back({"--org", "mig", "detection", "import", migration_csv_});
        w.kind = "migration apply";
        w.op = {"--org", "mig", "migrate", "--from", "enterprise-attack@1.0", "--to", "enterprise-attack@2.0", "--apply"};
        break;
      }
      case 5: {  // an organization delete
        if (!st.orgs.count("gone")) {
          w.setup.push_back({"org", "create", "gone", "--release", "enterprise-attack@2.0"});
          w.setup.push_back({"--org", "gone", "detection", "import", sigma_tar});
        }
        w.kind = "organization delete";
        w.op = {"org", "delete", "gone", "--yes"};
        break;
      }
      default: {  // a D3FEND import
        if (st.d3fend_versions.count("1.2.0")) w.setup.push_back({"d3fend", "delete", "1.2.0", "--yes"});
        w.kind = "d3fend import";
        w.op = {"d3fend", "import", SharedData("d3fend/d3fend-protege-1.2.0.ttl.gz")};
        break;
      }
    }
    return w;
  }

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  TempDir work_;
  std::mt19937_64 rng_{g_seed};
  std::vector<Bundle> bundles_;
  std::string migration_csv_;
};

TEST_F(CrashTest, EveryWriteIsWholeOrAbsentAfterSigkill) {
  std::printf("crash_test: seed %llu, %d rounds (again: crash_test --rounds %d --seed %llu)\n",
              static_cast<unsigned long long>(g_seed), g_rounds, g_rounds, static_cast<unsigned long long>(g_seed));
  const std::string dir = work_.path() + "/db", copy = work_.path() + "/copy", log = work_.path() + "/log.txt";
  Daemon daemon(dir, log);
  ASSERT_TRUE(daemon.Start()) << ReadFile(log);
  // The migration pair stays for every round.
  ASSERT_EQ(daemon.Ctl(bundles_[4].import), 0) << ReadFile(log);
  ASSERT_EQ(daemon.Ctl(bundles_[5].import), 0) << ReadFile(log);
  ASSERT_EQ(daemon.Stop(), 0);
  State before = Inspect(dir, bundles_);
  ASSERT_TRUE(daemon.Start()) << ReadFile(log);

  std::map<std::string, double> typical_ms;  // per kind: how long the write took when it finished
  int whole = 0, absent = 0;
  for (int round = 1; round <= g_rounds && !HasFailure(); ++round) {
    Write w = NextWrite(before);
    for (auto& call : w.setup) ASSERT_EQ(daemon.Ctl(call), 0) << "setup of " << w.kind << ": " << Join(call, " ");
    ASSERT_EQ(daemon.Stop(), 0);
    before = Inspect(dir, bundles_);
    fs::remove_all(copy);
    fs::copy(dir, copy, fs::copy_options::recursive);

    ASSERT_TRUE(daemon.Start()) << ReadFile(log);
    double typical = typical_ms.count(w.kind) ? typical_ms[w.kind] : 3000;
    auto delay = std::chrono::microseconds(
        static_cast<int64_t>(std::uniform_real_distribution<double>(0, typical * 1000)(rng_)));
    const auto start = Clock::now();
    pid_t ctl = daemon.SpawnCtl(w.op);
    std::optional<int> rc;
    while (!rc && Clock::now() - start < delay) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      rc = Reap(ctl, false);
    }
    const double took_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    daemon.Kill();
    const bool acked = rc && *rc == 0;
    if (acked) typical_ms[w.kind] = took_ms * 1.2;  // later kills of this kind land within it
    if (!rc) Reap(ctl, true);

    State after = Inspect(dir, bundles_);
    std::string outcome;
    if (!acked && after == before) {
      outcome = "absent";
      ++absent;
    } else {
      // The same write to completion on the copy of the state before it.
      Daemon oracle(copy, log);
      ASSERT_TRUE(oracle.Start()) << ReadFile(log);
      ASSERT_EQ(oracle.Ctl(w.op), 0) << w.kind << " on the copy: " << Join(w.op, " ") << "\n" << ReadFile(log);
      ASSERT_EQ(oracle.Stop(), 0);
      State complete = Inspect(copy, bundles_);
      EXPECT_TRUE(after == complete) << "round " << round << ": " << w.kind << (acked ? " (answered OK)" : "")
                                     << " left neither the state before nor the complete write; lines not in the "
                                        "complete write:" << Missing(after, complete)
                                     << "\nlines of the complete write missing:" << Missing(complete, after);
      outcome = "whole";
      ++whole;
    }
    std::printf("round %3d  %-38s killed after %6.0f ms%s  -> %s\n", round, w.kind.c_str(), took_ms,
                acked ? " (answered OK)" : "", outcome.c_str());
    std::fflush(stdout);
    before = std::move(after);
    ASSERT_TRUE(daemon.Start()) << "ttpgraphd does not start again after round " << round << "\n" << ReadFile(log);
  }
  ASSERT_EQ(daemon.Stop(), 0);
  std::printf("crash_test: %d/%d rounds consistent (%d writes whole, %d absent), seed %llu\n",
              HasFailure() ? 0 : whole + absent, g_rounds, whole, absent, static_cast<unsigned long long>(g_seed));
}

}  // namespace
}  // namespace ttpgraph::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ttpgraph::testing::g_seed = std::random_device{}();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--rounds" || a == "--seed") && i + 1 < argc) {
      (a == "--rounds" ? void(ttpgraph::testing::g_rounds = std::atoi(argv[++i]))
                       : void(ttpgraph::testing::g_seed = std::strtoull(argv[++i], nullptr, 10)));
    } else {
      std::fprintf(stderr, "usage: crash_test [--rounds N] [--seed S] [gtest flags]\n");
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}

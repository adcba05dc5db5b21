// ttpctl diff / overlap: version diff between releases and group overlap
// (AnalysisService).
//
//   ttpctl diff --from enterprise-attack@17.1 --to enterprise-attack@18.1 [--type techniques] [--json]
//   ttpctl diff layer --from R1 --to R2 [--include-unchanged] > diff-layer.json
//   ttpctl overlap --release R [--groups G0016,G0007] [--no-software] [--no-campaigns] [--no-direct]
//   ttpctl overlap --release R --group G0016 --top-k 10
//   ttpctl overlap layer --release R --groups G0016,G0007 > overlap-layer.json
#include <algorithm>
#include <cstdlib>
#include <memory>

#include "clients/cpp/ttpctl/common.h"
#include "ttpgraph/v1/analysis_service.grpc.pb.h"

namespace ttpctl {
namespace {

using Stub = v1::AnalysisService::Stub;

// The AnalysisService stub on the same server the Client talks to (--server,
// else $TTPGRAPH_SERVER, else 127.0.0.1:50051, as main.cc chooses).
class Analysis {
 public:
  explicit Analysis(const Args& a) {
    const char* env = getenv("TTPGRAPH_SERVER");
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(64 << 20);
    stub_ = v1::AnalysisService::NewStub(grpc::CreateCustomChannel(
        a.Get("--server", env && *env ? env : "127.0.0.1:50051"), grpc::InsecureChannelCredentials(), args));
  }
  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
                    Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    return ttpgraph::FromGrpc(((*stub_).*method)(&ctx, req, resp));
  }
  // Every page merged into `resp`; page info cleared.
  template <typename Req, typename Resp>
  absl::Status CallAllPages(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Req req,
                            Resp* resp) {
    req.set_page_size(1000);
    while (true) {
      Resp page;
      if (auto s = Call(method, req, &page); !s.ok()) return s;
      std::string next = page.page().next_page_token();
      page.clear_page();
      resp->MergeFrom(page);
      if (next.empty()) return absl::OkStatus();
      req.set_page_token(next);
    }
  }

 private:
  std::unique_ptr<Stub> stub_;
};

std::string Id(const v1::AttackObject& o) { return o.attack_id().empty() ? o.stix_id() : o.attack_id(); }
std::string Fixed(double v, int digits = 3) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}
std::vector<std::string> SplitList(const Args& a, const std::string& flag) {
  std::vector<std::string> out;
  if (!a.Has(flag)) return out;
  for (const std::string& v : a.flags.at(flag)) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      if (end > start) out.push_back(v.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}
std::string Need(const Args& a, const std::string& flag, const char* cmd) {
  std::string v = a.Get(flag);
  if (v.empty()) Die(std::string(cmd) + ": " + flag + " is required", 2);
  return v;
}
std::string Release(const std::string& r) {
  // A bare version ("18.1") means enterprise-attack.
  return r.find('@') == std::string::npos ? "enterprise-attack@" + r : r;
}
void PrintLayer(const v1::LayerResponse& resp) {
  fwrite(resp.layer_json().data(), 1, resp.layer_json().size(), stdout);
  fputc('\n', stdout);
  fprintf(stderr, "ttpctl: layer with %d technique entries\n", resp.technique_entries());
}

std::string DeltaText(const v1::ObjectDelta& d) {
  std::string out;
  if (d.gained_size()) out += "+" + std::to_string(d.gained_size()) + " " + Ids(d.gained());
  if (d.lost_size()) out += std::string(out.empty() ? "" : "  ") + "-" + std::to_string(d.lost_size()) + " " + Ids(d.lost());
  return out;
}

int DiffCommand(Client&, const Args& a) {
  Analysis c(a);
  const std::string from = Release(Need(a, "--from", "diff")), to = Release(Need(a, "--to", "diff"));
  if (a.positional.size() > 1 && a.positional[1] == "layer") {
    v1::DiffLayerRequest req;
    req.set_from_release(from);
    req.set_to_release(to);
    req.set_include_unchanged(a.Has("--include-unchanged"));
    v1::LayerResponse resp;
    Check(c.Call(&Stub::GetDiffLayer, req, &resp));
    PrintLayer(resp);
    return 0;
  }
  if (a.positional.size() > 1) Die("diff: unknown command '" + a.positional[1] + "' (diff or diff layer)", 2);
  v1::DiffReleasesRequest req;
  req.set_from_release(from);
  req.set_to_release(to);
  for (auto& t : SplitList(a, "--type")) req.add_object_types(t);
  for (auto& t : SplitList(a, "--category")) req.add_categories(t);
  v1::DiffReleasesResponse resp;
  Check(c.CallAllPages(&Stub::DiffReleases, req, &resp));
  if (JsonOutput()) return PrintJson(resp), 0;

  printf("ATT&CK changes %s -> %s (mitreattack-python diff_stix categories)\n\n", resp.from_release().c_str(),
         resp.to_release().c_str());
  std::vector<std::string> header = {"TYPE"};
  static const char* kShort[] = {"ADDED", "MAJOR", "MINOR", "OTHER", "PATCH", "REVOKED", "DEPRECATED", "DELETED", "UNCHANGED"};
  for (const char* s : kShort) header.push_back(s);
  std::vector<std::vector<std::string>> rows;
  for (auto& s : resp.summary()) {
    std::vector<std::string> row = {s.object_type()};
    for (auto& cc : s.counts()) row.push_back(std::to_string(cc.count()));
    rows.push_back(row);
  }
  PrintTable(header, rows);

  if (!a.Has("--summary")) {
    printf("\nChanges (%d)\n", resp.changes_size());
    rows.clear();
    for (auto& ch : resp.changes()) {
      std::string version = ch.old_version() == ch.new_version() ? ch.new_version()
                            : ch.old_version().empty()          ? ch.new_version()
                                                                 : ch.old_version() + " -> " + ch.new_version();
      std::string detail = JoinStrings(ch.changed_fields());
      if (ch.has_revoked_by()) detail = "revoked by " + Id(ch.revoked_by().final());
      rows.push_back({ch.object_type(), ch.category(), Id(ch.object()), ch.object().name(), version, detail});
    }
    PrintTable({"TYPE", "CATEGORY", "ID", "NAME", "VERSION", "CHANGED"}, rows);
  }

  printf("\n'detects' relationships: %s has %d from data components, %d from detection strategies; "
         "%s has %d and %d\n",
         resp.from_release().c_str(), resp.from_detects().from_data_components(),
         resp.from_detects().from_detection_strategies(), resp.to_release().c_str(),
         resp.to_detects().from_data_components(), resp.to_detects().from_detection_strategies());

  printf("\nGroups: techniques and software gained/lost (direct uses) (%d)\n", resp.groups_size());
  rows.clear();
  for (auto& g : resp.groups())
    rows.push_back({Id(g.group()), g.group().name(), DeltaText(g.techniques()), DeltaText(g.software())});
  PrintTable({"ID", "NAME", "TECHNIQUES", "SOFTWARE"}, rows);

  printf("\nCampaigns (%d)\n", resp.campaigns_size());
  rows.clear();
  for (auto& g : resp.campaigns())
    rows.push_back({Id(g.campaign()), g.campaign().name(), DeltaText(g.techniques()), DeltaText(g.attributed_groups())});
  PrintTable({"ID", "NAME", "TECHNIQUES", "ATTRIBUTED TO"}, rows);

  int mit = 0, strat = 0, dc = 0;
  for (auto& t : resp.techniques()) {
    mit += t.mitigations().gained_size() || t.mitigations().lost_size();
    strat += t.detection_strategies().gained_size() || t.detection_strategies().lost_size();
    dc += t.data_components().gained_size() || t.data_components().lost_size();
  }
  printf("\nTechniques with relationship changes: %d (mitigations %d, detection strategies %d, data components %d)\n",
         resp.techniques_size(), mit, strat, dc);
  if (a.Has("--relationships")) {
    rows.clear();
    for (auto& t : resp.techniques())
      rows.push_back({Id(t.technique()), t.technique().name(), DeltaText(t.mitigations()),
                      DeltaText(t.detection_strategies()), DeltaText(t.data_components())});
    PrintTable({"ID", "NAME", "MITIGATIONS", "STRATEGIES", "DATA COMPONENTS"}, rows);
  }

  printf("\nTactic moves (%d techniques changed tactics)\n", resp.tactic_changes_size());
  rows.clear();
  for (auto& m : resp.tactic_moves()) rows.push_back({m.from_tactic(), m.to_tactic(), std::to_string(m.techniques())});
  PrintTable({"FROM TACTIC", "TO TACTIC", "TECHNIQUES"}, rows);
  for (auto& t : resp.removed_tactics())
    printf("tactic %s removed%s%s\n", t.tactic().tactics_size() ? t.tactic().tactics(0).c_str() : Id(t.tactic()).c_str(),
           t.destinations_size() > 1 ? ", split into " : t.destinations_size() ? ", moved to " : "",
           JoinStrings(t.destinations()).c_str());
  if (resp.added_tactics_size()) printf("tactics added: %s\n", JoinStrings(resp.added_tactics()).c_str());

  printf("\nSub-technique parent changes (%d)\n", resp.parent_changes_size());
  rows.clear();
  for (auto& p : resp.parent_changes())
    rows.push_back({Id(p.technique()), p.technique().name(), p.has_old_parent() ? Id(p.old_parent()) : "-",
                    p.has_new_parent() ? Id(p.new_parent()) : "-"});
  PrintTable({"ID", "NAME", "OLD PARENT", "NEW PARENT"}, rows);

  std::map<std::string, int> by_migration;
  rows.clear();
  for (auto& f : resp.technique_fates()) {
    by_migration[f.migration()]++;
    if (f.migration() == "AUTO" && f.kind() == v1::TechniqueFate::SAME) continue;
    std::vector<std::string> why;
    if (f.kind() == v1::TechniqueFate::MAJOR_CHANGE) why.push_back("major change");
    if (f.tactic_moved()) why.push_back("tactic moved");
    if (f.parent_changed()) why.push_back("parent changed");
    if (f.split()) why.push_back("split into " + Ids(f.split_into()));
    if (f.merged_with_size()) why.push_back("merged with " + Ids(f.merged_with()));
    if (f.chain_cycle()) why.push_back("revoked-by cycle");
    std::string why_text;
    for (auto& w : why) why_text += (why_text.empty() ? "" : "; ") + w;
    rows.push_back({Id(f.technique()), f.technique().name(), v1::TechniqueFate::Kind_Name(f.kind()),
                    f.has_successor() ? Id(f.successor()) : "", f.migration(), why_text});
  }
  printf("\nTechnique fates for detections mapped to %s: AUTO %d, REVIEW %d, ORPHANED %d\n", resp.from_release().c_str(),
         by_migration["AUTO"], by_migration["REVIEW"], by_migration["ORPHANED"]);
  PrintTable({"ID", "NAME", "FATE", "SUCCESSOR", "MIGRATION", "WHY"}, rows);
  return 0;
}

v1::OverlapRequest OverlapRequestFrom(const Args& a) {
  v1::OverlapRequest req;
  req.set_release(Release(a.Release()));
  for (auto& g : SplitList(a, "--groups")) req.add_groups(g);
  req.set_exclude_direct(a.Has("--no-direct"));
  req.set_exclude_software(a.Has("--no-software"));
  req.set_exclude_campaigns(a.Has("--no-campaigns"));
  return req;
}

int OverlapCommand(Client&, const Args& a) {
  Analysis c(a);
  if (a.positional.size() > 1 && a.positional[1] == "layer") {
    v1::LayerResponse resp;
    Check(c.Call(&Stub::GetOverlapLayer, OverlapRequestFrom(a), &resp));
    PrintLayer(resp);
    return 0;
  }
  if (a.positional.size() > 1) Die("overlap: unknown command '" + a.positional[1] + "' (overlap or overlap layer)", 2);
  if (a.Has("--top-k") || a.Has("--group")) {
    v1::SimilarGroupsRequest req;
    req.set_release(Release(a.Release()));
    req.set_group(Need(a, "--group", "overlap --top-k"));
    int k = 10;
    if (a.Has("--top-k")) {
      try {
        k = std::stoi(a.Get("--top-k"));
      } catch (...) {
        Die("--top-k: not a number: " + a.Get("--top-k"), 2);
      }
    }
    req.set_k(k);
    req.set_exclude_direct(a.Has("--no-direct"));
    req.set_exclude_software(a.Has("--no-software"));
    req.set_exclude_campaigns(a.Has("--no-campaigns"));
    v1::SimilarGroupsResponse resp;
    Check(c.Call(&Stub::GetSimilarGroups, req, &resp));
    if (JsonOutput()) return PrintJson(resp), 0;
    printf("Groups most similar to %s %s (%d techniques)\n", Id(resp.group()).c_str(), resp.group().name().c_str(),
           resp.techniques());
    std::vector<std::vector<std::string>> rows;
    int rank = 0;
    for (auto& s : resp.similar())
      rows.push_back({std::to_string(++rank), Id(s.group()), s.group().name(), std::to_string(s.shared()),
                      std::to_string(s.only_target()), std::to_string(s.only_other()), Fixed(s.jaccard())});
    PrintTable({"#", "ID", "NAME", "SHARED", "ONLY " + Id(resp.group()), "ONLY OTHER", "JACCARD"}, rows);
    return 0;
  }
  v1::OverlapResponse resp;
  Check(c.CallAllPages(&Stub::GetOverlap, OverlapRequestFrom(a), &resp));
  if (JsonOutput()) return PrintJson(resp), 0;
  std::vector<std::vector<std::string>> rows;
  for (auto& g : resp.groups()) rows.push_back({Id(g.group()), g.group().name(), std::to_string(g.techniques())});
  PrintTable({"GROUP", "NAME", "TECHNIQUES"}, rows);
  std::vector<const v1::GroupOverlap*> pairs;
  for (auto& p : resp.pairs()) pairs.push_back(&p);
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](auto* x, auto* y) { return x->jaccard() != y->jaccard() ? x->jaccard() > y->jaccard() : x->shared() > y->shared(); });
  printf("\nPairs by Jaccard index (%zu)\n", pairs.size());
  rows.clear();
  for (auto* p : pairs)
    rows.push_back({Id(p->a()), Id(p->b()), std::to_string(p->shared()), std::to_string(p->only_a()),
                    std::to_string(p->only_b()), Fixed(p->jaccard())});
  PrintTable({"A", "B", "SHARED", "ONLY A", "ONLY B", "JACCARD"}, rows);
  return 0;
}

const Registration kDiff("diff", DiffCommand,
                         "  diff --from R1 --to R2 [--type T,..] [--category C,..] [--summary] [--relationships]\n"
                         "  diff layer --from R1 --to R2 [--include-unchanged]   (Navigator layer JSON on stdout)\n",
                         {"--from", "--to", "--type", "--category"});
const Registration kOverlap("overlap", OverlapCommand,
                            "  overlap --release R [--groups G1,G2,..] [--no-software] [--no-campaigns] [--no-direct]\n"
                            "  overlap --release R --group G --top-k N\n"
                            "  overlap layer --release R [--groups G1,G2,..]   (Navigator layer JSON on stdout)\n",
                            {"--release", "--groups", "--group", "--top-k"});

}  // namespace
}  // namespace ttpctl

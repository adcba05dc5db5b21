#include "server/org_service.h"

#include "server/defense_join.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "graph/queries.h"
#include "server/export/navigator_layer.h"
#include "server/log.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "storage/import/csv_detections.h"
#include "storage/import/navigator_layer_parser.h"
#include "storage/import/sigma_rule.h"
#include "storage/import/sigma_tarball.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {

// Threads that parse the YAML of one bulk import: a small bounded pool (the
// server shares its cores with the other RPCs).
constexpr int kImportParseWorkers = 2;

const std::set<std::string> kSourceFormats = {"sigma", "splunk", "kql", "eql", "yara-l", "other"};

std::string Rfc3339(int64_t unix_ms) {
  if (unix_ms <= 0) return {};
  time_t secs = static_cast<time_t>(unix_ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void ToProto(const Organization& o, v1::Organization* out) {
  out->set_org_id(o.id);
  out->set_display_name(o.display_name);
  out->set_release(o.release);
  out->set_detection_count(o.detection_count);
  out->set_inventory_count(o.inventory_count);
  out->set_created_at(Rfc3339(o.created_at_unix_ms));
  out->set_updated_at(Rfc3339(o.updated_at_unix_ms));
  out->set_generation(o.generation);
}

v1::DetectionState ToProto(DetectionState s) {
  switch (s) {
    case DetectionState::kDisabled: return v1::DISABLED;
    case DetectionState::kTesting: return v1::TESTING;
    default: return v1::ENABLED;
  }
}

DetectionState FromProto(v1::DetectionState s) {
  switch (s) {
    case v1::DISABLED: return DetectionState::kDisabled;
    case v1::TESTING: return DetectionState::kTesting;
    default: return DetectionState::kEnabled;
  }
}

void ToProto(const Detection& d, bool with_query, v1::Detection* out) {
  out->set_id(d.id);
  out->set_name(d.name);
  out->set_source_format(d.source_format);
  if (with_query) out->set_query(d.query);
  for (auto& t : d.techniques) out->add_techniques(t);
  for (auto& c : d.data_components) out->add_data_components(c);
  out->set_state(ToProto(d.state));
  out->set_release(d.release);
  for (auto& t : d.tags) out->add_tags(t);
  out->set_description(d.description);
  if (d.source_format == "sigma") {
    auto* s = out->mutable_sigma();
    s->set_status(d.sigma_status);
    s->set_category(d.sigma_category);
    s->set_product(d.sigma_product);
    s->set_service(d.sigma_service);
    s->set_path(d.sigma_path);
    s->set_level(d.sigma_level);
    s->set_author(d.sigma_author);
  }
  for (auto& t : d.unresolved_techniques) out->add_unresolved_techniques(t);
  for (auto& t : d.stale_techniques) out->add_stale_techniques(t);
  for (auto& n : d.notes) out->add_notes(n);
  out->set_created_at(Rfc3339(d.created_at_unix_ms));
  out->set_updated_at(Rfc3339(d.updated_at_unix_ms));
}

v1::CoverageStatus ToProto(CoverageStatus s) {
  switch (s) {
    case CoverageStatus::kDetected: return v1::DETECTED;
    case CoverageStatus::kLogged: return v1::LOGGED;
    default: return v1::BLIND;
  }
}

RollupPolicy FromProto(v1::RollupPolicy p) {
  switch (p) {
    case v1::ROLLUP_ANY: return RollupPolicy::kAny;
    case v1::ROLLUP_ALL: return RollupPolicy::kAll;
    default: return RollupPolicy::kNone;
  }
}

double Pct(int part, int whole) { return whole == 0 ? 0.0 : std::round(1000.0 * part / whole) / 10.0; }

void TacticsToProto(const ReleaseGraph& g, const CoverageReport& r,
                    google::protobuf::RepeatedPtrField<v1::TacticCoverage>* out) {
  for (const TacticCoverage& t : r.tactics) {
    auto* p = out->Add();
    const Node& n = g.node(t.tactic);
    p->set_attack_id(n.attack_id);
    p->set_shortname(n.tactics.empty() ? "" : n.tactics[0]);
    p->set_name(n.name);
    p->set_techniques(t.techniques);
    p->set_detected(t.detected);
    p->set_logged(t.logged);
    p->set_blind(t.blind);
    p->set_detected_pct(Pct(t.detected, t.techniques));
    p->set_logged_pct(Pct(t.logged, t.techniques));
    p->set_blind_pct(Pct(t.blind, t.techniques));
  }
}

// What one detection's technique IDs become in the mapping release.
struct MappedTechniques {
  std::vector<std::string> techniques, unresolved, stale, notes;
};

bool WellFormedTechniqueId(const std::string& id) {
  return !SigmaTechniqueTag(Cat("attack.", ToLower(id))).empty();
}

MappedTechniques MapTechniques(const ReleaseGraph& g, const std::vector<std::string>& ids) {
  MappedTechniques m;
  const std::string release = g.id().Name();
  auto add = [](std::vector<std::string>* v, const std::string& s) {
    if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
  };
  for (const std::string& raw : ids) {
    const std::string id = ToUpper(raw);
    auto n = ResolveObject(g, id, "attack-pattern");
    if (!n.ok()) {
      add(&m.unresolved, id);
      m.notes.push_back(WellFormedTechniqueId(id) ? Cat(id, " is not a technique in ", release)
                                                  : Cat("'", raw, "' is not a technique ID (T1234 or T1234.001)"));
      continue;
    }
    const Node& node = g.node(*n);
    if (!node.in_domain) {
      add(&m.unresolved, id);
      m.notes.push_back(Cat(id, " is outside the ", g.id().domain, " domain"));
      continue;
    }
    if (node.revoked) {
      RevokedChain chain = FollowRevokedBy(g, *n, QueryLimits{});
      if (!chain.hops.empty() && !chain.cycle && g.node(chain.hops.back()).active()) {
        std::vector<std::string> hops;
        for (NodeId h : chain.hops) hops.push_back(g.node(h).attack_id);
        add(&m.techniques, g.node(chain.hops.back()).attack_id);
        m.notes.push_back(Cat("warning: ", id, " is revoked in ", release, "; mapped to ",
                              g.node(chain.hops.back()).attack_id, " through revoked-by ", Join(hops, " -> ")));
      } else {
        add(&m.techniques, id);
        add(&m.stale, id);
        m.notes.push_back(Cat("stale: ", id, " is revoked in ", release, " without an active successor"));
      }
      continue;
    }
    add(&m.techniques, id);
    if (node.deprecated) {
      add(&m.stale, id);
      m.notes.push_back(Cat("stale: ", id, " is deprecated in ", release));
    }
  }
  return m;
}

void FillReport(const Detection& d, v1::RuleReport* r) {
  r->set_id(d.id);
  r->set_name(d.name);
  r->set_state(ToProto(d.state));
  for (auto& t : d.techniques) r->add_techniques(t);
  for (auto& t : d.unresolved_techniques) r->add_unresolved_techniques(t);
  for (auto& t : d.stale_techniques) r->add_stale_techniques(t);
  r->set_no_technique(d.techniques.empty());
  for (auto& n : d.notes) r->add_notes(n);
}

enum class FileKind { kSigma, kTarball, kLayer, kCsv, kSkip };

FileKind KindOf(const std::string& path, v1::ImportFormat format) {
  const std::string p = ToLower(path);
  if (IsTarballName(p)) return FileKind::kTarball;
  switch (format) {
    case v1::SIGMA: return EndsWith(p, ".yml") || EndsWith(p, ".yaml") || !Contains(p, ".") ? FileKind::kSigma
                                                                                              : FileKind::kSkip;
    case v1::NAVIGATOR_LAYER: return FileKind::kLayer;
    case v1::CSV: return FileKind::kCsv;
    default: break;
  }
  if (EndsWith(p, ".yml") || EndsWith(p, ".yaml")) return FileKind::kSigma;
  if (EndsWith(p, ".json")) return FileKind::kLayer;
  if (EndsWith(p, ".csv")) return FileKind::kCsv;
  return FileKind::kSkip;
}

std::string Slug(std::string_view s) {
  std::string out;
  for (char c : ToLower(s)) {
    if (std::isalnum(static_cast<unsigned char>(c))) out.push_back(c);
    else if (!out.empty() && out.back() != '-') out.push_back('-');
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "layer" : out.substr(0, 64);
}

absl::Status ValidateDetectionInput(const v1::Detection& d) {
  if (auto s = ValidateDetectionId(d.id()); !s.ok()) return s;
  if (d.name().empty()) return absl::InvalidArgumentError(Cat("detection '", d.id(), "': name is required"));
  if (!d.source_format().empty() && !kSourceFormats.count(ToLower(d.source_format())))
    return absl::InvalidArgumentError(Cat("detection '", d.id(), "': unknown source_format '", d.source_format(),
                                          "' (sigma, splunk, kql, eql, yara-l or other)"));
  for (int i = 0; i < d.techniques_size(); ++i)
    if (!WellFormedTechniqueId(d.techniques(i)))
      return absl::InvalidArgumentError(Cat("detection '", d.id(), "': techniques[", i, "] = '", d.techniques(i),
                                            "' is not a technique ID (T1234 or T1234.001)"));
  return absl::OkStatus();
}

}  // namespace

OrgServiceImpl::OrgServiceImpl(Store* store, GraphCache* graphs, const ServerLimits& limits, DefenseCache* defense)
    : orgs_(store, OrgStoreLimits{limits.max_detections_per_org, 10000}),
      graphs_(graphs),
      defense_(defense),
      limits_(limits) {
  // The table built into the server (data/sigma_logsource_map.csv at build
  // time) unless the configuration names another file.
  const std::string& path = limits.sigma_logsource_map_path;
  absl::StatusOr<SigmaLogsourceMap> map = SigmaLogsourceMap::Builtin();
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) {
      LogWarn("cannot read the configured Sigma logsource mapping table; using the built-in one", {{"path", path}});
    } else {
      std::stringstream ss;
      ss << in.rdbuf();
      map = SigmaLogsourceMap::Parse(path, ss.str());
    }
  }
  if (!map.ok()) {
    LogWarn("cannot load the Sigma logsource mapping table; Sigma imports get no data components and "
            "InferInventory needs mapping_csv",
            {{"path", path.empty() ? "built in" : path}, {"error", std::string(map.status().message())}});
    return;
  }
  map_ = std::move(*map);
}

// ---- caches ------------------------------------------------------------------

absl::StatusOr<OrgServiceImpl::ReleaseView> OrgServiceImpl::GetRelease(const std::string& release) {
  auto g = graphs_->Get(release);
  if (!g.ok()) return g.status();
  const std::string name = (*g)->id().Name();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = indexes_.find(name);
    if (it != indexes_.end() && it->second.graph == *g) return it->second;
  }
  // Built outside the lock; two first callers may both build, one wins.
  ReleaseView v{*g, DetectabilityIndex::Build(**g)};
  std::lock_guard<std::mutex> lock(mu_);
  indexes_[name] = v;
  return v;
}

absl::StatusOr<OrgServiceImpl::ViewPtr> OrgServiceImpl::GetView(const OrgId& org, const Organization& record) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = views_.find(org.str());
    if (it != views_.end() && it->second.generation == record.generation) {
      it->second.last_use = ++use_clock_;
      return it->second.view;
    }
  }
  auto detections = orgs_.ListDetectionBriefs(org);
  if (!detections.ok()) return detections.status();
  auto inventory = orgs_.GetInventory(org);
  if (!inventory.ok()) return inventory.status();
  auto view = std::make_shared<const OrgView>(MakeOrgView(org.str(), std::move(*detections), std::move(*inventory)));
  std::lock_guard<std::mutex> lock(mu_);
  if (views_.size() >= std::max<size_t>(1, limits_.org_view_cache_entries) && !views_.count(org.str())) {
    auto oldest = std::min_element(views_.begin(), views_.end(), [](const auto& a, const auto& b) {
      return a.second.last_use < b.second.last_use;
    });
    views_.erase(oldest);
  }
  // A concurrent writer may have moved on; the generation read before the
  // scan keeps the entry honest (a newer generation simply misses next time).
  views_[org.str()] = CachedView{record.generation, ++use_clock_, view};
  return view;
}

absl::StatusOr<OrgServiceImpl::CompiledPtr> OrgServiceImpl::GetCompiled(const OrgId& org, const Organization& record,
                                                                       const ViewPtr& view,
                                                                       const ReleaseView& release) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = views_.find(org.str());
    if (it != views_.end() && it->second.view == view)
      for (auto& [graph, compiled] : it->second.compiled)
        if (graph == release.graph) return compiled;
  }
  QueryLimits limits;
  limits.deadline = absl::Now() + limits_.default_query_deadline;
  TTP_ASSIGN_OR_RETURN(CompiledPtr compiled, CompileCoverage(*release.graph, *release.index, *view, limits));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = views_.find(org.str());
  // Kept only beside the very view it was compiled from (a concurrent writer
  // may have replaced it); stale graphs (a replaced release) are dropped.
  if (it != views_.end() && it->second.view == view && it->second.generation == record.generation) {
    auto& list = it->second.compiled;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const auto& e) { return e.first->id().Name() == release.graph->id().Name(); }),
               list.end());
    list.emplace_back(release.graph, compiled);
  }
  return compiled;
}

absl::StatusOr<OrgServiceImpl::CoverageRun> OrgServiceImpl::RunCoverage(const std::string& org_id,
                                                                        const std::string& release,
                                                                        const CoverageOptions& options) {
  CoverageRun run;
  OrgId org(org_id);
  TTP_ASSIGN_OR_RETURN(run.org, orgs_.GetOrg(org));
  TTP_ASSIGN_OR_RETURN(run.release, GetRelease(release.empty() ? run.org.release : release));
  TTP_ASSIGN_OR_RETURN(run.view, GetView(org, run.org));
  TTP_ASSIGN_OR_RETURN(run.compiled, GetCompiled(org, run.org, run.view, run.release));
  QueryLimits limits;
  limits.deadline = absl::Now() + limits_.default_query_deadline;
  TTP_ASSIGN_OR_RETURN(run.report,
                       ComputeCoverage(*run.release.graph, *run.release.index, *run.compiled, options, limits));
  return run;
}

// ---- organizations -------------------------------------------------------------

grpc::Status OrgServiceImpl::CreateOrganization(grpc::ServerContext* ctx, const v1::CreateOrganizationRequest* req,
                                                v1::Organization* resp) {
  return Serve(ctx, "CreateOrganization", [&]() -> absl::Status {
    Organization init;
    init.display_name = req->display_name();
    init.release = req->release();
    if (!init.release.empty()) {
      auto ref = ReleaseRef::Parse(init.release);
      if (!ref.ok()) return ref.status();
    }
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.CreateOrg(OrgId(req->org_id()), init));
    ToProto(o, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::GetOrganization(grpc::ServerContext* ctx, const v1::GetOrganizationRequest* req,
                                             v1::Organization* resp) {
  return Serve(ctx, "GetOrganization", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(OrgId(req->org_id())));
    ToProto(o, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::UpdateOrganization(grpc::ServerContext* ctx, const v1::UpdateOrganizationRequest* req,
                                                v1::Organization* resp) {
  return Serve(ctx, "UpdateOrganization", [&]() -> absl::Status {
    if (!req->release().empty()) {
      auto ref = ReleaseRef::Parse(req->release());
      if (!ref.ok()) return ref.status();
    }
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.UpdateOrg(OrgId(req->org_id()), req->display_name(), req->release()));
    ToProto(o, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ListOrganizations(grpc::ServerContext* ctx, const v1::ListOrganizationsRequest* req,
                                               v1::ListOrganizationsResponse* resp) {
  return Serve(ctx, "ListOrganizations", [&]() -> absl::Status {
    std::vector<Organization> orgs;
    if (!req->org_id().empty()) {
      TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(OrgId(req->org_id())));
      orgs.push_back(std::move(o));
    } else {
      TTP_ASSIGN_OR_RETURN(orgs, orgs_.ListOrgs());
    }
    TTP_ASSIGN_OR_RETURN(PageWindow w, ComputePage(*req, orgs.size()));
    for (size_t i = w.begin; i < w.end; ++i) ToProto(orgs[i], resp->add_organizations());
    resp->mutable_page()->set_next_page_token(w.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(orgs.size()));
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::DeleteOrganization(grpc::ServerContext* ctx, const v1::DeleteOrganizationRequest* req,
                                                v1::DeleteOrganizationResponse* resp) {
  return Serve(ctx, "DeleteOrganization", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(OrgStore::DeleteOrgResult r, orgs_.DeleteOrg(OrgId(req->org_id())));
    {
      std::lock_guard<std::mutex> lock(mu_);
      views_.erase(req->org_id());
    }
    ToProto(r.org, resp->mutable_organization());
    resp->set_detections_deleted(r.detections_deleted);
    return absl::OkStatus();
  });
}

// ---- detections ----------------------------------------------------------------

namespace {
absl::StatusOr<Detection> DetectionFromProto(const v1::Detection& in, const ReleaseGraph& g) {
  if (auto s = ValidateDetectionInput(in); !s.ok()) return s;
  Detection d;
  d.id = in.id();
  d.name = in.name();
  d.source_format = in.source_format().empty() ? "other" : ToLower(in.source_format());
  d.query = in.query();
  std::vector<std::string> ids(in.techniques().begin(), in.techniques().end());
  MappedTechniques m = MapTechniques(g, ids);
  d.techniques = std::move(m.techniques);
  d.unresolved_techniques = std::move(m.unresolved);
  d.stale_techniques = std::move(m.stale);
  d.notes = std::move(m.notes);
  d.data_components.assign(in.data_components().begin(), in.data_components().end());
  d.state = FromProto(in.state());
  d.release = g.id().Name();
  d.tags.assign(in.tags().begin(), in.tags().end());
  d.description = in.description();
  if (in.has_sigma()) {
    d.sigma_status = in.sigma().status();
    d.sigma_category = in.sigma().category();
    d.sigma_product = in.sigma().product();
    d.sigma_service = in.sigma().service();
    d.sigma_path = in.sigma().path();
    d.sigma_level = in.sigma().level();
    d.sigma_author = in.sigma().author();
  }
  return d;
}
}  // namespace

grpc::Status OrgServiceImpl::CreateDetection(grpc::ServerContext* ctx, const v1::CreateDetectionRequest* req,
                                             v1::Detection* resp) {
  return Serve(ctx, "CreateDetection", [&]() -> absl::Status {
    OrgId org(req->org_id());
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(org));
    TTP_ASSIGN_OR_RETURN(ReleaseView rv, GetRelease(req->detection().release().empty() ? o.release
                                                                                         : req->detection().release()));
    TTP_ASSIGN_OR_RETURN(Detection d, DetectionFromProto(req->detection(), *rv.graph));
    TTP_ASSIGN_OR_RETURN(auto outcome, orgs_.PutDetection(org, d, OrgStore::PutMode::kCreate));
    (void)outcome;
    TTP_ASSIGN_OR_RETURN(Detection stored, orgs_.GetDetection(org, d.id));
    ToProto(stored, true, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::UpdateDetection(grpc::ServerContext* ctx, const v1::UpdateDetectionRequest* req,
                                             v1::Detection* resp) {
  return Serve(ctx, "UpdateDetection", [&]() -> absl::Status {
    OrgId org(req->org_id());
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(org));
    TTP_ASSIGN_OR_RETURN(ReleaseView rv, GetRelease(req->detection().release().empty() ? o.release
                                                                                         : req->detection().release()));
    TTP_ASSIGN_OR_RETURN(Detection d, DetectionFromProto(req->detection(), *rv.graph));
    TTP_ASSIGN_OR_RETURN(auto outcome, orgs_.PutDetection(org, d, OrgStore::PutMode::kUpdate));
    (void)outcome;
    TTP_ASSIGN_OR_RETURN(Detection stored, orgs_.GetDetection(org, d.id));
    ToProto(stored, true, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::GetDetection(grpc::ServerContext* ctx, const v1::GetDetectionRequest* req,
                                          v1::Detection* resp) {
  return Serve(ctx, "GetDetection", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Detection d, orgs_.GetDetection(OrgId(req->org_id()), req->id()));
    ToProto(d, true, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ListDetections(grpc::ServerContext* ctx, const v1::ListDetectionsRequest* req,
                                            v1::ListDetectionsResponse* resp) {
  return Serve(ctx, "ListDetections", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(std::vector<Detection> all, orgs_.ListDetections(OrgId(req->org_id())));
    const std::string technique = ToUpper(req->technique());
    const std::string format = ToLower(req->source_format());
    std::vector<const Detection*> kept;
    for (const Detection& d : all) {
      if (!technique.empty() && std::find(d.techniques.begin(), d.techniques.end(), technique) == d.techniques.end())
        continue;
      if (req->state() != v1::DETECTION_STATE_UNSPECIFIED && ToProto(d.state) != req->state()) continue;
      if (!format.empty() && d.source_format != format) continue;
      if (!req->tag().empty() && std::find(d.tags.begin(), d.tags.end(), req->tag()) == d.tags.end()) continue;
      kept.push_back(&d);
    }
    TTP_ASSIGN_OR_RETURN(PageWindow w, ComputePage(*req, kept.size()));
    for (size_t i = w.begin; i < w.end; ++i) ToProto(*kept[i], !req->omit_query(), resp->add_detections());
    resp->mutable_page()->set_next_page_token(w.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(kept.size()));
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::DeleteDetection(grpc::ServerContext* ctx, const v1::DeleteDetectionRequest* req,
                                             v1::DeleteDetectionResponse* resp) {
  return Serve(ctx, "DeleteDetection", [&]() -> absl::Status {
    TTP_ASSIGN_OR_RETURN(Detection d, orgs_.DeleteDetection(OrgId(req->org_id()), req->id()));
    ToProto(d, false, resp->mutable_detection());
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ImportDetections(grpc::ServerContext* ctx,
                                              grpc::ServerReader<v1::ImportDetectionsRequest>* reader,
                                              v1::ImportDetectionsResponse* resp) {
  return Serve(ctx, "ImportDetections", [&]() -> absl::Status {
    v1::ImportDetectionsRequest msg;
    std::string org_id;
    v1::ImportDetectionsHeader header;
    std::vector<v1::SourceFile> files;
    size_t total = 0;
    bool first = true;
    while (reader->Read(&msg)) {
      if (first) {
        org_id = msg.org_id();
        header = msg.header();
        // Refuse an unknown organization before reading the rest of the upload.
        if (auto o = orgs_.GetOrg(OrgId(org_id)); !o.ok()) return o.status();
        first = false;
      } else if (msg.org_id() != org_id && !msg.org_id().empty()) {
        return absl::InvalidArgumentError(Cat("org_id changed within the import stream (", org_id, " then ",
                                              msg.org_id(), ")"));
      }
      if (!msg.has_file()) continue;
      total += msg.file().content().size();
      if (total > limits_.max_import_bytes)
        return absl::ResourceExhaustedError(Cat("the import exceeds ", limits_.max_import_bytes,
                                                " bytes (max_import_bytes); nothing was imported"));
      if (!files.empty() && files.back().path() == msg.file().path()) {
        files.back().mutable_content()->append(msg.file().content());
      } else {
        files.push_back(std::move(*msg.mutable_file()));
      }
    }
    if (first) return absl::InvalidArgumentError("empty import stream: the first message must carry org_id and header");
    return Import(org_id, header, std::move(files), resp);
  });
}

absl::Status OrgServiceImpl::Import(const std::string& org_id, const v1::ImportDetectionsHeader& header,
                                    std::vector<v1::SourceFile> files, v1::ImportDetectionsResponse* resp) {
  OrgId org(org_id);
  TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(org));
  if (files.empty()) return absl::InvalidArgumentError("the import carries no file");
  TTP_ASSIGN_OR_RETURN(ReleaseView rv, GetRelease(header.release().empty() ? o.release : header.release()));
  const ReleaseGraph& g = *rv.graph;
  const std::string release = g.id().Name();
  resp->set_release(release);
  resp->set_dry_run(header.dry_run());
  SigmaParseLimits yaml_limits{limits_.max_rule_file_bytes, limits_.max_yaml_nodes, limits_.max_yaml_depth};
  const SigmaLogsourceMap* map = header.skip_logsource_mapping() ? nullptr : logsource_map();

  std::vector<Detection> detections;
  std::vector<std::string> where;  // file:line per detection
  std::map<std::string, int> ids_in_file;

  auto add_sigma = [&](const std::string& path, std::vector<SigmaRule> rules) -> absl::Status {
    ids_in_file.clear();
    for (SigmaRule& r : rules) {
      Detection d;
      d.source_format = "sigma";
      d.id = r.id.empty() ? Cat("sigma:", path) : r.id;
      if (r.id.empty()) d.notes.push_back("the rule has no id; keyed by its file path");
      if (int n = ++ids_in_file[d.id]; n > 1) {
        d.id = Cat(d.id, "#", n);
        d.notes.push_back(Cat("document ", n, " of a rule collection sharing one id; keyed as ", d.id));
      }
      d.name = r.title.empty() ? d.id : r.title;
      if (r.title.empty()) d.notes.push_back("the rule has no title");
      MappedTechniques m = MapTechniques(g, r.techniques);
      d.techniques = std::move(m.techniques);
      d.unresolved_techniques = std::move(m.unresolved);
      d.stale_techniques = std::move(m.stale);
      for (auto& n : m.notes) d.notes.push_back(std::move(n));
      if (r.techniques.empty())
        d.notes.push_back(r.tags.empty() ? "no tags: gives no technique"
                                         : Cat("no technique tag (", r.tactics.empty() ? "" : "tactics ",
                                               Join(r.tactics, ", "),
                                               r.groups.empty() && r.software.empty() ? "" : " groups/software ",
                                               Join(r.groups, ", "), r.groups.empty() ? "" : " ",
                                               Join(r.software, ", "), "): gives no technique"));
      const std::string status = ToLower(r.status);
      // SigmaHQ moves retired rules to deprecated/ and unsupported/ (a few keep
      // status test or stable there): the folder retires them too.
      std::string member = path.substr(path.find(':') == std::string::npos ? 0 : path.find(':') + 1);
      std::string retired_folder;
      for (const char* f : {"deprecated/", "unsupported/"})
        if (StartsWith(member, f) || Contains(member, Cat("/", f))) retired_folder = f;
      d.state = status == "deprecated" || status == "unsupported" || !retired_folder.empty() ? DetectionState::kDisabled
                                                                                            : DetectionState::kEnabled;
      if (status == "deprecated" || status == "unsupported")
        d.notes.push_back(Cat("imported disabled: Sigma status ", status, " does not count for coverage"));
      else if (!retired_folder.empty())
        d.notes.push_back(Cat("imported disabled: the rule lies in SigmaHQ's ", retired_folder, " folder"));
      d.release = release;
      d.tags = std::move(r.tags);
      d.description = std::move(r.description);
      d.query = std::move(r.text);
      d.sigma_status = r.status;
      d.sigma_category = r.category;
      d.sigma_product = r.product;
      d.sigma_service = r.service;
      d.sigma_path = path;
      d.sigma_level = r.level;
      d.sigma_author = r.author;
      if (map) d.data_components = map->Lookup(r.category, r.product, r.service);
      where.push_back(Cat(path, ":", r.line));
      detections.push_back(std::move(d));
    }
    return absl::OkStatus();
  };

  // YAML parsing is most of an import: Sigma files are parsed on a small
  // worker pool, plain files all up front and a tarball's members when the
  // tarball is reached (one archive unpacked at a time, as before). Results
  // are consumed in upload order, so the detections and the first error
  // reported are those of a sequential pass.
  std::vector<SigmaFileInput> plain;
  std::vector<size_t> plain_slot(files.size(), 0);
  for (size_t i = 0; i < files.size(); ++i)
    if (KindOf(files[i].path(), header.format()) == FileKind::kSigma) {
      plain_slot[i] = plain.size();
      plain.push_back(SigmaFileInput{files[i].path(), files[i].content()});
    }
  std::vector<absl::StatusOr<std::vector<SigmaRule>>> plain_parsed =
      ParseSigmaFiles(plain, yaml_limits, kImportParseWorkers);

  for (size_t fi = 0; fi < files.size(); ++fi) {
    v1::SourceFile& f = files[fi];
    const std::string& path = f.path();
    resp->set_files_read(resp->files_read() + 1);
    switch (KindOf(path, header.format())) {
      case FileKind::kSkip:
        resp->set_files_skipped(resp->files_skipped() + 1);
        break;
      case FileKind::kSigma: {
        auto& parsed = plain_parsed[plain_slot[fi]];
        if (!parsed.ok()) return parsed.status();
        if (auto s = add_sigma(path, std::move(*parsed)); !s.ok()) return s;
        break;
      }
      case FileKind::kTarball: {
        TTP_ASSIGN_OR_RETURN(std::vector<ArchiveMember> members,
                             ReadTarball(path, std::move(*f.mutable_content()), limits_.max_import_bytes * 8));
        std::vector<SigmaFileInput> inputs;
        for (ArchiveMember& m : members) {
          const std::string lower = ToLower(m.path);
          if (!EndsWith(lower, ".yml") && !EndsWith(lower, ".yaml")) {
            resp->set_files_skipped(resp->files_skipped() + 1);
            continue;
          }
          resp->set_files_read(resp->files_read() + 1);
          inputs.push_back(SigmaFileInput{Cat(path, ":", m.path), m.content});
        }
        std::vector<absl::StatusOr<std::vector<SigmaRule>>> parsed =
            ParseSigmaFiles(inputs, yaml_limits, kImportParseWorkers);
        for (size_t i = 0; i < inputs.size(); ++i) {
          if (!parsed[i].ok()) return parsed[i].status();
          if (auto s = add_sigma(inputs[i].path, std::move(*parsed[i])); !s.ok()) return s;
        }
        break;
      }
      case FileKind::kLayer: {
        TTP_ASSIGN_OR_RETURN(std::vector<NavigatorLayer> layers, ParseNavigatorLayers(path, f.content()));
        for (const NavigatorLayer& layer : layers) {
          if (layer.domain != g.id().domain)
            return absl::InvalidArgumentError(Cat(path, ": layer '", layer.name, "' is for ", layer.domain,
                                                  ", but the import maps against ", release,
                                                  "; import it with --release ", layer.domain, "@latest"));
          std::map<std::string, const LayerTechnique*> best;  // one detection per technique (max score)
          for (const LayerTechnique& t : layer.techniques) {
            if (!t.has_score || !(t.score > header.layer_score_threshold())) continue;
            auto [it, inserted] = best.emplace(t.technique_id, &t);
            if (!inserted && t.score > it->second->score) it->second = &t;
          }
          for (auto& [tid, t] : best) {
            Detection d;
            d.id = Cat("layer:", Slug(layer.name), ":", tid);
            d.name = Cat(layer.name, ": ", tid);
            d.source_format = "other";
            d.description = t->comment;
            d.state = t->enabled ? DetectionState::kEnabled : DetectionState::kDisabled;
            MappedTechniques m = MapTechniques(g, {tid});
            d.techniques = std::move(m.techniques);
            d.unresolved_techniques = std::move(m.unresolved);
            d.stale_techniques = std::move(m.stale);
            d.notes = std::move(m.notes);
            d.notes.push_back(Cat("from Navigator layer '", layer.name, "' score ", t->score));
            d.release = release;
            d.tags = {"navigator-layer"};
            where.push_back(Cat(path, ":", t->json_path));
            detections.push_back(std::move(d));
          }
        }
        break;
      }
      case FileKind::kCsv: {
        TTP_ASSIGN_OR_RETURN(std::vector<CsvDetectionRow> rows, ParseDetectionsCsv(path, f.content()));
        for (CsvDetectionRow& r : rows) {
          Detection d;
          d.id = std::move(r.id);
          if (auto s = ValidateDetectionId(d.id); !s.ok())
            return absl::InvalidArgumentError(Cat(path, ":", r.line, ": ", s.message()));
          d.name = r.name.empty() ? d.id : std::move(r.name);
          d.source_format = r.source_format.empty() ? "other" : r.source_format;
          if (!kSourceFormats.count(d.source_format))
            return absl::InvalidArgumentError(Cat(path, ":", r.line, ": unknown source_format '", d.source_format,
                                                  "' (sigma, splunk, kql, eql, yara-l or other)"));
          d.state = r.state == "disabled" ? DetectionState::kDisabled
                    : r.state == "testing" ? DetectionState::kTesting
                                           : DetectionState::kEnabled;
          MappedTechniques m = MapTechniques(g, r.techniques);
          d.techniques = std::move(m.techniques);
          d.unresolved_techniques = std::move(m.unresolved);
          d.stale_techniques = std::move(m.stale);
          d.notes = std::move(m.notes);
          d.data_components = std::move(r.data_components);
          d.tags = std::move(r.tags);
          d.query = std::move(r.query);
          d.description = std::move(r.description);
          d.release = release;
          where.push_back(Cat(path, ":", r.line));
          detections.push_back(std::move(d));
        }
        break;
      }
    }
  }
  if (detections.empty())
    return absl::InvalidArgumentError(Cat("no detection found in ", files.size(), " file(s) (", resp->files_skipped(),
                                          " skipped: not .yml/.yaml/.json/.csv/.tar.gz, or no technique scored above ",
                                          header.layer_score_threshold(), ")"));
  // Reports before the detections move into the store.
  for (size_t i = 0; i < detections.size(); ++i) {
    const Detection& d = detections[i];
    v1::RuleReport* r = resp->add_rules();
    FillReport(d, r);
    r->set_path(where[i]);
    if (d.state == DetectionState::kDisabled && d.source_format == "sigma") resp->set_disabled(resp->disabled() + 1);
    if (d.techniques.empty()) resp->set_no_technique(resp->no_technique() + 1);
    if (!d.unresolved_techniques.empty()) resp->set_with_unresolved(resp->with_unresolved() + 1);
  }
  TTP_ASSIGN_OR_RETURN(std::vector<OrgStore::PutOutcome> outcomes,
                       orgs_.PutDetections(org, std::move(detections), header.dry_run()));
  for (size_t i = 0; i < outcomes.size(); ++i) {
    v1::RuleReport* r = resp->mutable_rules(static_cast<int>(i));
    switch (outcomes[i]) {
      case OrgStore::PutOutcome::kCreated: r->set_outcome(v1::RuleReport::CREATED); resp->set_created(resp->created() + 1); break;
      case OrgStore::PutOutcome::kUpdated: r->set_outcome(v1::RuleReport::UPDATED); resp->set_updated(resp->updated() + 1); break;
      case OrgStore::PutOutcome::kUnchanged: r->set_outcome(v1::RuleReport::UNCHANGED); resp->set_unchanged(resp->unchanged() + 1); break;
    }
  }
  return absl::OkStatus();
}

// ---- inventory -----------------------------------------------------------------

namespace {
void InventoryToProto(const std::vector<InventoryEntry>& entries, const ReleaseGraph& g,
                      const DetectabilityIndex& index, v1::Inventory* out) {
  out->set_release(g.id().Name());
  for (const InventoryEntry& e : entries) {
    auto* p = out->add_entries();
    p->set_data_component(e.data_component);
    p->set_log_source_name(e.log_source_name);
    p->set_log_source_channel(e.log_source_channel);
    p->set_source(e.source);
    if (!e.data_component.empty()) {
      if (NodeId dc = index.FindComponent(e.data_component); dc != kNoNode) p->add_resolved(ComponentLabel(g, dc));
    } else {
      for (NodeId dc : index.ComponentsForLogSource(e.log_source_name, e.log_source_channel))
        p->add_resolved(ComponentLabel(g, dc));
    }
  }
}

// Checks entries against the release and stores data components by ATT&CK ID.
absl::Status CanonicalEntries(const google::protobuf::RepeatedPtrField<v1::InventoryEntry>& in, const ReleaseGraph& g,
                              const DetectabilityIndex& index, bool check, std::vector<InventoryEntry>* out) {
  bool release_has_log_sources = false;
  for (NodeId dc : index.components())
    if (!index.LogSourcesOf(dc).empty()) release_has_log_sources = true;
  for (int i = 0; i < in.size(); ++i) {
    const v1::InventoryEntry& p = in[i];
    InventoryEntry e;
    e.data_component = p.data_component();
    e.log_source_name = p.log_source_name();
    e.log_source_channel = p.log_source_channel();
    e.source = p.source().empty() ? "manual" : p.source();
    if (e.data_component.empty() == e.log_source_name.empty())
      return absl::InvalidArgumentError(Cat("entries[", i, "]: give either a data component or a log source name"));
    if (!e.data_component.empty()) {
      NodeId dc = index.FindComponent(e.data_component);
      if (dc == kNoNode || !g.node(dc).active()) {
        if (check)
          return absl::InvalidArgumentError(Cat("entries[", i, "]: '", e.data_component, "' is no ",
                                                dc == kNoNode ? "" : "active ", "data component of ", g.id().Name(),
                                                " (give an ATT&CK ID such as DC0032 or a name such as \"Process Creation\")"));
      } else if (!g.node(dc).attack_id.empty()) {
        e.data_component = g.node(dc).attack_id;
      }
    } else if (check && release_has_log_sources &&
               index.ComponentsForLogSource(e.log_source_name, e.log_source_channel).empty()) {
      return absl::InvalidArgumentError(Cat("entries[", i, "]: no analytic of ", g.id().Name(), " reads log source '",
                                            e.log_source_name, "'",
                                            e.log_source_channel.empty() ? "" : Cat(" channel '", e.log_source_channel, "'")));
    }
    out->push_back(std::move(e));
  }
  return absl::OkStatus();
}
}  // namespace

grpc::Status OrgServiceImpl::GetInventory(grpc::ServerContext* ctx, const v1::GetInventoryRequest* req,
                                          v1::Inventory* resp) {
  return Serve(ctx, "GetInventory", [&]() -> absl::Status {
    OrgId org(req->org_id());
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(org));
    TTP_ASSIGN_OR_RETURN(auto entries, orgs_.GetInventory(org));
    TTP_ASSIGN_OR_RETURN(ReleaseView rv, GetRelease(req->release().empty() ? o.release : req->release()));
    resp->set_org_id(o.id);
    InventoryToProto(entries, *rv.graph, *rv.index, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::UpdateInventory(grpc::ServerContext* ctx, const v1::UpdateInventoryRequest* req,
                                             v1::Inventory* resp) {
  return Serve(ctx, "UpdateInventory", [&]() -> absl::Status {
    OrgId org(req->org_id());
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(org));
    TTP_ASSIGN_OR_RETURN(ReleaseView rv, GetRelease(req->release().empty() ? o.release : req->release()));
    OrgStore::InventoryOp op;
    switch (req->op()) {
      case v1::UpdateInventoryRequest::SET: op = OrgStore::InventoryOp::kSet; break;
      case v1::UpdateInventoryRequest::ADD: op = OrgStore::InventoryOp::kAdd; break;
      case v1::UpdateInventoryRequest::REMOVE: op = OrgStore::InventoryOp::kRemove; break;
      default: return absl::InvalidArgumentError("op is required: SET, ADD or REMOVE");
    }
    if (req->entries().empty() && op != OrgStore::InventoryOp::kSet)
      return absl::InvalidArgumentError("no inventory entry given");
    std::vector<InventoryEntry> entries;
    if (auto s = CanonicalEntries(req->entries(), *rv.graph, *rv.index, op != OrgStore::InventoryOp::kRemove, &entries);
        !s.ok())
      return s;
    TTP_ASSIGN_OR_RETURN(auto stored, orgs_.UpdateInventory(org, op, entries));
    resp->set_org_id(o.id);
    InventoryToProto(stored, *rv.graph, *rv.index, resp);
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::InferInventory(grpc::ServerContext* ctx, const v1::InferInventoryRequest* req,
                                            v1::InferInventoryResponse* resp) {
  return Serve(ctx, "InferInventory", [&]() -> absl::Status {
    OrgId org(req->org_id());
    TTP_ASSIGN_OR_RETURN(Organization o, orgs_.GetOrg(org));
    TTP_ASSIGN_OR_RETURN(ReleaseView rv, GetRelease(req->release().empty() ? o.release : req->release()));
    std::optional<SigmaLogsourceMap> own;
    const SigmaLogsourceMap* map = logsource_map();
    if (!req->mapping_csv().empty()) {
      TTP_ASSIGN_OR_RETURN(own, SigmaLogsourceMap::Parse("mapping_csv", req->mapping_csv()));
      map = &*own;
    }
    if (!map)
      return absl::FailedPreconditionError(
          "the server has no Sigma logsource mapping table; pass one (mapping_csv, ttpctl --mapping FILE)");
    TTP_ASSIGN_OR_RETURN(std::vector<Detection> all, orgs_.ListDetections(org));
    std::set<NodeId> found;
    std::map<std::string, int> unmapped;
    for (const Detection& d : all) {
      if (d.source_format != "sigma" || !DetectionCounts(d)) continue;
      resp->set_rules_considered(resp->rules_considered() + 1);
      auto dcs = map->Lookup(d.sigma_category, d.sigma_product, d.sigma_service);
      bool any = false;
      for (const std::string& name : dcs)
        if (NodeId dc = rv.index->FindComponent(name); dc != kNoNode && rv.graph->node(dc).active()) {
          found.insert(dc);
          any = true;
        }
      if (!any) ++unmapped[Cat(d.sigma_category, "/", d.sigma_product, "/", d.sigma_service)];
    }
    for (auto& [ls, n] : unmapped) {
      auto* u = resp->add_unmapped();
      u->set_logsource(ls);
      u->set_rules(n);
    }
    std::vector<InventoryEntry> entries;
    std::vector<NodeId> ordered(found.begin(), found.end());
    SortByAttackId(*rv.graph, &ordered);
    TTP_ASSIGN_OR_RETURN(auto current, orgs_.GetInventory(org));
    for (NodeId dc : ordered) {
      InventoryEntry e;
      e.data_component = rv.graph->node(dc).attack_id.empty() ? rv.graph->node(dc).stix_id : rv.graph->node(dc).attack_id;
      e.source = "inferred";
      bool present = std::any_of(current.begin(), current.end(), [&](const InventoryEntry& c) { return c.SameTarget(e); });
      if (!present || req->replace()) resp->add_added(ComponentLabel(*rv.graph, dc));
      entries.push_back(std::move(e));
    }
    std::vector<InventoryEntry> result = current;
    if (!req->dry_run()) {
      TTP_ASSIGN_OR_RETURN(result, orgs_.UpdateInventory(org, req->replace() ? OrgStore::InventoryOp::kSet
                                                                              : OrgStore::InventoryOp::kAdd,
                                                         entries));
    } else if (req->replace()) {
      result = entries;
    } else {
      for (auto& e : entries)
        if (std::none_of(result.begin(), result.end(), [&](const InventoryEntry& c) { return c.SameTarget(e); }))
          result.push_back(e);
    }
    resp->mutable_inventory()->set_org_id(o.id);
    InventoryToProto(result, *rv.graph, *rv.index, resp->mutable_inventory());
    return absl::OkStatus();
  });
}

// ---- coverage ------------------------------------------------------------------

absl::Status OrgServiceImpl::Coverage(const v1::CoverageRequest& req, v1::CoverageResponse* resp) {
  CoverageOptions options{req.tactic(), req.platform(), FromProto(req.rollup())};
  options.with_mapping_lists = false;  // read from run.compiled below
  TTP_ASSIGN_OR_RETURN(DefenseJoin join, OpenDefenseJoin(defense_, req.include_countermeasures(), req.d3fend_version(),
                                                          req.include_atomic_tests(), req.atomic_index()));
  TTP_ASSIGN_OR_RETURN(CoverageRun run, RunCoverage(req.org_id(), req.release(), options));
  const ReleaseGraph& g = *run.release.graph;
  const DetectabilityIndex& index = *run.release.index;
  const CoverageReport& r = run.report;
  const OrgView& view = *run.view;
  resp->set_org_id(run.org.id);
  resp->set_release(g.id().Name());
  resp->set_rollup(req.rollup());
  resp->set_total(r.total);
  resp->set_detected(r.detected);
  resp->set_logged(r.logged);
  resp->set_blind(r.blind);
  resp->set_detections_counted(r.detections_counted);
  resp->set_detections_ignored(r.detections_ignored);
  if (!req.omit_techniques()) {
    resp->mutable_techniques()->Reserve(static_cast<int>(r.techniques.size()));
    for (const TechniqueCoverage& c : r.techniques) {
      const Node& t = g.node(c.technique);
      auto* p = resp->add_techniques();
      p->set_attack_id(t.attack_id);
      p->set_name(t.name);
      p->set_is_subtechnique(t.is_subtechnique);
      if (NodeId parent = g.ParentOf(c.technique); parent != kNoNode) p->set_parent(g.node(parent).attack_id);
      p->mutable_tactics()->Reserve(static_cast<int>(t.tactics.size()));
      for (auto& tac : t.tactics) p->add_tactics(tac);
      p->mutable_platforms()->Reserve(static_cast<int>(t.platforms.size()));
      for (auto& pl : t.platforms) p->add_platforms(pl);
      p->set_status(ToProto(c.status));
      p->set_score(static_cast<int>(c.status));
      p->mutable_detections()->Reserve(static_cast<int>(c.detections.size()));
      p->mutable_detection_names()->Reserve(static_cast<int>(c.detections.size()));
      for (uint32_t d : c.detections) {
        p->add_detections(view.detections[d].id);
        p->add_detection_names(view.detections[d].name);
      }
      p->mutable_detecting_components()->Reserve(static_cast<int>(index.ComponentsFor(c.technique).size()));
      for (NodeId dc : c.collected_components) p->add_collected_components(index.Label(dc));
      for (NodeId dc : index.ComponentsFor(c.technique)) p->add_detecting_components(index.Label(dc));
      p->set_subtechniques(c.subtechniques);
      p->set_sub_detected(c.sub_detected);
      p->set_sub_logged(c.sub_logged);
      p->set_sub_blind(c.sub_blind);
      p->set_rollup_status(ToProto(c.rollup_status));
    }
  }
  if (join.d3fend || join.atomic) {
    // Entries follow r.techniques one to one (or are omitted): join per technique,
    // and count the BLIND techniques D3FEND has a countermeasure for.
    if (join.d3fend) resp->set_d3fend_version(join.d3fend->version());
    if (join.atomic) resp->set_atomic_index(join.atomic->name());
    google::protobuf::RepeatedPtrField<v1::GapCountermeasure> scratch;
    int blind_defensible = 0;
    for (size_t i = 0; i < r.techniques.size(); ++i) {
      const TechniqueCoverage& c = r.techniques[i];
      const std::string& attack_id = g.node(c.technique).attack_id;
      v1::TechniqueCoverage* p = req.omit_techniques() ? nullptr : resp->mutable_techniques(static_cast<int>(i));
      if (join.d3fend) {
        std::string status;
        scratch.Clear();
        TTP_ASSIGN_OR_RETURN(bool any, join.AddCountermeasures(g, attack_id, QueryLimits{}, &status,
                                                               p ? p->mutable_countermeasures() : &scratch));
        if (any && c.status == CoverageStatus::kBlind) ++blind_defensible;
        if (p) p->set_countermeasure_status(status);
      }
      if (join.atomic && p) join.AddAtomicTests(attack_id, p->mutable_atomic_tests());
    }
    if (join.d3fend) resp->set_blind_with_countermeasure(blind_defensible);
  }
  TacticsToProto(g, r, resp->mutable_tactics());
  const CompiledCoverage& compiled = *run.compiled;
  resp->mutable_stale()->Reserve(static_cast<int>(compiled.stale.size()));
  for (const StaleMapping& s : compiled.stale) {
    auto* p = resp->add_stale();
    p->set_detection(view.detections[s.detection].id);
    p->set_technique(s.technique);
    p->set_reason(s.reason);
  }
  resp->mutable_carried()->Reserve(static_cast<int>(compiled.carried.size()));
  for (const CarriedMapping& c : compiled.carried) {
    auto* p = resp->add_carried();
    p->set_detection(view.detections[c.detection].id);
    p->set_from(c.from);
    p->set_to(g.node(c.chain.back()).attack_id);
    for (NodeId h : c.chain) p->add_chain(g.node(h).attack_id);
  }
  resp->mutable_cannot_fire()->Reserve(static_cast<int>(compiled.cannot_fire.size()));
  for (const UnfireableDetection& u : compiled.cannot_fire) {
    auto* p = resp->add_cannot_fire();
    p->set_detection(view.detections[u.detection].id);
    for (auto& m : u.missing_components) p->add_missing_components(m);
  }
  for (auto& u : compiled.unresolved_inventory) resp->add_unresolved_inventory(u);
  return absl::OkStatus();
}

grpc::Status OrgServiceImpl::GetCoverage(grpc::ServerContext* ctx, const v1::CoverageRequest* req,
                                         v1::CoverageResponse* resp) {
  return Serve(ctx, "GetCoverage", [&]() -> absl::Status { return Coverage(*req, resp); });
}

grpc::Status OrgServiceImpl::GetCoverageTrend(grpc::ServerContext* ctx, const v1::CoverageTrendRequest* req,
                                              v1::CoverageTrendResponse* resp) {
  return Serve(ctx, "GetCoverageTrend", [&]() -> absl::Status {
    if (req->releases().empty())
      return absl::InvalidArgumentError("give at least one release (releases: enterprise-attack@17.1, ...)");
    CoverageOptions options{req->tactic(), req->platform(), FromProto(req->rollup())};
    options.with_mapping_lists = false;  // only counted, from run.compiled
    resp->set_org_id(req->org_id());
    for (const std::string& release : req->releases()) {
      if (release.empty()) return absl::InvalidArgumentError("releases: an entry is empty");
      TTP_ASSIGN_OR_RETURN(CoverageRun run, RunCoverage(req->org_id(), release, options));
      auto* row = resp->add_rows();
      row->set_release(run.release.graph->id().Name());
      row->set_total(run.report.total);
      row->set_detected(run.report.detected);
      row->set_logged(run.report.logged);
      row->set_blind(run.report.blind);
      row->set_detected_pct(Pct(run.report.detected, run.report.total));
      row->set_logged_pct(Pct(run.report.logged, run.report.total));
      row->set_stale(static_cast<int32_t>(run.compiled->stale.size()));
      row->set_carried(static_cast<int32_t>(run.compiled->carried.size()));
      TacticsToProto(*run.release.graph, run.report, row->mutable_tactics());
    }
    return absl::OkStatus();
  });
}

grpc::Status OrgServiceImpl::ExportCoverageLayer(grpc::ServerContext* ctx, const v1::CoverageRequest* req,
                                                 v1::CoverageLayerResponse* resp) {
  return Serve(ctx, "ExportCoverageLayer", [&]() -> absl::Status {
    CoverageOptions options{req->tactic(), req->platform(), FromProto(req->rollup())};
    TTP_ASSIGN_OR_RETURN(CoverageRun run, RunCoverage(req->org_id(), req->release(), options));
    CoverageLayerOptions lo;
    lo.platform = req->platform();
    resp->set_layer_json(CoverageLayerJson(*run.release.graph, run.report, *run.view, lo));
    resp->set_file_name(Cat(run.org.id, "-coverage-", run.release.graph->id().domain, "-",
                            run.release.graph->id().version.ToString(), ".json"));
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph

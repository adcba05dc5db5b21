#include "server/defense_service.h"

#include <set>

#include "server/core/defense.h"
#include "server/defense_convert.h"
#include "server/knowledge_convert.h"
#include "server/page_token.h"
#include "server/rpc_util.h"
#include "server/upload.h"
#include "storage/strings.h"

namespace ttpgraph {
namespace {


template <typename Resp>
auto OutcomeOf(BlobPutOutcome o) {
  return o == BlobPutOutcome::kCreated ? Resp::OUTCOME_CREATED : o == BlobPutOutcome::kUnchanged ? Resp::OUTCOME_UNCHANGED
                                                                                         : Resp::OUTCOME_REPLACED;
}

void ToProto(const core::D3fendImport& r, v1::ImportD3fendResponse* resp) {
  ToProto(r.put.put.info, resp->mutable_version());
  resp->set_outcome(OutcomeOf<v1::ImportD3fendResponse>(r.put.put.outcome));
  *resp->mutable_summary() = Summary(*r.put.index);
}

void ToProto(const DefenseCatalog::AtomicPut& r, v1::ImportAtomicIndexResponse* resp) {
  ToProto(r.put.info, r.index.get(), resp->mutable_index());
  resp->set_outcome(OutcomeOf<v1::ImportAtomicIndexResponse>(r.put.outcome));
}

// With a release: the technique asked, and its revoked-by chain when revoked.
template <typename Resp>
void SetAskedTechnique(const std::optional<core::Subject>& s, Resp* resp) {
  if (!s) return;
  ToProto(s->graph(), s->object.asked, resp->mutable_technique());
  if (s->revoked()) ToProto(s->graph(), RevokedChain{s->object.chain, false, false}, resp->mutable_revoked_by());
}

}  // namespace

// ---- D3FEND --------------------------------------------------------------------------

grpc::Status DefenseServiceImpl::ImportD3fend(grpc::ServerContext* ctx,
                                              grpc::ServerReader<v1::ImportD3fendRequest>* reader,
                                              v1::ImportD3fendResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ImportD3fend", kStream, [&](const Call& call) -> absl::Status {
    v1::D3fendImportOptions options;
    std::string bytes;
    if (auto s = ReadChunkedUpload(ctx, reader, app_.limits().max_upload_bytes, &options, &bytes); !s.ok()) return s;
    TTP_ASSIGN_OR_RETURN(core::D3fendImport r, core::ImportD3fend(app_, std::move(bytes), FromProto(options), call.limits, &call.audit));
    ToProto(r, resp);
    return absl::OkStatus();
  });
}

grpc::Status DefenseServiceImpl::ImportD3fendFrom(grpc::ServerContext* ctx, const v1::ImportD3fendFromRequest* req,
                                                  v1::ImportD3fendResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ImportD3fendFrom", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::D3fendImport r,
                         core::ImportD3fendFrom(app_, req->path(), FromProto(req->options()), call.limits, &call.audit));
    ToProto(r, resp);
    return absl::OkStatus();
  });
}

grpc::Status DefenseServiceImpl::ListD3fendVersions(grpc::ServerContext* ctx, const v1::ListD3fendVersionsRequest* req,
                                                    v1::ListD3fendVersionsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ListD3fendVersions", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto all, app_.defense().ListD3fend());
    return EmitPage(*req, all, resp->mutable_page(),
                    [&](const BlobVersionInfo& i) { ToProto(i, resp->add_versions()); });
  });
}

grpc::Status DefenseServiceImpl::DeleteD3fendVersion(grpc::ServerContext* ctx,
                                                     const v1::DeleteD3fendVersionRequest* req,
                                                     v1::DeleteD3fendVersionResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/DeleteD3fendVersion", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(BlobVersionInfo info, core::DeleteD3fend(app_, req->version(), &call.audit));
    ToProto(info, resp->mutable_version());
    return absl::OkStatus();
  });
}

grpc::Status DefenseServiceImpl::GetCountermeasures(grpc::ServerContext* ctx, const v1::GetCountermeasuresRequest* req,
                                                    v1::GetCountermeasuresResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/GetCountermeasures", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::CountermeasuresAnswer a, core::Countermeasures(app_, req->d3fend_version(),
                                                                             req->release(), req->technique(), call.limits));
    const D3fendIndex& index = *a.index;
    resp->set_d3fend_version(index.version());
    SetAskedTechnique(a.subject, resp);
    resp->set_attack_id(a.attack_id);
    if (a.answer.technique) resp->set_label(a.answer.technique->label);
    if (a.mapped_via_revoked) {
      resp->set_status(v1::MAPPING_STATUS_MAPPED);
      resp->set_status_detail(Cat(StatusDetail(index, a.attack_id, a.answer),
                                  "; the countermeasures listed are D3FEND's for ATT&CK IDs this release revoked into ",
                                  a.attack_id));
    } else {
      resp->set_status(ToProto(a.answer.status));
      resp->set_status_detail(StatusDetail(index, a.attack_id, a.answer));
    }
    return EmitPage(*req, a.items, resp->mutable_page(), [&](const core::CountermeasureItem& it) {
      auto* c = resp->add_countermeasures();
      ToProto(index, it.link->defense, false, c->mutable_technique());
      for (const auto& p : it.link->paths) ToProto(index, p, c->add_paths());
      c->set_via_attack_id(it.via);
    });
  });
}

grpc::Status DefenseServiceImpl::GetCounteredTechniques(grpc::ServerContext* ctx,
                                                        const v1::GetCounteredTechniquesRequest* req,
                                                        v1::GetCounteredTechniquesResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/GetCounteredTechniques", req, [&](const Call& call) -> absl::Status {
    if (req->d3fend_id().empty()) return absl::InvalidArgumentError("give a D3FEND technique ID such as D3-EAL");
    TTP_ASSIGN_OR_RETURN(auto index, app_.defense().D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    int32_t d = index->FindTechnique(req->d3fend_id());
    if (d < 0)
      return absl::NotFoundError(
          Cat("D3FEND ", index->version(), " has no defensive technique '", req->d3fend_id(), "'"));
    ToProto(*index, static_cast<uint32_t>(d), true, resp->mutable_technique());
    auto countered = index->CounteredTechniques(static_cast<uint32_t>(d));
    return EmitPage(*req, countered, resp->mutable_page(), [&](const CounteredTechnique& c) {
      auto* out = resp->add_techniques();
      out->set_attack_id(c.technique->attack_id);
      out->set_label(c.technique->label);
      out->set_deprecated(c.technique->deprecated);
      for (const auto& p : c.link->paths) ToProto(*index, p, out->add_paths());
    });
  });
}

grpc::Status DefenseServiceImpl::GetD3fendTree(grpc::ServerContext* ctx, const v1::GetD3fendTreeRequest* req,
                                               v1::GetD3fendTreeResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/GetD3fendTree", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto index, app_.defense().D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    D3fendTactic filter = D3fendTactic::kUnknown;
    if (!req->tactic().empty()) {
      filter = ParseD3fendTactic(req->tactic());
      if (filter == D3fendTactic::kUnknown)
        return absl::InvalidArgumentError(Cat("unknown D3FEND tactic '", req->tactic(),
                                              "': use Model, Harden, Detect, Isolate, Deceive, Evict or Restore"));
    }
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < index->techniques().size(); ++i)
      if (req->tactic().empty() || index->technique(i).tactic == filter) ids.push_back(i);
    return EmitPage(*req, ids, resp->mutable_page(),
                    [&](uint32_t i) { ToProto(*index, i, true, resp->add_techniques()); });
  });
}

grpc::Status DefenseServiceImpl::GetD3fendTacticCounts(grpc::ServerContext* ctx,
                                                       const v1::GetD3fendTacticCountsRequest* req,
                                                       v1::GetD3fendTacticCountsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/GetD3fendTacticCounts", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto index, app_.defense().D3fend(req->d3fend_version()));
    resp->set_d3fend_version(index->version());
    *resp->mutable_summary() = Summary(*index);
    *resp->mutable_tactics() = resp->summary().tactics();
    return absl::OkStatus();
  });
}

// ---- Atomic Red Team ------------------------------------------------------------------

grpc::Status DefenseServiceImpl::ImportAtomicIndex(grpc::ServerContext* ctx,
                                                   grpc::ServerReader<v1::ImportAtomicIndexRequest>* reader,
                                                   v1::ImportAtomicIndexResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ImportAtomicIndex", kStream, [&](const Call& call) -> absl::Status {
    v1::AtomicImportOptions options;
    std::string bytes;
    if (auto s = ReadChunkedUpload(ctx, reader, app_.limits().max_upload_bytes, &options, &bytes); !s.ok()) return s;
    TTP_ASSIGN_OR_RETURN(auto r, core::ImportAtomic(app_, std::move(bytes), FromProto(options), call.limits, &call.audit));
    ToProto(r, resp);
    return absl::OkStatus();
  });
}

grpc::Status DefenseServiceImpl::ImportAtomicIndexFrom(grpc::ServerContext* ctx,
                                                       const v1::ImportAtomicIndexFromRequest* req,
                                                       v1::ImportAtomicIndexResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ImportAtomicIndexFrom", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto r, core::ImportAtomicFrom(app_, req->path(), FromProto(req->options()), call.limits, &call.audit));
    ToProto(r, resp);
    return absl::OkStatus();
  });
}

grpc::Status DefenseServiceImpl::ListAtomicIndexes(grpc::ServerContext* ctx, const v1::ListAtomicIndexesRequest* req,
                                                   v1::ListAtomicIndexesResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ListAtomicIndexes", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(auto all, app_.defense().ListAtomic());
    return EmitPage(*req, all, resp->mutable_page(), [&](const BlobVersionInfo& i) {
      auto index = app_.defense().Atomic(i.version);
      ToProto(i, index.ok() ? index->get() : nullptr, resp->add_indexes());
    });
  });
}

grpc::Status DefenseServiceImpl::GetAtomicTests(grpc::ServerContext* ctx, const v1::GetAtomicTestsRequest* req,
                                                v1::GetAtomicTestsResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/GetAtomicTests", req, [&](const Call& call) -> absl::Status {
    TTP_ASSIGN_OR_RETURN(core::AtomicTestsAnswer a,
                         core::AtomicTests(app_, req->index(), req->release(), req->technique(),
                                           req->include_subtechniques(), call.limits));
    resp->set_index(a.index->name());
    resp->set_attack_id(a.attack_id);
    SetAskedTechnique(a.subject, resp);
    return EmitPage(*req, a.tests, resp->mutable_page(), [&](const AtomicTest* t) { ToProto(*t, resp->add_tests()); });
  });
}

grpc::Status DefenseServiceImpl::ListValidatableTechniques(grpc::ServerContext* ctx,
                                                           const v1::ListValidatableTechniquesRequest* req,
                                                           v1::ListValidatableTechniquesResponse* resp) {
  return Serve(ctx, app_, "ttpgraph.v1.DefenseService/ListValidatableTechniques", req, [&](const Call& call) -> absl::Status {
    std::vector<std::string> asked(req->techniques().begin(), req->techniques().end());
    TTP_ASSIGN_OR_RETURN(core::ValidatableAnswer a,
                         core::ValidatableTechniques(app_, req->index(), req->release(), asked,
                                                     req->include_subtechniques(), call.limits));
    resp->set_index(a.index->name());
    resp->set_with_tests_count(static_cast<int32_t>(a.with_tests.size()));
    TTP_ASSIGN_OR_RETURN(PageWindow window, ComputePage(*req, a.with_tests.size()));
    // The techniques without tests come once, with the first page.
    if (window.begin == 0)
      for (auto& w : a.without_tests) resp->add_without_tests(w);
    for (size_t i = window.begin; i < window.end; ++i) {
      const core::ValidatableTechnique& t = a.with_tests[i];
      auto* v = resp->add_techniques();
      v->set_technique(t.technique);
      v->set_attack_id(t.attack_id);
      v->set_test_count(static_cast<int32_t>(t.tests.size()));
      std::set<std::string> executors;
      for (auto* x : t.tests) executors.insert(x->executor);
      for (auto& e : executors) v->add_executors(e);
    }
    resp->mutable_page()->set_next_page_token(window.next_page_token);
    resp->mutable_page()->set_total_size(static_cast<int32_t>(a.with_tests.size()));
    return absl::OkStatus();
  });
}

}  // namespace ttpgraph

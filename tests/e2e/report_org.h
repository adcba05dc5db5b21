// Test side of the executive coverage report (issue 13): the organization
// the browser test (tests/e2e/report_browser_test.cc) and the benchmark
// (tests/bench/report_bench.cc) report on, set up through the RPCs with the
// real data.
//
//   ASSERT_OK(SetUpSigmaOrg(server.client(), {"17.1", "18.1"}, "acme", "17.1"));
//   std::string html;
//   ASSERT_OK(server.client().GetCoverageReport(req, &html));
//
// Header-only: each test and benchmark is one program.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/cpp/ttpgraph_client.h"
#include "storage/strings.h"
#include "tests/testing/test_env.h"

namespace ttpgraph::testing {

// The organization the browser test and the benchmark report on: `org_id`
// ("Acme Corp"), mapped against enterprise-attack@`org_version`, with every
// SigmaHQ rule of sigma-rules.tar.gz imported against that release, its
// inventory inferred from the rules' logsources, and D3FEND 1.2.0 and the
// Atomic Red Team index loaded. The releases `versions` of enterprise-attack
// are imported first (from $TTPGRAPH_SHARED_DATA/attack).
inline absl::Status SetUpSigmaOrg(Client& client, const std::vector<std::string>& versions,
                                  const std::string& org_id, const std::string& org_version) {
  for (const std::string& v : versions)
    if (absl::Status s =
            ImportFile(client, SharedData(Cat("attack/enterprise-attack-", v, ".json.gz")), "enterprise-attack", v);
        !s.ok())
      return s;
  const std::string release = Cat("enterprise-attack@", org_version);
  v1::CreateOrganizationRequest create;
  create.set_org_id(org_id);
  create.set_display_name("Acme Corp");
  create.set_release(release);
  v1::Organization org;
  if (absl::Status s = client.Call(&v1::OrgService::Stub::CreateOrganization, create, &org); !s.ok()) return s;
  {
    // The tarball in one message named sigma-rules.tar.gz (Client::ImportDetections names files by their path).
    grpc::ClientContext ctx;
    v1::ImportDetectionsResponse resp;
    v1::ImportDetectionsRequest header, file;
    header.set_org_id(org_id);
    header.mutable_header()->set_release(release);
    file.set_org_id(org_id);
    file.mutable_file()->set_path("sigma-rules.tar.gz");
    file.mutable_file()->set_content(ReadFile(SharedData("sigma/sigma-rules.tar.gz")));
    client.Prepare(&ctx, header);
    auto writer = client.orgs().ImportDetections(&ctx, &resp);
    writer->Write(header);
    writer->Write(file);
    writer->WritesDone();
    if (absl::Status s = FromGrpc(writer->Finish()); !s.ok()) return s;
  }
  v1::InferInventoryRequest infer;
  infer.set_org_id(org_id);
  infer.set_release(release);
  v1::InferInventoryResponse inferred;
  if (absl::Status s = client.Call(&v1::OrgService::Stub::InferInventory, infer, &inferred); !s.ok()) return s;
  v1::D3fendImportOptions d3fend;
  d3fend.set_version("1.2.0");
  v1::ImportD3fendResponse d3fend_resp;
  if (absl::Status s =
          client.ImportD3fend(ReadFile(SharedData("d3fend/d3fend-protege-1.2.0.ttl.gz")), d3fend, &d3fend_resp);
      !s.ok())
    return s;
  v1::AtomicImportOptions atomic;
  atomic.set_source_name("index.csv");
  v1::ImportAtomicIndexResponse atomic_resp;
  return client.ImportAtomicIndex(ReadFile(SharedData("atomic/index.csv")), atomic, &atomic_resp);
}

}  // namespace ttpgraph::testing

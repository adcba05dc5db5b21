#include "clients/cpp/ttpgraph_client.h"

#include <dirent.h>
#include <google/protobuf/util/message_differencer.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace ttpgraph {
namespace {

constexpr size_t kChunk = 1 << 20;

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every regular file under `path` (the file itself, or a directory's files
// below it in name order).
absl::Status CollectFiles(const std::string& path, std::vector<std::string>* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return absl::NotFoundError("cannot read " + path);
  if (!S_ISDIR(st.st_mode)) {
    out->push_back(path);
    return absl::OkStatus();
  }
  DIR* d = opendir(path.c_str());
  if (!d) return absl::NotFoundError("cannot list " + path);
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  std::sort(names.begin(), names.end());
  for (auto& n : names)
    if (absl::Status s = CollectFiles(path + "/" + n, out); !s.ok()) return s;
  return absl::OkStatus();
}

// The release, D3FEND and Atomic uploads share one shape: `header` (with
// expected_bytes) in the first message, `chunk` in every message.
template <typename Stub, typename Req, typename Header, typename Resp>
absl::Status UploadChunks(const Client& client, Stub& stub,
                          std::unique_ptr<grpc::ClientWriter<Req>> (Stub::*method)(grpc::ClientContext*, Resp*),
                          const std::string& bytes, const Header& header, Resp* resp, const Client::Progress& progress) {
  grpc::ClientContext ctx;
  Req msg;
  client.Prepare(&ctx, msg);
  auto writer = (stub.*method)(&ctx, resp);
  *msg.mutable_header() = header;
  msg.mutable_header()->set_expected_bytes(static_cast<int64_t>(bytes.size()));
  size_t sent = 0;
  do {
    size_t n = std::min(kChunk, bytes.size() - sent);
    msg.set_chunk(bytes.data() + sent, n);
    if (!writer->Write(msg)) break;  // the server ended the call early; Finish says why
    sent += n;
    if (progress) progress(sent, bytes.size());
    msg.clear_header();
  } while (sent < bytes.size());
  writer->WritesDone();
  return FromGrpc(writer->Finish());
}

std::string OrgIdOf(const google::protobuf::Message& req) {
  const auto* f = req.GetDescriptor()->FindFieldByName("org_id");
  if (f == nullptr || f->is_repeated() || f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) return "";
  return req.GetReflection()->GetString(req, f);
}

}  // namespace

absl::Status FromGrpc(const grpc::Status& s) {
  if (s.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
}

void MergePage(const google::protobuf::Message& page, bool first, google::protobuf::Message* all) {
  const auto* desc = page.GetDescriptor();
  if (first) {
    all->MergeFrom(page);
  } else {
    std::unique_ptr<google::protobuf::Message> rest(page.New());
    rest->CopyFrom(page);
    for (int i = 0; i < desc->field_count(); ++i) {
      const auto* f = desc->field(i);
      if (!f->is_repeated() || page.GetReflection()->FieldSize(page, f) == 0) continue;
      // A list a later page repeats as the pages so far have it is not paged
      // (a paged list never comes twice).
      if (google::protobuf::util::MessageDifferencer().CompareWithFields(page, *all, {f}, {f}))
        rest->GetReflection()->ClearField(rest.get(), f);
    }
    all->MergeFrom(*rest);
  }
  if (const auto* p = desc->FindFieldByName("page")) all->GetReflection()->ClearField(all, p);
}

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (options.cert.empty() != options.key.empty())
    return absl::InvalidArgumentError("give the client certificate and its key together (cert and key)");
  if (!options.ca.empty() || !options.cert.empty()) {
    grpc::SslCredentialsOptions ssl;
    for (auto [path, pem] : {std::pair{&options.ca, &ssl.pem_root_certs}, std::pair{&options.cert, &ssl.pem_cert_chain},
                             std::pair{&options.key, &ssl.pem_private_key}}) {
      if (path->empty()) continue;
      auto bytes = ReadWholeFile(*path);
      if (!bytes.ok()) return bytes.status();
      *pem = std::move(*bytes);
    }
    creds = grpc::SslCredentials(ssl);
  }
  return std::unique_ptr<Client>(new Client(std::move(options), std::move(creds)));
}

Client::Client(const std::string& target, absl::Duration timeout, absl::Duration import_timeout,
               grpc::ChannelArguments args)
    : Client(ClientOptions{target, timeout, import_timeout, "", "", "", "", 256 << 20, std::move(args)},
             grpc::InsecureChannelCredentials()) {}

Client::Client(ClientOptions options, std::shared_ptr<grpc::ChannelCredentials> credentials)
    : options_(std::move(options)) {
  grpc::ChannelArguments args = options_.channel_args;
  args.SetMaxReceiveMessageSize(options_.max_receive_bytes);
  channel_ = grpc::CreateCustomChannel(options_.target, credentials, args);
  releases_ = v1::ReleaseService::NewStub(channel_);
  knowledge_ = v1::KnowledgeService::NewStub(channel_);
  orgs_ = v1::OrgService::NewStub(channel_);
  analysis_ = v1::AnalysisService::NewStub(channel_);
  defense_ = v1::DefenseService::NewStub(channel_);
  tokens_ = v1::TokenService::NewStub(channel_);
  audit_ = v1::AuditService::NewStub(channel_);
  reports_ = v1::ReportService::NewStub(channel_);
  backups_ = v1::BackupService::NewStub(channel_);
  extensions_ = v1::ExtensionService::NewStub(channel_);
  health_ = health::Health::NewStub(channel_);
}

void Client::Prepare(grpc::ClientContext* ctx, const google::protobuf::Message& req) const {
  const bool import = req.GetDescriptor()->name().rfind("Import", 0) == 0;
  ctx->set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(import ? options_.import_timeout : options_.timeout));
  if (!options_.token.empty()) ctx->AddMetadata("authorization", "Bearer " + options_.token);
  if (std::string org = OrgIdOf(req); !org.empty()) ctx->AddMetadata("x-ttpgraph-org", org);
}

absl::Status Client::ImportBundle(const std::string& bytes, const v1::ImportOptions& options,
                                  v1::ImportReleaseResponse* resp, const Progress& progress) {
  return UploadChunks(*this, *releases_, &v1::ReleaseService::Stub::ImportRelease, bytes, options, resp, progress);
}

absl::Status Client::ImportOrganization(const std::string& document, v1::ImportOrganizationResponse* resp) {
  return UploadChunks(*this, *orgs_, &v1::OrgService::Stub::ImportOrganization, document,
                      v1::ImportOrganizationHeader(), resp, nullptr);
}

absl::Status Client::ImportD3fend(const std::string& bytes, const v1::D3fendImportOptions& options,
                                  v1::ImportD3fendResponse* resp, const Progress& progress) {
  return UploadChunks(*this, *defense_, &v1::DefenseService::Stub::ImportD3fend, bytes, options, resp, progress);
}

absl::Status Client::ImportAtomicIndex(const std::string& bytes, const v1::AtomicImportOptions& options,
                                       v1::ImportAtomicIndexResponse* resp, const Progress& progress) {
  return UploadChunks(*this, *defense_, &v1::DefenseService::Stub::ImportAtomicIndex, bytes, options, resp, progress);
}

absl::Status Client::ImportDetections(const std::string& org_id, const v1::ImportDetectionsHeader& header,
                                      const std::vector<std::string>& paths, v1::ImportDetectionsResponse* resp,
                                      const Progress& progress) {
  std::vector<std::string> files;
  for (const std::string& p : paths)
    if (absl::Status s = CollectFiles(p, &files); !s.ok()) return s;
  v1::ImportDetectionsRequest first;
  first.set_org_id(org_id);
  *first.mutable_header() = header;
  grpc::ClientContext ctx;
  Prepare(&ctx, first);
  auto writer = orgs_->ImportDetections(&ctx, resp);
  bool ok = writer->Write(first);
  for (size_t i = 0; ok && i < files.size(); ++i) {
    auto bytes = ReadWholeFile(files[i]);
    if (!bytes.ok()) {
      ctx.TryCancel();  // nothing of a partial stream lands
      writer->Finish();
      return bytes.status();
    }
    size_t sent = 0;
    do {
      v1::ImportDetectionsRequest msg;
      msg.set_org_id(org_id);
      msg.mutable_file()->set_path(files[i]);
      size_t n = std::min(kChunk, bytes->size() - sent);
      msg.mutable_file()->set_content(bytes->data() + sent, n);
      sent += n;
      if (!(ok = writer->Write(msg))) break;
    } while (sent < bytes->size());
    if (progress) progress(i + 1, files.size());
  }
  writer->WritesDone();
  return FromGrpc(writer->Finish());
}

absl::Status Client::GetCoverageReport(const v1::CoverageReportRequest& req, std::string* document,
                                       v1::CoverageReportMetadata* metadata) {
  grpc::ClientContext ctx;
  Prepare(&ctx, req);
  auto reader = reports_->GetCoverageReport(&ctx, req);
  v1::CoverageReportChunk chunk;
  v1::CoverageReportMetadata meta;
  document->clear();
  for (bool first = true; reader->Read(&chunk); first = false) {
    if (first) meta = chunk.metadata();
    document->append(chunk.data());
  }
  if (absl::Status s = FromGrpc(reader->Finish()); !s.ok()) return s;
  if (static_cast<int64_t>(document->size()) != meta.total_bytes())
    return absl::DataLossError("the report stream ended after " + std::to_string(document->size()) + " of " +
                               std::to_string(meta.total_bytes()) + " bytes");
  if (metadata) *metadata = std::move(meta);
  return absl::OkStatus();
}

}  // namespace ttpgraph

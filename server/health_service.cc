#include "server/health_service.h"

#include <chrono>

namespace ttpgraph {

using grpc::health::v1::HealthCheckResponse;

void HealthService::SetServing(bool serving) {
  std::lock_guard<std::mutex> lock(mu_);
  serving_ = serving;
  changed_.notify_all();
}

void HealthService::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  serving_ = false;
  shut_down_ = true;
  changed_.notify_all();
}

HealthService::Status HealthService::StatusOf(const std::string& service) const {
  if (service == kWrites) return serving_ && writable_() ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
  if (!service.empty() && services_.count(service) == 0) return HealthCheckResponse::SERVICE_UNKNOWN;
  return serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                                  HealthCheckResponse* resp) {
  std::lock_guard<std::mutex> lock(mu_);
  Status status = StatusOf(req->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN)
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service " + req->service());
  resp->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  std::unique_lock<std::mutex> lock(mu_);
  if (watches_ >= max_watches_)
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "already " + std::to_string(watches_) +
                            " health Watch streams, the server's limit (max_health_watches, --max-health-watches); "
                            "use Check, or watch through one stream");
  ++watches_;
  struct Count {
    int& n;
    ~Count() { --n; }  // under mu_: every return below holds the lock
  } count{watches_};
  bool first = true;
  Status sent = HealthCheckResponse::UNKNOWN;
  while (true) {
    Status now = StatusOf(req->service());
    if (first || now != sent) {
      HealthCheckResponse resp;
      resp.set_status(now);
      lock.unlock();
      bool written = writer->Write(resp);
      lock.lock();
      if (!written) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      sent = now;
      first = false;
    }
    if (shut_down_ && sent == StatusOf(req->service())) return grpc::Status::OK;
    // Wakes on a change, and once a second to notice a client that left.
    changed_.wait_for(lock, std::chrono::seconds(1));
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
  }
}

}  // namespace ttpgraph

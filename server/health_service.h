// grpc.health.v1.Health on the sync API. gRPC's default implementation is a
// callback-API service, whose executor threads join the polling of every
// connection and wake on every RPC of every service (server/README.md).
//
// The server as a whole ("") and each ttpgraph service report SERVING while
// the server is up and NOT_SERVING once it shuts down; other names are
// unknown (Check: NOT_FOUND; Watch: SERVICE_UNKNOWN). Watch streams the status
// and each change of it until the client goes away or the server stops.
// "ttpgraph.writes" is the write path: SERVING while the server is up and the
// store accepts writes, NOT_SERVING while it refuses them after a full disk or
// an I/O error (reads go on, so "" and the services stay SERVING). Watch sees
// a change of it within a second.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace ttpgraph {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  // `services`: the fully qualified names that can be asked about;
  // `max_watches`: Watch streams at once (each holds a thread), past which
  // Watch answers RESOURCE_EXHAUSTED.
  explicit HealthService(std::set<std::string> services, int max_watches = 16)
      : services_(std::move(services)), max_watches_(max_watches) {}

  // The health name of the write path.
  static constexpr const char* kWrites = "ttpgraph.writes";

  void SetServing(bool serving);
  // Whether the store accepts writes (asked at each Check, and each second
  // by Watch); call before the server starts. Default: always.
  void SetWritable(std::function<bool()> writable) { writable_ = std::move(writable); }
  // Ends every Watch stream (after it has sent NOT_SERVING); call before the
  // server's Shutdown so it need not wait for them.
  void Shutdown();

  grpc::Status Check(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  using Status = grpc::health::v1::HealthCheckResponse::ServingStatus;
  Status StatusOf(const std::string& service) const;  // mu_ held

  const std::set<std::string> services_;
  std::function<bool()> writable_ = [] { return true; };
  mutable std::mutex mu_;
  std::condition_variable changed_;
  bool serving_ = false;
  bool shut_down_ = false;
  const int max_watches_;
  int watches_ = 0;  // mu_
};

}  // namespace ttpgraph

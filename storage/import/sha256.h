// SHA-256 digests (OpenSSL), hex-encoded, for content addresses and checksums.
#pragma once

#include <string>
#include <string_view>

namespace ttpgraph {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Incremental SHA-256 for streamed uploads. Not thread-safe.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(std::string_view data);
  std::string FinishHex();  // call once

 private:
  void* ctx_;
};

}  // namespace ttpgraph

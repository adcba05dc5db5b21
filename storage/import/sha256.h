// SHA-256 digests (OpenSSL), hex-encoded, for content addresses and checksums.
#pragma once

#include <string>
#include <string_view>

namespace ttpgraph {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// A name-based UUID (RFC 9562 version 5: SHA-1 of the namespace's 16 bytes
// then `name`), written 8-4-4-4-12 in lower-case hex. `namespace_uuid` must
// be a UUID in that form.
std::string UuidV5(std::string_view namespace_uuid, std::string_view name);

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

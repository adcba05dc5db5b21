#include "storage/import/sha256.h"

#include <openssl/evp.h>

namespace ttpgraph {
namespace {
std::string ToHex(const unsigned char* p, unsigned n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (unsigned i = 0; i < n; ++i) {
    out[2 * i] = kHex[p[i] >> 4];
    out[2 * i + 1] = kHex[p[i] & 15];
  }
  return out;
}
// SHA-256 fetched from the provider once: with OpenSSL 3, EVP_sha256() in
// each EVP_DigestInit_ex makes the library look the implementation up again,
// which costs more than hashing a typical 1 KB STIX object (an import hashes
// ~25,000 of them).
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr);
}
Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }
void Sha256::Update(std::string_view data) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}
std::string Sha256::FinishHex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
  return ToHex(md, n);
}

std::string Sha256Hex(std::string_view data) {
  // One context per thread, reset for each digest: no allocation per call.
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx t;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned n = 0;
  EVP_DigestInit_ex2(t.ctx, Sha256Md(), nullptr);
  EVP_DigestUpdate(t.ctx, data.data(), data.size());
  EVP_DigestFinal_ex(t.ctx, md, &n);
  return ToHex(md, n);
}

}  // namespace ttpgraph

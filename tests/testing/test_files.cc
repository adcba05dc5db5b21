#include "tests/testing/test_files.h"

#include <stdlib.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ttpgraph::testing {

std::string SharedData(const std::string& rel) {
  const char* env = getenv("TTPGRAPH_SHARED_DATA");
  std::string base = env && *env ? env : std::string(TTPGRAPH_SOURCE_DIR) + "/../shared/data";
  return base + "/" + rel;
}

std::string TestData(const std::string& rel) { return std::string(TTPGRAPH_SOURCE_DIR) + "/tests/testdata/" + rel; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string TarHeader(const std::string& name, uint64_t size) {
  std::string h(512, '\0');
  memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 99));
  memcpy(h.data() + 100, "0000644", 7);
  snprintf(h.data() + 124, 12, "%011llo", static_cast<unsigned long long>(size));
  h[156] = '0';
  memcpy(h.data() + 257, "ustar", 5);
  memset(h.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  snprintf(h.data() + 148, 8, "%06o", sum);
  return h;
}

std::string TarMember(const std::string& name, const std::string& body) {
  return TarHeader(name, body.size()) + body + std::string((512 - body.size() % 512) % 512, '\0');
}

std::string Gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ttpgraph-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace ttpgraph::testing

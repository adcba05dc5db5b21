#include "tests/testing/test_env.h"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "server/log.h"

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

TestServer::TestServer(ServerOptions options, const std::string& data_dir) : options_(std::move(options)) {
  SetQuietLogs(true);
  if (data_dir.empty()) {
    dir_ = std::make_unique<TempDir>();
    options_.data_dir = dir_->path() + "/db";
  } else {
    options_.data_dir = data_dir;
  }
  options_.listen = "127.0.0.1:0";
  Restart();
}

TestServer::~TestServer() {
  if (server_) server_->Shutdown(absl::ZeroDuration());
}

void TestServer::Restart() {
  if (server_) {
    server_->Shutdown(absl::ZeroDuration());
    server_.reset();
  }
  auto s = TtpgraphServer::Start(options_);
  if (!s.ok()) throw std::runtime_error("server start failed: " + std::string(s.status().message()));
  server_ = std::move(*s);
  client_ = std::make_unique<Client>(address());
}

std::string TestServer::address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

absl::Status ImportFile(Client& client, const std::string& path, const std::string& domain,
                        const std::string& version, v1::ImportReleaseResponse* resp, bool replace) {
  v1::ImportOptions opts;
  opts.set_domain(domain);
  opts.set_version(version);
  opts.set_replace(replace);
  v1::ImportReleaseResponse local;
  return client.ImportBundle(ReadFile(path), opts, resp ? resp : &local);
}

}  // namespace ttpgraph::testing

// A real ttpgraphd for the benchmark programs: started as a child process on a
// free loopback port, with the admin token it writes at its first start, its
// resident memory, and the size of its data directory (live, or at rest after
// a full compaction). Header-only, like bench_util.h.
//
//   bench::Daemon d;
//   d.Start("build/ttpgraphd", dir, bench::FreePort(), {"--graph-memory-mb", "512"});
//   auto client = d.Connect(/*tag=*/0);   // a connection of its own
//   long kb = d.RssKb();
//   d.Stop();
//   auto [live, compacted] = bench::CompactedBytes(dir);
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "clients/cpp/ttpgraph_client.h"
#include "storage/store.h"
#include "tests/testing/test_files.h"

namespace ttpgraph::bench {

// A loopback port nobody listens on now.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// Polls the TCP port until the server accepts connections (a gRPC channel
// would back off for a second or more after a refused connection).
inline void WaitForPort(int port) {
  for (int i = 0; i < 40000; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::microseconds(250));
  }
  fprintf(stderr, "server never listened\n");
  exit(2);
}

struct Daemon {
  pid_t pid = -1;
  std::string address;
  std::string token;  // the bootstrap admin token (DATA_DIR/admin.token)
  std::string ca;     // the CA's PEM, set when the server was started with TLS
  void Start(const std::string& bin, const std::string& data_dir, int port, std::vector<std::string> extra = {}) {
    address = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {bin, "--listen", address, "--data-dir", data_dir, "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    WaitForPort(port);
    token = testing::ReadFile(data_dir + "/admin.token");
    while (!token.empty() && token.back() == '\n') token.pop_back();
  }
  // A client with the admin token; `tag` >= 0 gives it a connection of its own.
  std::unique_ptr<Client> Connect(int tag = -1) const {
    ClientOptions o;
    o.target = address;
    o.token = token;
    o.ca = ca;
    if (!ca.empty()) o.channel_args.SetSslTargetNameOverride("localhost");
    if (tag >= 0) o.channel_args.SetInt("ttpgraph.bench_channel", tag);
    auto c = Client::Connect(o);
    if (!c.ok()) {
      fprintf(stderr, "connect %s: %s\n", address.c_str(), c.status().ToString().c_str());
      exit(2);
    }
    return std::move(*c);
  }
  void Stop() {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
  }
  long RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
  }
};

inline int64_t DirBytes(const std::string& dir) {
  int64_t total = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) total += static_cast<int64_t>(e.file_size());
  return total;
}

// A stopped server's data directory: its size as the server left it, then
// after a full compaction of every column family.
inline std::pair<int64_t, int64_t> CompactedBytes(const std::string& dir) {
  const int64_t before = DirBytes(dir);
  {
    StoreOptions o;
    o.path = dir;
    auto store = Store::Open(o);
    if (!store.ok()) {
      fprintf(stderr, "open %s: %s\n", dir.c_str(), store.status().ToString().c_str());
      exit(2);
    }
    (*store)->WaitForCompaction();
    if (absl::Status s = (*store)->CompactAll(); !s.ok()) {
      fprintf(stderr, "compact %s: %s\n", dir.c_str(), s.ToString().c_str());
      exit(2);
    }
  }
  return {before, DirBytes(dir)};
}

}  // namespace ttpgraph::bench

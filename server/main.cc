// ttpgraphd: the ttpgraph knowledge server.
//
//   ttpgraphd --listen 127.0.0.1:50051 --data-dir ./var/ttpgraph
//
// Flags override environment variables (TTPGRAPH_LISTEN, TTPGRAPH_DATA_DIR,
// TTPGRAPH_TLS_CERT, TTPGRAPH_TLS_KEY, TTPGRAPH_CLIENT_CA, TTPGRAPH_INSECURE,
// TTPGRAPH_BOOTSTRAP_TOKEN_FILE,
// TTPGRAPH_MAX_UPLOAD_MB, TTPGRAPH_MAX_OBJECTS, TTPGRAPH_MAX_JSON_DEPTH,
// TTPGRAPH_QUERY_THREADS).
// SIGTERM or SIGINT shut it down gracefully.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "server/log.h"
#include "server/server.h"
#include "storage/strings.h"

namespace {

void Usage() {
  fprintf(stderr,
          "usage: ttpgraphd [--listen HOST:PORT] [--data-dir DIR] [--tls-cert FILE --tls-key FILE [--client-ca FILE]]\n"
          "                 [--insecure] [--bootstrap-token-file FILE] [--max-upload-mb N]\n"
          "                 [--max-objects N] [--max-json-depth N] [--query-threads N] [--preload] [--quiet]\n"
          "  --listen        listen address (env TTPGRAPH_LISTEN; default 127.0.0.1:50051)\n"
          "  --data-dir      RocksDB directory (env TTPGRAPH_DATA_DIR; default ./var/ttpgraph)\n"
          "  --max-upload-mb largest bundle upload in MiB (env TTPGRAPH_MAX_UPLOAD_MB; default 128)\n"
          "  --max-objects   most objects per bundle (env TTPGRAPH_MAX_OBJECTS; default 200000)\n"
          "  --max-json-depth deepest JSON nesting (env TTPGRAPH_MAX_JSON_DEPTH; default 64)\n"
          "  --query-threads threads answering knowledge queries (env TTPGRAPH_QUERY_THREADS;\n"
          "                  default one per two cores)\n"
          "  --tls-cert FILE --tls-key FILE  serve TLS (PEM; env TTPGRAPH_TLS_CERT, TTPGRAPH_TLS_KEY)\n"
          "  --client-ca FILE  with TLS, require client certificates signed by this CA (mTLS; env TTPGRAPH_CLIENT_CA)\n"
          "  --insecure      allow a non-loopback listen address without TLS (env TTPGRAPH_INSECURE=1)\n"
          "  --bootstrap-token-file FILE  adopt this token as the first admin token instead of writing\n"
          "                  DATA_DIR/admin.token (env TTPGRAPH_BOOTSTRAP_TOKEN_FILE)\n"
          "  --preload       build every release's graph at start\n"
          "  --quiet         log warnings and errors only\n");
}

bool ParseSize(const char* flag, const std::string& text, size_t* out) {
  if (ttpgraph::ParseNumber(text, out) && *out > 0) return true;
  fprintf(stderr, "ttpgraphd: %s wants a positive number, got '%s'\n", flag, text.c_str());
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  ttpgraph::ServerOptions options;
  auto env = [](const char* name) -> std::string {
    const char* v = getenv(name);
    return v ? v : "";
  };
  if (!env("TTPGRAPH_LISTEN").empty()) options.listen = env("TTPGRAPH_LISTEN");
  if (!env("TTPGRAPH_DATA_DIR").empty()) options.data_dir = env("TTPGRAPH_DATA_DIR");
  if (!env("TTPGRAPH_TLS_CERT").empty()) options.tls_cert = env("TTPGRAPH_TLS_CERT");
  if (!env("TTPGRAPH_TLS_KEY").empty()) options.tls_key = env("TTPGRAPH_TLS_KEY");
  if (!env("TTPGRAPH_CLIENT_CA").empty()) options.client_ca = env("TTPGRAPH_CLIENT_CA");
  if (env("TTPGRAPH_INSECURE") == "1" || env("TTPGRAPH_INSECURE") == "true") options.insecure = true;
  if (!env("TTPGRAPH_BOOTSTRAP_TOKEN_FILE").empty()) options.bootstrap_token_file = env("TTPGRAPH_BOOTSTRAP_TOKEN_FILE");
  size_t mb = 0;
  if (!env("TTPGRAPH_MAX_UPLOAD_MB").empty() && !ParseSize("TTPGRAPH_MAX_UPLOAD_MB", env("TTPGRAPH_MAX_UPLOAD_MB"), &mb)) return 2;
  if (mb) options.limits.max_upload_bytes = mb << 20;
  if (!env("TTPGRAPH_MAX_OBJECTS").empty() && !ParseSize("TTPGRAPH_MAX_OBJECTS", env("TTPGRAPH_MAX_OBJECTS"), &options.limits.max_objects)) return 2;
  if (!env("TTPGRAPH_MAX_JSON_DEPTH").empty() && !ParseSize("TTPGRAPH_MAX_JSON_DEPTH", env("TTPGRAPH_MAX_JSON_DEPTH"), &options.limits.max_json_depth)) return 2;

  size_t threads = 0;
  if (!env("TTPGRAPH_QUERY_THREADS").empty() && !ParseSize("TTPGRAPH_QUERY_THREADS", env("TTPGRAPH_QUERY_THREADS"), &threads)) return 2;
  if (threads) options.query_threads = static_cast<int>(threads);

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        fprintf(stderr, "ttpgraphd: %s needs a value\n", a.c_str());
        exit(2);
      }
      *out = argv[++i];
    };
    std::string v;
    if (a == "--listen") value(&options.listen);
    else if (a == "--data-dir") value(&options.data_dir);
    else if (a == "--tls-cert") value(&options.tls_cert);
    else if (a == "--tls-key") value(&options.tls_key);
    else if (a == "--client-ca") value(&options.client_ca);
    else if (a == "--insecure") options.insecure = true;
    else if (a == "--bootstrap-token-file") value(&options.bootstrap_token_file);
    else if (a == "--max-upload-mb") { value(&v); if (!ParseSize("--max-upload-mb", v, &mb)) return 2; options.limits.max_upload_bytes = mb << 20; }
    else if (a == "--max-objects") { value(&v); if (!ParseSize("--max-objects", v, &options.limits.max_objects)) return 2; }
    else if (a == "--max-json-depth") { value(&v); if (!ParseSize("--max-json-depth", v, &options.limits.max_json_depth)) return 2; }
    else if (a == "--query-threads") { value(&v); if (!ParseSize("--query-threads", v, &threads)) return 2; options.query_threads = static_cast<int>(threads); }
    else if (a == "--preload") options.preload_graphs = true;
    else if (a == "--quiet") ttpgraph::SetQuietLogs(true);
    else if (a == "--help" || a == "-h") { Usage(); return 0; }
    else { fprintf(stderr, "ttpgraphd: unknown flag %s\n", a.c_str()); Usage(); return 2; }
  }

  // Block the shutdown signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto server = ttpgraph::TtpgraphServer::Start(options);
  if (!server.ok()) {
    ttpgraph::LogError("start failed", {{"error", std::string(server.status().message())}});
    return 1;
  }
  ttpgraph::LogInfo("serving", {{"listen", options.listen}, {"port", std::to_string((*server)->port())},
                                {"data_dir", options.data_dir}});
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    ttpgraph::LogInfo("shutting down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    (*server)->Shutdown(absl::Seconds(10));
  });
  (*server)->Wait();
  waiter.join();
  server->reset();
  ttpgraph::LogInfo("stopped");
  return 0;
}

// ttpgraphd: the ttpgraph knowledge server.
//
//   ttpgraphd --listen 127.0.0.1:50051 --data-dir ./var/ttpgraph
//
// Every flag taking a value has an environment twin (TTPGRAPH_ and the flag in
// upper snake case: --max-upload-mb is TTPGRAPH_MAX_UPLOAD_MB); a flag on the
// command line wins, an empty variable counts as unset. `ttpgraphd --help`
// lists them with their defaults (server/README.md "Limits").
// SIGTERM or SIGINT shut it down gracefully.
//
//   ttpgraphd --restore-from /var/lib/ttpgraph-backup/private/3 --data-dir /var/lib/ttpgraph-new
//
// restores a backup (BackupService, storage/backup.h) into an empty directory
// and exits: 0 when the store there opens, 1 (saying why) otherwise.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "server/core/fetch.h"
#include "server/log.h"
#include "server/server.h"
#include "storage/backup.h"
#include "storage/strings.h"

namespace {

using ttpgraph::ServerOptions;

struct Flag {
  const char* name;  // "--max-upload-mb"
  const char* arg;   // "N", "DIR[,DIR]"
  const char* help;  // ends with the default
  // Sets the option from `value`; false (after saying why) when it is malformed.
  std::function<bool(const std::string& flag, const std::string& value)> set;
};

std::string EnvName(const char* flag) {
  std::string out = "TTPGRAPH_";
  for (const char* p = flag + 2; *p; ++p) out.push_back(*p == '-' ? '_' : static_cast<char>(std::toupper(*p)));
  return out;
}

bool Positive(const std::string& flag, const std::string& text, size_t* out) {
  if (ttpgraph::ParseNumber(text, out) && *out > 0) return true;
  fprintf(stderr, "ttpgraphd: %s wants a positive number, got '%s'\n", flag.c_str(), text.c_str());
  return false;
}

std::vector<std::string> CommaList(const std::string& text) {
  std::vector<std::string> out;
  for (std::string& part : ttpgraph::Split(text, ','))
    if (!part.empty()) out.push_back(std::move(part));
  return out;
}

std::vector<Flag> Flags(ServerOptions& o) {
  ttpgraph::ServerLimits& l = o.limits;
  auto count = [](auto* field) {
    return [field](const std::string& flag, const std::string& v) {
      size_t n = 0;
      if (!Positive(flag, v, &n)) return false;
      *field = static_cast<std::remove_pointer_t<decltype(field)>>(n);
      return true;
    };
  };
  auto mib = [](size_t* field) {
    return [field](const std::string& flag, const std::string& v) {
      size_t n = 0;
      if (!Positive(flag, v, &n)) return false;
      *field = n << 20;
      return true;
    };
  };
  return {
      {"--listen", "HOST:PORT", "listen address; default 127.0.0.1:50051",
       [&o](const std::string&, const std::string& v) { o.listen = v; return true; }},
      {"--data-dir", "DIR", "RocksDB directory; default ./var/ttpgraph",
       [&o](const std::string&, const std::string& v) { o.data_dir = v; return true; }},
      {"--tls-cert", "PEM", "serve TLS with this certificate (with --tls-key); default none: plaintext",
       [&o](const std::string&, const std::string& v) { o.tls_cert = v; return true; }},
      {"--tls-key", "PEM", "the private key of --tls-cert; default none",
       [&o](const std::string&, const std::string& v) { o.tls_key = v; return true; }},
      {"--client-ca", "PEM", "with TLS, require client certificates signed by these CAs (mTLS); default none",
       [&o](const std::string&, const std::string& v) { o.client_ca = v; return true; }},
      {"--bootstrap-token-file", "FILE",
       "adopt the token in FILE as the admin token when none exists; default none: write DATA_DIR/admin.token",
       [&o](const std::string&, const std::string& v) { o.bootstrap_token_file = v; return true; }},
      {"--max-upload-mb", "N", "largest upload or server-side read of a bundle, ontology or index, MiB; default 128",
       mib(&l.max_upload_bytes)},
      {"--max-bundle-mb", "N", "largest bundle (ontology, index) after gunzip, MiB; default 512",
       mib(&l.max_bundle_bytes)},
      {"--max-inflation-ratio", "N", "most bytes a gzip input may inflate to per compressed byte; default 50",
       [&l](const std::string& flag, const std::string& v) {
         size_t n = 0;
         if (!Positive(flag, v, &n)) return false;
         l.max_inflation_ratio = static_cast<double>(n);
         return true;
       }},
      {"--max-objects", "N", "most objects per bundle; default 200000", count(&l.max_objects)},
      {"--graph-memory-mb", "N",
       "memory the built release graphs (with their indexes and kept answers) may hold, MiB; past it the least "
       "recently used are dropped and rebuilt on their next use; default 2048",
       mib(&l.release_memory_budget_bytes)},
      {"--max-json-depth", "N", "deepest JSON nesting; default 64", count(&l.max_json_depth)},
      {"--max-import-mb", "N", "largest detection import stream, every message counted, MiB; default 256",
       mib(&l.max_import_bytes)},
      {"--max-concurrent-imports", "N", "imports running at once, the others wait; default 2",
       count(&l.max_concurrent_imports)},
      {"--max-releases", "N", "most releases stored; default 200", count(&l.max_releases)},
      {"--max-organizations", "N", "most organizations; default 100000", count(&l.max_organizations)},
      {"--max-threads", "N", "threads of the sync services (gRPC resource quota); default 64", count(&l.max_threads)},
      {"--max-concurrent-streams", "N", "calls open at once per client connection; default 100",
       count(&l.max_concurrent_streams)},
      {"--max-health-watches", "N", "health Watch streams at once; default 16", count(&l.max_health_watches)},
      {"--import-root", "DIR[,DIR]",
       "directories server-side path imports may read under; default none: path imports disabled",
       [&l](const std::string&, const std::string& v) { l.import_roots = CommaList(v); return true; }},
      {"--fetch-allow", "HOST[,HOST]",
       "hosts URL imports may fetch from (https only); \"\" for none; default raw.githubusercontent.com",
       [&l](const std::string&, const std::string& v) { l.fetch_allow_hosts = CommaList(v); return true; }},
      {"--fetch-timeout", "SECONDS", "longest one fetch may take (the call's deadline may cut it); default 120",
       [&l](const std::string& flag, const std::string& v) {
         size_t n = 0;
         if (!Positive(flag, v, &n)) return false;
         l.fetch_timeout = absl::Seconds(static_cast<int64_t>(n));
         return true;
       }},
      {"--backup-dir", "DIR", "directory of the online backups (ttpctl backup create); default none: backups disabled",
       [&l](const std::string&, const std::string& v) { l.backup_dir = v; return true; }},
      {"--query-threads", "N", "threads answering knowledge queries; default one per two cores",
       count(&o.query_threads)},
      {"--http-listen", "HOST:PORT",
       "serve /metrics, /healthz, /readyz and TAXII 2.1 (/taxii2/) over plain HTTP here (with --tls-cert, TAXII "
       "answers only over --https-listen); default none",
       [&o](const std::string&, const std::string& v) { o.http_listen = v; return true; }},
      {"--https-listen", "HOST:PORT", "serve the same as --http-listen over HTTPS here, with --tls-cert/--tls-key; default none",
       [&o](const std::string&, const std::string& v) { o.https_listen = v; return true; }},
      {"--metrics-token-file", "FILE", "/metrics requires `authorization: Bearer` with the token in FILE; default none",
       [&o](const std::string&, const std::string& v) { o.metrics_token_file = v; return true; }},
      {"--sync-index", "URL_OR_PATH",
       "import every release this collection index lists that is not stored, at start and every --sync-interval "
       "(https on --fetch-allow, or a path under --import-root); default none",
       [&o](const std::string&, const std::string& v) { o.sync.index = v; return true; }},
      {"--sync-interval", "DURATION", "time between release syncs (e.g. 6h, 30m); default 6h",
       [&o](const std::string& flag, const std::string& v) {
         if (absl::ParseDuration(v, &o.sync.interval) && o.sync.interval > absl::ZeroDuration()) return true;
         fprintf(stderr, "ttpgraphd: %s wants a duration such as 6h or 30m, got '%s'\n", flag.c_str(), v.c_str());
         return false;
       }},
      {"--sync-domains", "DOMAIN[,DOMAIN]", "the ATT&CK domains to sync; default every domain the index lists",
       [&o](const std::string&, const std::string& v) { o.sync.domains = CommaList(v); return true; }},
  };
}

void Usage(const std::vector<Flag>& flags) {
  fprintf(stderr, "usage: ttpgraphd [FLAG VALUE]... [--insecure] [--preload] [--quiet] [--metrics-org-labels]\n"
                  "       ttpgraphd --restore-from PATH --data-dir NEW\n");
  for (const Flag& f : flags)
    fprintf(stderr, "  %s %s\n      %s (env %s)\n", f.name, f.arg, f.help, EnvName(f.name).c_str());
  fprintf(stderr,
          "  --insecure\n      allow a non-loopback listen address without TLS (env TTPGRAPH_INSECURE=1)\n"
          "  --preload\n      build every release's graph at start\n"
          "  --quiet\n      log warnings and errors only\n"
          "  --metrics-org-labels\n      label per-call metrics with the organization (one series per organization; "
          "env TTPGRAPH_METRICS_ORG_LABELS=1)\n"
          "  --restore-from PATH\n      restore the backup at PATH (a backup's path as `ttpctl backup list` prints it, or\n"
          "      a backup directory: its newest backup) into the empty --data-dir NEW, then exit (no env twin)\n");
}

}  // namespace

int main(int argc, char** argv) {
  ServerOptions options;
  const std::vector<Flag> flags = Flags(options);
  std::string restore_from;
  for (const Flag& f : flags) {
    const char* v = getenv(EnvName(f.name).c_str());
    if (v && *v && !f.set(EnvName(f.name), v)) return 2;
  }
  auto env_true = [](const char* name) {
    const char* v = getenv(name);
    return v && (std::string(v) == "1" || std::string(v) == "true");
  };
  if (env_true("TTPGRAPH_INSECURE")) options.insecure = true;
  if (env_true("TTPGRAPH_METRICS_ORG_LABELS")) options.metrics_org_labels = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--insecure") { options.insecure = true; continue; }
    if (a == "--preload") { options.preload_graphs = true; continue; }
    if (a == "--quiet") { ttpgraph::SetQuietLogs(true); continue; }
    if (a == "--metrics-org-labels") { options.metrics_org_labels = true; continue; }
    if (a == "--help" || a == "-h") { Usage(flags); return 0; }
    std::string value;
    bool has_value = false;
    if (size_t eq = a.find('='); eq != std::string::npos && ttpgraph::StartsWith(a, "--")) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    if (a == "--restore-from") {  // an action, not a setting: no environment twin
      if (!has_value && i + 1 < argc) value = argv[++i];
      if (value.empty()) {
        fprintf(stderr, "ttpgraphd: --restore-from needs a value\n");
        return 2;
      }
      restore_from = value;
      continue;
    }
    const Flag* flag = nullptr;
    for (const Flag& f : flags)
      if (a == f.name) flag = &f;
    if (!flag) {
      fprintf(stderr, "ttpgraphd: unknown flag %s\n", a.c_str());
      Usage(flags);
      return 2;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        fprintf(stderr, "ttpgraphd: %s needs a value\n", a.c_str());
        return 2;
      }
      value = argv[++i];
    }
    if (!flag->set(a, value)) return 2;
  }

  if (!restore_from.empty()) {
    if (options.data_dir == ServerOptions().data_dir) {
      fprintf(stderr, "ttpgraphd: --restore-from needs --data-dir NEW: the new, empty directory to restore into\n");
      return 2;
    }
    auto restored = ttpgraph::RestoreBackup(restore_from, options.data_dir);
    if (!restored.ok()) {
      fprintf(stderr, "ttpgraphd: restore failed: %s\n", std::string(restored.status().message()).c_str());
      return 1;
    }
    printf("restored backup %u (%s, taken %s) into %s\n", restored->id, restored->path.c_str(),
           ttpgraph::FormatRfc3339(restored->created_unix_ms).c_str(), options.data_dir.c_str());
    return 0;
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
                                {"data_dir", options.data_dir},
                                {"import_root", ttpgraph::Join(options.limits.import_roots, ",")},
                                {"fetch_allow", ttpgraph::Join(options.limits.fetch_allow_hosts, ",")},
                                {"http_port", std::to_string((*server)->http_port())},
                                {"https_port", std::to_string((*server)->https_port())},
                                {"sync_index", ttpgraph::core::RedactUrl(options.sync.index)}});
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

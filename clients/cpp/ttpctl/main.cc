// ttpctl: the ttpgraph command-line client.
//
//   ttpctl [--server HOST:PORT] [--json] COMMAND ...
//
// --server defaults to $TTPGRAPH_SERVER, else 127.0.0.1:50051. With --json,
// exactly one JSON document goes to stdout; otherwise readable tables. Any
// error prints the server's message and exits non-zero (2 for usage errors).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "clients/cpp/ttpctl/common.h"

namespace {
void Usage(FILE* out) {
  fputs("usage: ttpctl [--server HOST:PORT] [--json] COMMAND ...\n", out);
  for (auto& [name, cmd] : ttpctl::Commands()) fputs(cmd.usage.c_str(), out);
}
}  // namespace

int main(int argc, char** argv) {
  ttpctl::Args a;
  const auto& value_flags = ttpctl::ValueFlags();
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      Usage(stdout);
      return 0;
    }
    if (s.rfind("--", 0) != 0) {
      a.positional.push_back(s);
      continue;
    }
    auto eq = s.find('=');
    std::string name = s.substr(0, eq);
    if (eq != std::string::npos) {
      a.flags[name].push_back(s.substr(eq + 1));
    } else if (std::find(value_flags.begin(), value_flags.end(), name) != value_flags.end()) {
      if (i + 1 >= argc) ttpctl::Die(name + " needs a value", 2);
      a.flags[name].push_back(argv[++i]);
    } else {
      a.flags[name];
    }
  }
  if (a.positional.empty()) {
    Usage(stderr);
    return 2;
  }
  ttpctl::SetJsonOutput(a.Has("--json"));
  auto it = ttpctl::Commands().find(a.positional[0]);
  if (it == ttpctl::Commands().end()) {
    Usage(stderr);
    ttpctl::Die("unknown command '" + a.positional[0] + "'", 2);
  }
  ttpgraph::Client client(ttpctl::ServerAddress(a));
  return it->second.fn(client, a);
}

// ttpctl: the ttpgraph command-line client.
//
//   ttpctl [GLOBAL FLAGS] COMMAND [OPERANDS] [FLAGS]
//
// The command table (cli.h) parses the line, prints help and completion;
// each command talks to ttpgraphd through the one ttpgraph::Client. With
// --json, exactly one JSON document goes to stdout; otherwise readable
// tables. Exit status: 0 ok, 1 the request failed (a server error: the
// message starts with the gRPC code name), 2 usage error.
#include <cstdlib>
#include <string>
#include <vector>

#include "clients/cpp/ttpctl/common.h"

namespace {

std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

// The token: --token-file, else $TTPGRAPH_TOKEN_FILE, else $TTPGRAPH_TOKEN.
std::string Token(const ttpctl::Args& a) {
  std::string file = a.Has("--token-file") ? a.Get("--token-file") : Env("TTPGRAPH_TOKEN_FILE");
  std::string token = file.empty() ? Env("TTPGRAPH_TOKEN") : ttpctl::ReadFileOrDie(file);
  while (!token.empty() && isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

}  // namespace

int main(int argc, char** argv) {
  ttpctl::Args a = ttpctl::Parse(std::vector<std::string>(argv + 1, argv + argc));
  ttpctl::SetJsonOutput(a.Has("--json"));
  ttpgraph::ClientOptions o;
  o.target = a.Has("--server") ? a.Get("--server") : Env("TTPGRAPH_SERVER").empty() ? o.target : Env("TTPGRAPH_SERVER");
  if (a.command->local) {
    ttpgraph::Client unused(o.target);  // help and completion never call it
    return a.command->run(unused, a);
  }
  o.token = Token(a);
  o.ca = a.Get("--ca");
  o.cert = a.Get("--cert");
  o.key = a.Get("--key");
  auto client = ttpgraph::Client::Connect(o);
  ttpctl::Check(client.status());
  return a.command->run(**client, a);
}

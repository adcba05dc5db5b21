// Shared pieces of ttpctl: argument parsing, output (JSON or tables), errors,
// and the registry each command group adds itself to.
//
// A command group (clients/cpp/ttpctl/*_commands.cc) registers itself once:
//
//   static const ttpctl::Registration kReg("release", ReleaseCommand,
//       "  release list ...\n", {"--domain", "--version"});
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "clients/cpp/ttpgraph_client.h"

namespace ttpctl {

namespace v1 = ttpgraph::v1;
using ttpgraph::Client;

struct Args {
  std::vector<std::string> positional;                    // command words and operands
  std::map<std::string, std::vector<std::string>> flags;  // flag -> values ("" for switches)
  bool Has(const std::string& f) const { return flags.count(f) > 0; }
  std::string Get(const std::string& f, const std::string& def = "") const;
  // --release, default enterprise-attack@latest.
  std::string Release() const { return Get("--release", "enterprise-attack@latest"); }
};

using CommandFn = int (*)(Client&, const Args&);

struct Registration {
  // `name` is the first command word; `usage` lines go into --help;
  // `value_flags` are the flags of this group that take a value.
  Registration(const char* name, CommandFn fn, const char* usage, std::vector<std::string> value_flags);
};

struct Command {
  CommandFn fn;
  std::string usage;
};
std::map<std::string, Command>& Commands();
std::vector<std::string>& ValueFlags();

// True when --json was given: print exactly one JSON document.
bool JsonOutput();
void SetJsonOutput(bool on);

[[noreturn]] void Die(const std::string& msg, int code = 1);
// Exits with the server's status and message unless `s` is OK.
void Check(const absl::Status& s);
void PrintJson(const google::protobuf::Message& m);
// Columns padded to their widest cell (cells cut at 60 characters).
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
// A progress bar on stderr, only when stderr is a terminal.
void ProgressBar(const std::string& label, size_t done, size_t total);

// The server: --server, else $TTPGRAPH_SERVER, else 127.0.0.1:50051.
std::string ServerAddress(const Args& a);
// The organization: --org, else $TTPGRAPH_ORG; exits with usage status 2 when neither is set.
std::string Org(const Args& a);
// The value of a flag that must be given; `cmd` names the command in the error.
std::string RequiredFlag(const Args& a, const std::string& flag, const char* cmd);
// A whole-number flag (`def` when absent); exits with status 2 on anything else.
int IntFlag(const Args& a, const std::string& flag, int def);
// "a,b,,c" -> {a, b, c}.
std::vector<std::string> CommaList(const std::string& s);
// The comma lists of every occurrence of `flag`, in order.
std::vector<std::string> FlagList(const Args& a, const std::string& flag);

// The stub of one service on a channel of its own to ServerAddress() (the
// shared Client predates the later services); every call has a deadline.
template <typename Service>
class ServiceStub {
 public:
  using Stub = typename Service::Stub;
  // Messages received up to `max_receive_bytes`, sent up to `max_send_bytes`
  // (-1: gRPC's default); calls time out after `default_seconds`.
  ServiceStub(const Args& a, int max_receive_bytes, int default_seconds, int max_send_bytes = -1)
      : default_seconds_(default_seconds) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(max_receive_bytes);
    if (max_send_bytes >= 0) args.SetMaxSendMessageSize(max_send_bytes);
    stub_ = Service::NewStub(grpc::CreateCustomChannel(ServerAddress(a), grpc::InsecureChannelCredentials(), args));
  }

  template <typename Req, typename Resp>
  absl::Status Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), const Req& req,
                    Resp* resp, int seconds = 0) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(seconds > 0 ? seconds : default_seconds_));
    return ttpgraph::FromGrpc(((*stub_).*method)(&ctx, req, resp));
  }
  // Every page merged into `resp` (MergeAllPages).
  template <typename Req, typename Resp>
  absl::Status CallAllPages(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*), Req req,
                            Resp* resp) {
    return ttpgraph::MergeAllPages(std::move(req), resp, [&](const Req& r, Resp* page) { return Call(method, r, page); });
  }
  Stub& stub() { return *stub_; }

 private:
  std::unique_ptr<Stub> stub_;
  int default_seconds_;
};

std::string JoinStrings(const google::protobuf::RepeatedPtrField<std::string>& v, const char* sep = ", ");
// The ATT&CK ID, or the STIX id when there is none.
std::string Id(const v1::AttackObject& o);
// Id() of each, comma-separated.
std::string Ids(const google::protobuf::RepeatedPtrField<v1::AttackObject>& v);
std::string StatusWord(const v1::AttackObject& o);  // active / revoked / deprecated
void PrintObjects(const v1::ObjectList& list);
std::string ReadFileOrDie(const std::string& path);

}  // namespace ttpctl

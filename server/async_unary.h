// Unary methods of a gRPC AsyncService served from completion-queue threads.
// The thread that polls a queue runs the handler and starts the answer's
// write itself: a query costs no hop to another thread (the callback API
// hands each call to a separate executor thread, the sync API shares pollers
// with every other service). See server/README.md for the figures.
//
//   AsyncQueues queues(&app);
//   queues.AddTo(&builder, /*threads=*/2);          // before BuildAndStart
//   auto server = builder.BuildAndStart();
//   queues.Handle(&service, &Service::RequestGetObject, "ttpgraph.v1.KnowledgeService/GetObject",
//                 [&](const v1::GetObjectRequest& req, const QueryLimits& limits,
//                     v1::GetObjectResponse* resp) -> absl::Status {...});
//   queues.Start();
//   ...
//   server->Shutdown();
//   queues.Shutdown();                               // after the server's
//
// Each call's request and response live on one protobuf Arena. Handlers run
// concurrently on the queue threads and must be thread-safe. A handler's
// limits carry the client's deadline capped by the server's query limit
// (core::QueryLimitsFor), after the call passed its access check (call_check.h);
// no cancellation (on the async API a context may be
// asked only after AsyncNotifyWhenDone, and these queries take microseconds).
#pragma once

#include <grpcpp/completion_queue.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/async_unary_call.h>
#include <google/protobuf/arena.h>

#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "server/call_check.h"
#include "server/core/application.h"
#include "server/rpc_util.h"

namespace ttpgraph {

class AsyncQueues {
 public:
  // `app` must outlive the queues: every call is checked against its access
  // policy and tokens (call_check.h) and limited by its limits.
  explicit AsyncQueues(core::Application* app) : app_(app) {}
  AsyncQueues(const AsyncQueues&) = delete;
  AsyncQueues& operator=(const AsyncQueues&) = delete;
  ~AsyncQueues() { Shutdown(); }

  // One completion queue per thread: a thread that polls its own queue runs
  // what arrives there (two threads on one queue hand work to each other).
  void AddTo(grpc::ServerBuilder* builder, int threads) {
    for (int i = 0; i < threads; ++i) queues_.push_back(builder->AddCompletionQueue());
  }

  // Types deduced from the RequestXxx member alone (C++20's std::type_identity).
  template <typename T>
  struct NonDeduced {
    using type = T;
  };
  template <typename Req, typename Resp>
  using Handler = std::function<absl::Status(const Req&, const QueryLimits&, Resp*)>;

  // Serves one method on every queue. `request` is the generated
  // AsyncService::RequestXxx; `name` is the method's full name
  // ("ttpgraph.v1.KnowledgeService/GetObject": policy, logs) and must outlive
  // the queues. Call after BuildAndStart and before Start.
  template <typename Service, typename Req, typename Resp>
  void Handle(typename NonDeduced<Service>::type* service,
              void (Service::*request)(grpc::ServerContext*, Req*, grpc::ServerAsyncResponseWriter<Resp>*,
                                       grpc::CompletionQueue*, grpc::ServerCompletionQueue*, void*),
              const char* name, typename NonDeduced<Handler<Req, Resp>>::type handler) {
    auto* method = new Method<Req, Resp>;
    method->name = name;
    method->handler = std::move(handler);
    method->app = app_;
    method->request = [service, request](grpc::ServerContext* ctx, Req* req, grpc::ServerAsyncResponseWriter<Resp>* w,
                                         grpc::ServerCompletionQueue* cq, void* tag) {
      (service->*request)(ctx, req, w, cq, cq, tag);
    };
    methods_.emplace_back(method);
    // A few calls armed per queue, so calls that arrive together are matched
    // without waiting for a re-arm.
    for (auto& cq : queues_)
      for (int i = 0; i < kArmedPerQueue; ++i) new Call<Req, Resp>(method, cq.get());
  }

  void Start() {
    for (auto& cq : queues_)
      threads_.emplace_back([q = cq.get()] { Drain(q); });
  }

  // Call after the grpc::Server's Shutdown: drains the queues (armed calls
  // come back not ok and are freed) and joins the threads. Idempotent.
  void Shutdown() {
    for (auto& cq : queues_) cq->Shutdown();
    if (threads_.empty())
      for (auto& cq : queues_) Drain(cq.get());
    for (auto& t : threads_) t.join();
    threads_.clear();
    queues_.clear();
    methods_.clear();
  }

 private:
  static constexpr int kArmedPerQueue = 4;

  struct Tag {
    virtual ~Tag() = default;
    virtual void Proceed(bool ok) = 0;
  };
  struct MethodBase {
    virtual ~MethodBase() = default;
  };
  template <typename Req, typename Resp>
  struct Method final : MethodBase {
    const char* name = nullptr;
    core::Application* app = nullptr;
    Handler<Req, Resp> handler;
    std::function<void(grpc::ServerContext*, Req*, grpc::ServerAsyncResponseWriter<Resp>*, grpc::ServerCompletionQueue*,
                       void*)>
        request;
  };

  // Runs every event of the queue until it is shut down and empty.
  static void Drain(grpc::ServerCompletionQueue* q) {
    void* tag = nullptr;
    bool ok = false;
    while (q->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
  }

  template <typename M>
  static M* New(google::protobuf::Arena* arena) {
    if constexpr (std::is_base_of_v<google::protobuf::MessageLite, M>)
      return google::protobuf::Arena::CreateMessage<M>(arena);
    else
      return google::protobuf::Arena::Create<M>(arena);  // grpc::ByteBuffer of a raw method
  }

  // One call: armed (waiting for a client), then answered, then freed.
  template <typename Req, typename Resp>
  class Call final : public Tag {
   public:
    Call(const Method<Req, Resp>* method, grpc::ServerCompletionQueue* cq)
        : method_(method), cq_(cq), req_(New<Req>(&arena_)), resp_(New<Resp>(&arena_)), writer_(&ctx_) {
      method_->request(&ctx_, req_, &writer_, cq_, this);
    }

    void Proceed(bool ok) override {
      if (!ok || answered_) {  // the answer is written, or the queue is shutting down
        delete this;
        return;
      }
      new Call(method_, cq_);  // keep the method armed on this queue
      answered_ = true;
      ::ttpgraph::Call call;
      AssignRequestId(ctx_, &call);
      google::protobuf::Message* message = nullptr;
      if constexpr (std::is_base_of_v<google::protobuf::Message, Req>) message = req_;
      absl::Status status = RunLogged(method_->app->observer(), method_->name, call, [&]() -> absl::Status {
        if (absl::Status s = CheckCall(*method_->app, ctx_, method_->name, message, &call); !s.ok()) return s;
        const QueryLimits limits = core::QueryLimitsFor(core::CallKind::kQuery, absl::FromChrono(ctx_.deadline()),
                                                        nullptr, method_->app->limits());
        return method_->handler(*req_, limits, resp_);
      });
      if (status.ok())
        writer_.Finish(*resp_, grpc::Status::OK, this);
      else
        writer_.FinishWithError(ToGrpcStatus(status), this);
    }

   private:
    const Method<Req, Resp>* method_;
    grpc::ServerCompletionQueue* cq_;
    google::protobuf::Arena arena_;
    grpc::ServerContext ctx_;
    Req* req_;
    Resp* resp_;
    grpc::ServerAsyncResponseWriter<Resp> writer_;
    bool answered_ = false;
  };

  core::Application* app_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::unique_ptr<MethodBase>> methods_;
  std::vector<std::thread> threads_;
};

}  // namespace ttpgraph

// Message allocator for callback services: each call's request and response
// live on one protobuf Arena, so building a large answer (hundreds of nested
// objects) is bump-pointer allocation and freeing it is one arena reset.
//
//   static ArenaMessageAllocator<v1::GroupRequest, v1::ObjectList> alloc;
//   service.SetMessageAllocatorFor_GetGroupSoftware(&alloc);
//
// Thread safety: AllocateMessages may be called concurrently.
#pragma once

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

namespace ttpgraph {

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;
  };
};

}  // namespace ttpgraph

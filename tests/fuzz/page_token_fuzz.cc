// Page tokens (server/page_token.cc) on a list request built at run time
// (DynamicMessage: the same reflection ComputePage uses on the generated
// requests, without linking them). Half the inputs start from a token the
// server issued, so the offset parsing behind the fingerprint is reached.
// A page stays within [0, total] and at most kMaxPageSize long; following
// next_page_token continues where the page ended; refusals are INVALID_ARGUMENT.
#include <fuzzer/FuzzedDataProvider.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include <memory>

#include "fuzz_util.h"
#include "server/page_token.h"

using namespace ttpgraph;
namespace pb = google::protobuf;

namespace {

const pb::Descriptor* ListRequest() {
  static pb::DescriptorPool* pool = [] {
    pb::FileDescriptorProto file;
    file.set_name("fuzz_list.proto");
    file.set_package("fuzz");
    file.set_syntax("proto3");
    auto* m = file.add_message_type();
    m->set_name("ListRequest");
    auto add = [&](const char* name, int number, pb::FieldDescriptorProto::Type type, bool repeated) {
      auto* f = m->add_field();
      f->set_name(name);
      f->set_number(number);
      f->set_type(type);
      f->set_label(repeated ? pb::FieldDescriptorProto::LABEL_REPEATED : pb::FieldDescriptorProto::LABEL_OPTIONAL);
    };
    add("release", 1, pb::FieldDescriptorProto::TYPE_STRING, false);
    add("ids", 2, pb::FieldDescriptorProto::TYPE_STRING, true);
    add("page_size", 3, pb::FieldDescriptorProto::TYPE_INT32, false);
    add("page_token", 4, pb::FieldDescriptorProto::TYPE_STRING, false);
    auto* p = new pb::DescriptorPool;
    p->BuildFile(file);
    return p;
  }();
  return pool->FindMessageTypeByName("fuzz.ListRequest");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pb::DynamicMessageFactory factory;
  const pb::Descriptor* d = ListRequest();
  std::unique_ptr<pb::Message> req(factory.GetPrototype(d)->New());
  const pb::Reflection* r = req->GetReflection();
  FuzzedDataProvider in(data, size);
  r->SetString(req.get(), d->FindFieldByName("release"), in.ConsumeRandomLengthString(64));
  for (int n = in.ConsumeIntegralInRange(0, 3); n > 0; --n)
    r->AddString(req.get(), d->FindFieldByName("ids"), in.ConsumeRandomLengthString(16));
  const size_t total = in.ConsumeIntegralInRange<size_t>(0, 5000);
  r->SetInt32(req.get(), d->FindFieldByName("page_size"), in.ConsumeIntegral<int32_t>());
  std::string token;
  if (in.ConsumeBool()) {  // a token this query was issued, its offset replaced
    std::unique_ptr<pb::Message> first(req->New());
    first->CopyFrom(*req);
    first->GetReflection()->SetInt32(first.get(), d->FindFieldByName("page_size"), 1);
    auto issued = ComputePage(*first, 2);
    FUZZ_CHECK(issued.ok());
    token = issued->next_page_token.substr(0, issued->next_page_token.find('.') + 1);
  }
  token += in.ConsumeRemainingBytesAsString();
  r->SetString(req.get(), d->FindFieldByName("page_token"), token);
  auto page = ComputePage(*req, total);
  if (!page.ok()) {
    FUZZ_CHECK_EQ(page.status().code(), absl::StatusCode::kInvalidArgument);
    return 0;
  }
  FUZZ_CHECK(page->begin <= page->end && page->end <= total);
  FUZZ_CHECK(page->end - page->begin <= static_cast<size_t>(kMaxPageSize));
  FUZZ_CHECK_EQ(page->next_page_token.empty(), page->end == total);
  if (!page->next_page_token.empty()) {
    r->SetString(req.get(), d->FindFieldByName("page_token"), page->next_page_token);
    auto next = ComputePage(*req, total);
    FUZZ_CHECK(next.ok());
    FUZZ_CHECK_EQ(next->begin, page->end);
  }
  return 0;
}

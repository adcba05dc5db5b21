#include "server/group_answers.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include "server/proto_convert.h"
#include "ttpgraph/v1/knowledge_service.pb.h"

namespace ttpgraph {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

std::shared_ptr<const GroupAnswer> Compute(const ReleaseGraph& g, NodeId group, const UsagePaths& paths, bool full) {
  auto answer = std::make_shared<GroupAnswer>();
  v1::AttackObject object;
  ToProto(g, group, &object);
  answer->group = object.SerializeAsString();
  std::vector<GroupTechnique> used = TechniquesUsedByGroup(g, group, paths);
  answer->entries.reserve(used.size());
  for (const GroupTechnique& gt : used) {
    v1::GroupTechnique out;
    out.set_direct(gt.direct);
    if (full) {
      ToProto(g, gt.technique, out.mutable_technique());
      for (NodeId s : gt.via_software) ToProtoRef(g, s, out.add_via_software());
      for (NodeId c : gt.via_campaigns) ToProtoRef(g, c, out.add_via_campaigns());
    } else {
      ToProtoBasic(g, gt.technique, out.mutable_technique());
      for (NodeId s : gt.via_software) ToProtoLabel(g, s, out.add_via_software());
      for (NodeId c : gt.via_campaigns) ToProtoLabel(g, c, out.add_via_campaigns());
    }
    answer->entries.push_back(out.SerializeAsString());
  }
  return answer;
}

size_t FieldSize(size_t length) { return 1 + CodedOutputStream::VarintSize32(static_cast<uint32_t>(length)) + length; }

uint8_t* WriteField(int field, const std::string& bytes, uint8_t* out) {
  out = WireFormatLite::WriteTagToArray(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, out);
  out = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(bytes.size()), out);
  return CodedOutputStream::WriteRawToArray(bytes.data(), static_cast<int>(bytes.size()), out);
}

}  // namespace

std::shared_ptr<const GroupAnswer> GroupAnswerCache::Get(const std::shared_ptr<const ReleaseGraph>& graph,
                                                         NodeId group, const UsagePaths& paths, bool full) {
  const uint64_t key = (uint64_t{group} << 4) | (full ? 8 : 0) | (paths.direct ? 1 : 0) | (paths.software ? 2 : 0) |
                       (paths.campaigns ? 4 : 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = graphs_.find(graph.get());
    if (it != graphs_.end() && it->second.graph.lock() == graph) {
      auto found = it->second.answers.find(key);
      if (found != it->second.answers.end()) return found->second;
    }
  }
  std::shared_ptr<const GroupAnswer> answer = Compute(*graph, group, paths, full);
  size_t size = answer->group.size();
  for (const std::string& e : answer->entries) size += e.size();
  std::lock_guard<std::mutex> lock(mu_);
  if (bytes_ + size > max_bytes_) {
    graphs_.clear();
    bytes_ = 0;
  }
  PerGraph& per = graphs_[graph.get()];
  if (per.graph.lock() != graph) {
    // A graph seen for the first time, perhaps at a dropped one's address:
    // forget that one's answers and those of every other dropped graph.
    bytes_ -= per.bytes;
    per = PerGraph{graph, {}, 0};
    for (auto it = graphs_.begin(); it != graphs_.end();) {
      if (it->second.graph.expired()) {
        bytes_ -= it->second.bytes;
        it = graphs_.erase(it);
      } else {
        ++it;
      }
    }
  }
  auto [it, inserted] = per.answers.emplace(key, std::move(answer));
  if (inserted) {
    per.bytes += size;
    bytes_ += size;
  }
  return it->second;
}

grpc::ByteBuffer EncodeGroupTechniquesPage(const GroupAnswer& answer, const PageWindow& window) {
  v1::PageInfo page;
  page.set_next_page_token(window.next_page_token);
  page.set_total_size(static_cast<int32_t>(answer.entries.size()));
  const std::string page_bytes = page.SerializeAsString();

  size_t size = FieldSize(answer.group.size()) + FieldSize(page_bytes.size());
  for (size_t i = window.begin; i < window.end; ++i) size += FieldSize(answer.entries[i].size());
  grpc_slice slice = grpc_slice_malloc(size);
  uint8_t* out = GRPC_SLICE_START_PTR(slice);
  // Field order as the generated serializer writes it: group, techniques, page.
  out = WriteField(v1::GroupTechniquesResponse::kGroupFieldNumber, answer.group, out);
  for (size_t i = window.begin; i < window.end; ++i)
    out = WriteField(v1::GroupTechniquesResponse::kTechniquesFieldNumber, answer.entries[i], out);
  WriteField(v1::GroupTechniquesResponse::kPageFieldNumber, page_bytes, out);
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

}  // namespace ttpgraph

#include "server/group_answers.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpc/slice.h>
#include <grpcpp/support/slice.h>

#include "server/knowledge_convert.h"
#include "ttpgraph/v1/knowledge_service.pb.h"

namespace ttpgraph {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedOutputStream;

std::shared_ptr<const GroupAnswer> Compute(const ReleaseGraph& g, NodeId group,
                                           const std::vector<GroupTechnique>& used, bool full) {
  auto answer = std::make_shared<GroupAnswer>();
  v1::AttackObject object;
  ToProto(g, group, &object);
  answer->group = object.SerializeAsString();
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

std::shared_ptr<const GroupAnswer> EncodedGroupAnswer(const core::GroupTechniquesAnswer& answer, bool full) {
  const UsagePaths& paths = answer.paths;
  const uint64_t key = (uint64_t{answer.subject.node()} << 4) | (full ? 8 : 0) | (paths.direct ? 1 : 0) |
                       (paths.software ? 2 : 0) | (paths.campaigns ? 4 : 0);
  return answer.subject.release->Memo<GroupAnswer>(key, [&] {
    std::shared_ptr<const GroupAnswer> encoded =
        Compute(answer.subject.graph(), answer.subject.node(), *answer.techniques, full);
    size_t size = sizeof(GroupAnswer) + encoded->group.size();
    for (const std::string& e : encoded->entries) size += sizeof(std::string) + e.size();
    return std::make_pair(std::move(encoded), size);
  });
}

grpc::ByteBuffer EncodeGroupTechniquesPage(const GroupAnswer& answer, const PageWindow& window,
                                           const std::string& resolution) {
  v1::PageInfo page;
  page.set_next_page_token(window.next_page_token);
  page.set_total_size(static_cast<int32_t>(answer.entries.size()));
  const std::string page_bytes = page.SerializeAsString();

  size_t size = FieldSize(answer.group.size()) + FieldSize(page_bytes.size());
  if (!resolution.empty()) size += FieldSize(resolution.size());
  for (size_t i = window.begin; i < window.end; ++i) size += FieldSize(answer.entries[i].size());
  grpc_slice slice = grpc_slice_malloc(size);
  uint8_t* out = GRPC_SLICE_START_PTR(slice);
  // Field order as the generated serializer writes it: group, techniques, page, resolution.
  out = WriteField(v1::GroupTechniquesResponse::kGroupFieldNumber, answer.group, out);
  for (size_t i = window.begin; i < window.end; ++i)
    out = WriteField(v1::GroupTechniquesResponse::kTechniquesFieldNumber, answer.entries[i], out);
  out = WriteField(v1::GroupTechniquesResponse::kPageFieldNumber, page_bytes, out);
  if (!resolution.empty()) WriteField(v1::GroupTechniquesResponse::kResolutionFieldNumber, resolution, out);
  grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
  return grpc::ByteBuffer(&owned, 1);
}

}  // namespace ttpgraph

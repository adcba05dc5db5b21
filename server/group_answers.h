// Encoded answers of KnowledgeService.GetGroupTechniques. A release never
// changes, so the techniques a group uses over a set of paths are encoded once
// per (group, path set, view) (each entry a v1.GroupTechnique on the wire) and
// kept with the release (ReleaseContext::Memo, so they go when it goes, under
// its byte budget); a page of the answer is a concatenation of those bytes: no
// message is built or serialized per call.
//
//   auto answer = core::GroupTechniques(app, release, "G0016", paths, limits);
//   std::shared_ptr<const GroupAnswer> encoded = EncodedGroupAnswer(*answer, /*full=*/false);
//   grpc::ByteBuffer page = EncodeGroupTechniquesPage(*encoded, window, "");
//
// Thread safety: safe for concurrent use.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <memory>
#include <string>
#include <vector>

#include "server/core/knowledge.h"
#include "server/page_token.h"

namespace ttpgraph {

struct GroupAnswer {
  std::string group;                 // the group, an encoded v1.AttackObject
  std::vector<std::string> entries;  // encoded v1.GroupTechnique, ordered by ATT&CK ID
};

// The answer's encoded form, built on first use and kept with its release.
// `full`: each technique in OBJECT_VIEW_FULL rather than BASIC.
std::shared_ptr<const GroupAnswer> EncodedGroupAnswer(const core::GroupTechniquesAnswer& answer, bool full);

// The encoded v1.GroupTechniquesResponse holding `answer`'s entries in
// `window`, the window's page info and, when not empty, `resolution` (an
// encoded v1.Resolution).
grpc::ByteBuffer EncodeGroupTechniquesPage(const GroupAnswer& answer, const PageWindow& window,
                                           const std::string& resolution);

}  // namespace ttpgraph

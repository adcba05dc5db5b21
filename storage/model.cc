#include "storage/model.h"

#include "storage/strings.h"
#include "storage/import/sha256.h"

namespace ttpgraph {

bool IsKnownDomain(std::string_view domain) {
  for (auto d : kKnownDomains)
    if (d == domain) return true;
  return false;
}

bool IsWellFormedDomain(std::string_view domain) {
  if (domain.empty() || domain.size() > 63) return false;
  for (size_t i = 0; i < domain.size(); ++i) {
    const char c = domain[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '-' && c != '_'))) return false;
  }
  return true;
}

std::string UnknownDomainMessage(std::string_view domain) {
  return Cat("unknown domain '", domain,
             "' (enterprise-attack, mobile-attack, ics-attack or the domain of an imported framework)");
}

absl::StatusOr<Version> Version::Parse(std::string_view text) {
  Version v;
  if (text.empty()) return absl::InvalidArgumentError("empty version");
  for (std::string_view part : Split(text, '.')) {
    uint32_t n = 0;
    if (part.empty() || part.size() > 6 || !ParseNumber(part, &n))
      return absl::InvalidArgumentError(
          Cat("version '", text, "' is not dotted numbers like 18.1"));
    v.parts.push_back(n);
  }
  if (v.parts.size() > 4)
    return absl::InvalidArgumentError(Cat("version '", text, "' has too many parts"));
  if (v.parts.size() == 1) v.parts.push_back(0);  // "18" means 18.0
  while (v.parts.size() > 2 && v.parts.back() == 0) v.parts.pop_back();  // 18.1.0 == 18.1
  return v;
}

std::string Version::ToString() const { return Join(parts, "."); }

absl::StatusOr<ReleaseRef> ReleaseRef::Parse(std::string_view text) {
  auto at = text.find('@');
  if (at == std::string_view::npos)
    return absl::InvalidArgumentError(Cat(
        "release '", text, "' must be DOMAIN@VERSION or DOMAIN@latest, e.g. enterprise-attack@18.1"));
  ReleaseRef ref;
  ref.domain = std::string(text.substr(0, at));
  if (!IsWellFormedDomain(ref.domain))
    return absl::InvalidArgumentError(Cat("release '", text, "': ", UnknownDomainMessage(ref.domain)));
  std::string_view v = text.substr(at + 1);
  if (v == "latest") {
    ref.latest = true;
    return ref;
  }
  auto version = Version::Parse(v);
  if (!version.ok())
    return absl::InvalidArgumentError(Cat("release '", text, "': ", version.status().message()));
  ref.version = *version;
  return ref;
}

std::string MakeObjectKey(std::string_view stix_id, std::string_view modified,
                          std::string_view canonical_json, std::string_view record_context) {
  std::string digest;
  if (record_context.empty()) {
    digest = Sha256Hex(canonical_json);
  } else {
    Sha256 h;
    h.Update(canonical_json);
    h.Update(record_context);
    digest = h.FinishHex();
  }
  return Cat(stix_id, "|", modified, "|", digest.substr(0, 16));
}

}  // namespace ttpgraph

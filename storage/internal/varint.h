// The length-prefixed encoding of storage's own records (release records in
// key_codec.cc, object records in record.cc, the Atomic index in
// import/atomic_csv.cc, the D3FEND ontology in import/turtle_d3fend.cc,
// organizations, detections and inventories in org_store.cc):
// LEB128 varints and strings prefixed by their length.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ttpgraph::internal {

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
inline void PutString(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s.data(), s.size());
}
inline void PutStrings(std::string* out, const std::vector<std::string>& v) {
  PutVarint(out, v.size());
  for (auto& s : v) PutString(out, s);
}

// Reads what the Put* functions wrote; any overrun marks the reader failed.
class VarintReader {
 public:
  explicit VarintReader(std::string_view in) : in_(in) {}
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && !in_.empty(); shift += 7) {
      auto b = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok_ = false;
    return 0;
  }
  void String(std::string* s) {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok_ = false;
      return;
    }
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
  }
  std::string String() {
    std::string s;
    String(&s);
    return s;
  }
  void Strings(std::vector<std::string>* v) {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok_ = false;
      return;
    }
    v->resize(n);
    for (auto& s : *v) String(&s);
  }
  // Passes over a string, or a count of strings, without copying them; as
  // bounds-checked as reading them.
  void SkipString() {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok_ = false;
      return;
    }
    in_.remove_prefix(n);
  }
  void SkipStrings() {
    uint64_t n = Varint();
    if (n > in_.size()) {
      ok_ = false;
      return;
    }
    for (; n > 0 && ok_; --n) SkipString();
  }
  // One raw byte (a flag written with push_back, not as a varint).
  uint8_t Byte() {
    if (in_.empty()) {
      ok_ = false;
      return 0;
    }
    auto b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return b;
  }
  // Bytes left: a count of items that take a byte or more each cannot exceed
  // it, so a decoder checks counts against it before reserving.
  size_t remaining() const { return in_.size(); }
  bool ok() const { return ok_; }                     // no overrun so far
  bool done() const { return ok_ && in_.empty(); }    // read whole, nothing left over

 private:
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace ttpgraph::internal

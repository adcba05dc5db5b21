// SHA-256 (storage/import/sha256): the FIPS 180-2 test vectors, one-shot and
// streamed in pieces of every size an upload can cut them into.
#include "storage/import/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace ttpgraph {
namespace {

struct Vector {
  std::string message;
  const char* digest;
};

// FIPS 180-2, appendix B: one block, two blocks, and a million 'a'.
const Vector kVectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

TEST(Sha256Test, FipsVectors) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.message.substr(0, 20));
    EXPECT_EQ(Sha256Hex(v.message), v.digest);
  }
}

TEST(Sha256Test, StreamedInPiecesEqualsOneShot) {
  for (const Vector& v : kVectors) {
    for (size_t piece : {size_t{1}, size_t{3}, size_t{64}, size_t{65}, size_t{1} << 20}) {
      SCOPED_TRACE(testing::Message() << v.message.substr(0, 20) << " in pieces of " << piece);
      Sha256 h;
      for (size_t at = 0; at < v.message.size(); at += piece) h.Update(std::string_view(v.message).substr(at, piece));
      EXPECT_EQ(h.FinishHex(), v.digest);
    }
  }
}

}  // namespace
}  // namespace ttpgraph

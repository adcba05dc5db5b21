// MaybeGunzip on good and bad input: plain bytes pass through, every refusal
// carries the right status code and a message naming the byte where the
// stream went wrong, and the size limit holds against a "zip bomb".
#include "storage/import/decompress.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <string>

#include "storage/strings.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_files.h"

namespace ttpgraph {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::StatusIs;

constexpr size_t kNoLimit = 1u << 30;

std::string Mini(const std::string& file) { return testing::ReadFile(testing::TestData("mini_attack/" + file)); }

TEST(MaybeGunzipTest, PlainBytesPassThroughAndGzipRoundTrips) {
  const std::string text = Mini("mini-v17.json");
  ASSERT_OK_AND_ASSIGN(std::string plain, MaybeGunzip(text, kNoLimit));
  EXPECT_EQ(plain, text);
  ASSERT_OK_AND_ASSIGN(std::string inflated, MaybeGunzip(testing::Gzip(text), kNoLimit));
  EXPECT_EQ(inflated, text);
}

TEST(MaybeGunzipTest, ConcatenatedGzipMembersAreOneStream) {
  ASSERT_OK_AND_ASSIGN(std::string out, MaybeGunzip(testing::Gzip("abc") + testing::Gzip("def"), kNoLimit));
  EXPECT_EQ(out, "abcdef");
}

TEST(MaybeGunzipTest, TruncatedGzipAtEveryCutIsInvalidArgument) {
  const std::string gz = testing::Gzip(Mini("mini-v17.json"));
  ASSERT_GT(gz.size(), 100u);
  // Just past the magic, inside the header, mid-stream, and missing only the trailer.
  for (size_t cut : {size_t{2}, size_t{6}, gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    SCOPED_TRACE(Cat("cut at ", cut, " of ", gz.size()));
    EXPECT_THAT(MaybeGunzip(gz.substr(0, cut), kNoLimit),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("truncated"), HasSubstr("gzip"), HasSubstr(Cat(cut, " ")))));
  }
}

// Peak resident memory of this process, in KiB.
long PeakRssKib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST(MaybeGunzipTest, TruncatedGzipIsRefusedWithoutAllocatingUpToTheLimit) {
  // A cut-off stream ends in arbitrary bytes where the size trailer should be;
  // refusing it must cost memory in proportion to the input, not to the
  // (1 GiB) limit a bogus trailer can point at. Measured in a fresh process
  // (a "threadsafe" death test re-executes the binary), since the peak RSS
  // is a process-wide high-water mark.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::string gz = testing::Gzip(Mini("mini-v17.json"));
  gz = gz.substr(0, gz.size() / 2);
  gz.replace(gz.size() - 4, 4, "\xff\xff\xff\x3f");  // "trailer" claims ~1 GiB
  EXPECT_EXIT(
      {
        const long before = PeakRssKib();
        auto s = MaybeGunzip(gz, kNoLimit);
        const long grew = PeakRssKib() - before;
        fprintf(stderr, "status %s, peak RSS grew by %ld KiB\n", s.status().ToString().c_str(), grew);
        _exit(absl::IsInvalidArgument(s.status()) && grew < 64 * 1024 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "peak RSS grew");
}

TEST(MaybeGunzipTest, CorruptGzipNamesTheByteOffset) {
  std::string gz = testing::Gzip(Mini("mini-v17.json"));
  // Overwrite part of the deflate stream (the 10-byte header stays valid).
  for (size_t i = 12; i < 40; ++i) gz[i] = static_cast<char>(0xff);
  EXPECT_THAT(MaybeGunzip(gz, kNoLimit),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("corrupt gzip"), HasSubstr("compressed byte"))));
}

TEST(MaybeGunzipTest, CorruptChecksumIsInvalidArgument) {
  std::string gz = testing::Gzip(Mini("mini-v17.json"));
  gz[gz.size() - 8] ^= 0x55;  // CRC32 in the trailer
  EXPECT_THAT(MaybeGunzip(gz, kNoLimit), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("corrupt gzip")));
}

TEST(MaybeGunzipTest, OverTheSizeLimitIsResourceExhausted) {
  const std::string text = Mini("mini-v17.json");
  EXPECT_THAT(MaybeGunzip(text, 1000),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr(Cat(text.size(), " bytes")), HasSubstr("limit of 1000"))));
  // A small gzip that inflates past the limit (a "zip bomb") stops at the limit.
  std::string bomb = testing::Gzip(std::string(8u << 20, 'a'));
  ASSERT_LT(bomb.size(), 100000u);
  EXPECT_THAT(MaybeGunzip(bomb, 1u << 20),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr(Cat("limit of ", 1u << 20))));
  // Exactly at the limit is fine.
  ASSERT_OK(MaybeGunzip(testing::Gzip(text), text.size()));
  ASSERT_OK(MaybeGunzip(text, text.size()));
}

TEST(MaybeGunzipTest, TheInflationRatioIsCheckedWhileInflating) {
  // 64 MiB of one byte: ~64 KB of gzip, ~1000x.
  const std::string bomb = testing::Gzip(std::string(64u << 20, 'a'));
  EXPECT_THAT(MaybeGunzip(bomb, GunzipLimits{1u << 30, 50}),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("inflates more than 50 times"), HasSubstr("max_inflation_ratio"))));
  // The size limit, when lower, is the one named.
  EXPECT_THAT(MaybeGunzip(bomb, GunzipLimits{2u << 20, 1e6, "max_test_bytes"}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("limit of 2097152 bytes (max_test_bytes)")));
  // Up to 1 MiB of output is never held to the ratio; real bundles inflate ~5x.
  ASSERT_OK(MaybeGunzip(testing::Gzip(std::string(1u << 20, 'a')), GunzipLimits{1u << 30, 2}));
  ASSERT_OK(MaybeGunzip(testing::Gzip(Mini("mini-v18.json")), GunzipLimits{1u << 30, 50}));
}

// ---------------------------------------------------------------- ids, timestamps, content

}  // namespace
}  // namespace ttpgraph

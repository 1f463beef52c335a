#include "proxy/table/key_hash.h"

#include <cctype>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::table {
namespace {

TEST(KeyHashTest, LowerAsciiWordMatchesTolowerForEveryByteInEveryLane) {
  for (int lane = 0; lane < 8; ++lane) {
    for (int byte = 0; byte < 256; ++byte) {
      // Neighbours that sit on both sides of the letter ranges.
      const char filler = static_cast<char>("@AZ[`az{"[lane]);
      char in[8];
      for (char& c : in) c = filler;
      in[lane] = static_cast<char>(byte);
      const uint64_t lowered = LowerAsciiWord(LoadWord(in));
      char out[8];
      std::memcpy(out, &lowered, sizeof(out));
      for (int i = 0; i < 8; ++i) {
        const unsigned char c = static_cast<unsigned char>(in[i]);
        const char expected = c < 0x80 ? static_cast<char>(std::tolower(c)) : in[i];
        ASSERT_EQ(out[i], expected) << "lane " << lane << " byte " << byte << " at " << i;
      }
    }
  }
}

TEST(KeyHashTest, LowerAndHashKeyWritesExactlyTheInputAndHashesWhatItWrote) {
  const std::string source = "AbC.EXAMPLE.com-\xc3\x84-0123456789-ZZZ.Trailing.Label.ORG";
  for (size_t n = 0; n <= source.size(); ++n) {
    std::string out(n + 8, '#');
    const uint64_t hash = LowerAndHashKey(99, source.data(), n, out.data());
    std::string expected = source.substr(0, n);
    for (char& c : expected) c = LowerAsciiChar(c);
    EXPECT_EQ(out.substr(0, n), expected) << "n=" << n;
    EXPECT_EQ(out.substr(n), std::string(8, '#')) << "wrote past n=" << n;
    EXPECT_EQ(hash, HashKey(99, expected)) << "n=" << n;
  }
}

TEST(KeyHashTest, KeyBytesEqualFindsADifferenceAtEveryPosition) {
  for (size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<char>('a' + i % 26);
    std::string b = a;
    EXPECT_TRUE(KeyBytesEqual(a.data(), b.data(), n)) << n;
    for (size_t i = 0; i < n; ++i) {
      b[i] ^= 1;
      EXPECT_FALSE(KeyBytesEqual(a.data(), b.data(), n)) << "n=" << n << " i=" << i;
      b[i] ^= 1;
    }
  }
  EXPECT_TRUE(KeyBytesEqual(nullptr, nullptr, 0));
}

TEST(KeyHashTest, HashSpanSeparatesLengthsAndTrailingZeros) {
  const uint64_t seed = 12345;
  const std::string zeros(24, '\0');
  std::vector<uint64_t> hashes;
  for (size_t n = 0; n <= zeros.size(); ++n) hashes.push_back(HashSpan(seed, zeros.data(), n));
  for (size_t i = 0; i < hashes.size(); ++i) {
    for (size_t j = i + 1; j < hashes.size(); ++j) EXPECT_NE(hashes[i], hashes[j]) << i << "," << j;
  }
  EXPECT_NE(HashKey(seed, "abc"), HashKey(seed + 1, "abc"));
}

const char* NaiveNextSegmentEnd(const char* p, const char* end) {
  for (const char* q = p + 1; q != end; ++q) {
    if (*q == '/') return q;
  }
  return end;
}

TEST(KeyHashTest, NextSegmentEndAgreesWithAByteScan) {
  const std::vector<std::string> paths = {"/",
                                          "//",
                                          "/a",
                                          "/a/",
                                          "a/b",
                                          "/abcdefgh/i",
                                          "/abcdefghijklmnop/q",
                                          "/1234567/8",
                                          "/12345678/9",
                                          "/123456789",
                                          "/a//b///c",
                                          "/very-long-segment-without-any-slash-at-all"};
  for (const std::string& path : paths) {
    const char* end = path.data() + path.size();
    for (const char* p = path.data(); p != end; ++p) {
      EXPECT_EQ(NextSegmentEnd(p, end) - path.data(), NaiveNextSegmentEnd(p, end) - path.data())
          << path << " from " << (p - path.data());
    }
  }
}

// The property the PathIndex relies on: walking a path segment by segment
// yields, at every '/' boundary, exactly HashPath of the prefix before it.
TEST(KeyHashTest, RunningPathHashAtEachBoundaryIsTheHashOfThatPrefix) {
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {"", "a", "ab", "api", "v1", "0123456789abcdef", "x.y"};
  for (int round = 0; round < 500; ++round) {
    std::string path;
    const int segments = static_cast<int>(rng() % 6);
    if (rng() % 8 == 0) path = pieces[rng() % pieces.size()];  // no leading slash
    for (int s = 0; s < segments; ++s) path += "/" + pieces[rng() % pieces.size()];
    const uint64_t seed = rng();
    uint64_t state = seed;
    uint32_t depth = 0;
    const char* p = path.data();
    const char* end = p + path.size();
    while (p != end) {
      const char* segment_end = NextSegmentEnd(p, end);
      state = HashSpan(state, p, static_cast<size_t>(segment_end - p));
      ++depth;
      uint32_t prefix_depth = 0;
      const std::string prefix(path, 0, static_cast<size_t>(segment_end - path.data()));
      ASSERT_EQ(state, HashPath(seed, prefix, &prefix_depth)) << path << " prefix " << prefix;
      ASSERT_EQ(depth, prefix_depth) << prefix;
      p = segment_end;
    }
    uint32_t total = 0;
    EXPECT_EQ(state, HashPath(seed, path, &total));
    EXPECT_EQ(depth, total);
  }
  uint32_t depth = 99;
  EXPECT_EQ(HashPath(42, "", &depth), 42u);
  EXPECT_EQ(depth, 0u);
}

}  // namespace
}  // namespace atrium::table

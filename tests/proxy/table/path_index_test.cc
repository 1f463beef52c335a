#include "proxy/table/path_index.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/table/route_matcher.h"

namespace atrium::table {
namespace {

using Kind = PathIndex::Kind;
constexpr uint32_t kNone = PathIndex::kNone;

struct PathIndexCase {
  std::string name;
  std::vector<PathIndex::Key> keys;  // prefixes already normalized, as Compile stores them
  std::vector<std::pair<std::string, uint32_t>> requests;  // path -> expected route
};

class PathIndexCaseTest : public testing::TestWithParam<PathIndexCase> {};

TEST_P(PathIndexCaseTest, FindsTheFirstMatchingRoute) {
  const PathIndexCase& c = GetParam();
  PathIndex index(c.keys);
  for (const auto& [path, expected] : c.requests) {
    EXPECT_EQ(index.Find(path), expected) << "path \"" << path << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PathIndexCaseTest,
    testing::Values(
        PathIndexCase{"Empty", {}, {{"/", kNone}, {"", kNone}, {"/a", kNone}}},
        // The root prefix "" (from "/") matches every path, even "" and
        // paths without a leading slash.
        PathIndexCase{"RootPrefix",
                      {{Kind::kPrefix, "", 0}},
                      {{"/", 0}, {"", 0}, {"/a/b/c", 0}, {"*", 0}, {"a", 0}}},
        PathIndexCase{"ElementWisePrefix",
                      {{Kind::kPrefix, "/foo", 0}},
                      {{"/foo", 0},
                       {"/foo/", 0},
                       {"/foo/bar", 0},
                       {"/foobar", kNone},
                       {"/fo", kNone},
                       {"/", kNone},
                       {"/bar/foo", kNone}}},
        PathIndexCase{
            "ExactIsExact",
            {{Kind::kExact, "/foo", 0}, {Kind::kExact, "/foo/", 1}, {Kind::kExact, "", 2}},
            {{"/foo", 0}, {"/foo/", 1}, {"/foo/bar", kNone}, {"", 2}, {"/", kNone}}},
        // Precedence is by route number, not by key length or kind.
        PathIndexCase{
            "SmallestRouteWins",
            {{Kind::kPrefix, "", 3},
             {Kind::kPrefix, "/a", 1},
             {Kind::kPrefix, "/a/b", 2},
             {Kind::kExact, "/a/b", 0},
             {Kind::kPrefix, "/c", 4}},
            {{"/a/b", 0}, {"/a/b/", 1}, {"/a/b/x", 1}, {"/a", 1}, {"/c/d", 3}, {"/z", 3}}},
        PathIndexCase{"DuplicateKeysSmallestWins",
                      {{Kind::kPrefix, "/a", 5}, {Kind::kPrefix, "/a", 2}, {Kind::kExact, "/a", 7}},
                      {{"/a", 2}, {"/a/x", 2}}},
        PathIndexCase{"DeepPrefixes",
                      {{Kind::kPrefix, "/1/2/3/4/5/6/7/8", 0}, {Kind::kPrefix, "/1/2", 1}},
                      {{"/1/2/3/4/5/6/7/8/9", 0},
                       {"/1/2/3/4/5/6/7/8", 0},
                       {"/1/2/3/4/5/6/7", 1},
                       {"/1/2/3/4/5/6/7/88", 1},
                       {"/1", kNone}}},
        // A trailing slash on the request never hides the prefix, and a
        // doubled slash is a segment of its own.
        PathIndexCase{"Slashes",
                      {{Kind::kPrefix, "/a", 0}, {Kind::kPrefix, "/b//c", 1}},
                      {{"/a/", 0},
                       {"/a//", 0},
                       {"//a", kNone},
                       {"/b//c", 1},
                       {"/b//c/", 1},
                       {"/b/c", kNone}}},
        // Keys longer than one hash word and keys with the same bytes as a
        // prefix of another key.
        PathIndexCase{"LongSegments",
                      {{Kind::kPrefix, "/abcdefghijklmnopqrstuvwxyz", 0},
                       {Kind::kPrefix, "/abcdefgh", 1},
                       {Kind::kExact, "/abcdefghijklmnopqrstuvwxyz/0123456789", 2}},
                      {{"/abcdefghijklmnopqrstuvwxyz/x", 0},
                       {"/abcdefghijklmnopqrstuvwxyz/0123456789", 0},
                       {"/abcdefgh/ijk", 1},
                       {"/abcdefghi", kNone}}}),
    [](const testing::TestParamInfo<PathIndexCase>& info) { return info.param.name; });

TEST(PathIndexTest, SixtyThreeSegmentsAndMore) {
  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "/s" + std::to_string(i);
  std::string deeper_request = deep + "/tail";
  std::string shallow;
  for (int i = 0; i < 64; ++i) shallow += "/s" + std::to_string(i);
  PathIndex index({{Kind::kPrefix, deep, 0}, {Kind::kPrefix, shallow, 1}});
  EXPECT_EQ(index.Find(deeper_request), 0u);
  EXPECT_EQ(index.Find(shallow + "/x"), 1u);
  EXPECT_EQ(index.Find(shallow.substr(0, shallow.size() - 4)), kNone);
}

// Differential: for random keys and paths starting with '/', the index
// agrees with testing every route in order with the element-wise rules.
TEST(PathIndexTest, AgreesWithTestingEveryRoute) {
  std::mt19937 rng(2024);
  const std::vector<std::string> segments = {"a", "b", "ab", "api", "v1", "", "abcdefghij"};
  auto random_path = [&](int max_segments) {
    std::string path;
    const int n = static_cast<int>(rng() % (max_segments + 1));
    for (int i = 0; i < n; ++i) path += "/" + segments[rng() % segments.size()];
    if (path.empty() || rng() % 4 == 0) path += "/";
    return path;
  };
  for (int round = 0; round < 300; ++round) {
    std::vector<PathIndex::Key> keys;
    std::vector<std::pair<Kind, std::string>> routes;
    const int count = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < count; ++i) {
      const Kind kind = rng() % 2 == 0 ? Kind::kExact : Kind::kPrefix;
      const std::string value = random_path(3);
      routes.emplace_back(kind, value);
      keys.push_back(
          {kind, kind == Kind::kPrefix ? NormalizePrefix(value) : value, static_cast<uint32_t>(i)});
    }
    PathIndex index(keys);
    for (int r = 0; r < 40; ++r) {
      const std::string path = random_path(4);
      uint32_t expected = kNone;
      for (size_t i = 0; i < routes.size(); ++i) {
        const bool match = routes[i].first == Kind::kExact
                               ? path == routes[i].second
                               : PathMatchesPrefix(routes[i].second, path);
        if (match) {
          expected = static_cast<uint32_t>(i);
          break;
        }
      }
      ASSERT_EQ(index.Find(path), expected) << "round " << round << " path " << path;
    }
  }
}

}  // namespace
}  // namespace atrium::table

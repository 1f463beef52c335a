#include "proxy/table/hash_index.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/table/key_hash.h"

namespace atrium::table {
namespace {

using Index = HashIndex<uint32_t>;

std::optional<uint32_t> Lookup(const Index& index, uint64_t hash, std::string_view key) {
  const uint32_t* value = index.Find(hash, key);
  if (value == nullptr) return std::nullopt;
  return *value;
}

// One case: items to build from (hash given explicitly so collisions can be
// forced) and probes with the expected answer.
struct HashIndexCase {
  std::string name;
  std::vector<Index::Item> items;
  struct Probe {
    uint64_t hash;
    std::string key;
    std::optional<uint32_t> expected;
  };
  std::vector<Probe> probes;
  size_t size;
};

class HashIndexCaseTest : public testing::TestWithParam<HashIndexCase> {};

TEST_P(HashIndexCaseTest, FindsWhatWasStored) {
  const HashIndexCase& c = GetParam();
  Index index(c.items);
  EXPECT_EQ(index.size(), c.size);
  for (const auto& probe : c.probes) {
    EXPECT_EQ(Lookup(index, probe.hash, probe.key), probe.expected)
        << "key \"" << probe.key << "\" hash " << probe.hash;
  }
}

const std::string kNul("a\0b", 3);
const std::string kNulOther("a\0c", 3);

INSTANTIATE_TEST_SUITE_P(
    Cases, HashIndexCaseTest,
    testing::Values(
        HashIndexCase{"Empty", {}, {{0, "", std::nullopt}, {7, "x", std::nullopt}}, 0},
        HashIndexCase{"EmptyKeyIsAKey",
                      {{5, "", 1}, {6, "a", 2}},
                      {{5, "", 1}, {6, "a", 2}, {5, "b", std::nullopt}, {6, "aa", std::nullopt}},
                      2},
        // Every item has the same hash: the probe chain must still separate
        // keys by their bytes, including keys that are prefixes of others.
        HashIndexCase{"AllCollide",
                      {{9, "/a", 1}, {9, "/a/b", 2}, {9, "/", 3}, {9, "", 4}, {9, "/a/b/c", 5}},
                      {{9, "/a", 1},
                       {9, "/a/b", 2},
                       {9, "/", 3},
                       {9, "", 4},
                       {9, "/a/b/c", 5},
                       {9, "/a/b/c/d", std::nullopt},
                       {9, "/b", std::nullopt}},
                      5},
        // Same low bits (same first slot), different tags.
        HashIndexCase{"SameSlotDifferentTag",
                      {{0x100000001ull, "x", 1}, {0x200000001ull, "y", 2}},
                      {{0x100000001ull, "x", 1},
                       {0x200000001ull, "y", 2},
                       {0x300000001ull, "x", std::nullopt}},
                      2},
        HashIndexCase{"DuplicateKeysKeepTheFirst",
                      {{3, "dup", 1}, {3, "dup", 2}, {4, "other", 3}, {3, "dup", 4}},
                      {{3, "dup", 1}, {4, "other", 3}},
                      2},
        HashIndexCase{"BinaryKeys",
                      {{11, kNul, 1}, {11, kNulOther, 2}},
                      {{11, kNul, 1}, {11, kNulOther, 2}, {11, "a", std::nullopt}},
                      2},
        HashIndexCase{"LongKeys",
                      {{1, std::string(300, 'z'), 1}, {1, std::string(299, 'z') + "y", 2}},
                      {{1, std::string(300, 'z'), 1},
                       {1, std::string(299, 'z') + "y", 2},
                       {1, std::string(301, 'z'), std::nullopt}},
                      2},
        // The probe wraps from the last slot to the first.
        HashIndexCase{
            "WrapsAround",
            {{~0ull, "p", 1}, {~0ull, "q", 2}, {~0ull, "r", 3}},
            {{~0ull, "p", 1}, {~0ull, "q", 2}, {~0ull, "r", 3}, {~0ull, "s", std::nullopt}},
            3}),
    [](const testing::TestParamInfo<HashIndexCase>& info) { return info.param.name; });

TEST(HashIndexTest, ManyRealKeysAgreeWithAMap) {
  const uint64_t seed = RandomHashSeed();
  std::vector<Index::Item> items;
  std::map<std::string, uint32_t> expected;
  for (uint32_t i = 0; i < 5000; ++i) {
    std::string key = "host-" + std::to_string(i * 7919 % 10007) + ".example.com";
    items.push_back({HashKey(seed, key), key, i});
    expected.emplace(key, i);  // the first wins, as in the index
  }
  Index index(items);
  EXPECT_EQ(index.size(), expected.size());
  for (const auto& [key, value] : expected) {
    const uint32_t* found = index.Find(HashKey(seed, key), key);
    ASSERT_NE(found, nullptr) << key;
    EXPECT_EQ(*found, value) << key;
  }
  for (int i = 0; i < 1000; ++i) {
    const std::string missing = "absent-" + std::to_string(i);
    EXPECT_EQ(index.Find(HashKey(seed, missing), missing), nullptr);
  }
}

TEST(HashIndexTest, PointerValuesAndMoves) {
  int a = 1;
  int b = 2;
  HashIndex<const int*> index({{1, "a", &a}, {2, "b", &b}});
  HashIndex<const int*> moved = std::move(index);
  ASSERT_NE(moved.Find(1, "a"), nullptr);
  EXPECT_EQ(*moved.Find(1, "a"), &a);
  EXPECT_EQ(*moved.Find(2, "b"), &b);
  EXPECT_EQ(moved.Find(2, "a"), nullptr);
}

}  // namespace
}  // namespace atrium::table

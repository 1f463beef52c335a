#include "controller/status/pending_ids.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

namespace atrium::status {
namespace {

struct Id {
  int rank = 0;
  std::string name;
  // clang-tidy 14 reports a defaulted <=> as a literal 0 compared with a pointer.
  auto operator<=>(const Id&) const = default;  // NOLINT(modernize-use-nullptr)
};

TEST(PendingIdsTest, TakesEveryIdOnceInOrder) {
  PendingIds<Id> ids;
  EXPECT_TRUE(ids.empty());
  ids.Insert({2, "b"});
  ids.Insert({1, "z"});
  ids.Insert({2, "a"});
  ids.Insert({1, "z"});
  ids.Insert({2, "b"});
  EXPECT_FALSE(ids.empty());
  EXPECT_EQ(ids.Least(), (Id{1, "z"}));

  const std::vector<Id> taken = ids.Take();
  EXPECT_EQ(taken, (std::vector<Id>{{1, "z"}, {2, "a"}, {2, "b"}}));
  EXPECT_TRUE(ids.empty());
  EXPECT_TRUE(ids.Take().empty());
}

TEST(PendingIdsTest, LeastFollowsInsertsAndErases) {
  PendingIds<Id> ids;
  ids.Insert({3, "c"});
  EXPECT_EQ(ids.Least(), (Id{3, "c"}));
  ids.Insert({1, "a"});
  ids.Insert({2, "b"});
  EXPECT_EQ(ids.Least(), (Id{1, "a"}));
  ids.Erase({1, "a"});
  EXPECT_EQ(ids.Least(), (Id{2, "b"}));
  ids.Erase({9, "absent"});
  EXPECT_EQ(ids.Least(), (Id{2, "b"}));
  ids.Erase({2, "b"});
  ids.Erase({3, "c"});
  EXPECT_TRUE(ids.empty());
  ids.Insert({5, "e"});
  EXPECT_EQ(ids.Least(), (Id{5, "e"}));
}

TEST(PendingIdsTest, EraseRemovesEveryCopy) {
  PendingIds<Id> ids;
  for (int i = 0; i < 3; ++i) ids.Insert({1, "a"});
  ids.Insert({1, "b"});
  ids.Erase({1, "a"});
  EXPECT_EQ(ids.Take(), (std::vector<Id>{{1, "b"}}));
}

TEST(PendingIdsTest, ManyMarksOfFewIdsKeepTheLeastAndAreTakenOnce) {
  PendingIds<Id> ids;
  // Objects marked again and again between passes (their status echoed by
  // each watch event): the copies are compacted as they pile up, and the
  // least id is known across every compaction.
  for (int round = 0; round < 10'000; ++round) {
    ids.Insert({round % 7, "x"});
    ASSERT_EQ(ids.Least(), (Id{0, "x"})) << round;
  }
  const std::vector<Id> taken = ids.Take();
  ASSERT_EQ(taken.size(), 7u);
  for (int rank = 0; rank < 7; ++rank) EXPECT_EQ(taken[rank], (Id{rank, "x"}));
}

}  // namespace
}  // namespace atrium::status

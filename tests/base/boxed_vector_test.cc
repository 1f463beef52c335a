#include "base/boxed_vector.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace atrium {
namespace {

std::vector<std::string> Items(const BoxedVector<std::string>& values) {
  return {values.begin(), values.end()};
}

TEST(BoxedVectorTest, IsOnePointerWide) {
  EXPECT_EQ(sizeof(BoxedVector<std::string>), sizeof(void*));
}

TEST(BoxedVectorTest, EmptyUntilAddedAndAfterClear) {
  BoxedVector<std::string> values;
  EXPECT_TRUE(values.empty());
  EXPECT_EQ(values.size(), 0U);
  EXPECT_EQ(values.begin(), values.end());
  for ([[maybe_unused]] const std::string& value : values)
    ADD_FAILURE() << "iterated an empty list";
  values.push_back("a");
  values.emplace_back(2, 'b');
  ASSERT_EQ(values.size(), 2U);
  EXPECT_EQ(values[0], "a");
  EXPECT_EQ(values.back(), "bb");
  EXPECT_EQ(Items(values), (std::vector<std::string>{"a", "bb"}));
  values[0] = "c";
  EXPECT_EQ(values[0], "c");
  values.clear();
  EXPECT_TRUE(values.empty());
  EXPECT_EQ(Items(values), std::vector<std::string>{});
}

TEST(BoxedVectorTest, CopiesAreDeepAndMovesLeaveEmpty) {
  BoxedVector<std::string> original{"x", "y"};
  BoxedVector<std::string> copy = original;
  copy[0] = "changed";
  EXPECT_EQ(original[0], "x");
  EXPECT_EQ(copy[0], "changed");
  BoxedVector<std::string> assigned;
  assigned = original;
  EXPECT_EQ(Items(assigned), (std::vector<std::string>{"x", "y"}));
  assigned = BoxedVector<std::string>();
  EXPECT_TRUE(assigned.empty());
  BoxedVector<std::string> moved = std::move(original);
  EXPECT_EQ(Items(moved), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(original.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(BoxedVectorTest, EqualityComparesElements) {
  BoxedVector<int> none;
  BoxedVector<int> cleared{1};
  cleared.clear();
  EXPECT_EQ(none, cleared);
  BoxedVector<int> reserved;
  reserved.reserve(4);  // allocated, still empty
  EXPECT_EQ(none, reserved);
  EXPECT_EQ((BoxedVector<int>{1, 2}), (BoxedVector<int>{1, 2}));
  EXPECT_FALSE((BoxedVector<int>{1, 2}) == (BoxedVector<int>{1, 3}));
  EXPECT_FALSE((BoxedVector<int>{1}) == none);
  EXPECT_FALSE((BoxedVector<int>{1}) == (BoxedVector<int>{1, 1}));
}

}  // namespace
}  // namespace atrium

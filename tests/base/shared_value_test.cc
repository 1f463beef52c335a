#include "base/shared_value.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace atrium {
namespace {

TEST(SharedValueTest, CopiesShareTheObjectAndCompareByValue) {
  SharedValue<std::vector<int>> a = std::vector<int>{1, 2, 3};
  SharedValue<std::vector<int>> copy = a;
  SharedValue<std::vector<int>> equal = std::vector<int>{1, 2, 3};
  EXPECT_TRUE(copy.SameObject(a));
  EXPECT_FALSE(equal.SameObject(a));
  EXPECT_EQ(equal, a);
  EXPECT_EQ(a, (std::vector<int>{1, 2, 3}));
}

TEST(SharedValueTest, ABracedListBuildsAContainer) {
  SharedValue<std::vector<std::string>> names = {"a", "b"};
  EXPECT_EQ(names->size(), 2u);
  EXPECT_EQ(names.get()[1], "b");
  SharedValue<std::vector<int>> empty = {};
  EXPECT_TRUE(empty->empty());
}

TEST(SharedValueTest, MutableCopiesOnlyWhenShared) {
  SharedValue<std::vector<int>> a = {1};
  SharedValue<std::vector<int>> b = a;
  b.Mutable().push_back(2);  // shared: b gets its own copy
  EXPECT_EQ(a, (std::vector<int>{1}));
  EXPECT_EQ(b, (std::vector<int>{1, 2}));
  const std::vector<int>* before = &b.get();
  b.Mutable().push_back(3);  // sole holder: edited in place
  EXPECT_EQ(&b.get(), before);
  EXPECT_EQ(b, (std::vector<int>{1, 2, 3}));
}

}  // namespace
}  // namespace atrium

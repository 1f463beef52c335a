#include "base/boxed_optional.h"

#include <string>

#include <gtest/gtest.h>

namespace atrium {
namespace {

TEST(BoxedOptionalTest, IsOnePointerWide) {
  EXPECT_EQ(sizeof(BoxedOptional<std::string[16]>), sizeof(void*));
}

TEST(BoxedOptionalTest, EmptyUntilSetAndAfterReset) {
  BoxedOptional<std::string> value;
  EXPECT_FALSE(value.has_value());
  EXPECT_FALSE(value);
  EXPECT_TRUE(value == std::nullopt);
  EXPECT_THROW(value.value(), std::bad_optional_access);
  value = std::string("set");
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, "set");
  EXPECT_EQ(value->size(), 3U);
  value.reset();
  EXPECT_FALSE(value);
  value.emplace(3, 'x');
  EXPECT_EQ(value.value(), "xxx");
  value = std::nullopt;
  EXPECT_FALSE(value);
}

TEST(BoxedOptionalTest, CopiesAreDeepAndIndependent) {
  BoxedOptional<std::string> original = std::string("a");
  BoxedOptional<std::string> copy = original;
  *copy += "b";
  EXPECT_EQ(*original, "a");
  EXPECT_EQ(*copy, "ab");
  BoxedOptional<std::string> empty;
  copy = empty;
  EXPECT_FALSE(copy);
  copy = original;
  EXPECT_EQ(*copy, "a");
  copy = copy;  // self-assignment keeps the value
  EXPECT_EQ(*copy, "a");
}

TEST(BoxedOptionalTest, EqualityComparesValuesNotBoxes) {
  BoxedOptional<std::string> a = std::string("v");
  BoxedOptional<std::string> b = std::string("v");
  BoxedOptional<std::string> c = std::string("w");
  BoxedOptional<std::string> none;
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == none);
  EXPECT_FALSE(none == a);
  EXPECT_TRUE(none == BoxedOptional<std::string>());
}

TEST(BoxedOptionalTest, MoveLeavesTheSourceEmpty) {
  BoxedOptional<std::string> a = std::string("moved");
  BoxedOptional<std::string> b = std::move(a);
  EXPECT_EQ(*b, "moved");
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from state is specified here
}

}  // namespace
}  // namespace atrium

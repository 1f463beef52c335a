#include "base/shared_string.h"

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

namespace atrium {
namespace {

TEST(SharedStringTest, IsOnePointerWideAndCopiesShareTheText) {
  EXPECT_EQ(sizeof(SharedString), sizeof(void*));
  const SharedString original = std::string("r1234.ns12.example.com");
  const SharedString copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_TRUE(copy.SameBlock(original));
  EXPECT_EQ(copy.data(), original.data());
  // Made apart from the same text: equal, not shared.
  const SharedString apart("r1234.ns12.example.com");
  EXPECT_FALSE(apart.SameBlock(original));
  EXPECT_EQ(apart, original);
}

TEST(SharedStringTest, ReadsAsTheTextItWasMadeFrom) {
  const SharedString text("*.example.com");
  EXPECT_EQ(text.view(), "*.example.com");
  EXPECT_EQ(text.str(), std::string("*.example.com"));
  EXPECT_EQ(text.size(), 13U);
  EXPECT_EQ(text[0], '*');
  EXPECT_TRUE(text.starts_with("*."));
  EXPECT_TRUE(text.ends_with(".com"));
  EXPECT_EQ(text.find('.'), 1U);
  EXPECT_EQ(text.find('*', 1), std::string_view::npos);
  EXPECT_EQ(std::string(text.begin(), text.end()), "*.example.com");
  std::ostringstream printed;
  printed << text;
  EXPECT_EQ(printed.str(), "*.example.com");
}

TEST(SharedStringTest, EmptyHoldsNothing) {
  const SharedString empty;
  const SharedString made_empty("");
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(made_empty.empty());
  EXPECT_TRUE(empty.SameBlock(made_empty));  // neither holds a block
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_STREQ(empty.data(), "");
  EXPECT_EQ(empty, "");
  EXPECT_EQ(empty, made_empty);
}

TEST(SharedStringTest, ComparesAndHashesByText) {
  const SharedString a("a.example.com");
  const SharedString b("b.example.com");
  EXPECT_LT(a, b);
  EXPECT_GT(b, a);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, "a.example.com");
  EXPECT_EQ(a, std::string("a.example.com"));
  EXPECT_EQ(a, std::string_view("a.example.com"));
  EXPECT_EQ(std::hash<SharedString>{}(a), std::hash<std::string_view>{}("a.example.com"));
  std::map<SharedString, int> ordered{{b, 2}, {a, 1}};
  EXPECT_EQ(ordered.begin()->first, a);
  std::unordered_set<SharedString> set{a, SharedString("a.example.com")};
  EXPECT_EQ(set.size(), 1U);
}

TEST(SharedStringTest, AssignmentKeepsTheTextAliveAsLongAsAHolderIs) {
  SharedString kept;
  {
    SharedString made("made.example.com");
    kept = made;
    SharedString moved = std::move(made);
    EXPECT_TRUE(made.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_TRUE(moved.SameBlock(kept));
    moved = moved;  // NOLINT(clang-diagnostic-self-assign-overloaded): self-assignment is safe
    EXPECT_EQ(moved, "made.example.com");
  }
  EXPECT_EQ(kept, "made.example.com");  // the last holder; ASan sees a use after free
  kept = SharedString("other.example.com");
  EXPECT_EQ(kept, "other.example.com");
}

// Copies made and dropped on many threads at once leave the count exact:
// the text outlives every copy and is freed once (ASan, TSan).
TEST(SharedStringTest, CopiesOnManyThreadsAtOnce) {
  SharedString shared("concurrent.example.com");
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([shared] {
      for (int i = 0; i < 10000; ++i) {
        SharedString copy = shared;  // NOLINT(performance-unnecessary-copy-initialization)
        if (copy.size() != 22) ADD_FAILURE() << "copy reads " << copy;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(shared, "concurrent.example.com");
}

}  // namespace
}  // namespace atrium

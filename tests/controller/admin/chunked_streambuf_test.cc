// ChunkedStreambuf hands a stream's output to a writer in chunks of a fixed
// size, and stops writing once the writer reports the peer gone.

#include "controller/admin/chunked_streambuf.h"

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::admin {
namespace {

TEST(ChunkedStreambufTest, WritesFullChunksThenTheRestOnSync) {
  std::vector<std::string> chunks;
  ChunkedStreambuf buffer(
      [&](std::string_view chunk) {
        chunks.emplace_back(chunk);
        return true;
      },
      4);
  std::ostream out(&buffer);
  out << "abcdefghij";
  EXPECT_EQ(chunks, (std::vector<std::string>{"abcd", "efgh"}));
  out.flush();
  EXPECT_EQ(chunks, (std::vector<std::string>{"abcd", "efgh", "ij"}));
  out.flush();  // nothing pending: no empty chunk
  EXPECT_EQ(chunks.size(), 3U);
  EXPECT_TRUE(out.good());
}

TEST(ChunkedStreambufTest, DestructionWritesWhatIsLeft) {
  std::string written;
  {
    ChunkedStreambuf buffer([&](std::string_view chunk) {
      written.append(chunk);
      return true;
    });
    std::ostream out(&buffer);
    out << "tail";
    EXPECT_EQ(written, "");
  }
  EXPECT_EQ(written, "tail");
}

TEST(ChunkedStreambufTest, AFailedWriteFailsTheStreamAndDropsTheRest) {
  int calls = 0;
  ChunkedStreambuf buffer(
      [&](std::string_view) {
        ++calls;
        return false;
      },
      2);
  std::ostream out(&buffer);
  out << "abcdef";
  EXPECT_TRUE(out.bad());
  out.clear();
  out << "more";
  out.flush();
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace atrium::admin

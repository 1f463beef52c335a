#include "controller/translate/object_uid.h"

#include <string>

#include <gtest/gtest.h>

namespace atrium::translate {
namespace {

TEST(ObjectUidTest, UuidsPrintBackAsWritten) {
  const std::string uuid = "0b9f3f9e-4c1d-4d59-9d4e-2f9a1c3b5d7e";
  EXPECT_EQ(ObjectUid(uuid).str(), uuid);
  EXPECT_EQ(ObjectUid("ffffffff-ffff-ffff-ffff-ffffffffffff").str(),
            "ffffffff-ffff-ffff-ffff-ffffffffffff");
  EXPECT_FALSE(ObjectUid(uuid).empty());
}

TEST(ObjectUidTest, OtherTextIsKeptAsText) {
  for (const std::string text :
       {"uid-2", "0B9F3F9E-4C1D-4D59-9D4E-2F9A1C3B5D7E", "0b9f3f9e-4c1d-4d59-9d4e-2f9a1c3b5d7",
        "0b9f3f9e+4c1d-4d59-9d4e-2f9a1c3b5d7e", "0b9f3f9e-4c1d-4d59-9d4e-2f9a1c3b5d7g",
        "00000000-0000-0000-0000-000000000000"}) {
    EXPECT_EQ(ObjectUid(text).str(), text);
    EXPECT_FALSE(ObjectUid(text).empty()) << text;
  }
}

TEST(ObjectUidTest, EmptyAndEquality) {
  EXPECT_TRUE(ObjectUid().empty());
  EXPECT_TRUE(ObjectUid("").empty());
  EXPECT_EQ(ObjectUid("").str(), "");
  EXPECT_EQ(ObjectUid(), ObjectUid(""));
  const std::string uuid = "0b9f3f9e-4c1d-4d59-9d4e-2f9a1c3b5d7e";
  EXPECT_EQ(ObjectUid(uuid), ObjectUid(uuid));
  EXPECT_FALSE(ObjectUid(uuid) == ObjectUid("0b9f3f9e-4c1d-4d59-9d4e-2f9a1c3b5d7f"));
  EXPECT_FALSE(ObjectUid(uuid) == ObjectUid());
  EXPECT_FALSE(ObjectUid("uid-2") == ObjectUid("uid-3"));
  EXPECT_LE(sizeof(ObjectUid), 24U);
}

}  // namespace
}  // namespace atrium::translate

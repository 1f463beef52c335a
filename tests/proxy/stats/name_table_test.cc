#include "proxy/stats/name_table.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/stats/id_index.h"

namespace atrium::stats {
namespace {

TEST(NameTableTest, InternsEachTextOnceWithDenseIds) {
  NameTable names;
  const NameTable::Name a = names.Intern("httproute/ns/a/rule/0");
  const NameTable::Name b = names.Intern("ns/svc:80");
  const NameTable::Name empty = names.Intern("");
  const NameTable::Name again = names.Intern(std::string("httproute/ns/a/rule/0"));
  EXPECT_EQ(a.id, 0u);
  EXPECT_EQ(b.id, 1u);
  EXPECT_EQ(empty.id, 2u);
  EXPECT_EQ(again.id, a.id);
  EXPECT_EQ(again.text.data(), a.text.data());  // the same bytes, not a copy
  EXPECT_EQ(a.text, "httproute/ns/a/rule/0");
  EXPECT_EQ(empty.text, "");
  EXPECT_EQ(names.Text(b.id), "ns/svc:80");
  EXPECT_EQ(names.size(), 3u);
}

TEST(NameTableTest, ViewsStayValidWhileTheTableGrows) {
  NameTable names;
  std::vector<NameTable::Name> interned;
  std::vector<std::string> texts;
  for (int i = 0; i < 5000; ++i) {
    // Some names longer than a chunk's share: they get chunks of their own.
    texts.push_back(i % 997 == 0 ? std::string(3000, static_cast<char>('a' + i % 26))
                                 : "httproute/default/app-" + std::to_string(i) + "/rule/0");
    interned.push_back(names.Intern(texts.back()));
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(interned[i].text, texts[i]);
    EXPECT_EQ(names.Intern(texts[i]).id, interned[i].id);
  }
}

TEST(IdIndexTest, FindsEveryInsertedIdAcrossGrowth) {
  std::vector<std::string> keys;
  IdIndex index;
  const std::hash<std::string> hasher;
  for (uint32_t i = 0; i < 1000; ++i) {
    keys.push_back("key-" + std::to_string(i));
    index.Insert(hasher(keys.back()), i, [&](uint32_t id) { return hasher(keys[id]); });
  }
  EXPECT_EQ(index.size(), 1000u);
  for (uint32_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(index.Find(hasher(keys[i]), [&](uint32_t id) { return keys[id] == keys[i]; }), i);
  }
  const std::string missing = "key-1000";
  EXPECT_EQ(index.Find(hasher(missing), [&](uint32_t id) { return keys[id] == missing; }),
            IdIndex::kNone);
  EXPECT_EQ(IdIndex().Find(0, [](uint32_t) { return true; }), IdIndex::kNone);
}

}  // namespace
}  // namespace atrium::stats

#include "tests/apiserver/object_store.h"

#include <thread>

#include <gtest/gtest.h>

namespace atrium::testing {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kRoutes = "gateway.networking.k8s.io/httproutes";

WriteDecision Put(json object) { return {WriteDecision::Action::kPut, std::move(object)}; }

ObjectPtr PutObject(ObjectStore& store, const std::string& key, int value) {
  return store.Write(kRoutes, key, [&](const ObjectPtr&) { return Put({{"value", value}}); });
}

void DeleteObject(ObjectStore& store, const std::string& key) {
  store.Write(kRoutes, key, [](const ObjectPtr&) {
    return WriteDecision{WriteDecision::Action::kDelete, {}};
  });
}

TEST(ObjectStoreTest, WritesStampOneGlobalResourceVersion) {
  ObjectStore store;
  int64_t start = store.rv();
  ObjectPtr a = PutObject(store, "ns/a", 1);
  ObjectPtr b =
      store.Write("/services", "ns/b", [](const ObjectPtr&) { return Put(json::object()); });
  EXPECT_EQ(a->at("metadata").at("resourceVersion"), std::to_string(start + 1));
  EXPECT_EQ(b->at("metadata").at("resourceVersion"), std::to_string(start + 2));
  EXPECT_EQ(store.rv(), start + 2);
}

TEST(ObjectStoreTest, AbortLeavesTheStoreAlone) {
  ObjectStore store;
  int64_t start = store.rv();
  EXPECT_EQ(store.Write(kRoutes, "ns/a", [](const ObjectPtr&) { return WriteDecision{}; }),
            nullptr);
  EXPECT_EQ(store.rv(), start);
  EXPECT_EQ(store.Get(kRoutes, "ns/a"), nullptr);
}

TEST(ObjectStoreTest, ListFiltersByNamespacePrefixInKeyOrder) {
  ObjectStore store;
  PutObject(store, "b/x", 1);
  PutObject(store, "a/y", 2);
  PutObject(store, "a/x", 3);
  PutObject(store, "a-b/z", 4);
  Snapshot all = store.List(kRoutes);
  ASSERT_EQ(all.objects.size(), 4u);
  EXPECT_EQ(all.objects[0].first, "a-b/z");
  EXPECT_EQ(all.objects[1].first, "a/x");
  Snapshot a = store.List(kRoutes, "a/");
  ASSERT_EQ(a.objects.size(), 2u);
  EXPECT_EQ(a.objects[0].first, "a/x");
  EXPECT_EQ(a.objects[1].first, "a/y");
}

TEST(ObjectStoreTest, ListAtRebuildsPastStates) {
  ObjectStore store;
  PutObject(store, "ns/a", 1);
  int64_t after_first = store.rv();
  PutObject(store, "ns/a", 2);
  PutObject(store, "ns/b", 3);
  int64_t after_third = store.rv();
  DeleteObject(store, "ns/a");

  std::optional<Snapshot> past = store.ListAt(kRoutes, after_first);
  ASSERT_TRUE(past);
  ASSERT_EQ(past->objects.size(), 1u);
  EXPECT_EQ(past->objects[0].second->at("value"), 1);

  past = store.ListAt(kRoutes, after_third);
  ASSERT_TRUE(past);
  ASSERT_EQ(past->objects.size(), 2u);
  EXPECT_EQ(past->objects[0].second->at("value"), 2);

  Snapshot now = store.List(kRoutes);
  ASSERT_EQ(now.objects.size(), 1u);
  EXPECT_EQ(now.objects[0].first, "ns/b");
}

TEST(ObjectStoreTest, CompactMakesEveryHeldVersionTooOld) {
  ObjectStore store;
  PutObject(store, "ns/a", 1);
  int64_t held = store.rv();
  store.Compact();
  EXPECT_GT(store.rv(), held);
  EXPECT_FALSE(store.ListAt(kRoutes, held));
  EXPECT_TRUE(store.ListAt(kRoutes, store.rv()));
}

TEST(ObjectStoreTest, HistoryLimitCompactsTheOldestEvents) {
  ObjectStore store(/*history_limit=*/3);
  int64_t start = store.rv();
  for (int i = 0; i < 5; ++i) PutObject(store, "ns/a", i);
  EXPECT_EQ(store.compacted_rv(), start + 2);
  EXPECT_FALSE(store.ListAt(kRoutes, start + 1));
  EXPECT_TRUE(store.ListAt(kRoutes, start + 2));
}

TEST(ObjectStoreTest, WatchDeliversEventsAfterItsCursor) {
  ObjectStore store;
  PutObject(store, "ns/a", 1);
  WatchCursor cursor = store.StartWatch(kRoutes, store.rv());
  EXPECT_EQ(store.open_watches(), 1u);
  PutObject(store, "ns/a", 2);
  store.Write("/services", "ns/s", [](const ObjectPtr&) { return Put(json::object()); });
  DeleteObject(store, "ns/a");
  std::vector<StoreEvent> events;
  ASSERT_EQ(store.WaitForEvents(kRoutes, &cursor, steady_clock::now() + milliseconds(100), &events),
            WaitResult::kEvents);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kModified);
  EXPECT_EQ(events[0].previous->at("value"), 1);
  EXPECT_EQ(events[1].type, EventType::kDeleted);
  EXPECT_EQ(events[1].object->at("metadata").at("resourceVersion"), std::to_string(store.rv()));
  EXPECT_EQ(cursor.rv, store.rv());
  store.EndWatch();
  EXPECT_EQ(store.open_watches(), 0u);
}

TEST(ObjectStoreTest, WaitWakesOnAWriteFromAnotherThread) {
  ObjectStore store;
  WatchCursor cursor = store.StartWatch(kRoutes, store.rv());
  std::thread writer([&] { PutObject(store, "ns/a", 1); });
  std::vector<StoreEvent> events;
  WaitResult result = WaitResult::kTimeout;
  auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (events.empty() && steady_clock::now() < deadline) {
    result = store.WaitForEvents(kRoutes, &cursor, deadline, &events);
  }
  writer.join();
  EXPECT_EQ(result, WaitResult::kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  store.EndWatch();
}

TEST(ObjectStoreTest, DropBookmarkCompactAndGoneEndWaits) {
  ObjectStore store;
  std::vector<StoreEvent> events;
  auto soon = steady_clock::now() + milliseconds(20);

  WatchCursor cursor = store.StartWatch(kRoutes, store.rv());
  EXPECT_EQ(store.WaitForEvents(kRoutes, &cursor, soon, &events), WaitResult::kTimeout);
  store.RequestBookmarks();
  EXPECT_EQ(store.WaitForEvents(kRoutes, &cursor, soon, &events), WaitResult::kBookmark);
  store.DropWatches();
  EXPECT_EQ(store.WaitForEvents(kRoutes, &cursor, soon, &events), WaitResult::kDropped);

  WatchCursor old = store.StartWatch(kRoutes, store.rv());
  store.Compact();
  EXPECT_EQ(store.WaitForEvents(kRoutes, &old, soon, &events), WaitResult::kCompacted);

  PutObject(store, "ns/a", 1);
  WatchCursor gone = store.StartWatch(kRoutes, store.rv());
  store.DropResource(kRoutes);
  // The deletions come first, then the end of the stream.
  ASSERT_EQ(store.WaitForEvents(kRoutes, &gone, soon, &events), WaitResult::kEvents);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kDeleted);
  EXPECT_EQ(store.WaitForEvents(kRoutes, &gone, soon, &events), WaitResult::kGone);
  EXPECT_TRUE(store.List(kRoutes).objects.empty());
  for (int i = 0; i < 3; ++i) store.EndWatch();
}

TEST(ObjectStoreTest, WaitForChangeReturnsOnceTheVersionMoves) {
  ObjectStore store;
  int64_t rv = store.rv();
  EXPECT_FALSE(store.WaitForChange(rv, steady_clock::now() + milliseconds(10)));
  std::thread writer([&] { PutObject(store, "ns/a", 1); });
  EXPECT_TRUE(store.WaitForChange(rv, steady_clock::now() + std::chrono::seconds(10)));
  writer.join();
}

}  // namespace
}  // namespace atrium::testing

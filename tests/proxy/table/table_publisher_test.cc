#include "proxy/table/table_publisher.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::table {
namespace {

// TableFor builds a table whose every route name encodes its generation, so
// a reader can tell whether what it sees is one whole, consistent table.
std::unique_ptr<RouteTable> TableFor(uint64_t generation) {
  ir::RouteConfig config;
  ir::Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  for (const char* host : {"a.example.com", "b.example.com"}) {
    ir::VirtualHost vhost;
    vhost.kind = ir::HostnameKind::kExact;
    vhost.hostname = host;
    ir::Route route;
    route.name = std::string(host) + "/" + std::to_string(generation);
    route.backends.push_back({"ns/svc:80", 1, true, {{"127.0.0.1", 1, true}}, {}, {}});
    vhost.routes.push_back(route);
    listener.virtual_hosts.push_back(vhost);
  }
  config.listeners.push_back(listener);
  return RouteTable::Compile(config, generation);
}

RequestView ViewFor(std::string_view host) {
  RequestView view;
  view.bind_port = 8080;
  view.host = host;
  view.path = "/";
  view.method = "GET";
  return view;
}

TEST(TablePublisherTest, LookupBeforeFirstPublishIs404) {
  TablePublisher publisher;
  RcuThreadRegistration registration;
  LookupResult result = publisher.Lookup(ViewFor("a.example.com"));
  EXPECT_EQ(result.status, 404);
  EXPECT_EQ(result.generation, 0u);
  EXPECT_EQ(publisher.generation(), 0u);
}

TEST(TablePublisherTest, ReadersSeeWholeTablesWhileWriterPublishesTenThousand) {
  constexpr uint64_t kTables = 10000;
  const int64_t live_before = RouteTable::LiveCount();
  std::vector<std::weak_ptr<const RouteAction>> published_actions;
  published_actions.reserve(kTables);
  {
    TablePublisher publisher;
    publisher.Publish(TableFor(1));
    std::atomic<bool> done{false};
    std::atomic<uint64_t> lookups{0};
    std::atomic<uint64_t> inconsistencies{0};

    auto reader = [&] {
      RcuThreadRegistration registration;
      uint64_t last_generation = 0;
      uint64_t local_lookups = 0;
      while (!done.load(std::memory_order_acquire) || local_lookups < 1000) {
        // Two lookups inside one read-side section must see the same table.
        bool consistent = publisher.Read([&](const RouteTable* table) {
          LookupResult a = table->Lookup(ViewFor("a.example.com"));
          LookupResult b = table->Lookup(ViewFor("b.example.com"));
          const std::string generation = std::to_string(table->generation());
          return a.status == 0 && b.status == 0 && a.generation == b.generation &&
                 a.action->name() == "a.example.com/" + generation &&
                 b.action->name() == "b.example.com/" + generation;
        });
        // A lookup hands back an action that outlives its table.
        LookupResult result = publisher.Lookup(ViewFor("b.example.com"));
        consistent =
            consistent && result.status == 0 &&
            result.action->name() == "b.example.com/" + std::to_string(result.generation) &&
            result.generation >= last_generation;
        last_generation = result.generation;
        if (!consistent) inconsistencies.fetch_add(1);
        ++local_lookups;
      }
      lookups.fetch_add(local_lookups);
    };

    std::vector<std::thread> readers;
    readers.reserve(3);
    for (int i = 0; i < 3; ++i) readers.emplace_back(reader);
    for (uint64_t generation = 2; generation <= kTables; ++generation) {
      auto table = TableFor(generation);
      RcuThreadRegistration registration;
      published_actions.push_back(table->Lookup(ViewFor("a.example.com")).action);
      publisher.Publish(std::move(table));
    }
    done.store(true, std::memory_order_release);
    for (auto& thread : readers) thread.join();

    EXPECT_EQ(inconsistencies.load(), 0u);
    EXPECT_GE(lookups.load(), 3000u);
    EXPECT_EQ(publisher.generation(), kTables);
    EXPECT_EQ(publisher.published_count(), kTables);

    // Publish frees every replaced table once its grace period ends, before
    // it returns; only the live one remains.
    EXPECT_EQ(RouteTable::LiveCount(), live_before + 1);
    for (size_t i = 0; i + 1 < published_actions.size(); ++i) {
      ASSERT_TRUE(published_actions[i].expired()) << "table " << i + 2 << " was not freed";
    }
    EXPECT_FALSE(published_actions.back().expired());
  }
  // Destroying the publisher frees the live table too.
  EXPECT_EQ(RouteTable::LiveCount(), live_before);
  EXPECT_TRUE(published_actions.back().expired());
}

// Tables compiled with a CompileCache share their unchanged hosts: those
// must stay valid while any table holding them is readable, and be freed
// once the last one is gone.
TEST(TablePublisherTest, TablesSharingHostsThroughACompileCacheStayConsistent) {
  constexpr uint64_t kTables = 2000;
  const int64_t live_before = RouteTable::LiveCount();
  std::weak_ptr<const RouteAction> shared_action;
  {
    TablePublisher publisher;
    CompileCache cache;
    auto config_for = [](uint64_t generation) {
      ir::RouteConfig config;
      ir::Listener listener;
      listener.port = 80;
      listener.bind_port = 8080;
      for (const char* host : {"changing.example.com", "stable.example.com"}) {
        ir::VirtualHost vhost;
        vhost.kind = ir::HostnameKind::kExact;
        vhost.hostname = host;
        ir::Route route;
        const bool changing = host[0] == 'c';
        route.name = std::string(host) + "/" + (changing ? std::to_string(generation) : "stable");
        route.backends.push_back({"ns/svc:80", 1, true, {{"127.0.0.1", 1, true}}, {}, {}});
        vhost.routes.push_back(route);
        listener.virtual_hosts.push_back(vhost);
      }
      config.listeners.push_back(listener);
      return config;
    };
    publisher.Publish(RouteTable::Compile(config_for(1), 1, nullptr, &cache));
    {
      RcuThreadRegistration registration;
      shared_action = publisher.Lookup(ViewFor("stable.example.com")).action;
    }
    std::atomic<bool> done{false};
    std::atomic<uint64_t> inconsistencies{0};
    auto reader = [&] {
      RcuThreadRegistration registration;
      uint64_t local_lookups = 0;
      while (!done.load(std::memory_order_acquire) || local_lookups < 1000) {
        const bool consistent = publisher.Read([](const RouteTable* table) {
          LookupResult changing = table->Lookup(ViewFor("changing.example.com"));
          LookupResult stable = table->Lookup(ViewFor("stable.example.com"));
          return changing.status == 0 && stable.status == 0 &&
                 changing.action->name() ==
                     "changing.example.com/" + std::to_string(table->generation()) &&
                 stable.action->name() == "stable.example.com/stable";
        });
        if (!consistent) inconsistencies.fetch_add(1);
        ++local_lookups;
      }
    };
    std::vector<std::thread> readers;
    readers.reserve(2);
    for (int i = 0; i < 2; ++i) readers.emplace_back(reader);
    for (uint64_t generation = 2; generation <= kTables; ++generation) {
      publisher.Publish(RouteTable::Compile(config_for(generation), generation, nullptr, &cache));
    }
    done.store(true, std::memory_order_release);
    for (auto& thread : readers) thread.join();
    EXPECT_EQ(inconsistencies.load(), 0u);
    EXPECT_EQ(cache.reused_hosts(), 1u);
    EXPECT_EQ(RouteTable::LiveCount(), live_before + 1);
    // The stable host was never rebuilt: its action is the first one.
    RcuThreadRegistration registration;
    EXPECT_EQ(publisher.Lookup(ViewFor("stable.example.com")).action, shared_action.lock());
  }
  EXPECT_EQ(RouteTable::LiveCount(), live_before);
  // Only the cache was left holding the stable host; it is gone with it.
  EXPECT_TRUE(shared_action.expired());
}

TEST(TablePublisherTest, ActionHandleOutlivesReplacedTable) {
  TablePublisher publisher;
  RcuThreadRegistration registration;
  publisher.Publish(TableFor(1));
  LookupResult held = publisher.Lookup(ViewFor("a.example.com"));
  publisher.Publish(TableFor(2));  // frees table 1 before it returns
  ASSERT_NE(held.action, nullptr);
  EXPECT_EQ(held.action->name(), "a.example.com/1");
  EXPECT_EQ(publisher.Lookup(ViewFor("a.example.com")).action->name(), "a.example.com/2");
}

}  // namespace
}  // namespace atrium::table

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/table/compiled_host.h"
#include "proxy/table/endpoint_set_pool.h"
#include "proxy/table/route_table.h"

namespace atrium::table {
namespace {

ir::VirtualHost Host(std::string hostname, int routes) {
  ir::VirtualHost vhost;
  vhost.kind = ir::HostnameKind::kExact;
  vhost.hostname = hostname;
  for (int r = 0; r < routes; ++r) {
    ir::Route route;
    route.name = hostname + "/" + std::to_string(r);
    route.match.path = {ir::PathMatchKind::kPrefix, "/r" + std::to_string(r)};
    route.backends.push_back({"ns/" + hostname + ":80",
                              1,
                              true,
                              {{"10.0.0.1", 80, true}, {"10.0.0.2", 80, false}},
                              {},
                              {}});
    vhost.routes.push_back(std::move(route));
  }
  return vhost;
}

ir::RouteConfig Config() {
  ir::RouteConfig config;
  ir::Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  listener.virtual_hosts = {Host("a.io", 3), Host("b.io", 2), Host("c.io", 1)};
  config.listeners.push_back(std::move(listener));
  return config;
}

LookupResult Get(const RouteTable& table, std::string_view host, std::string_view path) {
  RequestView view;
  view.bind_port = 8080;
  view.host = host;
  view.path = path;
  view.method = "GET";
  return table.Lookup(view);
}

TEST(CompileCacheTest, ReusesUnchangedHostsAndRebuildsChangedOnes) {
  CompileCache cache;
  ir::RouteConfig config = Config();
  auto first = RouteTable::Compile(config, 1, nullptr, &cache);
  EXPECT_EQ(cache.reused_hosts(), 0u);
  EXPECT_EQ(cache.built_hosts(), 3u);

  // b.io's endpoints change; a.io and c.io do not.
  config.listeners[0]
      .virtual_hosts[1]
      .Mutable()
      .routes[0]
      .Mutable()
      .backends[0]
      .endpoints.Mutable()[0]
      .port = 81;
  config.listeners[0]
      .virtual_hosts[1]
      .Mutable()
      .routes[1]
      .Mutable()
      .backends[0]
      .endpoints.Mutable()[0]
      .port = 81;
  auto second = RouteTable::Compile(config, 2, nullptr, &cache);
  EXPECT_EQ(cache.reused_hosts(), 2u);
  EXPECT_EQ(cache.built_hosts(), 1u);
  EXPECT_EQ(cache.reused_host_indexes(), 1u);  // the same hostnames in the same order

  // Unchanged: the very same action (and its endpoints) serves both tables.
  EXPECT_EQ(Get(*first, "a.io", "/r1").action, Get(*second, "a.io", "/r1").action);
  EXPECT_EQ(Get(*first, "c.io", "/r0").action, Get(*second, "c.io", "/r0").action);
  // Changed: a new action with the new endpoints.
  const LookupResult old_b = Get(*first, "b.io", "/r0");
  const LookupResult new_b = Get(*second, "b.io", "/r0");
  ASSERT_EQ(new_b.status, 0);
  EXPECT_NE(old_b.action, new_b.action);
  EXPECT_EQ(old_b.action->backends[0].endpoints->endpoints[0].port, 80);
  EXPECT_EQ(new_b.action->backends[0].endpoints->endpoints[0].port, 81);
  // Both routes of b.io share one EndpointSet, within the table.
  EXPECT_EQ(Get(*second, "b.io", "/r1").action->backends[0].endpoints,
            new_b.action->backends[0].endpoints);
  EXPECT_EQ(new_b.generation, 2u);
  EXPECT_EQ(second->route_count(), 6u);
  EXPECT_EQ(second->host_count(), 3u);
  EXPECT_EQ(second->endpoint_count(), 3u);  // one ready endpoint per backend name

  // The first table can go first: the second holds what it shares.
  first.reset();
  EXPECT_EQ(Get(*second, "a.io", "/r2").action->name(), "a.io/2");
}

TEST(CompileCacheTest, TablesWithAndWithoutCacheAreEqualInBehaviourAndCounts) {
  CompileCache cache;
  ir::RouteConfig config = Config();
  RouteTable::Compile(config, 1, nullptr, &cache);
  config.listeners[0].virtual_hosts.pop_back();
  config.listeners[0].virtual_hosts.push_back(Host("d.io", 2));
  auto cached = RouteTable::Compile(config, 2, nullptr, &cache);
  auto plain = RouteTable::Compile(config, 2);
  EXPECT_EQ(cache.reused_hosts(), 2u);
  EXPECT_EQ(cache.reused_host_indexes(), 0u);  // c.io left, d.io came
  EXPECT_EQ(cached->route_count(), plain->route_count());
  EXPECT_EQ(cached->host_count(), plain->host_count());
  EXPECT_EQ(cached->endpoint_count(), plain->endpoint_count());
  EXPECT_EQ(cached->config(), plain->config());
  for (const char* host : {"a.io", "b.io", "c.io", "d.io"}) {
    for (const char* path : {"/r0", "/r1/x", "/r2", "/r3", "/"}) {
      const LookupResult a = Get(*cached, host, path);
      const LookupResult b = Get(*plain, host, path);
      EXPECT_EQ(a.status, b.status) << host << path;
      if (a.status == 0 && b.status == 0) {
        EXPECT_EQ(a.action->name(), b.action->name());
      }
    }
  }
  EXPECT_EQ(Get(*cached, "c.io", "/r0").status, 404);
}

TEST(CompileCacheTest, ReorderedHostsGetANewIndexAndKeepTheirRoutes) {
  CompileCache cache;
  ir::RouteConfig config = Config();
  auto first = RouteTable::Compile(config, 1, nullptr, &cache);
  auto& hosts = config.listeners[0].virtual_hosts;
  std::swap(hosts[0], hosts[2]);
  auto second = RouteTable::Compile(config, 2, nullptr, &cache);
  EXPECT_EQ(cache.reused_hosts(), 3u);
  EXPECT_EQ(cache.reused_host_indexes(), 0u);
  EXPECT_EQ(Get(*second, "a.io", "/r2").action->name(), "a.io/2");
  EXPECT_EQ(Get(*second, "c.io", "/r0").action->name(), "c.io/0");
  EXPECT_EQ(Get(*second, "c.io", "/r1").status, 404);
  // Back to the first order: the index of the second compile does not fit.
  std::swap(hosts[0], hosts[2]);
  auto third = RouteTable::Compile(config, 3, nullptr, &cache);
  EXPECT_EQ(cache.reused_host_indexes(), 0u);
  EXPECT_EQ(Get(*third, "a.io", "/r2").action->name(), "a.io/2");
  auto fourth = RouteTable::Compile(config, 4, nullptr, &cache);
  EXPECT_EQ(cache.reused_host_indexes(), 1u);
  EXPECT_EQ(Get(*fourth, "c.io", "/r0").action->name(), "c.io/0");
}

TEST(CompileCacheTest, ListenerPortOrTlsChangeRebuildsEvenEqualHosts) {
  CompileCache cache;
  ir::RouteConfig config = Config();
  auto first = RouteTable::Compile(config, 1, nullptr, &cache);
  config.listeners[0].port = 81;  // same socket, new spec port (redirects use it)
  auto second = RouteTable::Compile(config, 2, nullptr, &cache);
  EXPECT_EQ(cache.reused_hosts(), 0u);
  EXPECT_EQ(Get(*second, "a.io", "/r0").action->listener_port, 81);
  config.listeners[0].tls = true;
  auto third = RouteTable::Compile(config, 3, nullptr, &cache);
  EXPECT_EQ(cache.reused_hosts(), 0u);
  EXPECT_TRUE(Get(*third, "a.io", "/r0").action->listener_tls);
  auto fourth = RouteTable::Compile(config, 4, nullptr, &cache);
  EXPECT_EQ(cache.reused_hosts(), 3u);
}

TEST(CompileCacheTest, ErrorsOfAReusedHostAreReportedAgain) {
  CompileCache cache;
  ir::RouteConfig config = Config();
  ir::Route bad;
  bad.name = "bad";
  bad.match.path = {ir::PathMatchKind::kRegularExpression, "(unclosed"};
  config.listeners[0].virtual_hosts[0].Mutable().routes.insert(
      config.listeners[0].virtual_hosts[0].Mutable().routes.begin(), bad);
  std::vector<std::string> first_errors;
  RouteTable::Compile(config, 1, &first_errors, &cache);
  std::vector<std::string> second_errors;
  auto second = RouteTable::Compile(config, 2, &second_errors, &cache);
  EXPECT_EQ(cache.reused_hosts(), 3u);
  ASSERT_EQ(first_errors.size(), 1u);
  EXPECT_EQ(second_errors, first_errors);
  EXPECT_NE(second_errors[0].find("bad"), std::string::npos);
  EXPECT_EQ(second->route_count(), 6u);
}

TEST(EndpointSetPoolTest, SharesEqualReadySetsWithinAndAcrossCompiles) {
  const ir::Backend a{"ns/a:80", 1, true, {{"10.0.0.1", 80, true}, {"10.0.0.9", 80, false}},
                      {},        {}};
  const ir::Backend a_same_ready{"ns/a:80", 5, true, {{"10.0.0.1", 80, true}}, {}, {}};
  const ir::Backend a_moved{"ns/a:80", 1, true, {{"10.0.0.2", 80, true}}, {}, {}};
  EndpointSetPool first;
  const auto set = first.Get(a);
  ASSERT_EQ(set->endpoints.size(), 1u);  // ready endpoints only
  EXPECT_EQ(first.Get(a_same_ready), set);
  const auto moved = first.Get(a_moved);
  EXPECT_NE(moved, set);
  EXPECT_EQ(first.sets().at("ns/a:80"), moved);  // the latest wins

  auto previous = first.TakeSets();
  EndpointSetPool second(&previous);
  EXPECT_EQ(second.Get(a_moved), moved);  // unchanged since the last compile
  EXPECT_NE(second.Get(a), set);          // changed back: a new set
}

TEST(CompileCacheTest, SharedConfigIsKeptWithoutACopy) {
  auto config = std::make_shared<const ir::RouteConfig>(Config());
  auto table = RouteTable::Compile(config, 1);
  EXPECT_EQ(&table->config(), config.get());
  EXPECT_EQ(Get(*table, "b.io", "/r1").action->name(), "b.io/1");
  auto empty = RouteTable::Compile(std::shared_ptr<const ir::RouteConfig>(), 2);
  EXPECT_TRUE(empty->config().listeners.empty());
  EXPECT_EQ(Get(*empty, "b.io", "/r1").status, 404);
}

ir::Route RouteTo(std::string name, std::vector<std::string> backends) {
  ir::Route route;
  route.name = std::move(name);
  route.match.path = {ir::PathMatchKind::kPrefix, "/" + route.name};
  for (std::string& backend : backends) {
    route.backends.push_back({std::move(backend), 1, true, {{"10.0.0.1", 80, true}}, {}, {}});
  }
  if (route.backends.empty()) route.direct_status = 503;
  return route;
}

std::vector<std::string> VisitedNames(const CompiledHost& host) {
  std::vector<std::string> names;
  host.ForEachEndpointSet(
      [&names](const std::string& name, const std::shared_ptr<const EndpointSet>& set) {
        EXPECT_NE(set, nullptr);
        names.push_back(name);
      });
  return names;
}

// A reused host hands its (backend, set) pairs to the next table's pool from
// pointers into its actions: in order, repeats in a row dropped.
TEST(CompiledHostTest, VisitsItsEndpointSetsInOrderWithoutRepeatsInARow) {
  ir::VirtualHost vhost;
  vhost.kind = ir::HostnameKind::kExact;
  vhost.hostname = "a.io";
  vhost.routes = {RouteTo("direct", {}), RouteTo("r0", {"ns/a:80", "ns/a:80"}),
                  RouteTo("r1", {"ns/b:80"}), RouteTo("r2", {"ns/a:80"})};
  EndpointSetPool pool;
  const auto host = CompiledHost::Build(vhost, 80, false, pool);
  EXPECT_EQ(VisitedNames(*host), (std::vector<std::string>{"ns/a:80", "ns/b:80", "ns/a:80"}));

  // One pair, behind a route without backends: no list, the first target.
  vhost.routes = {RouteTo("direct", {}), RouteTo("r0", {"ns/c:80"}), RouteTo("r1", {"ns/c:80"})};
  const auto single = CompiledHost::Build(vhost, 80, false, pool);
  EXPECT_EQ(VisitedNames(*single), (std::vector<std::string>{"ns/c:80"}));

  vhost.routes = {RouteTo("direct", {})};
  const auto none = CompiledHost::Build(vhost, 80, false, pool);
  EXPECT_TRUE(VisitedNames(*none).empty());
}

}  // namespace
}  // namespace atrium::table

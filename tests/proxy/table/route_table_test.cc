#include "proxy/table/route_table.h"

#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace atrium::table {
namespace {

ir::Route PathRoute(std::string name, ir::PathMatchKind kind, std::string path) {
  ir::Route route;
  route.name = std::move(name);
  route.match.path = {kind, std::move(path)};
  route.backends.push_back({"default/svc:80", 1, true, {{"127.0.0.1", 9000, true}}, {}, {}});
  return route;
}

ir::RouteConfig OneHost(ir::VirtualHost vhost) {
  ir::RouteConfig config;
  ir::Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  listener.virtual_hosts.push_back(std::move(vhost));
  config.listeners.push_back(std::move(listener));
  return config;
}

class MapHeaders : public HeaderSource {
 public:
  explicit MapHeaders(std::initializer_list<std::pair<const std::string, std::string>> headers)
      : headers_(std::move(headers)) {}
  std::optional<std::string_view> Find(std::string_view name) const override {
    for (const auto& [key, value] : headers_) {
      if (key.size() == name.size() &&
          std::equal(key.begin(), key.end(), name.begin(),
                     [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
        return value;
      }
    }
    return std::nullopt;
  }

 private:
  std::map<std::string, std::string> headers_;
};

// Matched returns the name of the route serving the request, or "404".
std::string Matched(const RouteTable& table, std::string_view host, std::string_view path,
                    std::string_view method = "GET", std::string_view query = "",
                    const HeaderSource* headers = nullptr, uint16_t bind_port = 8080) {
  RequestView view;
  view.bind_port = bind_port;
  view.host = host;
  view.path = path;
  view.method = method;
  view.query = query;
  view.headers = headers;
  LookupResult result = table.Lookup(view);
  if (result.status != 0) return std::to_string(result.status);
  return result.action->name();
}

// One row of the path examples table in the Kubernetes Ingress documentation
// (concepts/services-networking/ingress, "Examples"). Routes are listed in
// the precedence order translate produces (longest path first, Exact before
// Prefix); "404" means the request falls through to no route.
struct IngressExample {
  std::vector<std::pair<ir::PathMatchKind, std::string>> paths;
  std::string request;
  std::string expected;  // index into paths as text, or "404"
};

class IngressDocsExamplesTest : public testing::TestWithParam<IngressExample> {};

TEST_P(IngressDocsExamplesTest, MatchesAsDocumented) {
  const IngressExample& example = GetParam();
  ir::VirtualHost vhost;
  for (size_t i = 0; i < example.paths.size(); ++i) {
    vhost.routes.push_back(
        PathRoute(std::to_string(i), example.paths[i].first, example.paths[i].second));
  }
  auto table = RouteTable::Compile(OneHost(vhost), 1);
  EXPECT_EQ(Matched(*table, "example.com", example.request), example.expected)
      << "request " << example.request;
}

using K = ir::PathMatchKind;
INSTANTIATE_TEST_SUITE_P(
    KubernetesDocs, IngressDocsExamplesTest,
    testing::Values(
        IngressExample{{{K::kPrefix, "/"}}, "/anything/at/all", "0"},
        IngressExample{{{K::kExact, "/foo"}}, "/foo", "0"},
        IngressExample{{{K::kExact, "/foo"}}, "/bar", "404"},
        IngressExample{{{K::kExact, "/foo"}}, "/foo/", "404"},
        IngressExample{{{K::kExact, "/foo/"}}, "/foo", "404"},
        IngressExample{{{K::kPrefix, "/foo"}}, "/foo", "0"},
        IngressExample{{{K::kPrefix, "/foo"}}, "/foo/", "0"},
        IngressExample{{{K::kPrefix, "/foo/"}}, "/foo", "0"},
        IngressExample{{{K::kPrefix, "/foo/"}}, "/foo/", "0"},
        IngressExample{{{K::kPrefix, "/aaa/bb"}}, "/aaa/bbb", "404"},
        IngressExample{{{K::kPrefix, "/aaa/bbb"}}, "/aaa/bbb", "0"},
        IngressExample{{{K::kPrefix, "/aaa/bbb/"}}, "/aaa/bbb", "0"},
        IngressExample{{{K::kPrefix, "/aaa/bbb"}}, "/aaa/bbb/", "0"},
        IngressExample{{{K::kPrefix, "/aaa/bbb"}}, "/aaa/bbb/ccc", "0"},
        IngressExample{{{K::kPrefix, "/aaa/bbb"}}, "/aaa/bbbxyz", "404"},
        // "/" and "/aaa": translate orders the longer prefix first.
        IngressExample{{{K::kPrefix, "/aaa"}, {K::kPrefix, "/"}}, "/aaa/ccc", "0"},
        IngressExample{
            {{K::kPrefix, "/aaa/bbb"}, {K::kPrefix, "/aaa"}, {K::kPrefix, "/"}}, "/aaa/bbb", "0"},
        IngressExample{
            {{K::kPrefix, "/aaa/bbb"}, {K::kPrefix, "/aaa"}, {K::kPrefix, "/"}}, "/ccc", "2"},
        IngressExample{{{K::kPrefix, "/aaa"}}, "/ccc", "404"},
        // Mixed: Exact /foo is ordered before Prefix /foo.
        IngressExample{{{K::kExact, "/foo"}, {K::kPrefix, "/foo"}}, "/foo", "0"},
        IngressExample{{{K::kExact, "/foo"}, {K::kPrefix, "/foo"}}, "/foo/x", "1"}));

TEST(RouteTableTest, FirstRouteInPrecedenceOrderWinsEvenWhenIndexedDifferently) {
  ir::VirtualHost vhost;
  ir::Route header_route = PathRoute("header", K::kPrefix, "/");
  header_route.match.headers.push_back({ir::ValueMatchKind::kExact, "version", "two"});
  vhost.routes.push_back(header_route);                          // tested, index 0
  vhost.routes.push_back(PathRoute("exact", K::kExact, "/a"));   // indexed, index 1
  vhost.routes.push_back(PathRoute("prefix", K::kPrefix, "/"));  // indexed, index 2
  auto table = RouteTable::Compile(OneHost(vhost), 1);
  MapHeaders with_header({{"Version", "two"}});
  MapHeaders without_header({{"other", "x"}});
  EXPECT_EQ(Matched(*table, "h", "/a", "GET", "", &with_header), "header");
  EXPECT_EQ(Matched(*table, "h", "/a", "GET", "", &without_header), "exact");
  EXPECT_EQ(Matched(*table, "h", "/b", "GET", "", &without_header), "prefix");
}

TEST(RouteTableTest, HeaderQueryAndMethodConditionsAllMustHold) {
  ir::VirtualHost vhost;
  ir::Route route = PathRoute("all", K::kPrefix, "/api");
  route.match.headers.push_back({ir::ValueMatchKind::kRegularExpression, "x-env", "prod|stage"});
  route.match.query_params.push_back({ir::ValueMatchKind::kExact, "debug", "1"});
  route.match.method = "POST";
  vhost.routes.push_back(route);
  auto table = RouteTable::Compile(OneHost(vhost), 1);
  MapHeaders prod({{"X-Env", "prod"}});
  MapHeaders dev({{"X-Env", "dev"}});
  EXPECT_EQ(Matched(*table, "h", "/api/x", "POST", "debug=1", &prod), "all");
  EXPECT_EQ(Matched(*table, "h", "/api/x", "GET", "debug=1", &prod), "404");
  EXPECT_EQ(Matched(*table, "h", "/api/x", "POST", "debug=2", &prod), "404");
  EXPECT_EQ(Matched(*table, "h", "/api/x", "POST", "debug=1", &dev), "404");
  EXPECT_EQ(Matched(*table, "h", "/api/x", "POST", "debug=1", nullptr), "404");
}

ir::VirtualHost Host(ir::HostnameKind kind, std::string hostname, std::string route_name) {
  ir::VirtualHost vhost;
  vhost.kind = kind;
  vhost.hostname = std::move(hostname);
  vhost.routes.push_back(PathRoute(std::move(route_name), K::kPrefix, "/"));
  return vhost;
}

TEST(RouteTableTest, HostsExactThenLongestWildcardThenCatchAll) {
  ir::RouteConfig config = OneHost(Host(ir::HostnameKind::kExact, "foo.example.com", "exact"));
  auto& hosts = config.listeners[0].virtual_hosts;
  hosts.push_back(Host(ir::HostnameKind::kWildcardOneLabel, "*.example.com", "ingress-wild"));
  hosts.push_back(Host(ir::HostnameKind::kWildcardAnyLabels, "*.gw.io", "gateway-wild"));
  hosts.push_back(Host(ir::HostnameKind::kWildcardAnyLabels, "*.deep.gw.io", "deeper-wild"));
  hosts.push_back(Host(ir::HostnameKind::kAny, "", "any"));
  auto table = RouteTable::Compile(config, 1);

  EXPECT_EQ(Matched(*table, "foo.example.com", "/"), "exact");
  EXPECT_EQ(Matched(*table, "FOO.Example.COM:8080", "/"), "exact");
  EXPECT_EQ(Matched(*table, "foo.example.com.", "/"), "exact");
  EXPECT_EQ(Matched(*table, "bar.example.com", "/"), "ingress-wild");
  // An Ingress wildcard covers exactly one label.
  EXPECT_EQ(Matched(*table, "baz.bar.example.com", "/"), "any");
  EXPECT_EQ(Matched(*table, "example.com", "/"), "any");
  // A Gateway API wildcard covers one or more labels; the longest suffix wins.
  EXPECT_EQ(Matched(*table, "a.gw.io", "/"), "gateway-wild");
  EXPECT_EQ(Matched(*table, "a.b.c.gw.io", "/"), "gateway-wild");
  EXPECT_EQ(Matched(*table, "a.deep.gw.io", "/"), "deeper-wild");
  EXPECT_EQ(Matched(*table, "gw.io", "/"), "any");
  EXPECT_EQ(Matched(*table, "", "/"), "any");
  EXPECT_EQ(Matched(*table, "[::1]:8080", "/"), "any");
}

TEST(RouteTableTest, MostSpecificHostNeverFallsBackToALessSpecificOne) {
  ir::RouteConfig config = OneHost(Host(ir::HostnameKind::kAny, "", "any"));
  ir::VirtualHost exact;
  exact.kind = ir::HostnameKind::kExact;
  exact.hostname = "foo.example.com";
  exact.routes.push_back(PathRoute("exact-api", K::kPrefix, "/api"));
  config.listeners[0].virtual_hosts.push_back(exact);
  auto table = RouteTable::Compile(config, 1);
  EXPECT_EQ(Matched(*table, "foo.example.com", "/api"), "exact-api");
  EXPECT_EQ(Matched(*table, "foo.example.com", "/other"), "404");
  EXPECT_EQ(Matched(*table, "bar.example.com", "/other"), "any");
}

// The HTTPRouteHTTPSListener shape: listener "https" (no hostname, scope
// "") serves example.org, listener "https-with-hostname" (scope
// second-example.org) serves second-example.org. The SNI picks the
// listener; a Host owned by another listener is 404; without SNI, or on a
// host without scope, the Host alone decides.
TEST(RouteTableTest, SniScopeRestrictsAConnectionToTheListenerItsSniChose) {
  ir::VirtualHost any = Host(ir::HostnameKind::kAny, "", "catch-all");
  any.routes.clear();
  any.sni_scope = "";
  ir::RouteConfig config = OneHost(any);
  config.listeners[0].tls = true;
  ir::VirtualHost example = Host(ir::HostnameKind::kExact, "example.org", "example");
  example.sni_scope = "";
  ir::VirtualHost second = Host(ir::HostnameKind::kExact, "second-example.org", "second");
  second.sni_scope = "second-example.org";
  ir::VirtualHost unscoped = Host(ir::HostnameKind::kExact, "ingress.example.net", "ingress");
  config.listeners[0].virtual_hosts.push_back(example);
  config.listeners[0].virtual_hosts.push_back(unscoped);
  config.listeners[0].virtual_hosts.push_back(second);
  auto table = RouteTable::Compile(config, 1);
  auto with_sni = [&](std::string_view sni, std::string_view host) {
    RequestView view;
    view.bind_port = 8080;
    view.host = host;
    view.path = "/";
    view.method = "GET";
    view.server_name = sni;
    LookupResult result = table->Lookup(view);
    return result.status != 0 ? std::to_string(result.status) : result.action->name();
  };
  EXPECT_EQ(with_sni("example.org", "example.org"), "example");
  EXPECT_EQ(with_sni("unknown-example.org", "example.org"), "example");  // same listener
  EXPECT_EQ(with_sni("second-example.org", "second-example.org"), "second");
  EXPECT_EQ(with_sni("SECOND-example.org", "second-example.org:443"), "second");
  EXPECT_EQ(with_sni("unknown-example.org", "second-example.org"), "404");
  EXPECT_EQ(with_sni("second-example.org", "example.org"), "404");
  EXPECT_EQ(with_sni("", "second-example.org"), "second");
  EXPECT_EQ(with_sni("second-example.org", "ingress.example.net"), "ingress");
}

TEST(RouteTableTest, ListenersAreSelectedByBoundPortAndAddress) {
  ir::RouteConfig config;
  ir::Listener any_address;
  any_address.port = 80;
  any_address.bind_port = 8080;
  any_address.virtual_hosts.push_back(Host(ir::HostnameKind::kAny, "", "any-address"));
  ir::Listener loopback = any_address;
  loopback.address = "127.0.0.2";
  loopback.virtual_hosts[0].Mutable().routes[0].Mutable().name = "loopback";
  ir::Listener other_port = any_address;
  other_port.port = 9090;
  other_port.bind_port = 9090;
  other_port.virtual_hosts[0].Mutable().routes[0].Mutable().name = "other-port";
  config.listeners = {any_address, loopback, other_port};
  auto table = RouteTable::Compile(config, 1);

  RequestView view;
  view.path = "/";
  view.bind_port = 8080;
  view.address = "127.0.0.1";
  EXPECT_EQ(table->Lookup(view).action->name(), "any-address");
  view.address = "127.0.0.2";
  EXPECT_EQ(table->Lookup(view).action->name(), "loopback");
  view.bind_port = 9090;
  EXPECT_EQ(table->Lookup(view).action->name(), "other-port");
  view.bind_port = 7070;
  EXPECT_EQ(table->Lookup(view).status, 404);

  std::vector<ListenerKey> keys = table->Listeners();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[1].address, "127.0.0.2");
  EXPECT_EQ(keys[2].port, 9090);
}

TEST(RouteTableTest, ActionCarriesBackendsWeightsAndOnlyReadyEndpoints) {
  ir::VirtualHost vhost;
  ir::Route route = PathRoute("weighted", K::kPrefix, "/");
  route.backends.clear();
  route.backends.push_back(
      {"ns/a:80", 3, true, {{"10.0.0.1", 80, true}, {"10.0.0.2", 80, false}}, {}, {}});
  route.backends.push_back({"ns/b:80", 0, true, {{"10.0.0.3", 80, true}}, {}, {}});
  route.backends.push_back({"ns/missing:80", 1, false, {}, {}, {}});
  vhost.routes.push_back(route);
  auto table = RouteTable::Compile(OneHost(vhost), 7);
  RequestView view;
  view.bind_port = 8080;
  view.path = "/";
  LookupResult result = table->Lookup(view);
  ASSERT_EQ(result.status, 0);
  EXPECT_EQ(result.generation, 7u);
  const RouteAction& action = *result.action;
  ASSERT_EQ(action.backends.size(), 3u);
  EXPECT_EQ(action.total_weight, 4u);
  EXPECT_EQ(action.backends[0].endpoints->endpoints.size(), 1u);
  EXPECT_EQ(action.backends[0].endpoints->endpoints[0].address, "10.0.0.1");
  EXPECT_EQ(action.backends[1].weight(), 0u);
  EXPECT_FALSE(action.backends[2].valid());
  EXPECT_EQ(action.listener_port, 80);
  EXPECT_EQ(table->route_count(), 1u);
  EXPECT_EQ(table->endpoint_count(), 2u);
}

// A compiled action is the configuration's route itself, and a backend
// target points at the route's backend: at thousands of routes, copies of
// them were a third of the table's memory.
TEST(RouteTableTest, ActionsShareTheConfigurationsRoutes) {
  ir::VirtualHost vhost;
  vhost.routes.push_back(PathRoute("r", ir::PathMatchKind::kPrefix, "/"));
  auto config = std::make_shared<const ir::RouteConfig>(OneHost(vhost));
  auto table = RouteTable::Compile(config, 1);
  RequestView view;
  view.bind_port = 8080;
  view.path = "/";
  LookupResult result = table->Lookup(view);
  ASSERT_EQ(result.status, 0);
  const ir::Route& configured = *config->listeners[0].virtual_hosts[0]->routes[0];
  EXPECT_EQ(result.action->route.get(), &configured);
  ASSERT_EQ(result.action->backends.size(), 1u);
  EXPECT_EQ(result.action->backends[0].backend, &configured.backends[0]);
  EXPECT_EQ(result.action->name(), "r");
}

TEST(RouteTableTest, InvalidRegexDropsOnlyThatRoute) {
  ir::VirtualHost vhost;
  vhost.routes.push_back(PathRoute("bad", K::kRegularExpression, "/(unclosed"));
  vhost.routes.push_back(PathRoute("good", K::kPrefix, "/"));
  std::vector<std::string> errors;
  auto table = RouteTable::Compile(OneHost(vhost), 1, &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("bad"), std::string::npos);
  EXPECT_EQ(Matched(*table, "h", "/unclosed"), "good");
}

// A host's actions are one array with one owner count (CompiledHost): each
// route must still get its own action, routes left out must not shift the
// others onto the wrong action, and an action must outlive its table.
TEST(RouteTableTest, ActionsStayDistinctAndOutliveTheirTable) {
  ir::VirtualHost vhost;
  vhost.routes.push_back(PathRoute("exact", K::kExact, "/a/b"));
  vhost.routes.push_back(PathRoute("bad", K::kRegularExpression, "/(unclosed"));
  vhost.routes.push_back(PathRoute("regex", K::kRegularExpression, "/r[0-9]+"));
  vhost.routes.push_back(PathRoute("prefix", K::kPrefix, "/a"));
  vhost.routes.push_back(PathRoute("root", K::kPrefix, "/"));
  auto table = RouteTable::Compile(OneHost(vhost), 1);
  EXPECT_EQ(table->route_count(), 4u);
  std::vector<std::pair<std::string, std::shared_ptr<const RouteAction>>> held;
  for (const char* path : {"/a/b", "/r12", "/a/c", "/x"}) {
    RequestView view;
    view.bind_port = 8080;
    view.host = "h";
    view.path = path;
    view.method = "GET";
    LookupResult result = table->Lookup(view);
    ASSERT_EQ(result.status, 0) << path;
    held.emplace_back(path, result.action);
  }
  table.reset();
  ASSERT_EQ(held.size(), 4u);
  EXPECT_EQ(held[0].second->name(), "exact");
  EXPECT_EQ(held[1].second->name(), "regex");
  EXPECT_EQ(held[2].second->name(), "prefix");
  EXPECT_EQ(held[3].second->name(), "root");
  EXPECT_EQ(held[2].second->path_match().value, "/a");
  EXPECT_EQ(held[3].second->backends[0].endpoints->endpoints[0].port, 9000);
}

// DemoteToSharedCache is a cache hint: every lookup answers as before, on
// tables with exact, wildcard and catch-all hosts, hosts without routes, and
// no listeners at all.
TEST(RouteTableTest, DemoteToSharedCacheChangesNoLookup) {
  ir::RouteConfig config;
  ir::Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  const std::pair<ir::HostnameKind, const char*> hosts[] = {
      {ir::HostnameKind::kExact, "a.example.com"},
      {ir::HostnameKind::kWildcardAnyLabels, "*.example.com"},
      {ir::HostnameKind::kExact, "empty.example.com"},
      {ir::HostnameKind::kAny, ""}};
  for (const auto& [kind, name] : hosts) {
    ir::VirtualHost vhost;
    vhost.kind = kind;
    vhost.hostname = name;
    if (std::string_view(name) != "empty.example.com") {
      vhost.routes.push_back(PathRoute(std::string(name) + "/api", K::kPrefix, "/api"));
      vhost.routes.push_back(PathRoute(std::string(name) + "/exact", K::kExact, "/e"));
    }
    listener.virtual_hosts.push_back(std::move(vhost));
  }
  config.listeners.push_back(std::move(listener));
  auto table = RouteTable::Compile(config, 1);
  const std::pair<const char*, const char*> requests[] = {
      {"a.example.com", "/api/x"}, {"b.example.com", "/e"},    {"empty.example.com", "/api"},
      {"other.io:80", "/api"},     {"a.example.com", "/none"}, {"A.EXAMPLE.COM.", "/e"}};
  std::vector<std::string> before;
  for (const auto& [host, path] : requests) before.push_back(Matched(*table, host, path));
  table->DemoteToSharedCache();
  for (size_t i = 0; i < std::size(requests); ++i) {
    EXPECT_EQ(Matched(*table, requests[i].first, requests[i].second), before[i]);
  }
  EXPECT_EQ(before[0], "a.example.com/api");
  EXPECT_EQ(before[1], "*.example.com/exact");
  EXPECT_EQ(before[2], "404");
  EXPECT_EQ(before[3], "/api");
  RouteTable::Compile(ir::RouteConfig(), 2)->DemoteToSharedCache();
}

TEST(RouteTableTest, NormalizeHost) {
  EXPECT_EQ(NormalizeHost("Foo.Example.com:8080"), "foo.example.com");
  EXPECT_EQ(NormalizeHost("[::1]:80"), "[::1]");
  EXPECT_EQ(NormalizeHost("example.com."), "example.com");
  EXPECT_EQ(NormalizeHost(""), "");
}

}  // namespace
}  // namespace atrium::table

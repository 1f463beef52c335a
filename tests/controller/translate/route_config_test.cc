#include "controller/ir/route_config.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace atrium::ir {
namespace {

RouteConfig ValidConfig() {
  Route route;
  route.name = "httproute/ns/r/rule/0";
  route.backends.push_back(
      Backend{"ns/svc:80", 1, true, std::vector<Endpoint>{{"10.0.0.1", 8080, true}}, {}, ""});
  Listener listener;
  listener.port = 80;
  listener.bind_port = 8080;
  listener.virtual_hosts.push_back(VirtualHost{HostnameKind::kAny, "", {route}});
  listener.virtual_hosts.push_back(
      VirtualHost{HostnameKind::kWildcardAnyLabels, "*.example.com", {route}});
  listener.virtual_hosts.push_back(VirtualHost{HostnameKind::kExact, "a.example.com", {route}});
  RouteConfig config;
  config.listeners.push_back(listener);
  return config;
}

TEST(RouteConfigTest, ValidConfigHasNoProblems) {
  EXPECT_EQ(Validate(ValidConfig()), std::vector<std::string>{});
  EXPECT_EQ(Validate(RouteConfig{}), std::vector<std::string>{});
}

TEST(RouteConfigTest, ValidateFindsEachKindOfProblem) {
  struct Case {
    std::string what;
    std::function<void(RouteConfig&)> break_it;
    std::string expected;  // substring of the problem
  };
  const std::vector<Case> cases = {
      {"zero port", [](RouteConfig& c) { c.listeners[0].bind_port = 0; }, "zero port"},
      {"duplicate listener", [](RouteConfig& c) { c.listeners.push_back(c.listeners[0]); },
       "duplicate listener"},
      {"unsorted listeners",
       [](RouteConfig& c) {
         c.listeners.push_back(c.listeners[0]);
         c.listeners[1].bind_port = 9090;
         c.listeners[0].port = 90;
       },
       "not sorted"},
      {"unsorted hosts",
       [](RouteConfig& c) {
         std::swap(c.listeners[0].virtual_hosts[1], c.listeners[0].virtual_hosts[2]);
       },
       "not sorted"},
      {"duplicate host",
       [](RouteConfig& c) {
         c.listeners[0].virtual_hosts.push_back(c.listeners[0].virtual_hosts[2]);
       },
       "duplicate virtual host"},
      {"bad redirect",
       [](RouteConfig& c) {
         c.listeners[0].virtual_hosts[0].Mutable().routes[0].Mutable().filters.redirect =
             RequestRedirect{};
         c.listeners[0]
             .virtual_hosts[0]
             .Mutable()
             .routes[0]
             .Mutable()
             .filters.redirect->status_code = 200;
       },
       "redirect status code 200"},
      {"tls without certificates", [](RouteConfig& c) { c.listeners[0].tls = true; },
       "without certificates"},
      {"wildcard kind on exact name",
       [](RouteConfig& c) {
         c.listeners[0].virtual_hosts[2].Mutable().kind = HostnameKind::kWildcardOneLabel;
       },
       "does not fit its kind"},
      {"uppercase host",
       [](RouteConfig& c) { c.listeners[0].virtual_hosts[2].Mutable().hostname = "b.Example.com"; },
       "not lowercase"},
      {"route that cannot answer",
       [](RouteConfig& c) {
         c.listeners[0].virtual_hosts[0].Mutable().routes[0].Mutable().backends.clear();
       },
       "no backend"},
      {"bad mirror",
       [](RouteConfig& c) {
         c.listeners[0].virtual_hosts[0].Mutable().routes[0].Mutable().filters.mirrors.push_back(
             RequestMirror{"ns/m:80", {}, 5, 0});
       },
       "mirror fraction"},
  };
  for (const Case& c : cases) {
    RouteConfig config = ValidConfig();
    c.break_it(config);
    std::vector<std::string> problems = Validate(config);
    bool found = false;
    for (const std::string& problem : problems) {
      found = found || problem.find(c.expected) != std::string::npos;
    }
    EXPECT_TRUE(found) << c.what << ": " << nlohmann::json(problems).dump();
  }
}

// Hosts shared with a configuration known valid are not checked again;
// their order among the others, and every host not shared, still are.
TEST(RouteConfigTest, HostsSharedWithAValidConfigAreCheckedOnlyForTheirPlace) {
  RouteConfig known = ValidConfig();  // hosts: "", *.example.com, a.example.com
  // Stands for a host that passed before: its content is not checked again
  // when it is shared (the same object), only where it stands.
  known.listeners[0].virtual_hosts[2].Mutable().hostname = "A.example.com";
  ASSERT_EQ(Validate(known).size(), 1u);  // not lowercase
  RouteConfig shared = known;
  EXPECT_TRUE(Validate(shared, &known).empty());

  // A new host among them is checked, in its place.
  std::vector<SharedValue<VirtualHost>>& hosts = shared.listeners[0].virtual_hosts;
  hosts.push_back(VirtualHost{HostnameKind::kExact, "B.example.com", {}});
  std::vector<std::string> problems = Validate(shared, &known);
  ASSERT_EQ(problems.size(), 1u) << nlohmann::json(problems).dump();
  EXPECT_NE(problems[0].find("\"B.example.com\": not lowercase"), std::string::npos) << problems[0];

  // Shared hosts out of order, or twice, are still found out.
  known = ValidConfig();
  RouteConfig swapped = known;
  std::swap(swapped.listeners[0].virtual_hosts[1], swapped.listeners[0].virtual_hosts[2]);
  problems = Validate(swapped, &known);
  ASSERT_FALSE(problems.empty());
  EXPECT_NE(problems[0].find("not sorted"), std::string::npos) << problems[0];
  RouteConfig twice = known;
  twice.listeners[0].virtual_hosts.push_back(twice.listeners[0].virtual_hosts.back());
  problems = Validate(twice, &known);
  ASSERT_EQ(problems.size(), 1u) << nlohmann::json(problems).dump();
  EXPECT_NE(problems[0].find("duplicate virtual host"), std::string::npos);

  // Shared only counts on the same socket: on another one the host is checked.
  RouteConfig other = ValidConfig();
  other.listeners[0].virtual_hosts[2].Mutable().hostname = "A.example.com";
  RouteConfig moved = other;
  moved.listeners[0].bind_port = 9090;
  problems = Validate(moved, &other);
  ASSERT_EQ(problems.size(), 1u) << nlohmann::json(problems).dump();
  EXPECT_NE(problems[0].find("not lowercase"), std::string::npos);
}

TEST(RouteConfigTest, ToJsonRendersEverythingButPrivateKeys) {
  RouteConfig config = ValidConfig();
  config.listeners[0].tls = true;
  config.listeners[0].certificates.push_back(
      TlsCertificate{{"a.example.com"}, "-----BEGIN CERTIFICATE-----", "SECRET-KEY-MATERIAL"});
  Route& route = config.listeners[0].virtual_hosts[0].Mutable().routes[0].Mutable();
  route.match.method = "GET";
  route.match.headers.push_back({ValueMatchKind::kRegularExpression, "x", "a.*"});
  route.timeouts = ir::Timeouts{.request_ms = 1500};
  route.retry = ir::Retry{.attempts = 2};
  route.direct_status = 503;
  nlohmann::json json = ToJson(config);
  std::string text = json.dump();
  EXPECT_EQ(text.find("SECRET-KEY-MATERIAL"), std::string::npos);
  const nlohmann::json& listener = json["listeners"][0];
  EXPECT_EQ(listener["bind_port"], 8080);
  EXPECT_EQ(listener["certificates"][0]["hostnames"][0], "a.example.com");
  const nlohmann::json& rendered = listener["virtual_hosts"][0]["routes"][0];
  EXPECT_EQ(rendered["match"]["method"], "GET");
  EXPECT_EQ(rendered["match"]["headers"][0]["kind"], "regex");
  EXPECT_EQ(rendered["timeouts"]["request_ms"], 1500);
  EXPECT_EQ(rendered["retry"]["attempts"], 2);
  EXPECT_EQ(rendered["direct_status"], 503);
  EXPECT_EQ(rendered["backends"][0]["endpoints"][0]["port"], 8080);
  EXPECT_EQ(listener["virtual_hosts"][1]["kind"], "wildcard_any_labels");
}

}  // namespace
}  // namespace atrium::ir

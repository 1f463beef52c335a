// ServiceReferences: which Services the live configuration uses, followed
// from publish to publish by the virtual hosts that changed.

#include "controller/core/service_references.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace atrium::core {
namespace {

SharedValue<ir::VirtualHost> Host(const std::string& hostname,
                                  const std::vector<std::string>& backends,
                                  const std::string& mirror = "") {
  ir::Route route;
  route.name = "route/" + hostname;
  for (const std::string& backend : backends)
    route.backends.push_back(ir::Backend{.name = backend});
  if (!mirror.empty()) route.filters.mirrors.push_back(ir::RequestMirror{.backend_name = mirror});
  ir::VirtualHost vhost;
  vhost.kind = ir::HostnameKind::kExact;
  vhost.hostname = hostname;
  vhost.routes.emplace_back(std::move(route));
  return SharedValue<ir::VirtualHost>(std::move(vhost));
}

std::shared_ptr<const ir::RouteConfig> Config(
    const std::vector<std::vector<SharedValue<ir::VirtualHost>>>& listeners) {
  auto config = std::make_shared<ir::RouteConfig>();
  uint16_t port = 8080;
  for (const auto& hosts : listeners) {
    ir::Listener listener;
    listener.port = port;
    listener.bind_port = port++;
    listener.virtual_hosts = hosts;
    config->listeners.push_back(std::move(listener));
  }
  return config;
}

TEST(ServiceReferencesTest, FollowsTheServicesOfTheLiveConfiguration) {
  ServiceReferences references;
  std::vector<SharedValue<ir::VirtualHost>> hosts;
  for (int i = 0; i < 100; ++i) {
    hosts.push_back(Host("h" + std::to_string(i) + ".example.com", {"apps/common:80"}));
  }
  hosts.push_back(Host("a.example.com", {"apps/a:80"}, "apps/shadow:80"));
  hosts.push_back(Host("b.example.com", {"apps/b:80"}));
  auto first = Config({hosts});
  references.Update(first);
  EXPECT_TRUE(references.Contains("apps/common"));
  EXPECT_TRUE(references.Contains("apps/a"));
  EXPECT_TRUE(references.Contains("apps/shadow"));  // a mirror's backend
  EXPECT_FALSE(references.Contains("apps/other"));

  // One host in the middle replaced, one added at the end: apps/a is gone,
  // apps/c came, the rest is unchanged.
  auto changed = hosts;
  changed[100] = Host("a.example.com", {"apps/c:80"});
  changed.push_back(Host("d.example.com", {"apps/d:80"}));
  auto second = Config({changed});
  references.Update(second);
  EXPECT_FALSE(references.Contains("apps/a"));
  EXPECT_FALSE(references.Contains("apps/shadow"));
  EXPECT_TRUE(references.Contains("apps/c"));
  EXPECT_TRUE(references.Contains("apps/d"));
  EXPECT_TRUE(references.Contains("apps/b"));
  EXPECT_TRUE(references.Contains("apps/common"));
  references.Update(second);  // the same configuration: nothing changes
  EXPECT_TRUE(references.Contains("apps/c"));

  // The same hosts in another order, and one also served by a second
  // listener: dropping that listener keeps its Service.
  std::vector<SharedValue<ir::VirtualHost>> reversed(changed.rbegin(), changed.rend());
  auto both = Config({reversed, {changed[101]}});
  references.Update(both);
  EXPECT_TRUE(references.Contains("apps/b"));
  EXPECT_TRUE(references.Contains("apps/c"));
  references.Update(Config({reversed}));
  EXPECT_TRUE(references.Contains("apps/b"));

  // Every host gone, then no configuration at all.
  references.Update(Config({{changed[0]}}));
  EXPECT_TRUE(references.Contains("apps/common"));
  EXPECT_FALSE(references.Contains("apps/b"));
  EXPECT_FALSE(references.Contains("apps/d"));
  references.Update(nullptr);
  EXPECT_FALSE(references.Contains("apps/common"));
}

// Random edits of the kinds translate makes (hosts replaced, added,
// removed, runs of them, reordered, listeners added and dropped): after
// each, exactly the Services some host uses are referenced.
TEST(ServiceReferencesTest, RandomEditsFollowAFreshCount) {
  std::mt19937 random(20261203);  // fixed: a failure replays
  auto pick = [&random](size_t size) {
    return std::uniform_int_distribution<size_t>(0, size - 1)(random);
  };
  const std::vector<std::string> services = {"apps/a", "apps/b", "apps/c", "apps/d", "apps/e"};
  int made = 0;
  auto make_host = [&] {
    const std::string service = services[pick(services.size())];
    const std::string mirror = pick(4) == 0 ? services[pick(services.size())] + ":80" : "";
    return Host("h" + std::to_string(made++) + ".example.com", {service + ":80"}, mirror);
  };
  std::vector<std::vector<SharedValue<ir::VirtualHost>>> listeners(2);
  for (auto& hosts : listeners) {
    for (int i = 0; i < 30; ++i) hosts.push_back(make_host());
  }
  ServiceReferences references;
  for (int step = 0; step < 2000; ++step) {
    auto& hosts = listeners[pick(listeners.size())];
    switch (pick(7)) {
      case 0:  // one replaced
        if (!hosts.empty()) hosts[pick(hosts.size())] = make_host();
        break;
      case 1:  // a run added somewhere
        for (size_t n = 1 + pick(12), at = hosts.empty() ? 0 : pick(hosts.size()); n > 0; --n) {
          hosts.insert(hosts.begin() + static_cast<std::ptrdiff_t>(at), make_host());
        }
        break;
      case 2:  // a run removed
        if (!hosts.empty()) {
          const size_t at = pick(hosts.size());
          const size_t n = std::min(hosts.size() - at, 1 + pick(12));
          hosts.erase(hosts.begin() + static_cast<std::ptrdiff_t>(at),
                      hosts.begin() + static_cast<std::ptrdiff_t>(at + n));
        }
        break;
      case 3:  // two swapped
        if (!hosts.empty()) std::swap(hosts[pick(hosts.size())], hosts[pick(hosts.size())]);
        break;
      case 4:  // a host shared with another listener
        if (listeners.size() > 1 && !listeners[0].empty()) {
          listeners.back().push_back(listeners[0][pick(listeners[0].size())]);
        }
        break;
      case 5:  // a listener added or dropped
        if (listeners.size() > 1 && pick(2) == 0) {
          listeners.erase(listeners.begin() + static_cast<std::ptrdiff_t>(pick(listeners.size())));
        } else {
          listeners.emplace_back();
          for (size_t n = pick(10); n > 0; --n) listeners.back().push_back(make_host());
        }
        break;
      default:  // nothing changed
        break;
    }
    references.Update(Config(listeners));
    std::set<std::string> used;
    for (const auto& listener : listeners) {
      for (const auto& vhost : listener) {
        for (const ir::Route& route : vhost->routes) {
          for (const ir::Backend& backend : route.backends) {
            used.insert(backend.name.substr(0, backend.name.find(':')));
          }
          for (const ir::RequestMirror& mirror : route.filters.mirrors) {
            used.insert(mirror.backend_name.substr(0, mirror.backend_name.find(':')));
          }
        }
      }
    }
    for (const std::string& service : services) {
      ASSERT_EQ(references.Contains(service), used.contains(service))
          << "step " << step << ": " << service;
    }
  }
}

}  // namespace
}  // namespace atrium::core

// ServiceReferences: which Services the live configuration uses, followed
// from publish to publish by the virtual hosts that changed.

#include "controller/core/service_references.h"

#include <gtest/gtest.h>

#include <memory>
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

}  // namespace
}  // namespace atrium::core

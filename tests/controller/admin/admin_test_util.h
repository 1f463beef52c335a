#pragma once

// Shared fixtures of the admin tests: a small route configuration with a
// plain and a TLS listener, its compiled table, and an HTTP client for the
// admin server on 127.0.0.1.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "controller/ir/route_config.h"
#include "proxy/table/route_table.h"
#include "tests/proxy/tls/tls_test_support.h"

namespace atrium::admin::testing {

inline constexpr const char* kFooRoute = "httproute/default/foo/rule/0";
inline constexpr const char* kFooBackend = "default/foo:80";
inline constexpr const char* kBarRoute = "ingress/default/bar/0";
inline constexpr const char* kBarBackend = "default/bar:8080";
inline constexpr const char* kSecureRoute = "httproute/default/secure/rule/0";
// The TLS listener's certificate: a real one, because the table parses
// certificates when it compiles.
inline const atrium::testing::TestCertificate& SecureCertificate() {
  static const atrium::testing::TestCertificate certificate = atrium::testing::MakeCertificate(
      {.common_name = "secure.example.com", .dns_names = {"secure.example.com"}});
  return certificate;
}

// KeyMaterial is a line of the private key's body: it must never be served by
// any admin endpoint.
inline std::string KeyMaterial() {
  const std::string& pem = SecureCertificate().key_pem;
  size_t begin = pem.find('\n') + 1;
  return pem.substr(begin, pem.find('\n', begin) - begin);
}

inline ir::Backend MakeBackend(const std::string& name, std::vector<ir::Endpoint> endpoints) {
  ir::Backend backend;
  backend.name = name;
  backend.endpoints = std::move(endpoints);
  return backend;
}

inline ir::Route MakeRoute(const std::string& name, const std::string& prefix,
                           ir::Backend backend) {
  ir::Route route;
  route.name = name;
  route.match.path = {ir::PathMatchKind::kPrefix, prefix};
  route.backends.push_back(std::move(backend));
  return route;
}

// SampleConfig: port 80 (bound at 8080) serves foo.example.com (one route,
// two endpoints) and every other host (one route, one endpoint); port 443
// (bound at 8443) serves secure.example.com with a certificate and key.
// 3 hosts, 3 routes, 4 endpoints.
inline ir::RouteConfig SampleConfig() {
  ir::VirtualHost foo;
  foo.kind = ir::HostnameKind::kExact;
  foo.hostname = "foo.example.com";
  foo.routes.push_back(
      MakeRoute(kFooRoute, "/", MakeBackend(kFooBackend, {{"10.0.0.1", 80}, {"10.0.0.2", 80}})));

  ir::VirtualHost any;
  any.kind = ir::HostnameKind::kAny;
  any.routes.push_back(MakeRoute(kBarRoute, "/", MakeBackend(kBarBackend, {{"10.0.1.1", 8080}})));

  ir::Listener plain;
  plain.port = 80;
  plain.bind_port = 8080;
  plain.virtual_hosts = {foo, any};

  ir::VirtualHost secure;
  secure.kind = ir::HostnameKind::kExact;
  secure.hostname = "secure.example.com";
  secure.routes.push_back(
      MakeRoute(kSecureRoute, "/", MakeBackend("default/secure:443", {{"10.0.2.1", 443}})));
  ir::Listener tls;
  tls.port = 443;
  tls.bind_port = 8443;
  tls.tls = true;
  tls.certificates.push_back(
      {{"secure.example.com"}, SecureCertificate().certificate_pem, SecureCertificate().key_pem});
  tls.virtual_hosts = {secure};

  ir::RouteConfig config;
  config.listeners = {plain, tls};
  return config;
}

inline std::unique_ptr<table::RouteTable> CompileOrFail(const ir::RouteConfig& config,
                                                        uint64_t generation) {
  std::vector<std::string> errors;
  auto compiled = table::RouteTable::Compile(config, generation, &errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  return compiled;
}

// Get fetches path from the admin server on 127.0.0.1:port. A failed
// connection is a test failure and yields status 0.
struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

inline Reply Get(uint16_t port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(10, 0);
  httplib::Result result = client.Get(path);
  Reply reply;
  if (!result) {
    ADD_FAILURE() << "GET " << path << " failed: " << httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  return reply;
}

}  // namespace atrium::admin::testing

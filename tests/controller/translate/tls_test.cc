// TLS translation with data only: Ingress spec.tls with bad Secrets, the
// ssl-redirect annotations, and HTTPRoute redirects to https with the
// default-port rules. Certificates are checked by an injected fake.

#include <gtest/gtest.h>

#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

using testing::LoadYaml;
using testing::Request;
using testing::Served;

constexpr const char* kBase = R"(
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: atrium}
spec: {controller: atrium.dev/ingress-controller}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Secret
metadata: {name: web-tls, namespace: default}
type: kubernetes.io/tls
stringData:
  tls.crt: "-----BEGIN CERTIFICATE-----\nWEB\n-----END CERTIFICATE-----\n"
  tls.key: "-----BEGIN PRIVATE KEY-----\nWEBKEY\n-----END PRIVATE KEY-----\n"
---
apiVersion: v1
kind: Secret
metadata: {name: expired-tls, namespace: default}
type: kubernetes.io/tls
stringData:
  tls.crt: "-----BEGIN CERTIFICATE-----\nEXPIRED\n-----END CERTIFICATE-----\n"
  tls.key: "-----BEGIN PRIVATE KEY-----\nEXPIREDKEY\n-----END PRIVATE KEY-----\n"
---
)";

// A fake OpenSSL check: the "EXPIRED" certificate is expired.
Options FakeCheck() {
  Options options;
  options.certificate_error = [](const std::string& cert, const std::string&) {
    return cert.find("EXPIRED") != std::string::npos ? std::string("certificate has expired")
                                                     : std::string();
  };
  return options;
}

Result TranslateYaml(const std::string& yaml, Options options = FakeCheck()) {
  return Translate(LoadYaml(std::string(kBase) + yaml, &options), options);
}

std::string Ingress(const std::string& name, const std::string& annotations, const std::string& tls,
                    const std::vector<std::string>& hosts) {
  std::string rules;
  for (const std::string& host : hosts) {
    rules += "  - host: " + host +
             "\n    http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, "
             "port: {number: 80}}}}]}\n";
  }
  return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: " + name +
         ", namespace: default" +
         (annotations.empty() ? "" : ", annotations: {" + annotations + "}") +
         "}\nspec:\n  ingressClassName: atrium\n" + (tls.empty() ? "" : "  tls: " + tls + "\n") +
         "  rules:\n" + rules + "---\n";
}

const ir::Route* At(const Result& result, uint16_t bind_port, const std::string& host,
                    const std::string& path = "/") {
  Request request;
  request.bind_port = bind_port;
  request.host = host;
  request.path = path;
  return Served(result.config, request);
}

bool RedirectsToHttps(const ir::Route* route) {
  return route != nullptr && route->filters.redirect &&
         route->filters.redirect->scheme == "https" && route->filters.redirect->port == 0 &&
         route->filters.redirect->status_code == 308 && route->backends.empty();
}

bool HasProblem(const Result& result, const std::string& name, const std::string& text) {
  for (const Problem& problem : result.problems) {
    if (problem.name == name && problem.reason.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(TlsTranslateTest, SslRedirectAnnotationRedirectsTlsHostsOnly) {
  Result result = TranslateYaml(Ingress("web", "atrium.dev/ssl-redirect: \"true\"",
                                        "[{hosts: [a.example.com], secretName: web-tls}]",
                                        {"a.example.com", "plain.example.com"}));
  EXPECT_TRUE(RedirectsToHttps(At(result, 8080, "a.example.com", "/x")));
  // A host without TLS keeps being served over HTTP.
  const ir::Route* plain = At(result, 8080, "plain.example.com");
  ASSERT_NE(plain, nullptr);
  EXPECT_FALSE(plain->filters.redirect);
  // The HTTPS listener serves the host itself.
  const ir::Route* secure = At(result, 8443, "a.example.com");
  ASSERT_NE(secure, nullptr);
  EXPECT_FALSE(secure->filters.redirect);
  EXPECT_EQ(secure->backends.size(), 1u);
}

TEST(TlsTranslateTest, IngressNginxAnnotationIsAccepted) {
  Result result =
      TranslateYaml(Ingress("web", "nginx.ingress.kubernetes.io/ssl-redirect: \"true\"",
                            "[{hosts: [a.example.com], secretName: web-tls}]", {"a.example.com"}));
  EXPECT_TRUE(RedirectsToHttps(At(result, 8080, "a.example.com")));
}

TEST(TlsTranslateTest, OursWinsOverIngressNginxAnnotation) {
  Result result = TranslateYaml(
      Ingress("web",
              "atrium.dev/ssl-redirect: \"false\", nginx.ingress.kubernetes.io/ssl-redirect: "
              "\"true\"",
              "[{hosts: [a.example.com], secretName: web-tls}]", {"a.example.com"}));
  const ir::Route* route = At(result, 8080, "a.example.com");
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->filters.redirect);
}

TEST(TlsTranslateTest, NoRedirectWithoutTheAnnotation) {
  Result result = TranslateYaml(
      Ingress("web", "", "[{hosts: [a.example.com], secretName: web-tls}]", {"a.example.com"}));
  const ir::Route* route = At(result, 8080, "a.example.com");
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->filters.redirect);
}

TEST(TlsTranslateTest, WildcardTlsHostCoversRuleHosts) {
  Result result = TranslateYaml(Ingress("web", "atrium.dev/ssl-redirect: \"true\"",
                                        "[{hosts: [\"*.example.com\"], secretName: web-tls}]",
                                        {"a.example.com", "\"*.example.com\"", "a.b.example.com"}));
  EXPECT_TRUE(RedirectsToHttps(At(result, 8080, "a.example.com")));
  EXPECT_TRUE(RedirectsToHttps(At(result, 8080, "x.example.com")));
  const ir::Route* deep = At(result, 8080, "a.b.example.com");
  ASSERT_NE(deep, nullptr);
  EXPECT_FALSE(deep->filters.redirect);  // one label only
}

TEST(TlsTranslateTest, BadSecretMeansNoRedirectAndAProblem) {
  Result result = TranslateYaml(Ingress("web", "atrium.dev/ssl-redirect: \"true\"",
                                        "[{hosts: [a.example.com], secretName: web-tls}, "
                                        "{hosts: [b.example.com], secretName: expired-tls}]",
                                        {"a.example.com", "b.example.com"}));
  EXPECT_TRUE(RedirectsToHttps(At(result, 8080, "a.example.com")));
  const ir::Route* b = At(result, 8080, "b.example.com");
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->filters.redirect);  // never redirected into a broken HTTPS
  EXPECT_TRUE(HasProblem(result, "web", "certificate has expired"));
  ASSERT_EQ(result.config.listeners.size(), 2u);
  EXPECT_EQ(result.config.listeners[1].certificates.size(), 1u);
}

TEST(TlsTranslateTest, InvalidAnnotationValueIsReported) {
  Result result =
      TranslateYaml(Ingress("web", "atrium.dev/ssl-redirect: \"yes\"",
                            "[{hosts: [a.example.com], secretName: web-tls}]", {"a.example.com"}));
  EXPECT_TRUE(HasProblem(result, "web", "atrium.dev/ssl-redirect"));
  const ir::Route* route = At(result, 8080, "a.example.com");
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->filters.redirect);
}

TEST(TlsTranslateTest, NoRedirectWhenTheHttpsListenerCannotBeServed) {
  // A Gateway made port 443 plain HTTP: the Ingress cannot serve HTTPS.
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium}
spec: {controllerName: atrium.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: atrium
  listeners: [{name: http, port: 443, protocol: HTTP}]
---
)" + Ingress("web", "atrium.dev/ssl-redirect: \"true\"",
             "[{hosts: [a.example.com], secretName: web-tls}]", {"a.example.com"}));
  const ir::Route* route = At(result, 8080, "a.example.com");
  ASSERT_NE(route, nullptr);
  EXPECT_FALSE(route->filters.redirect);
  EXPECT_TRUE(HasProblem(result, "web", "not served on port 443"));
}

TEST(TlsTranslateTest, HttpRouteRedirectToHttpsUsesTheDefaultPort) {
  Result result = TranslateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium}
spec: {controllerName: atrium.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: atrium
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: web-tls}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-https, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [a.example.com]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, statusCode: 301}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: to-8443, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  hostnames: [b.example.com]
  rules:
  - filters: [{type: RequestRedirect, requestRedirect: {scheme: https, port: 8443}}]
---
)");
  const ir::Route* a = At(result, 8080, "a.example.com");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->filters.redirect);
  EXPECT_EQ(a->filters.redirect->scheme, "https");
  EXPECT_EQ(a->filters.redirect->port, 0);  // 443 is https's default: omitted
  EXPECT_EQ(a->filters.redirect->status_code, 301);
  const ir::Route* b = At(result, 8080, "b.example.com");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->filters.redirect);
  EXPECT_EQ(b->filters.redirect->port, 8443);
}

}  // namespace
}  // namespace atrium::translate

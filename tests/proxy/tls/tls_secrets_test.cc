// Secrets through translate (with the production OpenSSL check) to the
// data plane: every bad Secret puts its Gateway listener at
// ResolvedRefs=False/InvalidCertificateRef (an Ingress gets a problem) and
// every other host keeps its certificate and keeps serving.

#include <gtest/gtest.h>

#include "controller/translate/translate.h"
#include "proxy/tls/server_certificate.h"
#include "tls_test_support.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

json Secret(const std::string& ns, const std::string& name, json data,
            const std::string& type = "kubernetes.io/tls") {
  return {{"apiVersion", "v1"},
          {"kind", "Secret"},
          {"metadata", {{"namespace", ns}, {"name", name}}},
          {"type", type},
          {"data", std::move(data)}};
}

json TlsData(const std::string& cert, const std::string& key) {
  return {{"tls.crt", Base64(cert)}, {"tls.key", Base64(key)}};
}

json HttpsListener(const std::string& name, const std::string& hostname, json ref) {
  return {{"name", name},
          {"port", 443},
          {"protocol", "HTTPS"},
          {"hostname", hostname},
          {"tls", {{"mode", "Terminate"}, {"certificateRefs", json::array({std::move(ref)})}}}};
}

std::string ConditionOf(const translate::Result& result, const std::string& listener,
                        const std::string& type) {
  for (const translate::ObjectStatus& status : result.statuses) {
    if (status.kind != "Gateway") continue;
    for (const json& item : (*status.status)["listeners"]) {
      if (item["name"] != listener) continue;
      for (const json& condition : item["conditions"]) {
        if (condition["type"] == type) {
          return condition["status"].get<std::string>() + "/" +
                 condition["reason"].get<std::string>();
        }
      }
    }
  }
  return "";
}

class TlsSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    good_ = MakeCertificate({"good", {"good.example.com"}});
    other_ = MakeCertificate({"other", {"other.example.com"}});
    expired_ = MakeCertificate({"expired", {"expired.example.com"}, -7200, -3600});
    granted_ = MakeCertificate({"granted", {"granted.example.com"}});
    state_.gateway_classes["atrium"] = {
        {"apiVersion", "gateway.networking.k8s.io/v1"},
        {"kind", "GatewayClass"},
        {"metadata", {{"name", "atrium"}}},
        {"spec", {{"controllerName", "atrium.dev/gateway-controller"}}}};
    auto put = [&](json secret) {
      std::string key = secret["metadata"]["namespace"].get<std::string>() + "/" +
                        secret["metadata"]["name"].get<std::string>();
      state_.secrets[key] = std::move(secret);
    };
    put(Secret("infra", "good", TlsData(good_.certificate_pem, good_.key_pem)));
    put(Secret("infra", "mismatched", TlsData(good_.certificate_pem, other_.key_pem)));
    put(Secret("infra", "expired", TlsData(expired_.certificate_pem, expired_.key_pem)));
    put(Secret("infra", "unparsable",
               TlsData("-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n",
                       good_.key_pem)));
    put(Secret("infra", "no-key", {{"tls.crt", Base64(good_.certificate_pem)}}));
    put(Secret("infra", "opaque", TlsData(good_.certificate_pem, good_.key_pem), "Opaque"));
    put(Secret("certs", "granted", TlsData(granted_.certificate_pem, granted_.key_pem)));
    put(Secret("certs", "denied", TlsData(granted_.certificate_pem, granted_.key_pem)));
    state_.reference_grants["certs/allow"] = {
        {"apiVersion", "gateway.networking.k8s.io/v1beta1"},
        {"kind", "ReferenceGrant"},
        {"metadata", {{"namespace", "certs"}, {"name", "allow"}}},
        {"spec",
         {{"from", json::array({{{"group", "gateway.networking.k8s.io"},
                                 {"kind", "Gateway"},
                                 {"namespace", "infra"}}})},
          {"to", json::array({{{"group", ""}, {"kind", "Secret"}, {"name", "granted"}}})}}}};
    json listeners = json::array({
        HttpsListener("good", "good.example.com", {{"name", "good"}}),
        HttpsListener("mismatched", "mismatched.example.com", {{"name", "mismatched"}}),
        HttpsListener("expired", "expired.example.com", {{"name", "expired"}}),
        HttpsListener("unparsable", "unparsable.example.com", {{"name", "unparsable"}}),
        HttpsListener("no-key", "no-key.example.com", {{"name", "no-key"}}),
        HttpsListener("opaque", "opaque.example.com", {{"name", "opaque"}}),
        HttpsListener("missing", "missing.example.com", {{"name", "nope"}}),
        HttpsListener("granted", "granted.example.com",
                      {{"name", "granted"}, {"namespace", "certs"}}),
        HttpsListener("denied", "denied.example.com", {{"name", "denied"}, {"namespace", "certs"}}),
    });
    state_.gateways["infra/gw"] = {
        {"apiVersion", "gateway.networking.k8s.io/v1"},
        {"kind", "Gateway"},
        {"metadata", {{"namespace", "infra"}, {"name", "gw"}, {"generation", 1}}},
        {"spec", {{"gatewayClassName", "atrium"}, {"listeners", listeners}}}};
    options_.certificate_error = tls::CertificateError;
  }

  TestCertificate good_, other_, expired_, granted_;
  state::ClusterState state_;
  translate::Options options_;
};

TEST_F(TlsSecretsTest, BadSecretsMarkTheirListenersAndTheRestServe) {
  translate::Result result = translate::Translate(state_, options_);
  const std::pair<std::string, std::string> expected[] = {
      {"good", "True/ResolvedRefs"},
      {"granted", "True/ResolvedRefs"},
      {"mismatched", "False/InvalidCertificateRef"},
      {"expired", "False/InvalidCertificateRef"},
      {"unparsable", "False/InvalidCertificateRef"},
      {"no-key", "False/InvalidCertificateRef"},
      {"opaque", "False/InvalidCertificateRef"},
      {"missing", "False/InvalidCertificateRef"},
      {"denied", "False/RefNotPermitted"},
  };
  for (const auto& [listener, condition] : expected) {
    EXPECT_EQ(ConditionOf(result, listener, "ResolvedRefs"), condition) << listener;
  }
  // The status and problems say why, never with key material.
  std::string rendered = translate::ToJson(result).dump();
  EXPECT_EQ(rendered.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(rendered.find("does not match"), std::string::npos);
  EXPECT_NE(rendered.find("has expired"), std::string::npos);

  ASSERT_EQ(result.config.listeners.size(), 1u);
  ir::RouteConfig config = result.config;
  ASSERT_EQ(config.listeners[0].certificates.size(), 2u);
  config.listeners[0].address = "127.0.0.1";  // loopback, port 0 for the test
  config.listeners[0].bind_port = 0;
  TlsHarness harness;
  EXPECT_TRUE(harness.Publish(config).empty());
  uint16_t port = harness.Port("127.0.0.1");
  auto common_name = [&](const std::string& server_name) {
    TlsClient client;
    if (!client.Connect(port, {.server_name = server_name})) return std::string("failed");
    if (!client.Get("/", server_name)) return std::string("no response");
    return client.PeerCommonName();
  };
  EXPECT_EQ(common_name("good.example.com"), "good");
  EXPECT_EQ(common_name("granted.example.com"), "granted");
  // A listener whose Secret is bad is not served: its hosts get the
  // default certificate (the client would refuse it).
  EXPECT_EQ(common_name("mismatched.example.com"), "good");
}

TEST_F(TlsSecretsTest, IngressWithABadSecretKeepsItsGoodEntries) {
  state_.gateways.clear();
  state_.ingress_classes["atrium"] = {{"apiVersion", "networking.k8s.io/v1"},
                                      {"kind", "IngressClass"},
                                      {"metadata", {{"name", "atrium"}}},
                                      {"spec", {{"controller", "atrium.dev/ingress-controller"}}}};
  json rule = {
      {"host", "good.example.com"},
      {"http",
       {{"paths",
         json::array(
             {{{"path", "/"},
               {"pathType", "Prefix"},
               {"backend", {{"service", {{"name", "web"}, {"port", {{"number", 80}}}}}}}}})}}}};
  state_.ingresses["infra/web"] = {
      {"apiVersion", "networking.k8s.io/v1"},
      {"kind", "Ingress"},
      {"metadata", {{"namespace", "infra"}, {"name", "web"}}},
      {"spec",
       {{"ingressClassName", "atrium"},
        {"tls", json::array(
                    {{{"hosts", json::array({"good.example.com"})}, {"secretName", "good"}},
                     {{"hosts", json::array({"bad.example.com"})}, {"secretName", "mismatched"}}})},
        {"rules", json::array({rule})}}}};
  translate::Result result = translate::Translate(state_, options_);
  bool reported = false;
  for (const translate::Problem& problem : result.problems) {
    if (problem.kind == "Ingress" && problem.reason.find("spec.tls[1]") != std::string::npos &&
        problem.reason.find("does not match") != std::string::npos) {
      reported = true;
    }
  }
  EXPECT_TRUE(reported);
  const ir::Listener* https = nullptr;
  for (const ir::Listener& listener : result.config.listeners) {
    if (listener.tls) https = &listener;
  }
  ASSERT_NE(https, nullptr);
  ASSERT_EQ(https->certificates.size(), 1u);
  EXPECT_EQ(https->certificates[0].hostnames, std::vector<std::string>{"good.example.com"});
}

}  // namespace
}  // namespace atrium::testing

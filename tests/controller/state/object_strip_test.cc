#include "controller/state/object_strip.h"

#include <gtest/gtest.h>

#include "controller/state/cluster_state.h"

namespace atrium::state {
namespace {

using nlohmann::json;

TEST(ObjectStripTest, DropsKindManagedFieldsLastAppliedAndStatus) {
  json route = json::parse(R"({
    "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
    "metadata": {"name": "r", "namespace": "ns", "uid": "u1", "resourceVersion": "7",
                 "generation": 2, "creationTimestamp": "2026-01-01T00:00:00Z",
                 "labels": {"app": "a"},
                 "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{...}",
                                 "team": "x"},
                 "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}]},
    "spec": {"hostnames": ["a.example.com"]},
    "status": {"parents": [{"controllerName": "atrium.dev/gateway-controller"}]}})");
  StripObject(kHttpRoute, route);
  EXPECT_EQ(route, json::parse(R"({
    "metadata": {"name": "r", "namespace": "ns", "uid": "u1", "resourceVersion": "7",
                 "generation": 2, "creationTimestamp": "2026-01-01T00:00:00Z",
                 "labels": {"app": "a"}, "annotations": {"team": "x"}},
    "spec": {"hostnames": ["a.example.com"]}})"));
}

TEST(ObjectStripTest, RemovesAnnotationsLeftEmpty) {
  json ingress = {
      {"metadata",
       {{"name", "i"}, {"annotations", {{std::string(kLastAppliedAnnotation), "{}"}}}}}};
  StripObject(kIngress, ingress);
  EXPECT_EQ(ingress, (json{{"metadata", {{"name", "i"}}}}));
}

TEST(ObjectStripTest, KeepsOnlyTlsKeysOfSecrets) {
  json secret = {{"kind", "Secret"},
                 {"type", "kubernetes.io/tls"},
                 {"metadata", {{"name", "s"}, {"namespace", "ns"}}},
                 {"data",
                  {{"tls.crt", "Y2VydA=="},
                   {"tls.key", "a2V5"},
                   {"ca.crt", "Y2E="},
                   {"password", "c2VjcmV0"}}},
                 {"stringData", {{"other", "x"}}}};
  StripObject(kSecret, secret);
  EXPECT_EQ(secret["data"],
            (json{{"tls.crt", "Y2VydA=="}, {"tls.key", "a2V5"}, {"ca.crt", "Y2E="}}));
  EXPECT_FALSE(secret.contains("stringData"));
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");
}

TEST(ObjectStripTest, KeepsOnlyAddressesAndReadinessOfEndpoints) {
  json slice = json::parse(R"({
    "kind": "EndpointSlice", "addressType": "IPv4",
    "metadata": {"name": "web-1", "namespace": "ns",
                 "labels": {"kubernetes.io/service-name": "web"}},
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
    "endpoints": [
      {"addresses": ["10.0.0.1"], "conditions": {"ready": true, "serving": true,
                                                 "terminating": false},
       "nodeName": "node-a", "zone": "z1", "hints": {"forZones": [{"name": "z1"}]},
       "targetRef": {"kind": "Pod", "name": "web-abc", "namespace": "ns", "uid": "u"}},
      {"addresses": ["10.0.0.2"]},
      "not an endpoint"]})");
  StripObject(kEndpointSlice, slice);
  EXPECT_EQ(slice["endpoints"], json::parse(R"([
      {"addresses": ["10.0.0.1"], "conditions": {"ready": true}},
      {"addresses": ["10.0.0.2"]},
      "not an endpoint"])"));
  EXPECT_EQ(slice["ports"][0]["port"], 8080);
  EXPECT_EQ(slice["metadata"]["labels"]["kubernetes.io/service-name"], "web");
  EXPECT_EQ(slice["addressType"], "IPv4");
}

TEST(ObjectStripTest, ReadyAddressesOfWellTypedEndpointsBecomeOneEndpoint) {
  json slice = json::parse(R"({
    "kind": "EndpointSlice", "addressType": "IPv4",
    "endpoints": [
      {"addresses": ["10.0.0.1"], "conditions": {"ready": true, "serving": true}},
      {"addresses": ["10.0.0.2", "10.0.0.3"], "conditions": null},
      {"addresses": ["10.0.0.4"], "conditions": {"ready": false}},
      {"addresses": ["10.0.0.5"], "conditions": {"serving": true}, "zone": "z1"},
      {"conditions": {"ready": true}}]})");
  StripObject(kEndpointSlice, slice);
  EXPECT_EQ(slice["endpoints"],
            json::parse(R"([{"addresses": ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.5"]}])"));

  json none_ready = json::parse(R"({"kind": "EndpointSlice", "endpoints": [
      {"addresses": ["10.0.0.4"], "conditions": {"ready": false}}]})");
  StripObject(kEndpointSlice, none_ready);
  EXPECT_EQ(none_ready["endpoints"], json::array());

  // One malformed endpoint: nothing is coalesced, so translate can name it.
  for (const char* malformed : {R"({"addresses": "10.0.0.9"})", R"({"addresses": [7]})",
                                R"({"addresses": ["10.0.0.9"], "conditions": {"ready": "yes"}})",
                                R"({"addresses": ["10.0.0.9"], "conditions": []})"}) {
    json odd = {
        {"kind", "EndpointSlice"},
        {"endpoints", json::array({{{"addresses", {"10.0.0.1"}}}, json::parse(malformed)})}};
    const json before = odd["endpoints"];
    StripObject(kEndpointSlice, odd);
    EXPECT_EQ(odd["endpoints"], before) << malformed;
  }
}

TEST(ObjectStripTest, DataOfOtherKindsIsKept) {
  // Only Secrets have their data filtered.
  json config_like = {{"metadata", {{"name", "x"}}}, {"data", {{"password", "p"}}}};
  StripObject(kService, config_like);
  EXPECT_EQ(config_like["data"], (json{{"password", "p"}}));
}

TEST(ObjectStripTest, ToleratesMalformedObjects) {
  for (json object : {json(), json::array({1}), json("text"), json{{"metadata", "not an object"}},
                      json{{"metadata", {{"annotations", "not an object"}}}},
                      json{{"kind", "Secret"}, {"data", 42}}}) {
    json before = object;
    StripObject(kSecret, object);
    if (before.is_object()) {
      before.erase("status");
      before.erase("kind");
      EXPECT_EQ(object, before);
    } else {
      EXPECT_EQ(object, before);
    }
  }
}

TEST(ObjectStripTest, StatusOnlyChangeKeepsTheSameContent) {
  // Our own status writes come back as MODIFIED events: once stripped, the
  // stored object differs only in resourceVersion, so the reconciler does
  // not rebuild.
  json before = {{"metadata", {{"name", "r"}, {"resourceVersion", "1"}}}, {"spec", {{"a", 1}}}};
  json after = before;
  after["metadata"]["resourceVersion"] = "2";
  after["status"] = {{"parents", json::array({{{"controllerName", "x"}}})}};
  after["metadata"]["managedFields"] = json::array({{{"manager", "atrium"}}});
  StripObject(kHttpRoute, before);
  StripObject(kHttpRoute, after);
  EXPECT_NE(before, after);
  EXPECT_TRUE(SameContent(before, after));
}

TEST(ObjectStripTest, SameContentSeesEveryOtherDifference) {
  json base = {{"metadata", {{"name", "r"}, {"resourceVersion", "1"}, {"generation", 1}}},
               {"spec", {{"a", 1}}}};
  EXPECT_TRUE(SameContent(base, base));
  json spec = base;
  spec["spec"]["a"] = 2;
  EXPECT_FALSE(SameContent(base, spec));
  json generation = base;
  generation["metadata"]["generation"] = 2;
  EXPECT_FALSE(SameContent(base, generation));
  json no_version = base;
  no_version["metadata"].erase("resourceVersion");
  EXPECT_TRUE(SameContent(base, no_version));
  json labels = no_version;
  labels["metadata"]["labels"] = {{"a", "b"}};
  EXPECT_FALSE(SameContent(base, labels));
  json extra = base;
  extra["data"] = json::object();
  EXPECT_FALSE(SameContent(base, extra));
  EXPECT_FALSE(SameContent(base, json()));
}

}  // namespace
}  // namespace atrium::state

// Raw HTTP tests of the test API server's REST semantics: discovery, auth,
// CRUD, generation, status subresource, patches, server-side apply, LIST
// options, CRDs. Watches, faults and kubectl have their own files.

#include <gtest/gtest.h>

#include "tests/apiserver/api_server.h"
#include "tests/apiserver/api_test_client.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

ApiServerOptions WithoutGatewayApi() {
  ApiServerOptions options;
  options.gateway_api = false;
  return options;
}

ApiServerOptions PlainHttp() {
  ApiServerOptions options;
  options.tls = false;
  return options;
}

constexpr const char* kRoutes = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes";
constexpr const char* kServices = "/api/v1/namespaces/default/services";

json Route(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"parentRefs", {{{"name", "web"}}}}, {"hostnames", {name + ".example.com"}}}}};
}

std::string Rv(const json& object) { return object["metadata"]["resourceVersion"]; }

class ApiHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(api_.Start()) << api_.error(); }

  ApiServer api_;
  ApiClient client_{api_};
};

// Stop right after Start, before the accept loop may have begun, returns
// (httplib's stop() alone does nothing until the loop runs, and the join
// used to hang). ctest's timeout catches a regression.
TEST(ApiServerLifecycleTest, StopRightAfterStartReturns) {
  for (int i = 0; i < 50; ++i) {
    ApiServer api(PlainHttp());
    ASSERT_TRUE(api.Start()) << api.error();
    api.Stop();
  }
  ApiServer api(PlainHttp());
  ASSERT_TRUE(api.Start()) << api.error();
  ASSERT_TRUE(api.Restart({}));
  ApiClient client(api);
  EXPECT_EQ(client.Get("/version").status, 200);
}

TEST_F(ApiHttpTest, DiscoveryDescribesEveryGroup) {
  HttpReply version = client_.Get("/version");
  ASSERT_EQ(version.status, 200);
  EXPECT_EQ(version.body["major"], "1");

  HttpReply api = client_.Get("/api");
  ASSERT_EQ(api.status, 200);
  EXPECT_EQ(api.body["kind"], "APIVersions");
  EXPECT_EQ(api.body["versions"], json({"v1"}));

  HttpReply groups = client_.Get("/apis");
  ASSERT_EQ(groups.status, 200);
  std::map<std::string, json> by_name;
  for (const json& g : groups.body["groups"]) by_name[g["name"]] = g;
  for (const char* group : {"apiextensions.k8s.io", "coordination.k8s.io", "discovery.k8s.io",
                            "gateway.networking.k8s.io", "networking.k8s.io"}) {
    EXPECT_TRUE(by_name.count(group)) << group;
  }
  EXPECT_EQ(by_name["gateway.networking.k8s.io"]["preferredVersion"]["version"], "v1");
  EXPECT_EQ(by_name["gateway.networking.k8s.io"]["versions"].size(), 2u);

  HttpReply core = client_.Get("/api/v1");
  ASSERT_EQ(core.status, 200);
  std::map<std::string, json> resources;
  for (const json& r : core.body["resources"]) resources[r["name"]] = r;
  for (const char* name : {"namespaces", "services", "secrets", "events", "services/status"}) {
    EXPECT_TRUE(resources.count(name)) << name;
  }
  EXPECT_EQ(resources["services"]["shortNames"], json({"svc"}));
  EXPECT_EQ(resources["services"]["namespaced"], true);
  EXPECT_EQ(resources["namespaces"]["namespaced"], false);
  EXPECT_EQ(resources["services/status"]["verbs"], json({"get", "patch", "update"}));

  HttpReply gateway = client_.Get("/apis/gateway.networking.k8s.io/v1");
  ASSERT_EQ(gateway.status, 200);
  resources.clear();
  for (const json& r : gateway.body["resources"]) resources[r["name"]] = r;
  EXPECT_TRUE(resources.count("httproutes/status"));
  EXPECT_TRUE(resources.count("referencegrants"));
  EXPECT_EQ(resources["gateways"]["shortNames"], json({"gtw"}));
  EXPECT_EQ(resources["gatewayclasses"]["namespaced"], false);

  HttpReply beta = client_.Get("/apis/gateway.networking.k8s.io/v1beta1");
  ASSERT_EQ(beta.status, 200);
  EXPECT_EQ(beta.body["groupVersion"], "gateway.networking.k8s.io/v1beta1");

  HttpReply openapi = client_.Get("/openapi/v3");
  ASSERT_EQ(openapi.status, 200);
  ASSERT_TRUE(openapi.body["paths"].contains("apis/gateway.networking.k8s.io/v1"));
  std::string url = openapi.body["paths"]["apis/gateway.networking.k8s.io/v1"]["serverRelativeURL"];
  HttpReply document = client_.Get(url);
  ASSERT_EQ(document.status, 200);
  EXPECT_TRUE(document.body["paths"].contains(
      "/apis/gateway.networking.k8s.io/v1/namespaces/{namespace}/httproutes/{name}"));
  HttpReply v2 = client_.Get("/openapi/v2");
  EXPECT_EQ(v2.status, 200);
  EXPECT_EQ(v2.body["swagger"], "2.0");
  EXPECT_TRUE(v2.body["definitions"].empty());
  EXPECT_EQ(client_.Get("/apis/nothing.example.com/v1").status, 404);
}

TEST_F(ApiHttpTest, BearerTokenIsRequiredExceptForPublicPaths) {
  ApiClient anonymous(api_, "");
  ApiClient wrong(api_, "not-the-token");
  HttpReply denied = anonymous.Get(kRoutes);
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.body["kind"], "Status");
  EXPECT_EQ(denied.body["reason"], "Unauthorized");
  EXPECT_EQ(wrong.Get("/api").status, 401);
  EXPECT_EQ(anonymous.Get("/version").status, 200);
  EXPECT_EQ(anonymous.Get("/healthz").status, 200);
  EXPECT_EQ(client_.Get(kRoutes).status, 200);

  api_.SetToken("rotated");
  EXPECT_EQ(client_.Get(kRoutes).status, 401);
  EXPECT_EQ(ApiClient(api_, "rotated").Get(kRoutes).status, 200);
}

TEST_F(ApiHttpTest, CreateGetUpdateDeleteWithGenerationAndConflicts) {
  HttpReply created = client_.Post(kRoutes, Route("web"));
  ASSERT_EQ(created.status, 201) << created.raw;
  const json& meta = created.body["metadata"];
  EXPECT_EQ(meta["namespace"], "default");
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_FALSE(meta["uid"].get<std::string>().empty());
  EXPECT_FALSE(meta["creationTimestamp"].get<std::string>().empty());
  EXPECT_EQ(created.body["apiVersion"], "gateway.networking.k8s.io/v1");

  HttpReply again = client_.Post(kRoutes, Route("web"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.body["reason"], "AlreadyExists");

  HttpReply missing = client_.Get(std::string(kRoutes) + "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["reason"], "NotFound");
  EXPECT_EQ(missing.body["details"]["kind"], "httproutes");
  EXPECT_EQ(missing.body["details"]["group"], "gateway.networking.k8s.io");

  // A spec change bumps the generation.
  json changed = created.body;
  changed["spec"]["hostnames"] = {"other.example.com"};
  HttpReply updated = client_.Put(std::string(kRoutes) + "/web", changed);
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["metadata"]["generation"], 2);
  EXPECT_GT(std::stoll(Rv(updated.body)), std::stoll(Rv(created.body)));

  // The version the first update read is stale now.
  HttpReply stale = client_.Put(std::string(kRoutes) + "/web", changed);
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body["reason"], "Conflict");

  // A metadata change does not bump the generation.
  json labelled = updated.body;
  labelled["metadata"]["labels"]["team"] = "a";
  HttpReply relabelled = client_.Put(std::string(kRoutes) + "/web", labelled);
  ASSERT_EQ(relabelled.status, 200);
  EXPECT_EQ(relabelled.body["metadata"]["generation"], 2);
  EXPECT_NE(Rv(relabelled.body), Rv(updated.body));

  // An update that changes nothing writes nothing.
  int64_t before = api_.resource_version();
  HttpReply same = client_.Put(std::string(kRoutes) + "/web", relabelled.body);
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(Rv(same.body), Rv(relabelled.body));
  EXPECT_EQ(api_.resource_version(), before);

  // Server-set metadata cannot be changed by a client.
  json forged = relabelled.body;
  forged["metadata"]["uid"] = "forged";
  EXPECT_EQ(client_.Put(std::string(kRoutes) + "/web", forged).status, 409);

  HttpReply deleted = client_.Delete(std::string(kRoutes) + "/web");
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["metadata"]["name"], "web");
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "/web").status, 404);
  EXPECT_EQ(client_.Delete(std::string(kRoutes) + "/web").status, 404);
}

TEST_F(ApiHttpTest, RequestsAreValidatedAgainstTheUrl) {
  json wrong_kind = Route("x");
  wrong_kind["kind"] = "Gateway";
  EXPECT_EQ(client_.Post(kRoutes, wrong_kind).status, 400);
  json wrong_ns = Route("x");
  wrong_ns["metadata"]["namespace"] = "other";
  EXPECT_EQ(client_.Post(kRoutes, wrong_ns).status, 400);
  json nameless = Route("x");
  nameless["metadata"].erase("name");
  HttpReply invalid = client_.Post(kRoutes, nameless);
  EXPECT_EQ(invalid.status, 422);
  EXPECT_EQ(invalid.body["reason"], "Invalid");
  ASSERT_EQ(client_.Post(kRoutes, Route("x")).status, 201);
  json renamed = Route("y");
  EXPECT_EQ(client_.Put(std::string(kRoutes) + "/x", renamed).status, 400);
  EXPECT_EQ(client_.Get("/apis/gateway.networking.k8s.io/v1/nothings").status, 404);
  EXPECT_EQ(
      client_.Get("/apis/gateway.networking.k8s.io/v1/namespaces/default/gatewayclasses").status,
      404);
}

// kubectl's generators send Kubernetes protobuf (protobuf_object.h): a kind
// it describes is created, a malformed body is a bad request, and a kind it
// does not describe an unsupported media type.
TEST_F(ApiHttpTest, ProtobufBodies) {
  const std::string service_type("k8s\0\x0a\x0d\x0a\x02v1\x12\x07Service", 19);
  std::unique_ptr<httplib::Client> http = NewHttpClient(api_);
  const char* protobuf = "application/vnd.kubernetes.protobuf";

  // Service{metadata{name: "pb"}}.
  const std::string named_pb = service_type + std::string("\x12\x06\x0a\x04\x0a\x02pb", 8);
  httplib::Result created = http->Post(kServices, named_pb, protobuf);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201) << created->body;
  std::optional<json> stored = api_.Get("services", "default", "pb");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["kind"], "Service");

  httplib::Result truncated =
      http->Post(kServices, named_pb.substr(0, named_pb.size() - 1), protobuf);
  ASSERT_TRUE(truncated);
  EXPECT_EQ(truncated->status, 400) << truncated->body;
  EXPECT_NE(truncated->body.find("malformed"), std::string::npos) << truncated->body;

  const std::string route(
      "k8s\0\x0a\x29\x0a\x1cgateway.networking.k8s.io/v1\x12\x09HTTPRoute\x12\x00", 49);
  httplib::Result unsupported = http->Post(kRoutes, route, protobuf);
  ASSERT_TRUE(unsupported);
  EXPECT_EQ(unsupported->status, 415) << unsupported->body;
  EXPECT_EQ(json::parse(unsupported->body)["reason"], "UnsupportedMediaType");
}

TEST_F(ApiHttpTest, GenerateNameMakesAUniqueName) {
  json route = Route("ignored");
  route["metadata"].erase("name");
  route["metadata"]["generateName"] = "web-";
  HttpReply a = client_.Post(kRoutes, route);
  HttpReply b = client_.Post(kRoutes, route);
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  std::string name = a.body["metadata"]["name"];
  EXPECT_EQ(name.rfind("web-", 0), 0u);
  EXPECT_EQ(name.size(), 9u);
  EXPECT_NE(a.body["metadata"]["name"], b.body["metadata"]["name"]);
}

TEST_F(ApiHttpTest, NamespacesMustExistAndTakeTheirObjectsWithThem) {
  const std::string shop_routes = "/apis/gateway.networking.k8s.io/v1/namespaces/shop/httproutes";
  HttpReply refused = client_.Post(shop_routes, Route("web"));
  EXPECT_EQ(refused.status, 404);
  EXPECT_EQ(refused.body["details"]["kind"], "namespaces");

  HttpReply ns =
      client_.Post("/api/v1/namespaces",
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "shop"}}}});
  ASSERT_EQ(ns.status, 201);
  EXPECT_EQ(ns.body["status"]["phase"], "Active");
  EXPECT_EQ(ns.body["metadata"]["labels"]["kubernetes.io/metadata.name"], "shop");
  ASSERT_EQ(client_.Post(shop_routes, Route("web")).status, 201);
  ASSERT_EQ(client_.Post(kRoutes, Route("stays")).status, 201);

  EXPECT_EQ(client_.Delete("/api/v1/namespaces/shop").status, 200);
  EXPECT_EQ(client_.Get(shop_routes + "/web").status, 404);
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "/stays").status, 200);
  EXPECT_EQ(client_.Get("/api/v1/namespaces/shop").status, 404);
}

TEST_F(ApiHttpTest, StatusSubresourceSeparatesSpecFromStatus) {
  json route = Route("web");
  route["status"] = {{"parents", json::array({{{"controllerName", "forged"}}})}};
  HttpReply created = client_.Post(kRoutes, route);
  ASSERT_EQ(created.status, 201);
  EXPECT_FALSE(created.body.contains("status")) << "create drops the status";

  json with_status = created.body;
  with_status["status"] = {
      {"parents", json::array({{{"controllerName", "atrium.dev/gateway-controller"}}})}};
  with_status["spec"]["hostnames"] = {"ignored.example.com"};
  HttpReply status = client_.Put(std::string(kRoutes) + "/web/status", with_status);
  ASSERT_EQ(status.status, 200) << status.raw;
  EXPECT_EQ(status.body["status"]["parents"][0]["controllerName"], "atrium.dev/gateway-controller");
  EXPECT_EQ(status.body["spec"]["hostnames"][0], "web.example.com")
      << "a status write keeps the spec";
  EXPECT_EQ(status.body["metadata"]["generation"], 1);

  // A stale status write is a conflict, like any other update.
  EXPECT_EQ(client_.Put(std::string(kRoutes) + "/web/status", with_status).status, 409);

  json spec_write = status.body;
  spec_write["status"] = {{"parents", json::array()}};
  spec_write["spec"]["hostnames"] = {"new.example.com"};
  HttpReply spec = client_.Put(std::string(kRoutes) + "/web", spec_write);
  ASSERT_EQ(spec.status, 200);
  EXPECT_EQ(spec.body["spec"]["hostnames"][0], "new.example.com");
  EXPECT_EQ(spec.body["status"]["parents"].size(), 1u) << "a spec write keeps the status";
  EXPECT_EQ(spec.body["metadata"]["generation"], 2);

  HttpReply patched =
      client_.Patch(std::string(kRoutes) + "/web/status", R"({"status": {"parents": []}})",
                    "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200);
  EXPECT_TRUE(patched.body["status"]["parents"].empty());
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "/web/status").body["status"]["parents"],
            json::array());

  // Kinds without a status subresource have no /status.
  EXPECT_EQ(client_.Get("/api/v1/namespaces/default/secrets/x/status").status, 404);
}

TEST_F(ApiHttpTest, MergeJsonAndStrategicPatches) {
  ASSERT_EQ(client_.Post(kRoutes, Route("web")).status, 201);
  HttpReply merged =
      client_.Patch(std::string(kRoutes) + "/web",
                    R"({"metadata": {"labels": {"a": "1"}}, "spec": {"hostnames": null}})",
                    "application/merge-patch+json");
  ASSERT_EQ(merged.status, 200) << merged.raw;
  EXPECT_EQ(merged.body["metadata"]["labels"]["a"], "1");
  EXPECT_FALSE(merged.body["spec"].contains("hostnames"));
  EXPECT_EQ(merged.body["metadata"]["generation"], 2);

  HttpReply json_patch =
      client_.Patch(std::string(kRoutes) + "/web",
                    R"([{"op": "add", "path": "/spec/hostnames", "value": ["j.example.com"]}])",
                    "application/json-patch+json");
  ASSERT_EQ(json_patch.status, 200);
  EXPECT_EQ(json_patch.body["spec"]["hostnames"][0], "j.example.com");
  HttpReply failed_test =
      client_.Patch(std::string(kRoutes) + "/web",
                    R"([{"op": "test", "path": "/spec/hostnames/0", "value": "x"}])",
                    "application/json-patch+json");
  EXPECT_EQ(failed_test.status, 422);

  // Strategic merge patch is for built-in kinds only, as on a real server.
  EXPECT_EQ(
      client_.Patch(std::string(kRoutes) + "/web", "{}", "application/strategic-merge-patch+json")
          .status,
      415);
  EXPECT_EQ(client_.Patch(std::string(kRoutes) + "/web", "{}", "text/plain").status, 415);

  // A resourceVersion in a patch is a precondition.
  HttpReply stale =
      client_.Patch(std::string(kRoutes) + "/web", R"({"metadata": {"resourceVersion": "1"}})",
                    "application/merge-patch+json");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(
      client_.Patch(std::string(kRoutes) + "/nope", "{}", "application/merge-patch+json").status,
      404);

  json service = {
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", {{"name", "api"}}},
      {"spec",
       {{"ports", {{{"name", "http"}, {"port", 80}}, {{"name", "https"}, {"port", 443}}}}}}};
  HttpReply created = client_.Post(kServices, service);
  ASSERT_EQ(created.status, 201);
  EXPECT_EQ(created.body["spec"]["type"], "ClusterIP");
  EXPECT_EQ(created.body["spec"]["ports"][1]["targetPort"], 443);
  HttpReply strategic = client_.Patch(std::string(kServices) + "/api",
                                      R"({"spec": {"ports": [{"port": 443, "targetPort": 8443}]}})",
                                      "application/strategic-merge-patch+json");
  ASSERT_EQ(strategic.status, 200) << strategic.raw;
  ASSERT_EQ(strategic.body["spec"]["ports"].size(), 2u);
  EXPECT_EQ(strategic.body["spec"]["ports"][1]["targetPort"], 8443);
  EXPECT_EQ(strategic.body["spec"]["ports"][1]["name"], "https");
}

TEST_F(ApiHttpTest, ServerSideApplyCreatesThenTracksWhatEachManagerApplied) {
  const std::string url = std::string(kRoutes) + "/web?fieldManager=kubectl&force=true";
  const char* first = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  labels: {a: "1", b: "2"}
spec:
  hostnames: [web.example.com]
)";
  HttpReply created = client_.Patch(url, first, "application/apply-patch+yaml");
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["metadata"]["labels"]["b"], "2");

  // Another manager adds a label of its own.
  ASSERT_EQ(client_
                .Patch(std::string(kRoutes) + "/web", R"({"metadata": {"labels": {"c": "3"}}})",
                       "application/merge-patch+json")
                .status,
            200);

  const char* second = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  labels: {a: "1"}
spec:
  hostnames: [new.example.com]
)";
  HttpReply applied = client_.Patch(url, second, "application/apply-patch+yaml");
  ASSERT_EQ(applied.status, 200) << applied.raw;
  EXPECT_EQ(applied.body["metadata"]["labels"], json({{"a", "1"}, {"c", "3"}}));
  EXPECT_EQ(applied.body["spec"]["hostnames"][0], "new.example.com");
  EXPECT_EQ(applied.body["metadata"]["generation"], 2);

  HttpReply no_manager =
      client_.Patch(std::string(kRoutes) + "/web", second, "application/apply-patch+yaml");
  EXPECT_EQ(no_manager.status, 422);
}

TEST_F(ApiHttpTest, ListSelectorsAndPagination) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(
        client_.Post(kRoutes, Route("r" + std::to_string(i), {{"app", i % 2 ? "odd" : "even"}}))
            .status,
        201);
  }
  HttpReply all = client_.Get(kRoutes);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["kind"], "HTTPRouteList");
  EXPECT_EQ(all.body["items"].size(), 5u);
  EXPECT_EQ(all.body["metadata"]["resourceVersion"], std::to_string(api_.resource_version()));

  HttpReply even = client_.Get(std::string(kRoutes) + "?labelSelector=app%3Deven");
  EXPECT_EQ(even.body["items"].size(), 3u);
  HttpReply set = client_.Get(std::string(kRoutes) + "?labelSelector=app%20in%20(odd)");
  EXPECT_EQ(set.body["items"].size(), 2u);
  HttpReply named = client_.Get(std::string(kRoutes) + "?fieldSelector=metadata.name%3Dr3");
  ASSERT_EQ(named.body["items"].size(), 1u);
  EXPECT_EQ(named.body["items"][0]["metadata"]["name"], "r3");
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "?labelSelector=a%3D(").status, 400);

  // Pages of two, consistent with the first page's version even as objects change.
  std::vector<std::string> names;
  HttpReply page = client_.Get(std::string(kRoutes) + "?limit=2");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.body["metadata"]["remainingItemCount"], 3);
  const std::string list_rv = page.body["metadata"]["resourceVersion"];
  ASSERT_EQ(client_.Delete(std::string(kRoutes) + "/r4").status, 200);
  while (true) {
    for (const json& item : page.body["items"]) names.push_back(item["metadata"]["name"]);
    EXPECT_EQ(page.body["metadata"]["resourceVersion"], list_rv);
    if (!page.body["metadata"].contains("continue")) break;
    page = client_.Get(std::string(kRoutes) +
                       "?limit=2&continue=" + page.body["metadata"]["continue"].get<std::string>());
    ASSERT_EQ(page.status, 200) << page.raw;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));

  HttpReply all_namespaces = client_.Get("/apis/gateway.networking.k8s.io/v1/httproutes");
  EXPECT_EQ(all_namespaces.body["items"].size(), 4u);
}

TEST_F(ApiHttpTest, ListResourceVersionSemantics) {
  ASSERT_EQ(client_.Post(kRoutes, Route("a")).status, 201);
  std::string before = std::to_string(api_.resource_version());
  ASSERT_EQ(client_.Post(kRoutes, Route("b")).status, 201);

  HttpReply exact = client_.Get(std::string(kRoutes) + "?resourceVersion=" + before +
                                "&resourceVersionMatch=Exact");
  ASSERT_EQ(exact.status, 200) << exact.raw;
  EXPECT_EQ(exact.body["items"].size(), 1u);
  EXPECT_EQ(exact.body["metadata"]["resourceVersion"], before);

  HttpReply not_older = client_.Get(std::string(kRoutes) + "?resourceVersion=" + before +
                                    "&resourceVersionMatch=NotOlderThan");
  EXPECT_EQ(not_older.body["items"].size(), 2u);
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "?resourceVersion=0").body["items"].size(), 2u);

  HttpReply too_large = client_.Get(std::string(kRoutes) + "?resourceVersion=99999999");
  EXPECT_EQ(too_large.status, 504);
  EXPECT_EQ(too_large.body["details"]["causes"][0]["reason"], "ResourceVersionTooLarge");
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "?resourceVersionMatch=Exact").status, 400);

  HttpReply page = client_.Get(std::string(kRoutes) + "?limit=1");
  ASSERT_TRUE(page.body["metadata"].contains("continue"));
  api_.Compact();
  HttpReply gone = client_.Get(std::string(kRoutes) + "?resourceVersion=" + before +
                               "&resourceVersionMatch=Exact");
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.body["reason"], "Expired");
  HttpReply gone_continue = client_.Get(std::string(kRoutes) + "?limit=1&continue=" +
                                        page.body["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(gone_continue.status, 410);
  EXPECT_EQ(gone_continue.body["reason"], "Expired");
}

TEST_F(ApiHttpTest, TablesForKubectlGet) {
  json ingress = {{"apiVersion", "networking.k8s.io/v1"},
                  {"kind", "Ingress"},
                  {"metadata", {{"name", "store"}, {"namespace", "default"}}},
                  {"spec",
                   {{"ingressClassName", "atrium"},
                    {"rules", {{{"host", "a.example.com"}}, {{"host", "b.example.com"}}}}}},
                  {"status", {{"loadBalancer", {{"ingress", {{{"ip", "192.0.2.10"}}}}}}}}};
  ASSERT_TRUE(api_.Create(ingress).ok());
  HttpReply table =
      client_.Get("/apis/networking.k8s.io/v1/namespaces/default/ingresses",
                  {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"}});
  ASSERT_EQ(table.status, 200);
  EXPECT_EQ(table.body["kind"], "Table");
  std::vector<std::string> columns;
  for (const json& c : table.body["columnDefinitions"]) columns.push_back(c["name"]);
  EXPECT_EQ(columns,
            (std::vector<std::string>{"Name", "Class", "Hosts", "Address", "Ports", "Age"}));
  json cells = table.body["rows"][0]["cells"];
  EXPECT_EQ(cells[0], "store");
  EXPECT_EQ(cells[1], "atrium");
  EXPECT_EQ(cells[2], "a.example.com,b.example.com");
  EXPECT_EQ(cells[3], "192.0.2.10");
  EXPECT_EQ(cells[4], "80");
}

TEST_F(ApiHttpTest, DryRunChangesNothing) {
  int64_t before = api_.resource_version();
  HttpReply dry = client_.Post(std::string(kRoutes) + "?dryRun=All", Route("web"));
  EXPECT_EQ(dry.status, 201);
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "/web").status, 404);
  EXPECT_EQ(api_.resource_version(), before);
}

TEST_F(ApiHttpTest, FinalizersDelayDeletion) {
  json route = Route("web");
  route["metadata"]["finalizers"] = {"example.com/cleanup"};
  ASSERT_EQ(client_.Post(kRoutes, route).status, 201);
  HttpReply deleting = client_.Delete(std::string(kRoutes) + "/web");
  EXPECT_EQ(deleting.status, 202);
  HttpReply still = client_.Get(std::string(kRoutes) + "/web");
  ASSERT_EQ(still.status, 200);
  EXPECT_TRUE(still.body["metadata"].contains("deletionTimestamp"));
  HttpReply released =
      client_.Patch(std::string(kRoutes) + "/web", R"({"metadata": {"finalizers": null}})",
                    "application/merge-patch+json");
  EXPECT_EQ(released.status, 200);
  EXPECT_EQ(client_.Get(std::string(kRoutes) + "/web").status, 404);
}

TEST_F(ApiHttpTest, DeleteHonoursPreconditions) {
  HttpReply created = client_.Post(kRoutes, Route("web"));
  ASSERT_EQ(created.status, 201);
  HttpReply stale = client_.Delete(std::string(kRoutes) + "/web",
                                   R"({"preconditions": {"resourceVersion": "1"}})");
  EXPECT_EQ(stale.status, 409);
  HttpReply ok =
      client_.Delete(std::string(kRoutes) + "/web",
                     json{{"preconditions", {{"uid", created.body["metadata"]["uid"]}}}}.dump());
  EXPECT_EQ(ok.status, 200);
}

TEST_F(ApiHttpTest, ReferenceGrantIsServedAtV1beta1AndV1) {
  json grant = {
      {"apiVersion", "gateway.networking.k8s.io/v1beta1"},
      {"kind", "ReferenceGrant"},
      {"metadata", {{"name", "allow"}}},
      {"spec",
       {{"from",
         {{{"group", "gateway.networking.k8s.io"}, {"kind", "HTTPRoute"}, {"namespace", "x"}}}},
        {"to", {{{"group", ""}, {"kind", "Service"}}}}}}};
  ASSERT_EQ(
      client_
          .Post("/apis/gateway.networking.k8s.io/v1beta1/namespaces/default/referencegrants", grant)
          .status,
      201);
  HttpReply v1 =
      client_.Get("/apis/gateway.networking.k8s.io/v1/namespaces/default/referencegrants/allow");
  ASSERT_EQ(v1.status, 200);
  EXPECT_EQ(v1.body["apiVersion"], "gateway.networking.k8s.io/v1");
  HttpReply beta = client_.Get(
      "/apis/gateway.networking.k8s.io/v1beta1/namespaces/default/referencegrants/allow");
  EXPECT_EQ(beta.body["apiVersion"], "gateway.networking.k8s.io/v1beta1");
}

TEST(ApiHttpGatewayApiTest, StartsWithoutTheGroupAndInstallsItLater) {
  ApiServer api(WithoutGatewayApi());
  ASSERT_TRUE(api.Start()) << api.error();
  ApiClient client(api);
  HttpReply groups = client.Get("/apis");
  for (const json& g : groups.body["groups"]) EXPECT_NE(g["name"], "gateway.networking.k8s.io");
  EXPECT_EQ(client.Get(kRoutes).status, 404);
  EXPECT_EQ(
      client.Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions").body["items"].size(),
      0u);
  EXPECT_FALSE(api.gateway_api_installed());

  ASSERT_TRUE(api.InstallGatewayApi());
  EXPECT_TRUE(api.gateway_api_installed());
  HttpReply crds = client.Get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions");
  ASSERT_EQ(crds.body["items"].size(), 4u);
  EXPECT_EQ(crds.body["items"][2]["metadata"]["name"], "httproutes.gateway.networking.k8s.io");
  EXPECT_EQ(crds.body["items"][2]["status"]["conditions"][1]["type"], "Established");
  ASSERT_EQ(client.Post(kRoutes, Route("web")).status, 201);

  ASSERT_TRUE(api.UninstallGatewayApi());
  EXPECT_EQ(client.Get(kRoutes).status, 404);
  ASSERT_TRUE(api.InstallGatewayApi());
  EXPECT_EQ(client.Get(kRoutes).body["items"].size(), 0u) << "objects went with their CRD";
}

TEST(ApiHttpCrdTest, AnyCustomResourceDefinitionIsServed) {
  ApiServer api(WithoutGatewayApi());
  ASSERT_TRUE(api.Start()) << api.error();
  ApiClient client(api);
  json crd = json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Cluster",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
             "versions": [{"name": "v1alpha1", "served": true, "storage": true,
                           "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}]}]}})");
  ASSERT_EQ(client.Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status,
            201);
  HttpReply widget =
      client.Post("/apis/example.com/v1alpha1/widgets", {{"apiVersion", "example.com/v1alpha1"},
                                                         {"kind", "Widget"},
                                                         {"metadata", {{"name", "w"}}},
                                                         {"spec", {{"size", 3}}}});
  ASSERT_EQ(widget.status, 201) << widget.raw;
  HttpReply table = client.Get("/apis/example.com/v1alpha1/widgets",
                               {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}});
  EXPECT_EQ(table.body["rows"][0]["cells"], json::parse(R"(["w", 3])"));

  crd["metadata"]["name"] = "wrong.example.com";
  HttpReply invalid = client.Post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  EXPECT_EQ(invalid.status, 422);
}

TEST(ApiHttpPlainTest, ServesPlainHttpToo) {
  ApiServer api(PlainHttp());
  ASSERT_TRUE(api.Start()) << api.error();
  EXPECT_EQ(api.url().rfind("http://", 0), 0u);
  ApiClient client(api);
  EXPECT_EQ(client.Get("/api/v1/namespaces").status, 200);
  EXPECT_EQ(ApiClient(api, "").Get("/api/v1/namespaces").status, 401);
}

}  // namespace
}  // namespace atrium::testing

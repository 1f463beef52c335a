// WATCH over HTTP: event streams, resourceVersion semantics, bookmarks,
// 410 Gone, selectors, timeouts, dropped watches and restarts.

#include <gtest/gtest.h>

#include "tests/apiserver/api_server.h"
#include "tests/apiserver/api_test_client.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

ApiServerOptions PlainHttp() {
  ApiServerOptions options;
  options.tls = false;
  return options;
}
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kRoutes = "/apis/gateway.networking.k8s.io/v1/namespaces/default/httproutes";

json Route(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", labels}}},
          {"spec", {{"hostnames", {name + ".example.com"}}}}};
}

std::string Name(const json& event) { return event["object"]["metadata"]["name"]; }

class WatchHttpTest : public ::testing::Test {
 protected:
  static ApiServerOptions Options() {
    ApiServerOptions options;
    options.bookmark_interval = milliseconds(100);
    return options;
  }
  void SetUp() override { ASSERT_TRUE(api_.Start()) << api_.error(); }

  ApiServer api_{Options()};
};

TEST_F(WatchHttpTest, FromZeroSendsCurrentObjectsThenChanges) {
  ASSERT_TRUE(api_.Create(Route("a")).ok());
  ASSERT_TRUE(api_.Create(Route("b")).ok());
  WatchStream watch(api_, std::string(kRoutes) + "?watch=true&resourceVersion=0");
  ASSERT_EQ(watch.status(), 200);
  std::optional<json> first = watch.Next();
  std::optional<json> second = watch.Next();
  ASSERT_TRUE(first && second);
  EXPECT_EQ((*first)["type"], "ADDED");
  EXPECT_EQ(Name(*first), "a");
  EXPECT_EQ(Name(*second), "b");
  EXPECT_EQ((*first)["object"]["kind"], "HTTPRoute");
  EXPECT_EQ((*first)["object"]["apiVersion"], "gateway.networking.k8s.io/v1");

  ASSERT_TRUE(api_.Create(Route("c")).ok());
  ASSERT_TRUE(api_.Patch("httproutes", "default", "a", PatchType::kMerge,
                         {{"spec", {{"hostnames", {"x.example.com"}}}}})
                  .ok());
  ASSERT_TRUE(api_.Delete("httproutes", "default", "b").ok());
  std::vector<std::pair<std::string, std::string>> seen;
  int64_t last_rv = 0;
  for (int i = 0; i < 3; ++i) {
    std::optional<json> event = watch.Next();
    ASSERT_TRUE(event) << "event " << i;
    seen.emplace_back((*event)["type"], Name(*event));
    int64_t rv = std::stoll((*event)["object"]["metadata"]["resourceVersion"].get<std::string>());
    EXPECT_GT(rv, last_rv);
    last_rv = rv;
  }
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, std::string>>{
                      {"ADDED", "c"}, {"MODIFIED", "a"}, {"DELETED", "b"}}));
  EXPECT_EQ(last_rv, api_.resource_version());
}

TEST_F(WatchHttpTest, FromAListVersionSendsOnlyLaterChanges) {
  ASSERT_TRUE(api_.Create(Route("old")).ok());
  std::string rv = std::to_string(api_.resource_version());
  ASSERT_TRUE(api_.Create(Route("new")).ok());
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" + rv);
  std::optional<json> event = watch.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["type"], "ADDED");
  EXPECT_EQ(Name(*event), "new");
  EXPECT_FALSE(watch.Next(milliseconds(200))) << "nothing else happened";
}

TEST_F(WatchHttpTest, BookmarksCarryTheCurrentVersion) {
  WatchStream watch(api_, std::string(kRoutes) +
                              "?watch=1&allowWatchBookmarks=true&resourceVersion=" +
                              std::to_string(api_.resource_version()));
  ASSERT_TRUE(api_.Create(Route("a")).ok());
  std::optional<json> added = watch.Next();
  ASSERT_TRUE(added);
  EXPECT_EQ((*added)["type"], "ADDED");
  // A write to another resource moves the version a bookmark reports.
  ASSERT_TRUE(
      api_.Create({{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}}}).ok());
  std::optional<json> bookmark = watch.Next();
  ASSERT_TRUE(bookmark);
  EXPECT_EQ((*bookmark)["type"], "BOOKMARK");
  EXPECT_EQ((*bookmark)["object"]["kind"], "HTTPRoute");
  EXPECT_EQ((*bookmark)["object"]["metadata"]["resourceVersion"],
            std::to_string(api_.resource_version()));
}

TEST_F(WatchHttpTest, SendBookmarksAsksEveryWatchForOneNow) {
  ApiServerOptions options;
  options.bookmark_interval = seconds(3600);
  ApiServer api(options);
  ASSERT_TRUE(api.Start());
  WatchStream watch(api, std::string(kRoutes) +
                             "?watch=1&allowWatchBookmarks=true&resourceVersion=" +
                             std::to_string(api.resource_version()));
  ASSERT_TRUE(api.WaitForOpenWatches(1, seconds(10)));
  api.SendBookmarks();
  std::optional<json> bookmark = watch.Next();
  ASSERT_TRUE(bookmark);
  EXPECT_EQ((*bookmark)["type"], "BOOKMARK");
}

TEST_F(WatchHttpTest, CompactedVersionYieldsA410ErrorEvent) {
  ASSERT_TRUE(api_.Create(Route("a")).ok());
  std::string old = std::to_string(api_.resource_version());
  api_.Compact();
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" + old);
  ASSERT_EQ(watch.status(), 200);
  std::optional<json> error = watch.Next();
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)["type"], "ERROR");
  EXPECT_EQ((*error)["object"]["kind"], "Status");
  EXPECT_EQ((*error)["object"]["code"], 410);
  EXPECT_EQ((*error)["object"]["reason"], "Expired");
  bool clean = false;
  EXPECT_TRUE(watch.WaitEnded(seconds(10), &clean));
  EXPECT_TRUE(clean);
}

TEST_F(WatchHttpTest, VersionOlderThanTheHistoryGets410) {
  ApiServerOptions options;
  options.history_limit = 2;
  ApiServer api(options);
  ASSERT_TRUE(api.Start());
  std::string rv = std::to_string(api.resource_version());
  // Three writes before the watch starts reading: the first one is forgotten.
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(api.Create(Route(name)).ok());
  WatchStream watch(api, std::string(kRoutes) + "?watch=1&resourceVersion=" + rv);
  std::optional<json> event = watch.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ((*event)["type"], "ERROR");
  EXPECT_EQ((*event)["object"]["code"], 410);
}

TEST_F(WatchHttpTest, LabelSelectorTurnsLabelChangesIntoAddsAndDeletes) {
  ASSERT_TRUE(api_.Create(Route("a", {{"app", "web"}})).ok());
  WatchStream watch(api_, std::string(kRoutes) +
                              "?watch=1&labelSelector=app%3Dweb&resourceVersion=" +
                              std::to_string(api_.resource_version()));
  ASSERT_TRUE(api_.Create(Route("other", {{"app", "db"}})).ok());
  ASSERT_TRUE(api_.Patch("httproutes", "default", "a", PatchType::kMerge,
                         {{"metadata", {{"labels", {{"app", "db"}}}}}})
                  .ok());
  ASSERT_TRUE(api_.Patch("httproutes", "default", "other", PatchType::kMerge,
                         {{"metadata", {{"labels", {{"app", "web"}}}}}})
                  .ok());
  std::optional<json> left = watch.Next();
  std::optional<json> joined = watch.Next();
  ASSERT_TRUE(left && joined);
  EXPECT_EQ((*left)["type"], "DELETED");
  EXPECT_EQ(Name(*left), "a");
  EXPECT_EQ((*joined)["type"], "ADDED");
  EXPECT_EQ(Name(*joined), "other");
}

TEST_F(WatchHttpTest, NamespacedWatchSeesOnlyItsNamespace) {
  ASSERT_TRUE(
      api_.Create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "shop"}}}})
          .ok());
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" +
                              std::to_string(api_.resource_version()));
  json elsewhere = Route("elsewhere");
  elsewhere["metadata"]["namespace"] = "shop";
  ASSERT_TRUE(api_.Create(elsewhere).ok());
  ASSERT_TRUE(api_.Create(Route("here")).ok());
  std::optional<json> event = watch.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ(Name(*event), "here");
}

TEST_F(WatchHttpTest, TimeoutSecondsEndsTheStreamCleanly) {
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1&timeoutSeconds=1&resourceVersion=" +
                              std::to_string(api_.resource_version()));
  bool clean = false;
  ASSERT_TRUE(watch.WaitEnded(seconds(10), &clean));
  EXPECT_TRUE(clean);
}

TEST_F(WatchHttpTest, DropWatchesCutsEveryStream) {
  WatchStream a(api_, std::string(kRoutes) + "?watch=1");
  WatchStream b(api_, "/api/v1/namespaces?watch=1");
  ASSERT_TRUE(api_.WaitForOpenWatches(2, seconds(10)));
  api_.DropWatches();
  bool clean = true;
  ASSERT_TRUE(a.WaitEnded(seconds(10), &clean));
  EXPECT_FALSE(clean) << "a dropped watch ends without the last chunk";
  ASSERT_TRUE(b.WaitEnded(seconds(10), &clean));
  EXPECT_FALSE(clean);
  EXPECT_TRUE(api_.WaitForNoWatches(seconds(10)));
  // The server keeps serving; a new watch works.
  WatchStream again(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" +
                              std::to_string(api_.resource_version()));
  ASSERT_TRUE(api_.Create(Route("after")).ok());
  std::optional<json> event = again.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ(Name(*event), "after");
}

TEST_F(WatchHttpTest, ClientHangUpFreesTheWatch) {
  {
    WatchStream watch(api_, std::string(kRoutes) + "?watch=1");
    ASSERT_TRUE(api_.WaitForOpenWatches(1, seconds(10)));
  }
  EXPECT_TRUE(api_.WaitForNoWatches(seconds(10)));
}

TEST_F(WatchHttpTest, RestartWithCompactionCutsWatchesAndExpiresVersions) {
  ASSERT_TRUE(api_.Create(Route("a")).ok());
  const int port = api_.port();
  std::string held = std::to_string(api_.resource_version());
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" + held);
  ASSERT_TRUE(api_.WaitForOpenWatches(1, seconds(10)));
  ASSERT_TRUE(api_.Restart()) << api_.error();
  bool clean = true;
  ASSERT_TRUE(watch.WaitEnded(seconds(10), &clean));
  EXPECT_FALSE(clean);
  EXPECT_EQ(api_.port(), port);

  WatchStream resumed(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" + held);
  std::optional<json> error = resumed.Next();
  ASSERT_TRUE(error);
  EXPECT_EQ((*error)["type"], "ERROR");
  EXPECT_EQ((*error)["object"]["code"], 410);

  // Relist, then watch from the list's version: objects survived the restart.
  ApiClient client(api_);
  HttpReply list = client.Get(kRoutes);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["items"].size(), 1u);
  WatchStream fresh(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" +
                              list.body["metadata"]["resourceVersion"].get<std::string>());
  ASSERT_TRUE(api_.Create(Route("b")).ok());
  std::optional<json> event = fresh.Next();
  ASSERT_TRUE(event);
  EXPECT_EQ(Name(*event), "b");
}

TEST_F(WatchHttpTest, SendInitialEventsEndsWithAnAnnotatedBookmark) {
  ASSERT_TRUE(api_.Create(Route("a")).ok());
  WatchStream watch(api_, std::string(kRoutes) +
                              "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&"
                              "resourceVersionMatch=NotOlderThan");
  std::optional<json> added = watch.Next();
  std::optional<json> end = watch.Next();
  ASSERT_TRUE(added && end);
  EXPECT_EQ((*added)["type"], "ADDED");
  EXPECT_EQ((*end)["type"], "BOOKMARK");
  EXPECT_EQ((*end)["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"], "true");
}

TEST_F(WatchHttpTest, WatchOfARemovedResourceEnds) {
  ASSERT_TRUE(api_.Create(Route("a")).ok());
  WatchStream watch(api_, std::string(kRoutes) + "?watch=1&resourceVersion=" +
                              std::to_string(api_.resource_version()));
  ASSERT_TRUE(api_.WaitForOpenWatches(1, seconds(10)));
  ASSERT_TRUE(api_.UninstallGatewayApi());
  std::optional<json> deleted = watch.Next();
  ASSERT_TRUE(deleted);
  EXPECT_EQ((*deleted)["type"], "DELETED");
  bool clean = false;
  ASSERT_TRUE(watch.WaitEnded(seconds(10), &clean));
  EXPECT_TRUE(clean);
}

TEST(WatchPlainHttpTest, HangUpIsNoticedWithoutTlsToo) {
  ApiServer api(PlainHttp());
  ASSERT_TRUE(api.Start());
  {
    WatchStream watch(api, "/api/v1/namespaces?watch=1");
    std::optional<json> event = watch.Next();
    ASSERT_TRUE(event);
    EXPECT_EQ((*event)["type"], "ADDED");
  }
  EXPECT_TRUE(api.WaitForNoWatches(seconds(10)));
}

}  // namespace
}  // namespace atrium::testing

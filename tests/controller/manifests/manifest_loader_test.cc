#include "controller/manifests/manifest_loader.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include <gtest/gtest.h>

namespace atrium::manifests {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRoute = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs: [{name: gw}]
)";

constexpr const char* kService = R"(apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  ports: [{port: 80}]
)";

TEST(LoadManifestsTest, AppliesApiDefaults) {
  LoadResult result = LoadManifests({{"a.yaml", kRoute}});
  EXPECT_TRUE(result.problems.empty());
  ASSERT_EQ(result.state.http_routes.count("default/web"), 1u);
  const auto& route = result.state.http_routes.at("default/web");
  EXPECT_EQ(route.meta.ns, "default");
  EXPECT_EQ(route.meta.generation, 1);
}

TEST(LoadManifestsTest, ClusterScopedKindsHaveNoNamespace) {
  LoadResult result = LoadManifests({{"c.yaml", R"(apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: atrium, namespace: ignored}
spec: {controllerName: atrium.dev/gateway-controller}
)"}});
  ASSERT_EQ(result.state.gateway_classes.count("atrium"), 1u);
  EXPECT_FALSE(result.state.gateway_classes.at("atrium")["metadata"].contains("namespace"));
}

TEST(LoadManifestsTest, MalformedFileIsReportedAndOthersStillLoad) {
  LoadResult result = LoadManifests({{"bad.yaml", "kind: [unclosed\n"},
                                     {"good.yaml", kRoute},
                                     {"svc.json", R"({"apiVersion":"v1","kind":"Service",
                                       "metadata":{"name":"web","namespace":"shop"}})"}});
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].file, "bad.yaml");
  EXPECT_NE(result.problems[0].reason.find("not valid YAML"), std::string::npos);
  EXPECT_EQ(result.state.http_routes.size(), 1u);
  EXPECT_EQ(result.state.services.count("shop/web"), 1u);
  EXPECT_EQ(result.objects, 2u);
}

TEST(LoadManifestsTest, MalformedObjectsAreReportedOneByOne) {
  LoadResult result = LoadManifests({{"mixed.yaml", std::string(kService) + R"(---
kind: HTTPRoute
metadata: {name: no-api-version}
---
apiVersion: v1
kind: Service
metadata: {namespace: shop}
---
- just
- a list
)"}});
  ASSERT_EQ(result.problems.size(), 3u);
  EXPECT_EQ(result.problems[0].reason, "missing apiVersion");
  EXPECT_EQ(result.problems[1].reason, "missing metadata.name");
  EXPECT_EQ(result.problems[2].reason, "document is not an object");
  EXPECT_EQ(result.problems[2].object, "document 4");
  EXPECT_EQ(result.state.services.size(), 1u);
}

TEST(LoadManifestsTest, DuplicatesKeepTheFirstDefinition) {
  std::string other = kService;
  other.replace(other.find("port: 80"), 8, "port: 81");
  LoadResult result = LoadManifests({{"a.yaml", kService}, {"b.yaml", other}});
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].file, "b.yaml");
  EXPECT_EQ(result.problems[0].object, "Service shop/web");
  EXPECT_EQ(result.state.services.at("shop/web")["spec"]["ports"][0]["port"], 80);
}

TEST(LoadManifestsTest, ListsAreUnpackedAndUnknownKindsIgnored) {
  LoadResult result = LoadManifests({{"list.yaml", R"(apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}}
)"}});
  EXPECT_TRUE(result.problems.empty());
  EXPECT_EQ(result.state.namespaces.count("shop"), 1u);
  EXPECT_EQ(result.ignored, 1u);
}

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("atrium-manifests-" + std::to_string(::getpid()) + "-" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void Write(const std::string& name, const std::string& content) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name) << content;
  }

 private:
  fs::path path_;
};

TEST(ReadManifestDirTest, ReadsManifestFilesRecursivelySkippingHiddenAndOthers) {
  TempDir dir;
  dir.Write("a.yaml", kRoute);
  dir.Write("sub/b.yml", kService);
  dir.Write("notes.txt", "not a manifest");
  dir.Write(".hidden/c.yaml", kService);
  std::vector<ManifestProblem> problems;
  auto files = ReadManifestDir(dir.path().string(), &problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files.begin()->second, kRoute);
}

TEST(ReadManifestDirTest, MissingDirIsAProblem) {
  std::vector<ManifestProblem> problems;
  auto files = ReadManifestDir("/nonexistent/atrium", &problems);
  EXPECT_TRUE(files.empty());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].reason, "not a readable directory");
}

// Collects the watcher's results so a test can wait for a condition.
class Results {
 public:
  void Add(LoadResult result) {
    std::lock_guard lock(mutex_);
    results_.push_back(std::move(result));
    changed_.notify_all();
  }
  // WaitFor waits up to timeout for a result satisfying predicate.
  bool WaitFor(const std::function<bool(const LoadResult&)>& predicate,
               std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout,
                             [&] { return !results_.empty() && predicate(results_.back()); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<LoadResult> results_;
};

TEST(ManifestWatcherTest, AppliesEditsNewFilesAndDeletionsWithinOneSecond) {
  TempDir dir;
  dir.Write("route.yaml", kRoute);
  Results results;
  ManifestWatcher watcher(dir.path().string(), std::chrono::milliseconds(100),
                          [&](LoadResult result) { results.Add(std::move(result)); });
  watcher.Start();
  const auto within = std::chrono::milliseconds(1000);
  ASSERT_TRUE(
      results.WaitFor([](const LoadResult& r) { return r.state.http_routes.size() == 1; }, within));

  dir.Write("service.yaml", kService);
  ASSERT_TRUE(
      results.WaitFor([](const LoadResult& r) { return r.state.services.size() == 1; }, within));

  std::string edited = kRoute;
  edited.replace(edited.find("name: web"), 9, "name: shop");
  dir.Write("route.yaml", edited);
  ASSERT_TRUE(results.WaitFor(
      [](const LoadResult& r) { return r.state.http_routes.count("default/shop") == 1; }, within));

  dir.Write("broken.yaml", "kind: [oops\n");
  ASSERT_TRUE(results.WaitFor(
      [](const LoadResult& r) {
        return r.problems.size() == 1 && r.state.http_routes.size() == 1 &&
               r.state.services.size() == 1;
      },
      within));

  fs::remove(dir.path() / "service.yaml");
  ASSERT_TRUE(
      results.WaitFor([](const LoadResult& r) { return r.state.services.empty(); }, within));
  watcher.Stop();
}

}  // namespace
}  // namespace atrium::manifests

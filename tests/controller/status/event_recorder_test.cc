// Events against the in-process test API server: first the recorder alone
// (create, a repeat patches count, non-leader, full queue, an expired Event),
// then wired the way the application wires it (informers -> reconciler ->
// ProblemEvents -> recorder): an Ingress with a resource backend and an
// HTTPRoute with an invalid regex produce Warning events that the API and
// kubectl list, once.
#include "controller/kube/event_recorder.h"

#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "controller/core/reconciler.h"
#include "controller/kube/cluster_informers.h"
#include "controller/kube/kube_client.h"
#include "controller/status/problem_events.h"
#include "proxy/table/regex_check.h"
#include "proxy/table/table_publisher.h"
#include "tests/apiserver/api_server.h"

namespace atrium::status {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Time = std::chrono::system_clock::time_point;

constexpr milliseconds kWait{30'000};

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(ATRIUM_SOURCE_DIR) + "/tests/controller/status/testdata/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

kube::KubeConfig Config(const testing::ApiServer& api) {
  kube::KubeConfig config;
  config.server = api.url();
  config.token = api.token();
  config.ca_pem = api.ca_pem();
  return config;
}

// WaitUntil polls pred until it holds or the deadline passes.
bool WaitUntil(const std::function<bool()>& pred, milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));  // polling a condition with a deadline
  }
  return true;
}

kube::EventRecord IngressWarning(const std::string& message) {
  kube::EventRecord record;
  record.object = {"networking.k8s.io/v1", "Ingress", "shop", "assets", "uid-1", "5"};
  record.reason = "UnsupportedResourceBackend";
  record.message = message;
  record.reporting_controller = "atrium.dev/ingress-controller";
  return record;
}

// FakeClock is a wall clock the test moves.
struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> seconds_since_epoch =
      std::make_shared<std::atomic<int64_t>>(1795438800);  // 2026-11-23T13:00:00Z
  std::function<Time()> Function() const {
    auto s = seconds_since_epoch;
    return [s] { return Time(std::chrono::seconds(s->load())); };
  }
};

double CounterValue(prometheus::Registry& registry, std::string_view name,
                    const std::string& label_value) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        if (label.value == label_value) return metric.counter.value;
      }
    }
  }
  return -1;
}

class EventRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.Start()) << api_.error();
    ASSERT_TRUE(api_.ApplyYaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}")[0].ok());
    client_ = std::make_unique<kube::KubeClient>(Config(api_));
  }

  kube::EventRecorderOptions Options() {
    kube::EventRecorderOptions options;
    options.source.instance = "atrium-0";
    options.clock = clock_.Function();
    options.registry = registry_;
    return options;
  }

  testing::ApiServer api_;
  std::unique_ptr<kube::KubeClient> client_;
  FakeClock clock_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(EventRecorderTest, CreatesThenPatchesCountOfARepeat) {
  kube::EventRecorder recorder(*client_, Options());
  recorder.Start();
  ASSERT_TRUE(recorder.Record(IngressWarning("resource backends are not supported")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  std::vector<json> events = api_.List("events", "shop");
  ASSERT_EQ(events.size(), 1u);
  const json created = events[0];
  EXPECT_EQ(created["type"], "Warning");
  EXPECT_EQ(created["reason"], "UnsupportedResourceBackend");
  EXPECT_EQ(created["involvedObject"]["kind"], "Ingress");
  EXPECT_EQ(created["involvedObject"]["uid"], "uid-1");
  EXPECT_EQ(created["source"]["component"], "atrium");
  EXPECT_EQ(created["reportingInstance"], "atrium-0");
  EXPECT_EQ(created["count"], 1);
  EXPECT_EQ(created["firstTimestamp"], "2026-11-23T13:00:00Z");

  // The same again a minute later: the same Event, count 2 (a merge patch).
  clock_.seconds_since_epoch->fetch_add(60);
  ASSERT_TRUE(recorder.Record(IngressWarning("resource backends are not supported")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  events = api_.List("events", "shop");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["metadata"]["name"], created["metadata"]["name"]);
  EXPECT_EQ(events[0]["count"], 2);
  EXPECT_EQ(events[0]["firstTimestamp"], "2026-11-23T13:00:00Z");
  EXPECT_EQ(events[0]["lastTimestamp"], "2026-11-23T13:01:00Z");
  EXPECT_EQ(events[0]["message"], created["message"]);

  // Another message is another Event.
  ASSERT_TRUE(recorder.Record(IngressWarning("something else")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  EXPECT_EQ(api_.List("events", "shop").size(), 2u);
  EXPECT_EQ(recorder.emitted(), 3u);
  EXPECT_EQ(recorder.dropped(), 0u);
  EXPECT_EQ(CounterValue(*registry_, kube::kEventsEmittedMetric, "create"), 2);
  EXPECT_EQ(CounterValue(*registry_, kube::kEventsEmittedMetric, "patch"), 1);
}

TEST_F(EventRecorderTest, ARepeatOfAnEventTheServerNoLongerHasCreatesItAgain) {
  kube::EventRecorder recorder(*client_, Options());
  recorder.Start();
  ASSERT_TRUE(recorder.Record(IngressWarning("gone soon")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  std::vector<json> events = api_.List("events", "shop");
  ASSERT_EQ(events.size(), 1u);
  const std::string first_name = events[0]["metadata"]["name"];
  ASSERT_TRUE(api_.Delete("events", "shop", first_name).ok());  // expired (TTL)

  clock_.seconds_since_epoch->fetch_add(1);
  ASSERT_TRUE(recorder.Record(IngressWarning("gone soon")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  events = api_.List("events", "shop");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0]["metadata"]["name"], first_name);
  EXPECT_EQ(events[0]["count"], 1);
  EXPECT_EQ(recorder.dropped(), 0u);
}

TEST_F(EventRecorderTest, NonLeaderEmitsNothing) {
  kube::EventRecorderOptions options = Options();
  std::atomic<bool> leading{false};
  options.is_leader = [&leading] { return leading.load(); };
  kube::EventRecorder recorder(*client_, std::move(options));
  recorder.Start();
  EXPECT_FALSE(recorder.Record(IngressWarning("not leading")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  EXPECT_TRUE(api_.List("events", "shop").empty());
  EXPECT_EQ(recorder.emitted(), 0u);

  leading = true;
  EXPECT_TRUE(recorder.Record(IngressWarning("leading now")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  EXPECT_EQ(api_.List("events", "shop").size(), 1u);
}

TEST_F(EventRecorderTest, AFullQueueDropsAndCountsInsteadOfBlocking) {
  kube::EventRecorderOptions options = Options();
  options.queue_capacity = 2;
  kube::EventRecorder recorder(*client_, std::move(options));  // not started: nothing drains
  EXPECT_TRUE(recorder.Record(IngressWarning("1")));
  EXPECT_TRUE(recorder.Record(IngressWarning("2")));
  EXPECT_FALSE(recorder.Record(IngressWarning("3")));
  EXPECT_EQ(recorder.dropped(), 1u);
  EXPECT_EQ(CounterValue(*registry_, kube::kEventsDroppedMetric, "queue_full"), 1);
  recorder.Start();
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  EXPECT_EQ(api_.List("events", "shop").size(), 2u);
}

TEST_F(EventRecorderTest, AFailedCreateIsCountedAndTheNextRepeatCreates) {
  kube::EventRecorder recorder(*client_, Options());
  recorder.Start();
  api_.FailRequests(testing::FailureRule::NextRequests(1, 500));
  ASSERT_TRUE(recorder.Record(IngressWarning("flaky")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  EXPECT_EQ(recorder.dropped(), 1u);
  EXPECT_EQ(CounterValue(*registry_, kube::kEventsDroppedMetric, "failed"), 1);
  EXPECT_TRUE(api_.List("events", "shop").empty());
  ASSERT_TRUE(recorder.Record(IngressWarning("flaky")));
  ASSERT_TRUE(recorder.WaitIdle(kWait));
  std::vector<json> events = api_.List("events", "shop");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["count"], 1);
}

// EventReplica is the cluster-mode control plane as the application wires it
// for events: informers -> reconciler -> ProblemEvents -> recorder.
class EventReplica {
 public:
  EventReplica(const testing::ApiServer& api, std::function<bool()> is_leader)
      : client_(Config(api)),
        reconciler_(RegexCheckingOptions(), publisher_, nullptr),
        recorder_(client_, RecorderOptions(is_leader)),
        informers_(client_, InformersOptions(),
                   {[this](std::string_view kind, json object) {
                      reconciler_.Upsert(kind, std::move(object));
                    },
                    [this](std::string_view kind, const std::string& key) {
                      reconciler_.Remove(kind, key);
                    },
                    [this] { reconciler_.SetSynced(true); }}) {
    reconciler_.set_problem_sink([this, is_leader](const std::vector<translate::Problem>& problems,
                                                   const state::ClusterState& state) {
      if (is_leader && !is_leader()) {
        problem_events_.Reset();
        return;
      }
      for (kube::EventRecord& event : problem_events_.Update(problems, state)) {
        recorder_.Record(std::move(event));
      }
    });
  }
  ~EventReplica() { Stop(); }

  void Start() {
    reconciler_.Start();
    recorder_.Start();
    informers_.Start();
  }
  void Stop() {
    informers_.Stop();
    reconciler_.Stop();
    recorder_.Stop();
  }

  core::Reconciler& reconciler() { return reconciler_; }
  kube::EventRecorder& recorder() { return recorder_; }

 private:
  static core::ReconcilerOptions RegexCheckingOptions() {
    core::ReconcilerOptions options;
    options.translate.regex_error = [](const std::string& pattern) {
      return table::RegexError(pattern);
    };
    return options;
  }
  static kube::EventRecorderOptions RecorderOptions(std::function<bool()> is_leader) {
    kube::EventRecorderOptions options;
    options.source.instance = "atrium-0";
    options.is_leader = std::move(is_leader);
    return options;
  }
  static kube::ClusterInformersOptions InformersOptions() {
    kube::ClusterInformersOptions options;
    options.informer.backoff.initial = milliseconds(50);
    return options;
  }

  kube::KubeClient client_;
  table::TablePublisher publisher_;
  core::Reconciler reconciler_;
  ProblemEvents problem_events_;  // reconciler thread only
  kube::EventRecorder recorder_;
  kube::ClusterInformers informers_;
};

const json* FindEvent(const std::vector<json>& events, std::string_view object,
                      std::string_view reason) {
  for (const json& event : events) {
    if (event["involvedObject"].value("name", "") == object &&
        event.value("reason", "") == reason) {
      return &event;
    }
  }
  return nullptr;
}

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  pclose(pipe);
  return output;
}

TEST(ProblemEventsClusterTest, ProblemsBecomeWarningEventsOnceAndRepeatsPatchCount) {
  testing::ApiServer api;
  ASSERT_TRUE(api.Start()) << api.error();
  for (const testing::ApiResult& result : api.ApplyYaml(ReadTestdata("problems.yaml"))) {
    ASSERT_TRUE(result.ok()) << result.body.dump();
  }
  EventReplica replica(api, nullptr);
  replica.Start();

  auto events = [&api] { return api.List("events", "shop"); };
  ASSERT_TRUE(WaitUntil([&] {
    std::vector<json> now = events();
    return FindEvent(now, "assets", "UnsupportedResourceBackend") != nullptr &&
           FindEvent(now, "regex", "InvalidRegex") != nullptr;
  }));
  ASSERT_TRUE(replica.recorder().WaitIdle(kWait));
  std::vector<json> first = events();
  const json* resource = FindEvent(first, "assets", "UnsupportedResourceBackend");
  const std::optional<json> ingress = api.Get("ingresses", "shop", "assets");
  ASSERT_TRUE(ingress);
  EXPECT_EQ(resource->value("type", ""), "Warning");
  EXPECT_EQ((*resource)["involvedObject"]["uid"], (*ingress)["metadata"]["uid"]);
  EXPECT_EQ((*resource)["involvedObject"]["apiVersion"], "networking.k8s.io/v1");
  EXPECT_EQ((*resource)["reportingComponent"], "atrium.dev/ingress-controller");
  EXPECT_NE(resource->value("message", "").find("resource backends are not supported"),
            std::string::npos);
  const json* regex = FindEvent(first, "regex", "InvalidRegex");
  EXPECT_EQ((*regex)["involvedObject"]["kind"], "HTTPRoute");
  EXPECT_EQ((*regex)["reportingComponent"], "atrium.dev/gateway-controller");

  // kubectl sees them too.
  const std::string kubeconfig = ::testing::TempDir() + "/events-kubeconfig";
  ASSERT_TRUE(api.WriteKubeconfig(kubeconfig));
  const std::string kubectl = "kubectl --kubeconfig " + kubeconfig + " -n shop get events ";
  const std::string table = RunCommand(kubectl + "--field-selector type=Warning");
  EXPECT_NE(table.find("UnsupportedResourceBackend"), std::string::npos) << table;
  EXPECT_NE(table.find("InvalidRegex"), std::string::npos) << table;
  const std::string reasons = RunCommand(kubectl + "-o jsonpath='{.items[*].reason}'");
  EXPECT_NE(reasons.find("InvalidRegex"), std::string::npos) << reasons;

  // Another reconcile with the same problems (the Ingress changed, its
  // problem did not): no new Event.
  uint64_t reconciles = replica.reconciler().reconcile_count();
  ASSERT_TRUE(api.Patch("ingresses", "shop", "assets", testing::PatchType::kMerge,
                        {{"metadata", {{"annotations", {{"touched", "1"}}}}}})
                  .ok());
  ASSERT_TRUE(replica.reconciler().WaitForReconcile(reconciles + 1, kWait));
  ASSERT_TRUE(replica.recorder().WaitIdle(kWait));
  EXPECT_EQ(events().size(), first.size());

  // The regex is fixed, then broken again: the same Event, count 2.
  auto set_regex = [&api](const std::string& value) {
    json rules = json::array(
        {{{"matches", json::array({{{"path", {{"type", "RegularExpression"}, {"value", value}}}}})},
          {"backendRefs", json::array({{{"name", "api"}, {"port", 80}}})}}});
    return api.Patch("httproutes", "shop", "regex", testing::PatchType::kMerge,
                     {{"spec", {{"rules", rules}}}});
  };
  ASSERT_TRUE(set_regex("/api/.*").ok());
  ASSERT_TRUE(WaitUntil([&] {
    for (const json& problem : replica.reconciler().StatusJson().value("problems", json::array())) {
      if (problem.value("name", "") == "regex") return false;
    }
    return true;
  }));
  ASSERT_TRUE(set_regex("/api/(unclosed").ok());
  ASSERT_TRUE(WaitUntil([&] {
    std::vector<json> now = events();
    const json* event = FindEvent(now, "regex", "InvalidRegex");
    return event != nullptr && event->value("count", 0) == 2;
  }));
  EXPECT_EQ(events().size(), first.size());
}

TEST(ProblemEventsClusterTest, ANonLeaderEmitsNothing) {
  testing::ApiServer api;
  ASSERT_TRUE(api.Start()) << api.error();
  for (const testing::ApiResult& result : api.ApplyYaml(ReadTestdata("problems.yaml"))) {
    ASSERT_TRUE(result.ok()) << result.body.dump();
  }
  EventReplica follower(api, [] { return false; });
  follower.Start();
  // Wait until it has translated the problems (and handed them to its sink).
  ASSERT_TRUE(follower.reconciler().WaitForReconcile(1, kWait));
  ASSERT_TRUE(follower.recorder().WaitIdle(kWait));
  EXPECT_FALSE(follower.reconciler().StatusJson().value("problems", json::array()).empty());
  EXPECT_TRUE(api.List("events", "shop").empty());
  EXPECT_EQ(follower.recorder().emitted(), 0u);
}

}  // namespace
}  // namespace atrium::status

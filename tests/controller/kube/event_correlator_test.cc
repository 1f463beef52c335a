// EventCorrelator, with data alone: what is created, what a repeat patches,
// what the spam filter and the cache bound drop.
#include "controller/kube/event_correlator.h"

#include <set>

#include <gtest/gtest.h>

namespace atrium::kube {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Time = std::chrono::system_clock::time_point;

// 2026-11-23T13:00:00Z
const Time kT0 = Time(seconds(1795438800));

EventRecord IngressProblem(std::string message = "path ignored: resource backend") {
  EventRecord record;
  record.object = {"networking.k8s.io/v1", "Ingress", "apps", "assets", "uid-1", "42"};
  record.type = std::string(kEventTypeWarning);
  record.reason = "UnsupportedResourceBackend";
  record.message = std::move(message);
  record.reporting_controller = "atrium.dev/ingress-controller";
  return record;
}

EventCorrelator Correlator(CorrelatorOptions options = {}) {
  return EventCorrelator(EventSource{"atrium", "atrium-7d9f-abcde"}, options);
}

TEST(EventCorrelatorTest, FirstRecordCreatesAFullEvent) {
  EventCorrelator correlator = Correlator();
  std::optional<EventAction> action = correlator.Correlate(IngressProblem(), kT0);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->verb, EventAction::Verb::kCreate);
  EXPECT_EQ(action->ns, "apps");
  EXPECT_EQ(action->name.rfind("assets.", 0), 0u) << action->name;
  EXPECT_GT(action->name.size(), std::string("assets.").size());
  const nlohmann::json& event = action->body;
  EXPECT_EQ(event["apiVersion"], "v1");
  EXPECT_EQ(event["kind"], "Event");
  EXPECT_EQ(event["metadata"]["name"], action->name);
  EXPECT_EQ(event["metadata"]["namespace"], "apps");
  EXPECT_EQ(event["involvedObject"], (nlohmann::json{{"apiVersion", "networking.k8s.io/v1"},
                                                     {"kind", "Ingress"},
                                                     {"namespace", "apps"},
                                                     {"name", "assets"},
                                                     {"uid", "uid-1"},
                                                     {"resourceVersion", "42"}}));
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "UnsupportedResourceBackend");
  EXPECT_EQ(event["message"], "path ignored: resource backend");
  EXPECT_EQ(event["source"]["component"], "atrium");
  EXPECT_EQ(event["reportingComponent"], "atrium.dev/ingress-controller");
  EXPECT_EQ(event["reportingInstance"], "atrium-7d9f-abcde");
  EXPECT_EQ(event["firstTimestamp"], "2026-11-23T13:00:00Z");
  EXPECT_EQ(event["lastTimestamp"], "2026-11-23T13:00:00Z");
  EXPECT_EQ(event["count"], 1);
}

TEST(EventCorrelatorTest, RepeatPatchesCountAndLastTimestampOfTheSameEvent) {
  EventCorrelator correlator = Correlator();
  std::optional<EventAction> first = correlator.Correlate(IngressProblem(), kT0);
  ASSERT_TRUE(first);
  EventRecord newer = IngressProblem();
  newer.object.resource_version = "43";  // same object, newer version: still a repeat
  std::optional<EventAction> second = correlator.Correlate(newer, kT0 + seconds(30));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->verb, EventAction::Verb::kPatch);
  EXPECT_EQ(second->ns, "apps");
  EXPECT_EQ(second->name, first->name);
  EXPECT_EQ(second->body,
            (nlohmann::json{{"count", 2}, {"lastTimestamp", "2026-11-23T13:00:30Z"}}));
  std::optional<EventAction> third = correlator.Correlate(newer, kT0 + seconds(60));
  ASSERT_TRUE(third);
  EXPECT_EQ(third->body["count"], 3);
  EXPECT_EQ(correlator.cached(), 1u);
}

TEST(EventCorrelatorTest, AnotherMessageTypeOrObjectIsAnotherEvent) {
  EventCorrelator correlator = Correlator();
  std::optional<EventAction> first = correlator.Correlate(IngressProblem(), kT0);
  EventRecord other_message = IngressProblem("defaultBackend ignored: resource backend");
  EventRecord normal = IngressProblem();
  normal.type = std::string(kEventTypeNormal);
  EventRecord recreated = IngressProblem();
  recreated.object.uid = "uid-2";  // deleted and created again
  std::set<std::string> names = {first->name};
  for (const EventRecord& record : {other_message, normal, recreated}) {
    std::optional<EventAction> action = correlator.Correlate(record, kT0);
    ASSERT_TRUE(action);
    EXPECT_EQ(action->verb, EventAction::Verb::kCreate);
    // Same object name and same second: the names still differ.
    EXPECT_TRUE(names.insert(action->name).second) << action->name;
  }
}

TEST(EventCorrelatorTest, ClusterScopedObjectsReportInTheDefaultNamespace) {
  EventCorrelator correlator = Correlator();
  EventRecord record;
  record.object = {"gateway.networking.k8s.io/v1", "GatewayClass", "", "atrium", "uid-9", "7"};
  record.reason = "MalformedObject";
  record.message = "malformed GatewayClass";
  std::optional<EventAction> action = correlator.Correlate(record, kT0);
  ASSERT_TRUE(action);
  EXPECT_EQ(action->ns, "default");
  EXPECT_FALSE(action->body["involvedObject"].contains("namespace"));
  EXPECT_EQ(action->body["reportingComponent"], "atrium");  // no controller given: the component
}

TEST(EventCorrelatorTest, ForgetMakesTheNextRepeatCreateAgain) {
  EventCorrelator correlator = Correlator();
  std::optional<EventAction> first = correlator.Correlate(IngressProblem(), kT0);
  correlator.Forget(first->key);
  std::optional<EventAction> again = correlator.Correlate(IngressProblem(), kT0 + seconds(1));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->verb, EventAction::Verb::kCreate);
  EXPECT_NE(again->name, first->name);
  EXPECT_EQ(again->body["count"], 1);
}

TEST(EventCorrelatorTest, SpamFilterLimitsEachObjectAndRefills) {
  CorrelatorOptions options;
  options.burst = 3;
  options.refill = minutes(1);
  EventCorrelator correlator = Correlator(options);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(correlator.Correlate(IngressProblem("problem " + std::to_string(i)), kT0));
  }
  EXPECT_FALSE(correlator.Correlate(IngressProblem("problem 3"), kT0));
  EXPECT_FALSE(correlator.Correlate(IngressProblem("problem 0"), kT0 + seconds(30)));
  // Another object has its own bucket.
  EventRecord other = IngressProblem();
  other.object.name = "other";
  other.object.uid = "uid-3";
  EXPECT_TRUE(correlator.Correlate(other, kT0));
  // One more a minute later.
  EXPECT_TRUE(correlator.Correlate(IngressProblem("problem 3"), kT0 + minutes(1)));
  EXPECT_FALSE(correlator.Correlate(IngressProblem("problem 4"), kT0 + minutes(1)));
}

TEST(EventCorrelatorTest, CacheIsBoundedLeastRecentlyUsedFirst) {
  CorrelatorOptions options;
  options.max_cached = 2;
  EventCorrelator correlator = Correlator(options);
  correlator.Correlate(IngressProblem("a"), kT0);
  correlator.Correlate(IngressProblem("b"), kT0);
  correlator.Correlate(IngressProblem("a"), kT0);  // a is now the most recent
  correlator.Correlate(IngressProblem("c"), kT0);  // evicts b
  EXPECT_EQ(correlator.cached(), 2u);
  EXPECT_EQ(correlator.Correlate(IngressProblem("a"), kT0)->verb, EventAction::Verb::kPatch);
  EXPECT_EQ(correlator.Correlate(IngressProblem("b"), kT0)->verb, EventAction::Verb::kCreate);
}

TEST(EventCorrelatorTest, MessagesNeverCarryPemAndAreCutOnCharacterBoundaries) {
  EXPECT_EQ(EventCorrelator::Sanitize("bad key -----BEGIN PRIVATE KEY-----\nMIIE", 1024),
            "(message withheld: it quoted PEM data)");
  EXPECT_EQ(EventCorrelator::Sanitize("short", 1024), "short");
  // "é" is two bytes: a cut inside it backs up before it.
  EXPECT_EQ(EventCorrelator::Sanitize("abcé", 4), "abc");
  EXPECT_EQ(EventCorrelator::Sanitize("abcé", 5), "abcé");

  CorrelatorOptions options;
  options.max_message_bytes = 10;
  EventCorrelator correlator = Correlator(options);
  std::optional<EventAction> action =
      correlator.Correlate(IngressProblem(std::string(100, 'x')), kT0);
  EXPECT_EQ(action->body["message"], std::string(10, 'x'));
}

TEST(EventCorrelatorTest, LongObjectNamesStillMakeValidEventNames) {
  EventCorrelator correlator = Correlator();
  EventRecord record = IngressProblem();
  record.object.name = std::string(253, 'n');
  std::optional<EventAction> action = correlator.Correlate(record, kT0);
  EXPECT_LE(action->name.size(), 253u);
  EXPECT_EQ(action->body["involvedObject"]["name"], record.object.name);
}

}  // namespace
}  // namespace atrium::kube

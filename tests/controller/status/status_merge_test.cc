#include "controller/status/status_merge.h"

#include <gtest/gtest.h>

namespace atrium::status {
namespace {

using nlohmann::json;

constexpr const char* kOurs = "atrium.dev/gateway-controller";
constexpr const char* kNow = "2026-11-23T13:00:00Z";
constexpr const char* kEarlier = "2026-01-01T00:00:00Z";

json Condition(const std::string& type, const std::string& status, const std::string& reason,
               const std::string& message = "m", int64_t generation = 1) {
  return {{"type", type},
          {"status", status},
          {"reason", reason},
          {"message", message},
          {"observedGeneration", generation}};
}

json Stamped(json condition, const std::string& time) {
  condition["lastTransitionTime"] = time;
  return condition;
}

TEST(StampConditionsTest, KeepsTimeOnlyWhenTypeStatusAndReasonAreUnchanged) {
  json current =
      json::array({Stamped(Condition("Accepted", "True", "Accepted"), kEarlier),
                   Stamped(Condition("Programmed", "True", "Programmed"), kEarlier),
                   Stamped(Condition("ResolvedRefs", "True", "ResolvedRefs"), kEarlier)});
  json desired = json::array({
      Condition("Accepted", "True", "Accepted", "new message", 2),  // same: kept
      Condition("Programmed", "False", "Programmed"),               // status changed
      Condition("ResolvedRefs", "True", "Other"),                   // reason changed
      Condition("Conflicted", "False", "NoConflicts"),              // new
  });
  StampConditions(desired, current, kNow);
  EXPECT_EQ(desired[0]["lastTransitionTime"], kEarlier);
  EXPECT_EQ(desired[0]["message"], "new message");
  EXPECT_EQ(desired[0]["observedGeneration"], 2);
  EXPECT_EQ(desired[1]["lastTransitionTime"], kNow);
  EXPECT_EQ(desired[2]["lastTransitionTime"], kNow);
  EXPECT_EQ(desired[3]["lastTransitionTime"], kNow);
}

TEST(StampConditionsTest, NoCurrentStatusMeansNow) {
  json desired = json::array({Condition("Accepted", "True", "Accepted")});
  StampConditions(desired, json(), kNow);
  EXPECT_EQ(desired[0]["lastTransitionTime"], kNow);
}

TEST(MergeStatusTest, GatewayListenersAreMatchedByName) {
  json current = {
      {"conditions", json::array({Stamped(Condition("Accepted", "True", "Accepted"), kEarlier)})},
      {"listeners",
       json::array({{{"name", "http"},
                     {"attachedRoutes", 1},
                     {"conditions",
                      json::array({Stamped(Condition("Accepted", "True", "Accepted"), kEarlier)})}},
                    {{"name", "https"},
                     {"attachedRoutes", 0},
                     {"conditions", json::array({Stamped(Condition("Accepted", "False", "Invalid"),
                                                         kEarlier)})}}})}};
  json desired = {
      {"conditions", json::array({Condition("Accepted", "True", "Accepted")})},
      {"listeners",
       json::array({{{"name", "https"},
                     {"attachedRoutes", 0},
                     {"conditions", json::array({Condition("Accepted", "True", "Accepted")})}},
                    {{"name", "http"},
                     {"attachedRoutes", 2},
                     {"conditions", json::array({Condition("Accepted", "True", "Accepted")})}}})}};
  json merged = MergeStatus("Gateway", current, desired, kOurs, kNow);
  EXPECT_EQ(merged["conditions"][0]["lastTransitionTime"], kEarlier);
  EXPECT_EQ(merged["listeners"][0]["name"], "https");
  EXPECT_EQ(merged["listeners"][0]["conditions"][0]["lastTransitionTime"], kNow);  // False->True
  EXPECT_EQ(merged["listeners"][1]["conditions"][0]["lastTransitionTime"], kEarlier);
  EXPECT_EQ(merged["listeners"][1]["attachedRoutes"], 2);
  EXPECT_TRUE(StatusChanged("Gateway", current, merged, kOurs));
}

TEST(MergeStatusTest, UnchangedGatewayIsNotAChange) {
  json desired = {{"conditions", json::array({Condition("Accepted", "True", "Accepted")})},
                  {"addresses", json::array({{{"type", "IPAddress"}, {"value", "10.0.0.1"}}})}};
  json first = MergeStatus("Gateway", json(), desired, kOurs, kEarlier);
  // A later reconcile computes the same status: the merge equals what is stored.
  json again = MergeStatus("Gateway", first, desired, kOurs, kNow);
  EXPECT_EQ(again, first);
  EXPECT_FALSE(StatusChanged("Gateway", first, again, kOurs));
  // Fields the merge does not set are left alone, so they are not compared.
  json with_extra = first;
  with_extra["somethingElse"] = "x";
  EXPECT_FALSE(StatusChanged("Gateway", with_extra, again, kOurs));
}

json Parent(const std::string& gateway, const std::string& controller, const std::string& status,
            const std::string& time = "") {
  json condition =
      Condition("Accepted", status, status == "True" ? "Accepted" : "NotAllowedByListeners");
  if (!time.empty()) condition["lastTransitionTime"] = time;
  return {{"parentRef", {{"name", gateway}}},
          {"controllerName", controller},
          {"conditions", json::array({condition})}};
}

TEST(MergeStatusTest, HttpRouteKeepsOtherControllersParents) {
  json current = {
      {"parents", json::array({Parent("other-gw", "example.com/other", "True", kEarlier),
                               Parent("gw", kOurs, "False", kEarlier)})}};
  json desired = {{"parents", json::array({Parent("gw", kOurs, "True")})}};
  json merged = MergeStatus("HTTPRoute", current, desired, kOurs, kNow);
  ASSERT_EQ(merged["parents"].size(), 2u);
  EXPECT_EQ(merged["parents"][0], current["parents"][0]);  // untouched, first
  EXPECT_EQ(merged["parents"][1]["controllerName"], kOurs);
  EXPECT_EQ(merged["parents"][1]["conditions"][0]["status"], "True");
  EXPECT_EQ(merged["parents"][1]["conditions"][0]["lastTransitionTime"], kNow);
  EXPECT_TRUE(StatusChanged("HTTPRoute", current, merged, kOurs));
}

TEST(MergeStatusTest, HttpRouteRemovesOnlyOurStaleParents) {
  json current = {
      {"parents", json::array({Parent("gone-gw", kOurs, "True", kEarlier),
                               Parent("other-gw", "example.com/other", "True", kEarlier)})}};
  json desired = {{"parents", json::array()}};
  json merged = MergeStatus("HTTPRoute", current, desired, kOurs, kNow);
  ASSERT_EQ(merged["parents"].size(), 1u);
  EXPECT_EQ(merged["parents"][0]["controllerName"], "example.com/other");
  EXPECT_TRUE(StatusChanged("HTTPRoute", current, merged, kOurs));
}

TEST(MergeStatusTest, HttpRouteOrderOfOthersDoesNotCauseWrites) {
  // Another controller appended its entry after ours: our entries are
  // unchanged, so there is nothing to write (and nothing to fight over).
  json ours = Parent("gw", kOurs, "True", kEarlier);
  json current = {
      {"parents", json::array({ours, Parent("x", "example.com/other", "True", kEarlier)})}};
  json desired = {{"parents", json::array({Parent("gw", kOurs, "True")})}};
  json merged = MergeStatus("HTTPRoute", current, desired, kOurs, kNow);
  EXPECT_EQ(merged["parents"][1], ours);
  EXPECT_FALSE(StatusChanged("HTTPRoute", current, merged, kOurs));
}

TEST(MergeStatusTest, HttpRouteParentsMatchOurEntryEvenWhenAnotherControllerSharesTheRef) {
  json current = {{"parents", json::array({Parent("gw", "example.com/other", "False", kEarlier),
                                           Parent("gw", kOurs, "True", kEarlier)})}};
  json desired = {{"parents", json::array({Parent("gw", kOurs, "True")})}};
  json merged = MergeStatus("HTTPRoute", current, desired, kOurs, kNow);
  EXPECT_EQ(merged["parents"][1]["conditions"][0]["lastTransitionTime"], kEarlier);
  EXPECT_FALSE(StatusChanged("HTTPRoute", current, merged, kOurs));
}

TEST(MergeStatusTest, IngressStatusIsReplaced) {
  json current = {{"loadBalancer", {{"ingress", json::array({{{"ip", "10.0.0.1"}}})}}}};
  json desired = {{"loadBalancer", {{"ingress", json::array({{{"ip", "10.0.0.2"}}})}}}};
  json merged = MergeStatus("Ingress", current, desired, kOurs, kNow);
  EXPECT_EQ(merged, desired);
  EXPECT_TRUE(StatusChanged("Ingress", current, merged, kOurs));
  EXPECT_FALSE(StatusChanged("Ingress", desired, merged, kOurs));
}

}  // namespace
}  // namespace atrium::status

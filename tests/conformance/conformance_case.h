#pragma once

// ConformanceCase is one reproduced conformance test: the manifests it
// applies on top of the base, the status it expects, and its requests with
// their expectations. A case runs on a fresh Application.

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/conformance/conformance_harness.h"

namespace atrium::conformance {

// ObjectRef names one object of a case.
struct ObjectRef {
  std::string kind;
  std::string ns = kInfraNs;
  std::string name;
};

// ObjectChange is one mid-case change of a cluster case (the conformance
// tests that patch or delete objects): the objects are changed through the
// test API server, then the case waits, with a deadline, until the written
// status holds the conditions, and until every step gets its answer.
struct ObjectChange {
  std::string description{};  // what the change does, for failure messages
  // Objects whose spec replaces the stored object's spec (an update: the
  // generation goes up, as with the suite's client.Patch).
  std::string replace_specs{};
  std::vector<ObjectRef> deletes{};
  std::vector<ConditionCheck> conditions{};
  // Objects whose generation must have gone up and whose every condition
  // (route parents and Gateway listeners included) must carry it as
  // observedGeneration (the suite's ...MustHaveLatestConditions).
  std::vector<ObjectRef> latest{};
  std::vector<Step> steps{};
};

struct ConformanceCase {
  std::string name{};  // the conformance ShortName (or ours, for Ingress)
  std::string manifests{};
  std::vector<ConditionCheck> conditions{};
  std::vector<Step> steps{};
  std::vector<std::string> extra_gateways{};  // the case's own Gateways
  bool with_gateways = true;                  // false: Ingress cases
  // Objects created at least one second after manifests (so the API server
  // gives them a later creationTimestamp); from files they are just added.
  std::string later_manifests{};
  // Cluster mode only: changes made after the conditions and steps hold.
  std::vector<ObjectChange> changes{};
};

// gtest prints a failing parameter with this (instead of its bytes).
inline void PrintTo(const ConformanceCase& test, std::ostream* out) { *out << test.name; }

inline std::string CaseName(const ::testing::TestParamInfo<ConformanceCase>& info) {
  return info.param.name;
}

// RunCase starts Atrium on the case, checks the conditions, then sends
// every request; each mismatch is one test failure.
inline void RunCase(const ConformanceCase& test) {
  LocalAtrium atrium;
  const std::string error = atrium.Start(test.manifests + "\n---\n" + test.later_manifests,
                                         test.with_gateways, test.extra_gateways);
  ASSERT_EQ(error, "");
  for (const ConditionCheck& check : test.conditions) {
    // Status follows the first table; give it the same deadline as traffic.
    std::string mismatch;
    WaitFor([&] { return (mismatch = atrium.Check(check)).empty(); }, std::chrono::seconds(5));
    EXPECT_EQ(mismatch, "");
  }
  for (const Step& step : test.steps) {
    EXPECT_EQ(Verify(atrium, step), "");
  }
}

// Accepted and ResolvedRefs both True for route on parent.
inline std::vector<ConditionCheck> RouteReady(const std::string& route,
                                              const std::string& parent = "same-namespace",
                                              const std::string& ns = kInfraNs) {
  return {{.ns = ns,
           .name = route,
           .parent = parent,
           .type = "Accepted",
           .status = "True",
           .reason = "Accepted"},
          {.ns = ns,
           .name = route,
           .parent = parent,
           .type = "ResolvedRefs",
           .status = "True",
           .reason = "ResolvedRefs"}};
}

}  // namespace atrium::conformance

// ProblemEvents with data alone: translate's problems on real objects become
// Warning events with a clear reason, each once while it stays.
#include "controller/status/problem_events.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/controller/translate/test_support.h"

namespace atrium::status {
namespace {

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(ATRIUM_SOURCE_DIR) + "/tests/controller/status/testdata/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Problems translates testdata/problems.yaml, with RE2 checking regexes as
// the data plane does.
struct Translated {
  state::ClusterState state;
  translate::Result result;
};

Translated TranslateProblems() {
  Translated out;
  out.state = translate::testing::LoadYaml(ReadTestdata("problems.yaml"));
  // Objects from the API server carry uid and resourceVersion.
  out.state.ingresses["shop/assets"]["metadata"]["uid"] = "uid-assets";
  out.state.ingresses["shop/assets"]["metadata"]["resourceVersion"] = "17";
  translate::Options options;
  options.regex_error = translate::testing::Re2Error;
  out.result = translate::Translate(out.state, options);
  return out;
}

const kube::EventRecord* Find(const std::vector<kube::EventRecord>& events, std::string_view name,
                              std::string_view reason) {
  for (const kube::EventRecord& event : events) {
    if (event.object.name == name && event.reason == reason) return &event;
  }
  return nullptr;
}

TEST(ProblemEventsTest, TranslateProblemsBecomeWarningsWithClearReasons) {
  Translated t = TranslateProblems();
  ProblemEvents events;
  std::vector<kube::EventRecord> first = events.Update(t.result.problems, t.state);
  ASSERT_EQ(first.size(), t.result.problems.size());

  const kube::EventRecord* resource = Find(first, "assets", "UnsupportedResourceBackend");
  ASSERT_NE(resource, nullptr);
  EXPECT_EQ(resource->type, "Warning");
  EXPECT_EQ(resource->object, (kube::ObjectReference{"networking.k8s.io/v1", "Ingress", "shop",
                                                     "assets", "uid-assets", "17"}));
  EXPECT_EQ(resource->reporting_controller, "atrium.dev/ingress-controller");
  // The message says what was refused and why.
  EXPECT_NE(resource->message.find("resource backends are not supported"), std::string::npos)
      << resource->message;
  EXPECT_NE(resource->message.find("StorageBucket.k8s.example.com static-assets"),
            std::string::npos)
      << resource->message;

  const kube::EventRecord* regex = Find(first, "regex", "InvalidRegex");
  ASSERT_NE(regex, nullptr);
  EXPECT_EQ(regex->object.kind, "HTTPRoute");
  EXPECT_EQ(regex->object.api_version, "gateway.networking.k8s.io/v1");
  EXPECT_EQ(regex->reporting_controller, "atrium.dev/gateway-controller");
  EXPECT_NE(regex->message.find("/api/(unclosed"), std::string::npos) << regex->message;

  const kube::EventRecord* missing = Find(first, "missing", "BackendNotFound");
  ASSERT_NE(missing, nullptr);
  // The reason is not repeated at the start of the message.
  EXPECT_EQ(
      missing->message.rfind("spec.rules[0].backendRefs[0] refers to Service shop/nowhere", 0), 0u)
      << missing->message;
}

TEST(ProblemEventsTest, UnchangedProblemsAreReportedOnceAndAgainAfterTheyCameBack) {
  Translated t = TranslateProblems();
  ProblemEvents events;
  EXPECT_FALSE(events.Update(t.result.problems, t.state).empty());
  EXPECT_TRUE(events.Update(t.result.problems, t.state).empty());

  // The regex route is fixed: nothing new. Broken again: reported again.
  std::vector<translate::Problem> fixed;
  for (const translate::Problem& problem : t.result.problems) {
    if (problem.name != "regex") fixed.push_back(problem);
  }
  ASSERT_LT(fixed.size(), t.result.problems.size());
  EXPECT_TRUE(events.Update(fixed, t.state).empty());
  std::vector<kube::EventRecord> again = events.Update(t.result.problems, t.state);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].reason, "InvalidRegex");

  events.Reset();
  EXPECT_EQ(events.Update(t.result.problems, t.state).size(), t.result.problems.size());
}

TEST(ProblemEventsTest, ReasonsAreCamelCase) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"path ignored: resource backends are not supported, only Service backends (x)",
       "UnsupportedResourceBackend"},
      {"not accepted: all rules are invalid: rule 0: spec.rules[0].matches[0].path.value: invalid "
       "regular expression \"(\": missing )",
       "InvalidRegex"},
      {"BackendNotFound: spec.rules[0].backendRefs[0] refers to Service shop/x", "BackendNotFound"},
      {"RefNotPermitted: spec.rules[0].backendRefs[0] refers to Service other/x",
       "RefNotPermitted"},
      {"Service shop/web does not exist", "BackendNotFound"},
      {"parentRef Gateway shop/gone does not exist", "ParentNotFound"},
      {"malformed Gateway: spec.listeners: not an array", "MalformedObject"},
      {"spec.tls[0]: no secretName, and Atrium has no default certificate; ignored", "Ignored"},
      {"something new", "InvalidConfiguration"},
  };
  for (const auto& [message, reason] : cases) {
    EXPECT_EQ(ProblemEvents::EventReason({"HTTPRoute", "shop", "r", message}), reason) << message;
  }
}

TEST(ProblemEventsTest, ClusterScopedAndUnknownObjectsStillGetAnEvent) {
  state::ClusterState empty;
  kube::EventRecord record =
      ProblemEvents::EventFor({"GatewayClass", "", "atrium", "malformed GatewayClass: x"}, empty);
  EXPECT_EQ(record.object.api_version, "gateway.networking.k8s.io/v1");
  EXPECT_EQ(record.object.ns, "");
  EXPECT_EQ(record.object.uid, "");
  EXPECT_EQ(record.reason, "MalformedObject");
}

}  // namespace
}  // namespace atrium::status

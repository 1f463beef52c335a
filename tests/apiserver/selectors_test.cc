#include "tests/apiserver/selectors.h"

#include <gtest/gtest.h>

namespace atrium::testing {
namespace {

using nlohmann::json;

json WithLabels(json labels) { return {{"metadata", {{"name", "x"}, {"labels", labels}}}}; }

struct LabelCase {
  const char* selector;
  json labels;
  bool matches;
};

TEST(LabelSelectorTest, MatchesAsKubernetesDefines) {
  const LabelCase cases[] = {
      {"", json::object(), true},
      {"app=web", {{"app", "web"}}, true},
      {"app==web", {{"app", "web"}}, true},
      {"app=web", {{"app", "api"}}, false},
      {"app!=web", {{"app", "api"}}, true},
      {"app!=web", json::object(), true},
      {"app", {{"app", ""}}, true},
      {"app", json::object(), false},
      {"!app", json::object(), true},
      {"!app", {{"app", "x"}}, false},
      {"tier in (a, b)", {{"tier", "b"}}, true},
      {"tier in (a,b)", {{"tier", "c"}}, false},
      {"tier notin (a,b)", {{"tier", "c"}}, true},
      {"tier notin (a,b)", json::object(), true},
      {"app=web,tier in (a,b)", {{"app", "web"}, {"tier", "a"}}, true},
      {"app=web,tier in (a,b)", {{"app", "web"}, {"tier", "z"}}, false},
      {"kubernetes.io/service-name=api", {{"kubernetes.io/service-name", "api"}}, true},
  };
  for (const LabelCase& c : cases) {
    std::string error;
    std::optional<LabelSelector> selector = LabelSelector::Parse(c.selector, &error);
    ASSERT_TRUE(selector) << c.selector << ": " << error;
    EXPECT_EQ(selector->Matches(WithLabels(c.labels)), c.matches) << c.selector;
  }
}

TEST(LabelSelectorTest, RejectsMalformedSelectors) {
  for (const char* bad : {"app=(x", "tier in a,b", "=x", "app>3", "a=b c"}) {
    std::string error;
    EXPECT_FALSE(LabelSelector::Parse(bad, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(FieldSelectorTest, ComparesDottedPaths) {
  json object = {{"metadata", {{"name", "web"}, {"namespace", "shop"}}},
                 {"type", "kubernetes.io/tls"},
                 {"spec", {{"replicas", 3}}}};
  struct Case {
    const char* selector;
    bool matches;
  } cases[] = {
      {"metadata.name=web", true},      {"metadata.name==web,metadata.namespace=shop", true},
      {"metadata.name!=web", false},    {"metadata.namespace=other", false},
      {"type=kubernetes.io/tls", true}, {"spec.replicas=3", true},
      {"spec.missing=", true},
  };
  for (const Case& c : cases) {
    std::string error;
    std::optional<FieldSelector> selector = FieldSelector::Parse(c.selector, &error);
    ASSERT_TRUE(selector) << c.selector << ": " << error;
    EXPECT_EQ(selector->Matches(object), c.matches) << c.selector;
  }
  std::string error;
  EXPECT_EQ(FieldSelector::Parse("metadata.name=web", &error)->ExactName(), "web");
  EXPECT_FALSE(FieldSelector::Parse("nonsense", &error));
}

TEST(FieldSelectorTest, BackslashEscapesCommas) {
  std::string error;
  std::optional<FieldSelector> selector = FieldSelector::Parse(R"(metadata.name=a\,b)", &error);
  ASSERT_TRUE(selector) << error;
  EXPECT_TRUE(selector->Matches({{"metadata", {{"name", "a,b"}}}}));
}

}  // namespace
}  // namespace atrium::testing

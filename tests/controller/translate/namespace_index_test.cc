// NamespaceIndex and its memo: the labels allowedRoutes selectors read.

#include "controller/translate/namespace_index.h"

#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

namespace atrium::translate {
namespace {

nlohmann::json Namespace(const std::string& name, const nlohmann::json& labels) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", name}, {"labels", labels}}}};
}

TEST(NamespaceIndexTest, LabelsIncludeTheNameLabel) {
  state::ObjectMap namespaces = {{"apps", Namespace("apps", {{"team", "a"}})}};
  ProblemList problems;
  NamespaceIndex index(namespaces, problems);
  EXPECT_EQ(index.LabelsOf("apps"),
            (NamespaceIndex::Labels{{"kubernetes.io/metadata.name", "apps"}, {"team", "a"}}));
  // A namespace with no Namespace object (manifests mode) has the name label.
  EXPECT_EQ(index.LabelsOf("other"),
            (NamespaceIndex::Labels{{"kubernetes.io/metadata.name", "other"}}));
  EXPECT_EQ(problems.size(), 0u);
}

TEST(NamespaceIndexMemoTest, KeepsTheIndexUntilANamespaceChanges) {
  state::ObjectMap namespaces = {{"apps", Namespace("apps", {{"team", "a"}})},
                                 {"broken", {{"metadata", {{"name", 42}}}}}};
  NamespaceIndexMemo memo;
  ProblemList first;
  EXPECT_EQ(memo.Get(namespaces, first).LabelsOf("apps").at("team"), "a");
  ASSERT_EQ(first.size(), 1u);  // the malformed Namespace

  // Unreported edits are not seen (the memo trusts Changed), and the
  // malformed Namespace is reported on every pass, not only the first.
  namespaces["apps"] = Namespace("apps", {{"team", "b"}});
  ProblemList second;
  EXPECT_EQ(memo.Get(namespaces, second).LabelsOf("apps").at("team"), "a");
  EXPECT_EQ(second.size(), 1u);

  memo.Changed("Service");  // other kinds change nothing
  ProblemList third;
  EXPECT_EQ(memo.Get(namespaces, third).LabelsOf("apps").at("team"), "a");

  memo.Changed(state::kNamespace);
  ProblemList fourth;
  EXPECT_EQ(memo.Get(namespaces, fourth).LabelsOf("apps").at("team"), "b");
  EXPECT_EQ(fourth.size(), 1u);

  namespaces.erase("broken");
  memo.Clear();
  ProblemList fifth;
  EXPECT_EQ(memo.Get(namespaces, fifth).LabelsOf("apps").at("team"), "b");
  EXPECT_EQ(fifth.size(), 0u);
}

}  // namespace
}  // namespace atrium::translate

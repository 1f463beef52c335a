#include "controller/manifests/yaml_json.h"

#include <gtest/gtest.h>

namespace atrium::manifests {
namespace {

TEST(YamlJsonTest, PlainScalarsFollowTheCoreSchemaAndQuotedStayStrings) {
  YamlParseResult result = ParseYamlDocuments(R"(
int: 80
negative: -3
float: 1.5
yes_plain: true
null_plain: ~
quoted_int: "80"
quoted_bool: 'true'
text: hello world
version: v1
list: [a, 2]
)");
  ASSERT_EQ(result.error, "");
  ASSERT_EQ(result.documents.size(), 1u);
  const nlohmann::json& o = result.documents[0].object;
  EXPECT_EQ(o["int"], 80);
  EXPECT_EQ(o["negative"], -3);
  EXPECT_EQ(o["float"], 1.5);
  EXPECT_EQ(o["yes_plain"], true);
  EXPECT_TRUE(o["null_plain"].is_null());
  EXPECT_EQ(o["quoted_int"], "80");
  EXPECT_EQ(o["quoted_bool"], "true");
  EXPECT_EQ(o["text"], "hello world");
  EXPECT_EQ(o["version"], "v1");
  EXPECT_EQ(o["list"], nlohmann::json::parse(R"(["a", 2])"));
}

TEST(YamlJsonTest, MultipleDocumentsAndEmptyOnes) {
  YamlParseResult result = ParseYamlDocuments("a: 1\n---\nb: 2\n---\n");
  ASSERT_EQ(result.error, "");
  ASSERT_GE(result.documents.size(), 2u);
  EXPECT_EQ(result.documents[0].object["a"], 1);
  EXPECT_EQ(result.documents[1].object["b"], 2);
}

TEST(YamlJsonTest, MalformedYamlIsAnErrorWithALine) {
  YamlParseResult result = ParseYamlDocuments("a: 1\nb: [unclosed\n");
  EXPECT_TRUE(result.documents.empty());
  EXPECT_NE(result.error.find("line"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace atrium::manifests

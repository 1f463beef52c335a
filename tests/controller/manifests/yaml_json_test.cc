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

TEST(YamlJsonTest, NumbersOfTheCoreSchemaAndLookalikes) {
  YamlParseResult result = ParseYamlDocuments(R"(
plus: +7
exp: 1e3
signed_exp: -2.5E-1
dot_first: .5
dot_last: 3.
no_digits: "-"
bare_sign: +
bare_dot: .
bare_exp: 1e
ip: 10.0.0.1
huge_int: 99999999999999999999
)");
  ASSERT_EQ(result.error, "");
  const nlohmann::json& o = result.documents.at(0).object;
  EXPECT_EQ(o["plus"], 7);
  EXPECT_EQ(o["exp"], 1000.0);
  EXPECT_EQ(o["signed_exp"], -0.25);
  EXPECT_EQ(o["dot_first"], 0.5);
  EXPECT_EQ(o["dot_last"], 3.0);
  EXPECT_EQ(o["no_digits"], "-");
  EXPECT_EQ(o["bare_sign"], "+");
  EXPECT_EQ(o["bare_dot"], ".");
  EXPECT_EQ(o["bare_exp"], "1e");
  EXPECT_EQ(o["ip"], "10.0.0.1");
  EXPECT_EQ(o["huge_int"], "99999999999999999999");  // out of range: kept as text
}

// A manifest can hold any text: a 200,000-digit scalar is a string (too
// large for a number), not a crash (std::regex recursed once per digit).
TEST(YamlJsonTest, AVeryLongPlainScalarIsReadWithoutCrashing) {
  const std::string digits(200000, '1');
  YamlParseResult result = ParseYamlDocuments("int: " + digits + "\nfloat: " + digits + ".5\n");
  ASSERT_EQ(result.error, "");
  const nlohmann::json& o = result.documents.at(0).object;
  EXPECT_EQ(o["int"], digits);
  EXPECT_TRUE(o["float"].is_number() || o["float"] == digits + ".5");
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

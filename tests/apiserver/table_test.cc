#include "tests/apiserver/table.h"

#include <gtest/gtest.h>

#include "tests/apiserver/json_path.h"
#include "tests/apiserver/time_format.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

TEST(JsonPathTest, EvaluatesTheSubsetPrinterColumnsUse) {
  json object = json::parse(R"({
    "spec": {"hostnames": ["a", "b"], "gatewayClassName": "atrium"},
    "status": {"addresses": [{"value": "10.0.0.1"}, {"value": "10.0.0.2"}],
               "conditions": [{"type": "Accepted", "status": "True"},
                              {"type": "Programmed", "status": "False"}]}})");
  EXPECT_EQ(EvaluateJsonPath(object, ".spec.gatewayClassName"), std::vector<json>{"atrium"});
  EXPECT_EQ(EvaluateJsonPath(object, "{.spec.hostnames[1]}"), std::vector<json>{"b"});
  EXPECT_EQ(EvaluateJsonPath(object, ".spec.hostnames[-1]"), std::vector<json>{"b"});
  EXPECT_EQ(EvaluateJsonPath(object, ".status.addresses[*].value"),
            (std::vector<json>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(EvaluateJsonPath(object, R"(.status.conditions[?(@.type=="Programmed")].status)"),
            std::vector<json>{"False"});
  EXPECT_EQ(EvaluateJsonPath(object, R"(.status.conditions[?(@.type!="Programmed")].type)"),
            std::vector<json>{"Accepted"});
  EXPECT_EQ(EvaluateJsonPath(object, ".spec['gatewayClassName']"), std::vector<json>{"atrium"});
  EXPECT_TRUE(EvaluateJsonPath(object, ".spec.missing").empty());
  EXPECT_TRUE(EvaluateJsonPath(object, ".spec[").empty());
}

TEST(TimeFormatTest, HumanDurationsMatchKubectl) {
  using std::chrono::seconds;
  EXPECT_EQ(HumanDuration(seconds(5)), "5s");
  EXPECT_EQ(HumanDuration(seconds(119)), "119s");
  EXPECT_EQ(HumanDuration(seconds(190)), "3m10s");
  EXPECT_EQ(HumanDuration(seconds(600)), "10m");
  EXPECT_EQ(HumanDuration(seconds(3 * 3600 + 120)), "3h2m");
  EXPECT_EQ(HumanDuration(seconds(10 * 3600)), "10h");
  EXPECT_EQ(HumanDuration(seconds(3 * 86400 + 3600)), "3d1h");
  EXPECT_EQ(HumanDuration(seconds(30 * 86400)), "30d");
}

TEST(TimeFormatTest, FormatsAndParsesRfc3339) {
  auto t = std::chrono::system_clock::from_time_t(1700000000);
  EXPECT_EQ(FormatTime(t), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatMicroTime(t + std::chrono::microseconds(42)), "2023-11-14T22:13:20.000042Z");
  ASSERT_TRUE(ParseTime("2023-11-14T22:13:20Z"));
  EXPECT_EQ(*ParseTime("2023-11-14T22:13:20Z"), t);
  EXPECT_FALSE(ParseTime("yesterday"));
}

TEST(TableTest, AcceptHeadersSelectTheTableVersion) {
  EXPECT_EQ(TableVersion("application/json;as=Table;v=v1;g=meta.k8s.io,application/json"), "v1");
  EXPECT_EQ(TableVersion("application/json;as=Table;v=v1beta1;g=meta.k8s.io"), "v1beta1");
  EXPECT_EQ(TableVersion("application/json"), "");
}

TEST(TableTest, RendersColumnsCellsAndRowMetadata) {
  ResourceType type;
  type.kind = "Widget";
  PrinterColumn name;
  name.name = "Name";
  name.format = "name";
  name.json_path = ".metadata.name";
  PrinterColumn size;
  size.name = "Size";
  size.type = "integer";
  size.json_path = ".spec.size";
  PrinterColumn age;
  age.name = "Age";
  age.type = "date";
  age.json_path = ".metadata.creationTimestamp";
  PrinterColumn missing;
  missing.name = "Missing";
  missing.json_path = ".spec.nothing";
  type.columns = {name, size, age, missing};
  auto now = std::chrono::system_clock::from_time_t(1700000000);
  json object = {
      {"metadata",
       {{"name", "w"}, {"creationTimestamp", FormatTime(now - std::chrono::seconds(90))}}},
      {"spec", {{"size", 3}}}};
  json table = ToTable(type, {object}, {{"resourceVersion", "7"}}, "v1", "", now);
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(table["metadata"]["resourceVersion"], "7");
  ASSERT_EQ(table["columnDefinitions"].size(), 4u);
  EXPECT_EQ(table["columnDefinitions"][0]["format"], "name");
  EXPECT_EQ(table["rows"][0]["cells"], json::parse(R"(["w", 3, "90s", null])"));
  EXPECT_EQ(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(table["rows"][0]["object"]["metadata"]["name"], "w");
  json no_object = ToTable(type, {object}, json::object(), "v1", "None", now);
  EXPECT_FALSE(no_object["rows"][0].contains("object"));
}

}  // namespace
}  // namespace atrium::testing

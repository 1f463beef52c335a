// Golden translation cases: testdata/<case>.in.yaml (Kubernetes objects, plus
// an optional test-only TranslateOptions document) must translate to exactly
// testdata/<case>.out.json (translate::ToJson of the Result).
//
// Regenerate with: ATRIUM_UPDATE_GOLDEN=1 ./translate_test --gtest_filter='Golden*'
// then review every changed file: a golden is only as good as its review.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "controller/translate/translate.h"
#include "tests/controller/translate/test_support.h"

namespace atrium::translate {
namespace {

namespace fs = std::filesystem;

bool UpdateGolden() {
  const char* value = std::getenv("ATRIUM_UPDATE_GOLDEN");
  return value != nullptr && std::string(value) == "1";
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, TranslatesToGolden) {
  const fs::path input = testing::GoldenDir() / (GetParam() + ".in.yaml");
  const fs::path golden = testing::GoldenDir() / (GetParam() + ".out.json");
  Options options;
  options.regex_error = testing::Re2Error;
  state::ClusterState state = testing::LoadYaml(testing::ReadFile(input), &options);
  Result result = Translate(state, options);
  std::string actual = ToJson(result).dump(2) + "\n";

  // Every golden configuration must also be one the data plane accepts, and
  // translation must be deterministic.
  EXPECT_EQ(ir::Validate(result.config), std::vector<std::string>{});
  EXPECT_EQ(ToJson(Translate(state, options)).dump(2) + "\n", actual);

  if (UpdateGolden()) {
    std::ofstream(golden, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with ATRIUM_UPDATE_GOLDEN=1";
  std::string expected = testing::ReadFile(golden);
  EXPECT_EQ(actual, expected) << "golden mismatch for " << GetParam()
                              << "; if the change is intended, regenerate with "
                                 "ATRIUM_UPDATE_GOLDEN=1 and review the diff";
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenTest, ::testing::ValuesIn(testing::GoldenCaseNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(GoldenSetTest, HasCases) { EXPECT_GE(testing::GoldenCaseNames().size(), 20u); }

}  // namespace
}  // namespace atrium::translate

#include "controller/translate/durations.h"

#include <gtest/gtest.h>

namespace atrium::translate {
namespace {

TEST(DurationsTest, ParsesGatewayApiDurations) {
  struct Case {
    std::string text;
    std::optional<int64_t> ms;
  };
  const Case cases[] = {
      {"0s", 0},
      {"1s", 1000},
      {"500ms", 500},
      {"1h", 3600000},
      {"1m30s", 90000},
      {"1h2m3s4ms", 3723004},
      {"99999ms", 99999},
      {"", std::nullopt},
      {"1", std::nullopt},
      {"s", std::nullopt},
      {"1.5s", std::nullopt},
      {"-1s", std::nullopt},
      {"100000s", std::nullopt},  // six digits
      {"1d", std::nullopt},
      {"1us", std::nullopt},
      {"1h1h1h1h1h", std::nullopt},  // five pairs
      {" 1s", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseGatewayDuration(c.text), c.ms) << c.text;
}

}  // namespace
}  // namespace atrium::translate

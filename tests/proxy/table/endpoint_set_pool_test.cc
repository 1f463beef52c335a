#include "proxy/table/endpoint_set_pool.h"

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/table/route_table.h"

namespace atrium::table {
namespace {

ir::Backend Backend(const std::string& name, const std::string& address) {
  ir::Backend backend;
  backend.name = name;
  backend.endpoints = ir::EndpointList(std::vector<ir::Endpoint>{{address, 8080, true}});
  return backend;
}

std::shared_ptr<const EndpointSet> Set(const std::string& address) {
  return std::make_shared<const EndpointSet>(EndpointSet{{{address, 8080, true}}});
}

TEST(EndpointSetPoolTest, AdoptingTheSamePairAgainKeepsIt) {
  const std::string name = "apps/web:80";
  const auto set = Set("10.0.0.1");
  EndpointSetPool pool;
  pool.Adopt(name, set);
  pool.Adopt(name, set);
  ASSERT_EQ(pool.sets().size(), 1u);
  EXPECT_EQ(pool.sets().at(name), set);
}

TEST(EndpointSetPoolTest, TheLastAdoptedSetOfANameWins) {
  const std::string web = "apps/web:80";
  const std::string api = "apps/api:80";
  const auto first = Set("10.0.0.1");
  const auto second = Set("10.0.0.2");
  EndpointSetPool pool;
  pool.Adopt(web, first);
  pool.Adopt(api, second);
  pool.Adopt(web, second);
  pool.Adopt(web, first);  // not the pair just adopted: replaces second
  EXPECT_EQ(pool.sets().at(web), first);
  EXPECT_EQ(pool.sets().at(api), second);
}

TEST(EndpointSetPoolTest, AdoptingAfterGetReplacedTheSetRestoresIt) {
  // Get changes a name's set behind the last Adopt: adopting that pair
  // again must not be skipped as already in place.
  const ir::Backend web = Backend("apps/web:80", "10.0.0.9");
  const auto adopted = Set("10.0.0.1");
  EndpointSetPool pool;
  pool.Adopt(web.name, adopted);
  const std::shared_ptr<const EndpointSet> got = pool.Get(web);
  ASSERT_NE(got, adopted);
  EXPECT_EQ(pool.sets().at(web.name), got);
  pool.Adopt(web.name, adopted);
  EXPECT_EQ(pool.sets().at(web.name), adopted);
}

TEST(EndpointSetPoolTest, AdoptingAfterTakeSetsStartsAfresh) {
  const std::string name = "apps/web:80";
  const auto set = Set("10.0.0.1");
  EndpointSetPool pool;
  pool.Adopt(name, set);
  EXPECT_EQ(pool.TakeSets().size(), 1u);
  pool.Adopt(name, set);
  ASSERT_EQ(pool.sets().size(), 1u);
  EXPECT_EQ(pool.sets().at(name), set);
}

}  // namespace
}  // namespace atrium::table

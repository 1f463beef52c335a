#include "controller/translate/status_delta.h"

#include <gtest/gtest.h>

namespace atrium::translate {
namespace {

ObjectStatus Status(const std::string& kind, const std::string& name, int attached) {
  return {kind, "default", name, 1, nlohmann::json{{"attached", attached}}};
}

std::vector<std::string> Names(const std::vector<SharedStatus>& statuses) {
  std::vector<std::string> names;
  for (const ObjectStatus& status : statuses) names.push_back(status.kind + "/" + status.name);
  return names;
}

TEST(StatusDeltaTest, ReportsNewChangedAndRemovedObjectsOnly) {
  const std::vector<SharedStatus> before = {Status("Gateway", "gw", 1), Status("HTTPRoute", "a", 0),
                                            Status("HTTPRoute", "b", 0),
                                            Status("HTTPRoute", "c", 0)};
  std::vector<SharedStatus> after = {Status("Gateway", "gw", 2), before[1],
                                     Status("HTTPRoute", "c", 0), Status("HTTPRoute", "d", 0)};
  const StatusDelta delta = DiffStatuses(before, after);
  // gw changed, a is the same document, c is an equal new document, d is new.
  EXPECT_EQ(Names(delta.changed), (std::vector<std::string>{"Gateway/gw", "HTTPRoute/d"}));
  EXPECT_EQ(Names(delta.removed), (std::vector<std::string>{"HTTPRoute/b"}));
  EXPECT_TRUE(DiffStatuses(after, after).empty());
  EXPECT_EQ(DiffStatuses({}, after).changed.size(), after.size());
  EXPECT_EQ(DiffStatuses(after, {}).removed.size(), after.size());
}

}  // namespace
}  // namespace atrium::translate

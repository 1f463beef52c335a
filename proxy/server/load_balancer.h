#pragma once

// Load balancing for one request, in two steps:
//  1. PickBackend: a weighted choice among the route's backends (weight 0 is
//     never chosen).
//  2. PickEndpoint: power-of-two-choices on the worker's outstanding request
//     counts among the backend's ready endpoints, skipping ejected ones.
// Both read only the RouteAction (immutable, held by the request) and the
// worker's own UpstreamRegistry: no shared state, no locks.

#include <cstdint>

#include "proxy/server/fast_random.h"
#include "proxy/server/upstream_registry.h"
#include "proxy/table/route_table.h"

namespace atrium::server {

// PickBackend returns the backend whose cumulative weight range holds point
// (0 <= point < action.total_weight), or null when the total weight is 0.
const table::BackendTarget* PickBackend(const table::RouteAction& action, uint64_t point);

// PickBackend draws point from random.
const table::BackendTarget* PickBackend(const table::RouteAction& action, FastRandom& random);

// PickEndpoint chooses among endpoints (ready ones only) by
// power-of-two-choices on outstanding requests, never returning exclude and
// avoiding ejected endpoints; when every candidate is ejected it still picks
// one (the one whose ejection ends first) rather than fail without trying.
// Returns null when no candidate is left (empty set, or only exclude).
UpstreamEndpoint* PickEndpoint(const table::EndpointSet& endpoints, UpstreamRegistry& registry,
                               FastRandom& random, const UpstreamEndpoint* exclude,
                               Clock::time_point now);

}  // namespace atrium::server

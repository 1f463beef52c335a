#include "proxy/server/load_balancer.h"

namespace atrium::server {

const table::BackendTarget* PickBackend(const table::RouteAction& action, uint64_t point) {
  for (const auto& backend : action.backends) {
    if (point < backend.weight()) return &backend;
    point -= backend.weight();
  }
  return nullptr;
}

const table::BackendTarget* PickBackend(const table::RouteAction& action, FastRandom& random) {
  if (action.total_weight == 0) return nullptr;
  if (action.backends.size() == 1) return &action.backends.front();
  return PickBackend(action, random.Below(action.total_weight));
}

UpstreamEndpoint* PickEndpoint(const table::EndpointSet& endpoints, UpstreamRegistry& registry,
                               FastRandom& random, const UpstreamEndpoint* exclude,
                               Clock::time_point now) {
  const auto& list = endpoints.endpoints;
  const size_t n = list.size();
  if (n == 0) return nullptr;
  auto get = [&](size_t i) -> UpstreamEndpoint& {
    return registry.Get(list[i].address, list[i].port);
  };
  auto usable = [&](const UpstreamEndpoint& e) { return &e != exclude && !e.Ejected(now); };

  if (n == 1) {
    UpstreamEndpoint& only = get(0);
    return &only == exclude ? nullptr : &only;
  }
  size_t i = random.Below(n);
  size_t j = random.Below(n - 1);
  if (j >= i) ++j;
  UpstreamEndpoint& a = get(i);
  UpstreamEndpoint& b = get(j);
  const bool a_ok = usable(a);
  const bool b_ok = usable(b);
  if (a_ok && b_ok) return b.outstanding < a.outstanding ? &b : &a;
  if (a_ok) return &a;
  if (b_ok) return &b;

  // Both draws were unusable: scan from a random start for any usable one,
  // remembering the ejected endpoint that comes back first.
  UpstreamEndpoint* soonest = nullptr;
  const size_t start = random.Below(n);
  for (size_t k = 0; k < n; ++k) {
    UpstreamEndpoint& e = get((start + k) % n);
    if (&e == exclude) continue;
    if (!e.Ejected(now)) return &e;
    if (soonest == nullptr || e.ejected_until < soonest->ejected_until) soonest = &e;
  }
  return soonest;
}

}  // namespace atrium::server

#pragma once

// One decoded HTTPRoute rule (httproute_spec.h) resolved into IR pieces for
// one pass: its matches (each becomes one ir::Route), filters, weighted
// backends with their Services' endpoints, timeouts and retry. Validation
// follows the Gateway API: a rule that cannot be implemented as written is
// dropped with a RuleError (the route reports UnsupportedValue or
// IncompatibleFilters), while backend references that cannot be resolved
// keep the rule and answer their share of traffic with 500 (ResolvedRefs).

#include <cstdint>
#include <string>
#include <vector>

#include "controller/ir/route_config.h"
#include "controller/translate/httproute_spec.h"
#include "controller/translate/object_meta.h"
#include "controller/translate/reference_grants.h"
#include "controller/translate/service_index.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

// RuleContext is what parsing a rule needs besides the rule itself.
struct RuleContext {
  const ObjectMeta& route;
  const ServiceIndex& services;
  const ReferenceGrantIndex& grants;
  const Options& options;
  // Every Service looked up ("namespace/name") is appended here when set:
  // the route's outcome depends on it (see route_memo.h).
  std::vector<std::string>* services_used = nullptr;
};

struct ParsedRule {
  size_t index = 0;
  std::vector<ir::RouteMatch> matches;
  ir::Filters filters;
  std::vector<ir::Backend> backends;
  int direct_status = 0;
  BoxedOptional<ir::Timeouts> timeouts;
  BoxedOptional<ir::Retry> retry;
};

// ResolveRule resolves a decoded rule. Throws RuleError when one of its
// regular expressions is invalid (the rule must be dropped); appends
// unresolvable references to issues.
ParsedRule ResolveRule(const RuleSpec& rule, const RuleContext& context,
                       std::vector<RefIssue>& issues);

// ResolveRedirectPorts applies the RequestRedirect default-port rules for a
// route served on a listener with spec port listener_port: an unset port
// becomes the scheme's well-known port when a scheme is set, else the
// listener's port; a port that is the default of the resulting scheme becomes
// 0 (omitted from Location).
void ResolveRedirectPorts(ir::Route& route, uint16_t listener_port, bool listener_tls);

}  // namespace atrium::translate

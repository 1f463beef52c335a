#pragma once

// One HTTPRoute rule parsed into IR pieces: its matches (each becomes one
// ir::Route), filters, weighted backends, timeouts and retry. Validation
// follows the Gateway API: a rule that cannot be implemented as written is
// dropped with a RuleError (the route reports UnsupportedValue or
// IncompatibleFilters), while backend references that cannot be resolved
// keep the rule and answer their share of traffic with 500 (ResolvedRefs).

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/ir/route_config.h"
#include "controller/translate/object_meta.h"
#include "controller/translate/reference_grants.h"
#include "controller/translate/service_index.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

// RuleError drops one rule. reason is a route Accepted reason.
struct RuleError {
  std::string reason;  // "UnsupportedValue" or "IncompatibleFilters"
  std::string message;
};

// RefIssue is one unresolvable reference (route ResolvedRefs=False).
struct RefIssue {
  std::string reason;  // RefNotPermitted, InvalidKind, BackendNotFound, UnsupportedProtocol
  std::string message;
};

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
  ir::Timeouts timeouts;
  ir::Retry retry;
};

// ParseRule parses spec.rules[index]. Throws RuleError (or InputError for
// fields of the wrong type) when the rule must be dropped; appends
// unresolvable references to issues.
ParsedRule ParseRule(const nlohmann::json& rule, size_t index, const RuleContext& context,
                     std::vector<RefIssue>& issues);

// ResolveRedirectPorts applies the RequestRedirect default-port rules for a
// route served on a listener with spec port listener_port: an unset port
// becomes the scheme's well-known port when a scheme is set, else the
// listener's port; a port that is the default of the resulting scheme becomes
// 0 (omitted from Location).
void ResolveRedirectPorts(ir::Route& route, uint16_t listener_port, bool listener_tls);

}  // namespace atrium::translate

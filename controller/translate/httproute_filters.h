#pragma once

// HTTPRoute filters (rules[].filters and rules[].backendRefs[].filters) to
// ir::Filters: RequestHeaderModifier, ResponseHeaderModifier,
// RequestRedirect, URLRewrite, RequestMirror and CORS. ExtensionRef filters
// cannot be resolved by Atrium, so the requests they would process are
// answered with 500, as the spec requires.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/ir/route_config.h"
#include "controller/translate/httproute_rule.h"

namespace atrium::translate {

struct ParsedFilters {
  ir::Filters filters;
  bool uses_prefix_replacement = false;  // ReplacePrefixMatch in redirect or rewrite
  bool unresolved_extension = false;     // an ExtensionRef filter: answer 500
};

// ParseFilters parses a filters array at path. Throws RuleError for filters
// that make the rule unimplementable; appends unresolvable mirror backends
// and ExtensionRefs to issues.
ParsedFilters ParseFilters(const nlohmann::json& filters, const std::string& path,
                           const RuleContext& context, std::vector<RefIssue>& issues);

// IsHeaderName tells whether name is an RFC 9110 token.
bool IsHeaderName(std::string_view name);

// IsHeaderValue tells whether value can be sent as a field value (no CR, LF
// or NUL: nothing that could split or smuggle a header).
bool IsHeaderValue(std::string_view value);

}  // namespace atrium::translate

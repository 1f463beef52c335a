#pragma once

// HTTPRoute filters (rules[].filters and rules[].backendRefs[].filters)
// decoded to ir::Filters: RequestHeaderModifier, ResponseHeaderModifier,
// RequestRedirect, URLRewrite, RequestMirror and CORS. A mirror's backend is
// resolved later, per pass (httproute_rule.h). ExtensionRef filters cannot be
// resolved by Atrium, so the requests they would process are answered with
// 500, as the spec requires.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/ir/route_config.h"
#include "controller/translate/httproute_spec.h"

namespace atrium::translate {

// DecodeFilters decodes a filters array at path of a route in namespace
// route_ns. Throws RuleError for filters that make the rule unimplementable
// (InputError for fields of the wrong type).
FiltersSpec DecodeFilters(const nlohmann::json& filters, const std::string& path,
                          const std::string& route_ns);

// IsHeaderName tells whether name is an RFC 9110 token.
bool IsHeaderName(std::string_view name);

// IsHttpMethod tells whether method is one the Gateway API's HTTPMethod
// enumerates (route matches and CORS allowMethods).
bool IsHttpMethod(std::string_view method);

// LowerAscii lowercases text (header names compare case-insensitively).
std::string LowerAscii(std::string text);

// IsHeaderValue tells whether value can be sent as a field value (no CR, LF
// or NUL: nothing that could split or smuggle a header).
bool IsHeaderValue(std::string_view value);

}  // namespace atrium::translate

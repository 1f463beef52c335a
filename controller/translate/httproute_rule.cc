#include "controller/translate/httproute_rule.h"

#include <utility>
#include <variant>

#include "controller/translate/backend_refs.h"
#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

void CheckRegexes(const RuleSpec& rule, const RuleContext& context) {
  if (!context.options.regex_error) return;
  for (const RegexCheck& regex : rule.regexes) {
    std::string error = context.options.regex_error(regex.pattern);
    if (!error.empty()) {
      throw RuleError{"UnsupportedValue", regex.path + ": invalid regular expression \"" +
                                              regex.pattern + "\": " + error};
    }
  }
}

// ResolveFilters resolves the mirrors of filters, in written order with the
// ExtensionRef issues: a mirror that cannot be resolved is dropped (the rule
// keeps serving) and reported.
ir::Filters ResolveFilters(const FiltersSpec& filters, const RuleContext& context,
                           std::vector<RefIssue>& issues) {
  ir::Filters result = filters.filters;
  for (const auto& reference : filters.references) {
    if (const RefIssue* issue = std::get_if<RefIssue>(&reference)) {
      issues.push_back(*issue);
      continue;
    }
    const MirrorSpec& mirror = std::get<MirrorSpec>(reference);
    ResolvedBackend backend = ResolveBackendRef(mirror.ref, mirror.path, context);
    if (backend.issue) {
      issues.push_back(*backend.issue);
      continue;
    }
    result.mirrors.push_back({std::move(backend.backend.name), std::move(backend.backend.endpoints),
                              mirror.numerator, mirror.denominator});
  }
  return result;
}

void ResolveRedirectPort(ir::RequestRedirect& redirect, uint16_t listener_port, bool listener_tls) {
  auto well_known = [](const std::string& scheme) -> uint16_t {
    return scheme == "https" ? 443 : 80;
  };
  std::string scheme = redirect.scheme.value_or(listener_tls ? "https" : "http");
  uint16_t port = redirect.port;
  if (port == 0) port = redirect.scheme ? well_known(*redirect.scheme) : listener_port;
  redirect.port = port == well_known(scheme) ? 0 : port;
}

}  // namespace

ParsedRule ResolveRule(const RuleSpec& rule, const RuleContext& context,
                       std::vector<RefIssue>& issues) {
  CheckRegexes(rule, context);
  ParsedRule result;
  result.index = rule.index;
  result.matches = rule.matches;
  if (rule.filters) result.filters = ResolveFilters(*rule.filters, context, issues);
  result.timeouts = rule.timeouts;
  result.retry = rule.retry;

  uint64_t total_weight = 0;
  bool any_valid = false;
  const std::string rule_path = Path("spec.rules", rule.index);
  for (size_t i = 0; i < rule.backends.size(); ++i) {
    const BackendSpec& spec = rule.backends[i];
    ResolvedBackend backend =
        ResolveBackendRef(spec.ref, Path(Path(rule_path, "backendRefs"), i), context);
    if (backend.issue) issues.push_back(*backend.issue);
    backend.backend.weight = spec.weight;
    if (spec.filters) {
      if (spec.filters->unresolved_extension) backend.backend.valid = false;
      backend.backend.filters = ResolveFilters(*spec.filters, context, issues);
    }
    total_weight += backend.backend.weight;
    any_valid = any_valid || (backend.backend.valid && backend.backend.weight > 0);
    result.backends.push_back(std::move(backend.backend));
  }

  // An unresolvable ExtensionRef must not be skipped; and without a redirect
  // a rule needs a backend to forward to (not none, not all invalid, not all
  // weight 0).
  bool no_backend = !result.filters.redirect && (total_weight == 0 || !any_valid);
  const bool unresolved_extension = rule.filters && rule.filters->unresolved_extension;
  if (unresolved_extension || no_backend) result.direct_status = 500;
  return result;
}

void ResolveRedirectPorts(ir::Route& route, uint16_t listener_port, bool listener_tls) {
  if (route.filters.redirect) {
    ResolveRedirectPort(*route.filters.redirect, listener_port, listener_tls);
  }
  for (ir::Backend& backend : route.backends) {
    if (backend.filters.redirect) {
      ResolveRedirectPort(*backend.filters.redirect, listener_port, listener_tls);
    }
  }
}

}  // namespace atrium::translate

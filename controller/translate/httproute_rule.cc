#include "controller/translate/httproute_rule.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "controller/translate/backend_refs.h"
#include "controller/translate/durations.h"
#include "controller/translate/httproute_filters.h"
#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                         "CONNECT", "OPTIONS", "TRACE", "PATCH"};
constexpr int64_t kMaxWeight = 1000000;

[[noreturn]] void Unsupported(const std::string& message) {
  throw RuleError{"UnsupportedValue", message};
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// ValidatePath applies the HTTPPathMatch validation rules of the CRD to
// Exact and PathPrefix values.
void ValidatePath(const std::string& value, const std::string& path) {
  auto fail = [&](const std::string& why) {
    Unsupported(path + ".value: \"" + value + "\" " + why);
  };
  if (value.empty() || value.front() != '/') fail("must start with /");
  for (std::string_view bad : {"//", "/./", "/../", "%2f", "%2F", "#"}) {
    if (value.find(bad) != std::string::npos) fail("must not contain " + std::string(bad));
  }
  if (std::string_view(value).ends_with("/..") || std::string_view(value).ends_with("/.")) {
    fail("must not end with /. or /..");
  }
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '%') {
      if (i + 2 >= value.size() || !IsHex(value[i + 1]) || !IsHex(value[i + 2])) {
        fail("has an invalid percent-encoding");
      }
      i += 2;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("-/._~!$&'()*+,;=:@").find(c) == std::string_view::npos) {
      fail("contains an invalid character");
    }
  }
}

void ValidateRegex(const std::string& pattern, const std::string& path,
                   const RuleContext& context) {
  if (!context.options.regex_error) return;
  std::string error = context.options.regex_error(pattern);
  if (!error.empty()) {
    Unsupported(path + ": invalid regular expression \"" + pattern + "\": " + error);
  }
}

ir::ValueMatchKind ParseValueMatchKind(const std::string& type, const std::string& path) {
  if (type == "Exact") return ir::ValueMatchKind::kExact;
  if (type == "RegularExpression") return ir::ValueMatchKind::kRegularExpression;
  Unsupported(path + ".type: unsupported match type \"" + type + "\"");
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

ir::RouteMatch ParseMatch(const nlohmann::json& match, const std::string& path,
                          const RuleContext& context) {
  ir::RouteMatch result;
  if (const nlohmann::json* path_match = Member(match, "path", path)) {
    std::string path_path = Path(path, "path");
    std::string type = String(*path_match, "type", path_path, "PathPrefix");
    std::string value = String(*path_match, "value", path_path, "/");
    if (type == "Exact" || type == "PathPrefix") {
      ValidatePath(value, path_path);
      result.path.kind = type == "Exact" ? ir::PathMatchKind::kExact : ir::PathMatchKind::kPrefix;
    } else if (type == "RegularExpression") {
      ValidateRegex(value, path_path + ".value", context);
      result.path.kind = ir::PathMatchKind::kRegularExpression;
    } else {
      Unsupported(path_path + ".type: unsupported path match type \"" + type + "\"");
    }
    result.path.value = std::move(value);
  }

  // Only the first match of a header name counts (names are
  // case-insensitive); likewise for query parameters (case-sensitive).
  std::set<std::string> header_names;
  const nlohmann::json& headers = Array(match, "headers", path);
  for (size_t i = 0; i < headers.size(); ++i) {
    std::string item_path = Path(Path(path, "headers"), i);
    ir::HeaderMatch header;
    header.kind = ParseValueMatchKind(String(headers[i], "type", item_path, "Exact"), item_path);
    header.name = String(headers[i], "name", item_path);
    header.value = String(headers[i], "value", item_path);
    if (!IsHeaderName(header.name)) Unsupported(item_path + ".name: not a header name");
    if (!IsHeaderValue(header.value)) Unsupported(item_path + ".value: contains CR, LF or NUL");
    if (header.kind == ir::ValueMatchKind::kRegularExpression) {
      ValidateRegex(header.value, item_path + ".value", context);
    }
    if (header_names.insert(Lower(header.name)).second) result.headers.push_back(header);
  }
  std::set<std::string> query_names;
  const nlohmann::json& queries = Array(match, "queryParams", path);
  for (size_t i = 0; i < queries.size(); ++i) {
    std::string item_path = Path(Path(path, "queryParams"), i);
    ir::QueryParamMatch query;
    query.kind = ParseValueMatchKind(String(queries[i], "type", item_path, "Exact"), item_path);
    query.name = String(queries[i], "name", item_path);
    query.value = String(queries[i], "value", item_path);
    if (query.name.empty()) Unsupported(item_path + ".name: missing");
    if (query.kind == ir::ValueMatchKind::kRegularExpression) {
      ValidateRegex(query.value, item_path + ".value", context);
    }
    if (query_names.insert(query.name).second) result.query_params.push_back(query);
  }
  if (std::optional<std::string> method = OptString(match, "method", path)) {
    if (std::find(std::begin(kMethods), std::end(kMethods), *method) == std::end(kMethods)) {
      Unsupported(path + ".method: unsupported method \"" + *method + "\"");
    }
    result.method = *method;
  }
  return result;
}

std::optional<int64_t> ParseTimeout(const nlohmann::json& timeouts, std::string_view key,
                                    const std::string& path) {
  std::optional<std::string> text = OptString(timeouts, key, path);
  if (!text) return std::nullopt;
  std::optional<int64_t> ms = ParseGatewayDuration(*text);
  if (!ms) Unsupported(Path(path, key) + ": \"" + *text + "\" is not a Gateway API duration");
  return ms;
}

void ParseTimeouts(const nlohmann::json& rule, const std::string& path, ParsedRule& out) {
  const nlohmann::json* timeouts = Member(rule, "timeouts", path);
  if (timeouts == nullptr) return;
  std::string timeouts_path = Path(path, "timeouts");
  std::optional<int64_t> request = ParseTimeout(*timeouts, "request", timeouts_path);
  std::optional<int64_t> backend = ParseTimeout(*timeouts, "backendRequest", timeouts_path);
  if (request && backend && *request != 0 && *backend > *request) {
    Unsupported(timeouts_path + ": backendRequest must not be longer than request");
  }
  // A zero duration disables the timeout; the IR leaves it unset.
  if (request && *request > 0) out.timeouts.request_ms = request;
  if (backend && *backend > 0) out.timeouts.backend_request_ms = backend;
}

void ParseRetry(const nlohmann::json& rule, const std::string& path, ParsedRule& out) {
  const nlohmann::json* retry = Member(rule, "retry", path);
  if (retry == nullptr) return;
  std::string retry_path = Path(path, "retry");
  const nlohmann::json& codes = Array(*retry, "codes", retry_path);
  for (size_t i = 0; i < codes.size(); ++i) {
    std::string code_path = Path(Path(retry_path, "codes"), i);
    if (!codes[i].is_number_integer()) throw InputError(code_path + ": expected integer");
    int64_t code = codes[i].get<int64_t>();
    if (code < 400 || code > 599) Unsupported(code_path + ": retry codes must be 400 to 599");
    if (std::find(out.retry.codes.begin(), out.retry.codes.end(), code) == out.retry.codes.end()) {
      out.retry.codes.push_back(static_cast<int>(code));
    }
  }
  // Unspecified attempts: one retry (the spec leaves the default to us).
  int64_t attempts = OptInt(*retry, "attempts", retry_path).value_or(1);
  if (attempts < 0 || attempts > 100) Unsupported(retry_path + ".attempts: must be 0 to 100");
  out.retry.attempts = static_cast<int>(attempts);
  if (std::optional<int64_t> backoff = ParseTimeout(*retry, "backoff", retry_path)) {
    out.retry.backoff_ms = *backoff;
  }
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

ParsedRule ParseRule(const nlohmann::json& rule, size_t index, const RuleContext& context,
                     std::vector<RefIssue>& issues) {
  std::string path = Path("spec.rules", index);
  if (!rule.is_object()) throw InputError(path + ": expected object");
  ParsedRule result;
  result.index = index;
  // Issues of a rule only count once the rule is kept.
  std::vector<RefIssue> rule_issues;

  const nlohmann::json& matches = Array(rule, "matches", path);
  for (size_t i = 0; i < matches.size(); ++i) {
    result.matches.push_back(ParseMatch(matches[i], Path(Path(path, "matches"), i), context));
  }
  if (result.matches.empty()) result.matches.push_back(ir::RouteMatch{});  // PathPrefix "/"

  ParsedFilters filters =
      ParseFilters(Array(rule, "filters", path), Path(path, "filters"), context, rule_issues);
  result.filters = std::move(filters.filters);
  bool prefix_replacement = filters.uses_prefix_replacement;
  bool unresolved_extension = filters.unresolved_extension;

  const nlohmann::json& refs = Array(rule, "backendRefs", path);
  if (result.filters.redirect && !refs.empty()) {
    throw RuleError{"IncompatibleFilters",
                    path + ": a RequestRedirect filter cannot be used together with backendRefs"};
  }
  uint64_t total_weight = 0;
  bool any_valid = false;
  for (size_t i = 0; i < refs.size(); ++i) {
    std::string ref_path = Path(Path(path, "backendRefs"), i);
    int64_t weight = OptInt(refs[i], "weight", ref_path).value_or(1);
    if (weight < 0 || weight > kMaxWeight) Unsupported(ref_path + ".weight: out of range");
    ResolvedBackend backend = ResolveBackendRef(refs[i], ref_path, context);
    if (backend.issue) rule_issues.push_back(*backend.issue);
    backend.backend.weight = static_cast<uint32_t>(weight);
    ParsedFilters backend_filters = ParseFilters(Array(refs[i], "filters", ref_path),
                                                 Path(ref_path, "filters"), context, rule_issues);
    prefix_replacement = prefix_replacement || backend_filters.uses_prefix_replacement;
    if (backend_filters.unresolved_extension) backend.backend.valid = false;
    backend.backend.filters = std::move(backend_filters.filters);
    total_weight += backend.backend.weight;
    any_valid = any_valid || (backend.backend.valid && backend.backend.weight > 0);
    result.backends.push_back(std::move(backend.backend));
  }
  if (prefix_replacement) {
    for (const ir::RouteMatch& match : result.matches) {
      if (match.path.kind != ir::PathMatchKind::kPrefix) {
        Unsupported(path + ": ReplacePrefixMatch needs every match to be a PathPrefix match");
      }
    }
  }
  ParseTimeouts(rule, path, result);
  ParseRetry(rule, path, result);

  // An unresolvable ExtensionRef must not be skipped; and without a redirect
  // a rule needs a backend to forward to (not none, not all invalid, not all
  // weight 0).
  bool no_backend = !result.filters.redirect && (total_weight == 0 || !any_valid);
  if (unresolved_extension || no_backend) result.direct_status = 500;
  issues.insert(issues.end(), rule_issues.begin(), rule_issues.end());
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

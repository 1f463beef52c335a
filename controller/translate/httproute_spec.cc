#include "controller/translate/httproute_spec.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <set>
#include <utility>

#include "base/str_cat.h"
#include "controller/ir/path_normal_form.h"
#include "controller/translate/api_groups.h"
#include "controller/translate/durations.h"
#include "controller/translate/httproute_filters.h"
#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

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

ir::ValueMatchKind ParseValueMatchKind(const std::string& type, const std::string& path) {
  if (type == "Exact") return ir::ValueMatchKind::kExact;
  if (type == "RegularExpression") return ir::ValueMatchKind::kRegularExpression;
  Unsupported(path + ".type: unsupported match type \"" + type + "\"");
}

ir::RouteMatch DecodeMatch(const nlohmann::json& match, const std::string& path,
                           std::vector<RegexCheck>& regexes) {
  ir::RouteMatch result;
  if (const nlohmann::json* path_match = Member(match, "path", path)) {
    std::string path_path = Path(path, "path");
    std::string type = String(*path_match, "type", path_path, "PathPrefix");
    std::string value = String(*path_match, "value", path_path, "/");
    if (type == "Exact" || type == "PathPrefix") {
      ValidatePath(value, path_path);
      // Compared with request paths in their normal form ("/%7euser" and
      // "/~user" are one path): kept in that form too.
      if (std::optional<std::string> normal = ir::NormalizePath(value).changed) value = *normal;
      result.path.kind = type == "Exact" ? ir::PathMatchKind::kExact : ir::PathMatchKind::kPrefix;
    } else if (type == "RegularExpression") {
      regexes.push_back({path_path + ".value", value});
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
      regexes.push_back({item_path + ".value", header.value});
    }
    if (header_names.insert(LowerAscii(header.name)).second) result.headers.push_back(header);
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
      regexes.push_back({item_path + ".value", query.value});
    }
    if (query_names.insert(query.name).second) result.query_params.push_back(query);
  }
  if (std::optional<std::string> method = OptString(match, "method", path)) {
    if (!IsHttpMethod(*method)) {
      Unsupported(path + ".method: unsupported method \"" + *method + "\"");
    }
    result.method = *method;
  }
  return result;
}

std::optional<int64_t> DecodeDuration(const nlohmann::json& obj, std::string_view key,
                                      const std::string& path) {
  std::optional<std::string> text = OptString(obj, key, path);
  if (!text) return std::nullopt;
  std::optional<int64_t> ms = ParseGatewayDuration(*text);
  if (!ms) Unsupported(Path(path, key) + ": \"" + *text + "\" is not a Gateway API duration");
  return ms;
}

void DecodeTimeouts(const nlohmann::json& rule, const std::string& path, RuleSpec& out) {
  const nlohmann::json* timeouts = Member(rule, "timeouts", path);
  if (timeouts == nullptr) return;
  std::string timeouts_path = Path(path, "timeouts");
  std::optional<int64_t> request = DecodeDuration(*timeouts, "request", timeouts_path);
  std::optional<int64_t> backend = DecodeDuration(*timeouts, "backendRequest", timeouts_path);
  if (request && backend && *request != 0 && *backend > *request) {
    Unsupported(timeouts_path + ": backendRequest must not be longer than request");
  }
  // A zero duration disables the timeout; the IR leaves it unset.
  ir::Timeouts decoded;
  if (request && *request > 0) decoded.request_ms = request;
  if (backend && *backend > 0) decoded.backend_request_ms = backend;
  if (decoded != ir::Timeouts{}) out.timeouts = decoded;
}

void DecodeRetry(const nlohmann::json& rule, const std::string& path, RuleSpec& out) {
  const nlohmann::json* retry = Member(rule, "retry", path);
  if (retry == nullptr) return;
  std::string retry_path = Path(path, "retry");
  ir::Retry decoded;
  const nlohmann::json& codes = Array(*retry, "codes", retry_path);
  for (size_t i = 0; i < codes.size(); ++i) {
    std::string code_path = Path(Path(retry_path, "codes"), i);
    if (!codes[i].is_number_integer()) throw InputError(code_path + ": expected integer");
    int64_t code = codes[i].get<int64_t>();
    if (code < 400 || code > 599) Unsupported(code_path + ": retry codes must be 400 to 599");
    if (std::find(decoded.codes.begin(), decoded.codes.end(), code) == decoded.codes.end()) {
      decoded.codes.push_back(static_cast<int>(code));
    }
  }
  // Unspecified attempts: one retry (the spec leaves the default to us).
  int64_t attempts = OptInt(*retry, "attempts", retry_path).value_or(1);
  if (attempts < 0 || attempts > 100) Unsupported(retry_path + ".attempts: must be 0 to 100");
  decoded.attempts = static_cast<int>(attempts);
  if (std::optional<int64_t> backoff = DecodeDuration(*retry, "backoff", retry_path)) {
    decoded.backoff_ms = *backoff;
  }
  if (decoded != ir::Retry{}) out.retry = std::move(decoded);
}

// DecodeOptionalFilters decodes the filters of a rule or backendRef at
// path, none when it has none.
BoxedOptional<FiltersSpec> DecodeOptionalFilters(const nlohmann::json& owner,
                                                 const std::string& path,
                                                 const std::string& route_ns) {
  const nlohmann::json& filters = Array(owner, "filters", path);
  if (filters.empty()) return std::nullopt;
  return DecodeFilters(filters, Path(path, "filters"), route_ns);
}

// DecodeRule decodes spec.rules[index]. Throws RuleError (or InputError for
// fields of the wrong type) when the rule must be dropped.
RuleSpec DecodeRule(const nlohmann::json& rule, size_t index, const std::string& route_ns) {
  std::string path = Path("spec.rules", index);
  if (!rule.is_object()) throw InputError(path + ": expected object");
  RuleSpec result;
  result.index = index;

  const nlohmann::json& matches = Array(rule, "matches", path);
  for (size_t i = 0; i < matches.size(); ++i) {
    result.matches.push_back(
        DecodeMatch(matches[i], Path(Path(path, "matches"), i), result.regexes));
  }
  if (result.matches.empty()) result.matches.push_back(ir::RouteMatch{});  // PathPrefix "/"

  result.filters = DecodeOptionalFilters(rule, path, route_ns);
  bool prefix_replacement = result.filters && result.filters->uses_prefix_replacement;

  const nlohmann::json& refs = Array(rule, "backendRefs", path);
  if (result.filters && result.filters->filters.redirect && !refs.empty()) {
    throw RuleError{"IncompatibleFilters",
                    path + ": a RequestRedirect filter cannot be used together with backendRefs"};
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    std::string ref_path = Path(Path(path, "backendRefs"), i);
    int64_t weight = OptInt(refs[i], "weight", ref_path).value_or(1);
    if (weight < 0 || weight > kMaxWeight) Unsupported(ref_path + ".weight: out of range");
    BackendSpec& backend = result.backends.emplace_back();
    backend.ref = DecodeBackendRef(refs[i], ref_path, route_ns);
    backend.weight = static_cast<uint32_t>(weight);
    backend.filters = DecodeOptionalFilters(refs[i], ref_path, route_ns);
    prefix_replacement =
        prefix_replacement || (backend.filters && backend.filters->uses_prefix_replacement);
  }
  if (prefix_replacement) {
    for (const ir::RouteMatch& match : result.matches) {
      if (match.path.kind != ir::PathMatchKind::kPrefix) {
        Unsupported(path + ": ReplacePrefixMatch needs every match to be a PathPrefix match");
      }
    }
  }
  DecodeTimeouts(rule, path, result);
  DecodeRetry(rule, path, result);
  return result;
}

// UnlessDefault boxes a reference's group and kind when they are not its
// field's default, and holds nothing when they are.
BoxedOptional<GroupKind> UnlessDefault(std::string group, std::string kind,
                                       std::string_view default_group,
                                       std::string_view default_kind) {
  if (group == default_group && kind == default_kind) return std::nullopt;
  return GroupKind{std::move(group), std::move(kind)};
}

ParentRefSpec DecodeParentRef(const nlohmann::json& ref, const std::string& path,
                              const std::string& route_ns) {
  ParentRefSpec parent;
  parent.other_kind = UnlessDefault(String(ref, "group", path, kGatewayGroup),
                                    String(ref, "kind", path, "Gateway"), kGatewayGroup, "Gateway");
  parent.name = String(ref, "name", path);
  std::optional<std::string> written_ns = OptString(ref, "namespace", path);
  parent.ns_written = written_ns.has_value();
  if (written_ns) {
    parent.ns = std::move(*written_ns);
  } else {
    parent.ns = route_ns;
  }
  if (std::optional<std::string> section_name = OptString(ref, "sectionName", path)) {
    parent.section_name = std::move(*section_name);
  }
  parent.port = OptInt(ref, "port", path);
  return parent;
}

std::vector<Host> DecodeHostnames(const nlohmann::json& spec) {
  std::vector<Host> result;
  const nlohmann::json& hostnames = Array(spec, "hostnames", "spec");
  for (size_t i = 0; i < hostnames.size(); ++i) {
    std::string path = Path("spec.hostnames", i);
    std::string written = StringValue(hostnames[i], path);
    std::optional<Host> host = ParseGatewayHostname(written);
    if (!host) {
      throw RuleError{"UnsupportedValue",
                      StrCat(path, ": \"", written, "\" is not a valid hostname or wildcard")};
    }
    result.push_back(std::move(*host));
  }
  return result;
}

// DecodeRules fills the hostnames and rules of spec, or its rejection.
void DecodeRules(const nlohmann::json& spec, HttpRouteSpec& route) {
  try {
    route.hostnames = DecodeHostnames(spec);
    const nlohmann::json& rules = Array(spec, "rules", "spec");
    // No rules: the CRD default, one rule matching PathPrefix "/".
    const nlohmann::json default_rules = nlohmann::json::array({nlohmann::json::object()});
    const nlohmann::json& effective = rules.empty() ? default_rules : rules;
    route.rules.reserve(effective.size());
    for (size_t i = 0; i < effective.size(); ++i) {
      try {
        route.rules.emplace_back(DecodeRule(effective[i], i, route.meta.ns));
      } catch (const RuleError& error) {
        route.rules.emplace_back(error);
      } catch (const InputError& error) {
        route.rules.emplace_back(RuleError{"UnsupportedValue", error.what()});
      }
    }
  } catch (const RuleError& error) {
    route.rejection = error;
  } catch (const InputError& error) {
    route.rejection = RuleError{"UnsupportedValue", error.what()};
  }
  if (route.rejection) {
    route.hostnames.clear();
    route.rules.clear();
  }
}

}  // namespace

nlohmann::json ParentRefSpec::Echo() const {
  nlohmann::json echo = {{"group", group()}, {"kind", kind()}, {"name", name}};
  if (ns_written) echo["namespace"] = ns;
  if (section_name) echo["sectionName"] = *section_name;
  if (port) echo["port"] = *port;
  return echo;
}

BackendRefSpec DecodeBackendRef(const nlohmann::json& ref, const std::string& path,
                                const std::string& route_ns) {
  BackendRefSpec result;
  result.other_kind = UnlessDefault(String(ref, "group", path),
                                    String(ref, "kind", path, "Service"), "", "Service");
  result.name = String(ref, "name", path);
  result.ns = String(ref, "namespace", path, route_ns);
  result.port = OptInt(ref, "port", path);
  if (result.name.empty()) throw RuleError{"UnsupportedValue", path + ".name: missing"};
  // Another kind is reported when resolved (InvalidKind), port or not.
  if (!result.IsService()) return result;
  if (!result.port) throw RuleError{"UnsupportedValue", path + ".port: required for a Service"};
  if (*result.port < 1 || *result.port > 65535) {
    throw RuleError{"UnsupportedValue",
                    path + ".port: " + std::to_string(*result.port) + " is out of range"};
  }
  return result;
}

HttpRouteSpec DecodeHttpRoute(const nlohmann::json& object, std::string_view key) {
  HttpRouteSpec route;
  route.uid = ObjectUid(MetadataString(object, "uid"));
  route.resource_version = MetadataString(object, "resourceVersion");
  try {
    route.meta = ParseObjectMeta(object);
    // Translation reads no label or annotation of a route; real routes carry
    // several (Helm's, kubectl's), and thousands are held.
    route.meta.tags.reset();
  } catch (const std::exception& e) {
    auto [ns, name] = SplitKey(key);
    route.meta.ns = std::move(ns);
    route.meta.name = std::move(name);
    route.malformed = std::string(e.what());
    return route;
  }
  try {
    const nlohmann::json& spec = Object(object, "spec", "");
    const nlohmann::json& parent_refs = Array(spec, "parentRefs", "spec");
    route.parent_refs.reserve(parent_refs.size());
    for (size_t i = 0; i < parent_refs.size(); ++i) {
      route.parent_refs.push_back(
          DecodeParentRef(parent_refs[i], Path("spec.parentRefs", i), route.meta.ns));
    }
    DecodeRules(spec, route);
  } catch (const std::exception& e) {
    route.malformed = std::string(e.what());
    route.parent_refs.clear();
    route.hostnames.clear();
    route.rules.clear();
    route.rejection.reset();
  }
  return route;
}

bool SameContent(const HttpRouteSpec& a, const HttpRouteSpec& b) {
  return std::tie(a.meta, a.uid, a.malformed, a.parent_refs, a.rejection, a.hostnames, a.rules) ==
         std::tie(b.meta, b.uid, b.malformed, b.parent_refs, b.rejection, b.hostnames, b.rules);
}

}  // namespace atrium::translate

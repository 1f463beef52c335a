#include "controller/translate/httproute_filters.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/str_cat.h"
#include "controller/translate/hostnames.h"
#include "controller/translate/input.h"

namespace atrium::translate {
namespace {

[[noreturn]] void Unsupported(const std::string& message) {
  throw RuleError{"UnsupportedValue", message};
}

ir::HeaderModifier ParseHeaderModifier(const nlohmann::json& modifier, const std::string& path) {
  ir::HeaderModifier result;
  std::set<std::string> names;  // lowercase: one action per header name
  auto claim = [&](const std::string& name, const std::string& field_path) {
    if (!IsHeaderName(name)) Unsupported(field_path + ": \"" + name + "\" is not a header name");
    if (!names.insert(LowerAscii(name)).second) {
      Unsupported(field_path + ": header \"" + name + "\" has more than one action");
    }
  };
  for (const char* action : {"set", "add"}) {
    const nlohmann::json& headers = Array(modifier, action, path);
    for (size_t i = 0; i < headers.size(); ++i) {
      std::string item_path = Path(Path(path, action), i);
      ir::Header header{String(headers[i], "name", item_path),
                        String(headers[i], "value", item_path)};
      claim(header.name, item_path + ".name");
      if (!IsHeaderValue(header.value)) Unsupported(item_path + ".value: contains CR, LF or NUL");
      (std::string_view(action) == "set" ? result.set : result.add).push_back(std::move(header));
    }
  }
  const nlohmann::json& remove = Array(modifier, "remove", path);
  for (size_t i = 0; i < remove.size(); ++i) {
    std::string item_path = Path(Path(path, "remove"), i);
    std::string name = StringValue(remove[i], item_path);
    claim(name, item_path);
    result.remove.push_back(std::move(name));
  }
  return result;
}

// ParsePathModifier parses a redirect or rewrite path; sets *prefix when it
// is ReplacePrefixMatch.
ir::PathModifier ParsePathModifier(const nlohmann::json& modifier, const std::string& path,
                                   bool* prefix) {
  std::string type = String(modifier, "type", path);
  ir::PathModifier result;
  std::optional<std::string> value;
  if (type == "ReplaceFullPath") {
    result.kind = ir::PathModifierKind::kReplaceFullPath;
    value = OptString(modifier, "replaceFullPath", path);
  } else if (type == "ReplacePrefixMatch") {
    result.kind = ir::PathModifierKind::kReplacePrefixMatch;
    value = OptString(modifier, "replacePrefixMatch", path);
    *prefix = true;
  } else {
    Unsupported(path + ".type: unsupported path modifier \"" + type + "\"");
  }
  if (!value) Unsupported(path + ": the value for " + type + " is missing");
  if (!IsHeaderValue(*value) || value->find_first_of(" ?#") != std::string::npos) {
    Unsupported(path + ": \"" + *value + "\" is not a valid path");
  }
  if (!value->empty() && value->front() != '/') {
    Unsupported(path + ": \"" + *value + "\" must start with /");
  }
  result.value = std::move(*value);
  return result;
}

std::string PreciseHostname(const nlohmann::json& obj, const std::string& path) {
  std::string hostname = String(obj, "hostname", path);
  if (!IsValidDnsName(hostname)) {
    Unsupported(path + ".hostname: \"" + hostname + "\" is not a valid hostname");
  }
  return hostname;
}

ir::RequestRedirect ParseRedirect(const nlohmann::json& redirect, const std::string& path,
                                  bool* prefix) {
  ir::RequestRedirect result;
  if (std::optional<std::string> scheme = OptString(redirect, "scheme", path)) {
    if (*scheme != "http" && *scheme != "https") {
      Unsupported(path + ".scheme: unsupported scheme \"" + *scheme + "\"");
    }
    result.scheme = *scheme;
  }
  if (Member(redirect, "hostname", path) != nullptr) {
    result.hostname = PreciseHostname(redirect, path);
  }
  if (const nlohmann::json* modifier = Member(redirect, "path", path)) {
    result.path = ParsePathModifier(*modifier, Path(path, "path"), prefix);
  }
  if (std::optional<int64_t> port = OptInt(redirect, "port", path)) {
    if (*port < 1 || *port > 65535) Unsupported(path + ".port: out of range");
    result.port = static_cast<uint16_t>(*port);  // 0 (unset) is resolved per listener
  }
  int64_t status = OptInt(redirect, "statusCode", path).value_or(302);
  if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
    Unsupported(path + ".statusCode: unsupported status " + std::to_string(status));
  }
  result.status_code = static_cast<int>(status);
  return result;
}

ir::UrlRewrite ParseRewrite(const nlohmann::json& rewrite, const std::string& path, bool* prefix) {
  ir::UrlRewrite result;
  if (Member(rewrite, "hostname", path) != nullptr) {
    result.hostname = PreciseHostname(rewrite, path);
  }
  if (const nlohmann::json* modifier = Member(rewrite, "path", path)) {
    result.path = ParsePathModifier(*modifier, Path(path, "path"), prefix);
  }
  return result;
}

MirrorSpec DecodeMirror(const nlohmann::json& mirror, const std::string& path,
                        const std::string& route_ns) {
  MirrorSpec result;
  std::optional<int64_t> percent = OptInt(mirror, "percent", path);
  const nlohmann::json* fraction = Member(mirror, "fraction", path);
  if (percent && fraction != nullptr) Unsupported(path + ": set percent or fraction, not both");
  if (percent) {
    if (*percent < 0 || *percent > 100) Unsupported(path + ".percent: must be 0 to 100");
    result.numerator = static_cast<uint32_t>(*percent);
    result.denominator = 100;
  } else if (fraction != nullptr) {
    std::string fraction_path = Path(path, "fraction");
    std::optional<int64_t> numerator = OptInt(*fraction, "numerator", fraction_path);
    int64_t denominator = OptInt(*fraction, "denominator", fraction_path).value_or(100);
    if (!numerator || *numerator < 0 || denominator < 1 || *numerator > denominator ||
        denominator > 1000000) {
      Unsupported(fraction_path + ": needs 0 <= numerator <= denominator, denominator >= 1");
    }
    result.numerator = static_cast<uint32_t>(*numerator);
    result.denominator = static_cast<uint32_t>(denominator);
  }
  const nlohmann::json* ref = Member(mirror, "backendRef", path);
  if (ref == nullptr) Unsupported(path + ".backendRef: missing");
  result.path = Path(path, "backendRef");
  result.ref = DecodeBackendRef(*ref, result.path, route_ns);
  return result;
}

bool IsValidOrigin(const std::string& origin) {
  if (origin == "*") return true;
  size_t scheme_end = origin.find("://");
  if (scheme_end == std::string::npos) return false;
  std::string scheme = origin.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return false;
  std::string rest = origin.substr(scheme_end + 3);
  size_t colon = rest.find(':');
  std::string host = rest.substr(0, colon);
  if (host.empty()) return false;
  for (char c : host) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '*')) {
      return false;
    }
  }
  if (colon != std::string::npos) {
    std::string port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5) return false;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    if (std::stoi(port) < 1 || std::stoi(port) > 65535) return false;
  }
  return true;
}

std::vector<std::string> StringList(const nlohmann::json& obj, std::string_view key,
                                    const std::string& path) {
  std::vector<std::string> result;
  const nlohmann::json& list = Array(obj, key, path);
  for (size_t i = 0; i < list.size(); ++i) {
    result.push_back(StringValue(list[i], Path(Path(path, key), i)));
  }
  if (result.size() > 1 && std::find(result.begin(), result.end(), "*") != result.end()) {
    Unsupported(Path(path, key) + ": \"*\" cannot be combined with other values");
  }
  return result;
}

ir::Cors ParseCors(const nlohmann::json& cors, const std::string& path) {
  ir::Cors result;
  result.allow_origins = StringList(cors, "allowOrigins", path);
  for (const std::string& origin : result.allow_origins) {
    if (!IsValidOrigin(origin)) {
      Unsupported(StrCat(path, ".allowOrigins: \"", origin, "\" is not a valid origin"));
    }
  }
  result.allow_methods = StringList(cors, "allowMethods", path);
  for (const std::string& method : result.allow_methods) {
    if (method != "*" && !IsHttpMethod(method)) {
      Unsupported(StrCat(path, ".allowMethods: unsupported method \"", method, "\""));
    }
  }
  result.allow_headers = StringList(cors, "allowHeaders", path);
  result.expose_headers = StringList(cors, "exposeHeaders", path);
  for (const auto* list : {&result.allow_headers, &result.expose_headers}) {
    for (const std::string& name : *list) {
      if (name != "*" && !IsHeaderName(name)) {
        Unsupported(StrCat(path, ": \"", name, "\" is not a header name"));
      }
    }
  }
  result.allow_credentials = OptBool(cors, "allowCredentials", path).value_or(false);
  int64_t max_age = OptInt(cors, "maxAge", path).value_or(5);
  if (max_age < 1 || max_age > int64_t{86400} * 365)
    Unsupported(path + ".maxAge: must be 1 to 31536000 seconds");
  result.max_age_seconds = static_cast<int>(max_age);
  return result;
}

}  // namespace

bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool token = std::isalnum(static_cast<unsigned char>(c)) ||
                 std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return true;
}

bool IsHttpMethod(std::string_view method) {
  constexpr std::string_view kMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                           "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  return std::find(std::begin(kMethods), std::end(kMethods), method) != std::end(kMethods);
}

std::string LowerAscii(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool IsHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

FiltersSpec DecodeFilters(const nlohmann::json& filters, const std::string& path,
                          const std::string& route_ns) {
  FiltersSpec result;
  std::set<std::string> seen;
  for (size_t i = 0; i < filters.size(); ++i) {
    std::string filter_path = Path(path, i);
    const nlohmann::json& filter = filters[i];
    std::string type = String(filter, "type", filter_path);
    if (type != "RequestMirror" && type != "ExtensionRef" && !seen.insert(type).second) {
      Unsupported(StrCat(filter_path, ": filter ", type, " cannot be repeated"));
    }
    if (type == "RequestHeaderModifier") {
      result.filters.request_headers =
          ParseHeaderModifier(Object(filter, "requestHeaderModifier", filter_path),
                              Path(filter_path, "requestHeaderModifier"));
    } else if (type == "ResponseHeaderModifier") {
      result.filters.response_headers =
          ParseHeaderModifier(Object(filter, "responseHeaderModifier", filter_path),
                              Path(filter_path, "responseHeaderModifier"));
    } else if (type == "RequestRedirect") {
      result.filters.redirect =
          ParseRedirect(Object(filter, "requestRedirect", filter_path),
                        Path(filter_path, "requestRedirect"), &result.uses_prefix_replacement);
    } else if (type == "URLRewrite") {
      result.filters.rewrite =
          ParseRewrite(Object(filter, "urlRewrite", filter_path), Path(filter_path, "urlRewrite"),
                       &result.uses_prefix_replacement);
    } else if (type == "RequestMirror") {
      result.references.emplace_back(DecodeMirror(Object(filter, "requestMirror", filter_path),
                                                  Path(filter_path, "requestMirror"), route_ns));
    } else if (type == "CORS") {
      result.filters.cors =
          ParseCors(Object(filter, "cors", filter_path), Path(filter_path, "cors"));
    } else if (type == "ExtensionRef") {
      const nlohmann::json& ref = Object(filter, "extensionRef", filter_path);
      std::string ref_path = Path(filter_path, "extensionRef");
      result.references.emplace_back(RefIssue{
          "InvalidKind", ref_path + ": ExtensionRef " + String(ref, "group", ref_path) + "/" +
                             String(ref, "kind", ref_path) + " " + String(ref, "name", ref_path) +
                             " is not supported; matching requests get 500"});
      result.unresolved_extension = true;
    } else {
      Unsupported(StrCat(filter_path, ".type: unsupported filter \"", type, "\""));
    }
  }
  if (result.filters.redirect && result.filters.rewrite) {
    throw RuleError{"IncompatibleFilters",
                    path + ": RequestRedirect and URLRewrite cannot be combined"};
  }
  return result;
}

}  // namespace atrium::translate

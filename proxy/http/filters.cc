#include "proxy/http/filters.h"

#include <algorithm>

#include <boost/beast/core/string.hpp>

namespace atrium::http {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out.append(", ");
    out.append(item);
  }
  return out;
}

bool EndsWithIgnoreCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         boost::beast::iequals(text.substr(text.size() - suffix.size()), suffix);
}

}  // namespace

void ApplyHeaderModifier(Fields& fields, const ir::HeaderModifier& modifier) {
  for (const auto& header : modifier.set) fields.set(header.name, header.value);
  for (const auto& header : modifier.add) fields.insert(header.name, header.value);
  for (const auto& name : modifier.remove) fields.erase(name);
}

std::string ReplacePathPrefix(std::string_view path, std::string_view prefix,
                              std::string_view replacement) {
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  std::string_view rest = path;
  if (prefix != "/" && path.substr(0, prefix.size()) == prefix) rest = path.substr(prefix.size());
  // rest is "" or starts with "/" (element-wise prefix match).
  std::string out(replacement);
  if (rest.empty() || rest == "/") {
    if (out.empty()) out.push_back('/');  // not out = "/": GCC 12 misreports it (-Wrestrict)
    if (rest == "/" && out.back() != '/') out.push_back('/');
    return out;
  }
  while (!out.empty() && out.back() == '/') out.pop_back();
  out.append(rest);
  return out;
}

std::string RewritePath(std::string_view path, const ir::PathModifier& modifier,
                        const ir::PathMatch& matched) {
  switch (modifier.kind) {
    case ir::PathModifierKind::kNone:
      return std::string(path);
    case ir::PathModifierKind::kReplaceFullPath:
      return modifier.value.empty() ? "/" : modifier.value;
    case ir::PathModifierKind::kReplacePrefixMatch:
      return ReplacePathPrefix(path, matched.value, modifier.value);
  }
  return std::string(path);
}

std::string_view HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == std::string_view::npos ? host : host.substr(0, close + 1);
  }
  size_t colon = host.rfind(':');
  return colon == std::string_view::npos ? host : host.substr(0, colon);
}

std::string RedirectLocation(const ir::RequestRedirect& redirect, const RedirectRequest& request,
                             const ir::PathMatch& matched) {
  std::string location = redirect.scheme ? *redirect.scheme : std::string(request.scheme);
  location.append("://");
  location.append(redirect.hostname ? std::string_view(*redirect.hostname)
                                    : HostWithoutPort(request.host));
  if (redirect.port != 0) {
    location.push_back(':');
    location.append(std::to_string(redirect.port));
  }
  location.append(RewritePath(request.path, redirect.path, matched));
  if (!request.query.empty()) {
    location.push_back('?');
    location.append(request.query);
  }
  return location;
}

bool CorsOriginAllowed(const ir::Cors& cors, std::string_view origin) {
  if (origin.empty()) return false;
  for (const auto& allowed : cors.allow_origins) {
    if (allowed == "*") return true;
    size_t star = allowed.find("://*.");
    if (star != std::string::npos) {
      // "https://*.example.com": same scheme, at least one label before.
      std::string_view scheme = std::string_view(allowed).substr(0, star + 3);
      std::string_view suffix = std::string_view(allowed).substr(star + 4);  // ".example.com"
      if (origin.size() > scheme.size() + suffix.size() &&
          boost::beast::iequals(origin.substr(0, scheme.size()), scheme) &&
          EndsWithIgnoreCase(origin, suffix)) {
        return true;
      }
      continue;
    }
    if (boost::beast::iequals(allowed, origin)) return true;
  }
  return false;
}

bool IsCorsPreflight(const RequestHeader& request) {
  return request.method() == bhttp::verb::options && request.count(bhttp::field::origin) > 0 &&
         request.count(bhttp::field::access_control_request_method) > 0;
}

namespace {

void AddAllowOrigin(Fields& fields, const ir::Cors& cors, std::string_view origin) {
  // With credentials, "*" is not allowed by browsers: echo the origin.
  bool wildcard = !cors.allow_credentials && cors.allow_origins.size() == 1 &&
                  cors.allow_origins.front() == "*";
  fields.set(bhttp::field::access_control_allow_origin, wildcard ? std::string_view("*") : origin);
  if (!wildcard) fields.insert(bhttp::field::vary, "Origin");
  if (cors.allow_credentials) fields.set(bhttp::field::access_control_allow_credentials, "true");
}

}  // namespace

void MakeCorsPreflightResponse(LocalResponse& response, const ir::Cors& cors,
                               const RequestHeader& request, std::string_view date) {
  response = LocalResponse{};
  response.version(11);
  // 200, not 204: both are "ok" to the Fetch standard, but the Gateway API
  // conformance suite (HTTPRouteCORS) requires 200 for allowed preflights.
  response.result(bhttp::status::ok);
  if (!date.empty()) response.set(bhttp::field::date, date);
  std::string_view origin = request[bhttp::field::origin];
  if (CorsOriginAllowed(cors, origin)) {
    AddAllowOrigin(response, cors, origin);
    // A "*" list answers with what the preflight asked for: a literal "*"
    // means nothing to browsers when credentials are allowed (Fetch), and the
    // Gateway API spec asks for the requested method in that case.
    auto allowed = [&](const std::vector<std::string>& list, bhttp::field requested) {
      bool any = std::find(list.begin(), list.end(), "*") != list.end();
      return any ? std::string(request[requested]) : Join(list);
    };
    std::string methods = allowed(cors.allow_methods, bhttp::field::access_control_request_method);
    if (!methods.empty()) response.set(bhttp::field::access_control_allow_methods, methods);
    std::string headers = allowed(cors.allow_headers, bhttp::field::access_control_request_headers);
    if (!headers.empty()) response.set(bhttp::field::access_control_allow_headers, headers);
    if (!cors.expose_headers.empty()) {
      response.set(bhttp::field::access_control_expose_headers, Join(cors.expose_headers));
    }
    response.set(bhttp::field::access_control_max_age, std::to_string(cors.max_age_seconds));
  }
  response.prepare_payload();
}

void AddCorsResponseHeaders(Fields& response, const ir::Cors& cors, std::string_view origin) {
  if (!CorsOriginAllowed(cors, origin)) return;
  AddAllowOrigin(response, cors, origin);
  if (!cors.expose_headers.empty()) {
    response.set(bhttp::field::access_control_expose_headers, Join(cors.expose_headers));
  }
}

}  // namespace atrium::http

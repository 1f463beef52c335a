#include "controller/translate/hostnames.h"

#include <arpa/inet.h>

#include <cstring>

namespace atrium::translate {
namespace {

using ir::HostnameKind;

bool IsLabelChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

bool IsWildcard(const Host& host) {
  return host.kind == HostnameKind::kWildcardOneLabel ||
         host.kind == HostnameKind::kWildcardAnyLabels;
}

// Suffix of a wildcard without the '*': ".example.com".
std::string_view WildcardSuffix(const Host& host) { return std::string_view(host.name).substr(1); }

std::optional<Host> ParseHostname(std::string_view name, HostnameKind wildcard_kind) {
  if (name.size() > 2 && name.substr(0, 2) == "*.") {
    if (!IsValidDnsName(name.substr(2))) return std::nullopt;
    return Host{wildcard_kind, std::string(name)};
  }
  if (!IsValidDnsName(name)) return std::nullopt;
  return Host{HostnameKind::kExact, std::string(name)};
}

}  // namespace

bool IsIpAddress(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  std::string copy(text);
  unsigned char buffer[16];
  return inet_pton(AF_INET, copy.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, copy.c_str(), buffer) == 1;
}

bool IsValidDnsName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (IsIpAddress(name)) return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('.', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view label = name.substr(start, end - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsLabelChar(c)) return false;
    }
    start = end + 1;
  }
  return true;
}

std::optional<Host> ParseGatewayHostname(std::string_view name) {
  return ParseHostname(name, HostnameKind::kWildcardAnyLabels);
}

std::optional<Host> ParseIngressHost(std::string_view name) {
  return ParseHostname(name, HostnameKind::kWildcardOneLabel);
}

bool Covers(const Host& outer, const Host& inner) {
  if (outer.kind == HostnameKind::kAny) return true;
  if (inner.kind == HostnameKind::kAny) return false;
  if (outer.kind == HostnameKind::kExact) {
    return inner.kind == HostnameKind::kExact && inner.name == outer.name;
  }
  std::string_view suffix = WildcardSuffix(outer);  // ".example.com"
  if (outer.kind == HostnameKind::kWildcardAnyLabels) {
    if (inner.kind == HostnameKind::kExact) {
      return inner.name.size() > suffix.size() && std::string_view(inner.name).ends_with(suffix);
    }
    return WildcardSuffix(inner).ends_with(suffix);
  }
  // outer is a one-label wildcard.
  if (inner.kind == HostnameKind::kExact) {
    if (inner.name.size() <= suffix.size() || !std::string_view(inner.name).ends_with(suffix)) {
      return false;
    }
    std::string_view first =
        std::string_view(inner.name).substr(0, inner.name.size() - suffix.size());
    return first.find('.') == std::string_view::npos;
  }
  return inner.kind == HostnameKind::kWildcardOneLabel && WildcardSuffix(inner) == suffix;
}

std::optional<Host> Intersect(const Host& listener, const Host& route) {
  if (Covers(listener, route)) return route;
  if (Covers(route, listener)) return listener;
  return std::nullopt;
}

Specificity SpecificityOf(const Host& host) {
  switch (host.kind) {
    case HostnameKind::kExact:
      return {3, host.name.size()};
    case HostnameKind::kWildcardOneLabel:
    case HostnameKind::kWildcardAnyLabels:
      return {2, host.name.size() - 1};
    case HostnameKind::kAny:
      break;
  }
  return {1, 0};
}

std::vector<Host> CoveringCandidates(const Host& host) {
  std::vector<Host> result{host};
  if (host.kind == HostnameKind::kAny) return result;
  std::string_view rest = host.name;  // the part after the first label
  if (IsWildcard(host)) {
    rest = WildcardSuffix(host).substr(1);  // "example.com"
    if (host.kind == HostnameKind::kWildcardOneLabel) {
      result.push_back({HostnameKind::kWildcardAnyLabels, "*." + std::string(rest)});
    }
  } else {
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) {
      result.push_back({HostnameKind::kAny, ""});
      return result;
    }
    rest = rest.substr(dot + 1);
    result.push_back({HostnameKind::kWildcardOneLabel, "*." + std::string(rest)});
    result.push_back({HostnameKind::kWildcardAnyLabels, "*." + std::string(rest)});
  }
  // Every shorter parent suffix, as an any-labels wildcard.
  for (size_t dot = rest.find('.'); dot != std::string_view::npos; dot = rest.find('.')) {
    rest = rest.substr(dot + 1);
    result.push_back({HostnameKind::kWildcardAnyLabels, "*." + std::string(rest)});
  }
  result.push_back({HostnameKind::kAny, ""});
  return result;
}

}  // namespace atrium::translate

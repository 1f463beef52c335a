#include "proxy/table/route_matcher.h"

namespace atrium::table {
namespace {

std::unique_ptr<re2::RE2> CompileRegex(const std::string& pattern, std::string* error) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_unique<re2::RE2>(pattern, options);
  if (!regex->ok()) {
    if (error != nullptr)
      *error = "invalid regular expression \"" + pattern + "\": " + regex->error();
    return nullptr;
  }
  return regex;
}

}  // namespace

std::string NormalizePrefix(std::string_view prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string(prefix);
}

bool PathMatchesPrefix(std::string_view prefix, std::string_view path) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return true;
  if (path.size() < prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

std::optional<std::string_view> FindQueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

std::unique_ptr<RouteMatcher> RouteMatcher::Create(const ir::RouteMatch& match,
                                                   std::string* error) {
  auto matcher = std::unique_ptr<RouteMatcher>(new RouteMatcher());
  matcher->path_kind_ = match.path.kind;
  switch (match.path.kind) {
    case ir::PathMatchKind::kExact:
      matcher->path_key_ = match.path.value;
      break;
    case ir::PathMatchKind::kPrefix:
      matcher->path_key_ = NormalizePrefix(match.path.value);
      break;
    case ir::PathMatchKind::kRegularExpression:
      matcher->path_key_ = match.path.value;
      matcher->path_regex_ = CompileRegex(match.path.value, error);
      if (matcher->path_regex_ == nullptr) return nullptr;
      break;
  }
  auto add_values = [error](const auto& conditions, std::vector<ValueMatcher>& out) {
    for (const auto& condition : conditions) {
      ValueMatcher value{condition.name, condition.kind, condition.value, nullptr};
      if (condition.kind == ir::ValueMatchKind::kRegularExpression) {
        value.regex = CompileRegex(condition.value, error);
        if (value.regex == nullptr) return false;
      }
      out.push_back(std::move(value));
    }
    return true;
  };
  if (!add_values(match.headers, matcher->headers_)) return nullptr;
  if (!add_values(match.query_params, matcher->query_params_)) return nullptr;
  matcher->method_ = match.method;
  return matcher;
}

bool RouteMatcher::IsPathOnly(const ir::RouteMatch& match) {
  return match.path.kind != ir::PathMatchKind::kRegularExpression && match.headers.empty() &&
         match.query_params.empty() && match.method.empty();
}

bool RouteMatcher::IsPathOnly() const {
  return path_kind_ != ir::PathMatchKind::kRegularExpression && headers_.empty() &&
         query_params_.empty() && method_.empty();
}

bool RouteMatcher::ValueMatcher::Matches(std::string_view candidate) const {
  if (kind == ir::ValueMatchKind::kExact) return candidate == value;
  return re2::RE2::FullMatch(re2::StringPiece(candidate.data(), candidate.size()), *regex);
}

bool RouteMatcher::PathMatches(std::string_view path) const {
  switch (path_kind_) {
    case ir::PathMatchKind::kExact:
      return path == path_key_;
    case ir::PathMatchKind::kPrefix:
      return PathMatchesPrefix(path_key_, path);
    case ir::PathMatchKind::kRegularExpression:
      return re2::RE2::FullMatch(re2::StringPiece(path.data(), path.size()), *path_regex_);
  }
  return false;
}

bool RouteMatcher::Matches(const RequestView& request) const {
  if (!method_.empty() && request.method != method_) return false;
  if (!PathMatches(request.path)) return false;
  for (const ValueMatcher& header : headers_) {
    std::optional<std::string_view> value;
    if (request.headers != nullptr) value = request.headers->Find(header.name);
    if (!value || !header.Matches(*value)) return false;
  }
  for (const ValueMatcher& param : query_params_) {
    std::optional<std::string_view> value = FindQueryParam(request.query, param.name);
    if (!value || !param.Matches(*value)) return false;
  }
  return true;
}

}  // namespace atrium::table

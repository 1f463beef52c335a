#pragma once

// RouteMatcher is one compiled ir::RouteMatch: path, headers, query
// parameters and method, with regular expressions precompiled by RE2
// (linear-time; std::regex is never run on user input).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "controller/ir/route_config.h"
#include "proxy/table/route_table.h"

namespace atrium::table {

// PathMatchesPrefix implements element-wise prefix matching: prefix "/foo"
// (or "/foo/") matches "/foo", "/foo/" and "/foo/bar", never "/foobar".
bool PathMatchesPrefix(std::string_view prefix, std::string_view path);

// NormalizePrefix drops trailing slashes: "/foo/" -> "/foo", "/" -> "".
std::string NormalizePrefix(std::string_view prefix);

// FindQueryParam returns the value of the first query parameter named name
// (exact, case-sensitive), or nullopt.
std::optional<std::string_view> FindQueryParam(std::string_view query, std::string_view name);

class RouteMatcher {
 public:
  // Create compiles match; on a bad regular expression it returns nullptr
  // and sets *error.
  static std::unique_ptr<RouteMatcher> Create(const ir::RouteMatch& match, std::string* error);

  bool Matches(const RequestView& request) const;

  // IsPathOnly is true when only an Exact or Prefix path condition applies,
  // so the table can index the route by path instead of testing it.
  bool IsPathOnly() const;
  // The same for a match that has not been compiled.
  static bool IsPathOnly(const ir::RouteMatch& match);
  ir::PathMatchKind path_kind() const { return path_kind_; }
  // path_key is the exact path, or the normalized prefix for kPrefix.
  const std::string& path_key() const { return path_key_; }

 private:
  struct ValueMatcher {
    std::string name;
    ir::ValueMatchKind kind;
    std::string value;
    std::unique_ptr<re2::RE2> regex;
    bool Matches(std::string_view candidate) const;
  };

  bool PathMatches(std::string_view path) const;

  ir::PathMatchKind path_kind_ = ir::PathMatchKind::kPrefix;
  std::string path_key_;
  std::unique_ptr<re2::RE2> path_regex_;
  std::vector<ValueMatcher> headers_;
  std::vector<ValueMatcher> query_params_;
  std::string method_;
};

}  // namespace atrium::table

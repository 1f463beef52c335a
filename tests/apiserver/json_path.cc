#include "tests/apiserver/json_path.h"

#include <cctype>
#include <optional>
#include <string>

namespace atrium::testing {
namespace {

using nlohmann::json;

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$';
}

// FieldAt follows a dotted path (without the leading '@').
const json* FieldAt(const json& node, std::string_view path) {
  const json* current = &node;
  while (!path.empty()) {
    if (path.front() == '.') path.remove_prefix(1);
    size_t end = 0;
    while (end < path.size() && IsNameChar(path[end])) ++end;
    if (end == 0 || !current->is_object()) return nullptr;
    auto it = current->find(std::string(path.substr(0, end)));
    if (it == current->end()) return nullptr;
    current = &*it;
    path.remove_prefix(end);
  }
  return current;
}

// ParseLiteral reads a filter's right-hand side: a quoted string, a number,
// true or false.
std::optional<json> ParseLiteral(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front()) {
    return json(std::string(text.substr(1, text.size() - 2)));
  }
  if (text == "true") return json(true);
  if (text == "false") return json(false);
  json number = json::parse(text, nullptr, false);
  if (number.is_number()) return number;
  return std::nullopt;
}

// Filter is `?(@.path OP literal)`.
struct Filter {
  std::string path;
  bool equals = true;
  json literal;

  bool Matches(const json& element) const {
    const json* value = FieldAt(element, path);
    bool same = value != nullptr && *value == literal;
    return same == equals;
  }
};

std::optional<Filter> ParseFilter(std::string_view text) {
  // text is "?(@.a.b==\"x\")"
  if (text.size() < 5 || text.substr(0, 3) != "?(@" || text.back() != ')') return std::nullopt;
  std::string_view body = text.substr(3, text.size() - 4);
  size_t op = body.find("==");
  bool equals = true;
  if (size_t ne = body.find("!=");
      ne != std::string_view::npos && (op == std::string_view::npos || ne < op)) {
    op = ne;
    equals = false;
  }
  if (op == std::string_view::npos) return std::nullopt;
  std::string_view path = body.substr(0, op);
  while (!path.empty() && path.back() == ' ') path.remove_suffix(1);
  std::optional<json> literal = ParseLiteral(body.substr(op + 2));
  if (!literal) return std::nullopt;
  return Filter{std::string(path), equals, std::move(*literal)};
}

}  // namespace

std::vector<json> EvaluateJsonPath(const json& root, std::string_view path) {
  // Accept "{.a.b}" and "$.a.b" as well as ".a.b".
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') {
    path = path.substr(1, path.size() - 2);
  }
  if (!path.empty() && path.front() == '$') path.remove_prefix(1);
  std::vector<const json*> current = {&root};
  size_t i = 0;
  while (i < path.size()) {
    std::vector<const json*> next;
    if (path[i] == '.') {
      ++i;
      size_t end = i;
      while (end < path.size() && IsNameChar(path[end])) ++end;
      std::string name(path.substr(i, end - i));
      i = end;
      if (name.empty()) continue;
      for (const json* node : current) {
        if (!node->is_object()) continue;
        auto it = node->find(name);
        if (it != node->end()) next.push_back(&*it);
      }
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      // A filter may hold ']' inside a quoted literal; filters end with ")]".
      if (i + 1 < path.size() && path[i + 1] == '?') close = path.find(")]", i) + 1;
      if (close == std::string_view::npos || close == 0) return {};
      std::string_view inside = path.substr(i + 1, close - i - 1);
      i = close + 1;
      if (inside == "*") {
        for (const json* node : current) {
          if (node->is_array() || node->is_object()) {
            for (const json& child : *node) next.push_back(&child);
          }
        }
      } else if (!inside.empty() && inside.front() == '?') {
        std::optional<Filter> filter = ParseFilter(inside);
        if (!filter) return {};
        for (const json* node : current) {
          if (!node->is_array()) continue;
          for (const json& child : *node) {
            if (filter->Matches(child)) next.push_back(&child);
          }
        }
      } else if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"')) {
        std::string name(inside.substr(1, inside.size() - 2));
        for (const json* node : current) {
          if (!node->is_object()) continue;
          auto it = node->find(name);
          if (it != node->end()) next.push_back(&*it);
        }
      } else {
        json index = json::parse(inside, nullptr, false);
        if (!index.is_number_integer()) return {};
        for (const json* node : current) {
          if (!node->is_array()) continue;
          int64_t n = index.get<int64_t>();
          if (n < 0) n += static_cast<int64_t>(node->size());
          if (n >= 0 && n < static_cast<int64_t>(node->size())) next.push_back(&(*node)[n]);
        }
      }
    } else {
      return {};
    }
    current = std::move(next);
  }
  std::vector<json> out;
  for (const json* node : current) out.push_back(*node);
  return out;
}

}  // namespace atrium::testing

#include "tests/apiserver/selectors.h"

#include <algorithm>
#include <cctype>

namespace atrium::testing {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// SplitTopLevel splits on commas outside parentheses; a backslash escapes
// the next character (field selector values).
std::vector<std::string_view> SplitTopLevel(std::string_view text, bool escapes) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (escapes && c == '\\') {
      ++i;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
         c == '/';
}

bool IsValueChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

bool ValidValue(std::string_view value) {
  return std::all_of(value.begin(), value.end(), IsValueChar);
}

const nlohmann::json* Labels(const nlohmann::json& object) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  auto labels = metadata->find("labels");
  if (labels == metadata->end() || !labels->is_object()) return nullptr;
  return &*labels;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out.push_back(s[i]);
  }
  return out;
}

// FieldValue renders the value at a dotted path the way field selectors
// compare it: strings as they are, other scalars in their JSON spelling,
// absent fields as "".
std::string FieldValue(const nlohmann::json& object, std::string_view path) {
  const nlohmann::json* node = &object;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string part(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!node->is_object()) return "";
    auto it = node->find(part);
    if (it == node->end()) return "";
    node = &*it;
  }
  if (node->is_string()) return node->get<std::string>();
  if (node->is_null() || node->is_object() || node->is_array()) return "";
  return node->dump();
}

}  // namespace

std::optional<LabelSelector> LabelSelector::Parse(std::string_view text, std::string* error) {
  LabelSelector selector;
  if (Trim(text).empty()) return selector;
  for (std::string_view part : SplitTopLevel(text, false)) {
    part = Trim(part);
    Requirement req;
    if (!part.empty() && part.front() == '!') {
      req.key = std::string(Trim(part.substr(1)));
      req.op = Op::kNotExists;
      if (req.key.empty() || !std::all_of(req.key.begin(), req.key.end(), IsKeyChar)) {
        *error = "invalid label selector requirement: " + std::string(part);
        return std::nullopt;
      }
      selector.requirements_.push_back(std::move(req));
      continue;
    }
    size_t i = 0;
    while (i < part.size() && IsKeyChar(part[i])) ++i;
    req.key = std::string(part.substr(0, i));
    std::string_view rest = Trim(part.substr(i));
    if (req.key.empty()) {
      *error = "invalid label selector requirement: " + std::string(part);
      return std::nullopt;
    }
    if (rest.empty()) {
      req.op = Op::kExists;
    } else if (rest.substr(0, 2) == "==" || rest.substr(0, 2) == "!=" || rest.front() == '=') {
      size_t op_len = rest.front() == '=' && rest.substr(0, 2) != "==" ? 1 : 2;
      req.op = rest.front() == '!' ? Op::kNotEquals : Op::kEquals;
      std::string_view value = Trim(rest.substr(op_len));
      if (!ValidValue(value)) {
        *error = "invalid label value: " + std::string(value);
        return std::nullopt;
      }
      req.values.emplace_back(value);
    } else if (rest.substr(0, 5) == "notin" || rest.substr(0, 2) == "in") {
      bool notin = rest.substr(0, 5) == "notin";
      req.op = notin ? Op::kNotIn : Op::kIn;
      std::string_view list = Trim(rest.substr(notin ? 5 : 2));
      if (list.size() < 2 || list.front() != '(' || list.back() != ')') {
        *error = "expected a parenthesized value list in: " + std::string(part);
        return std::nullopt;
      }
      for (std::string_view value : SplitTopLevel(list.substr(1, list.size() - 2), false)) {
        value = Trim(value);
        if (!ValidValue(value)) {
          *error = "invalid label value: " + std::string(value);
          return std::nullopt;
        }
        req.values.emplace_back(value);
      }
    } else {
      *error = "unsupported label selector operator in: " + std::string(part);
      return std::nullopt;
    }
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool LabelSelector::Matches(const nlohmann::json& object) const {
  const nlohmann::json* labels = Labels(object);
  for (const Requirement& req : requirements_) {
    const nlohmann::json* value = nullptr;
    if (labels != nullptr) {
      auto it = labels->find(req.key);
      if (it != labels->end() && it->is_string()) value = &*it;
    }
    auto in_values = [&] {
      return value != nullptr && std::find(req.values.begin(), req.values.end(),
                                           value->get<std::string>()) != req.values.end();
    };
    bool ok = true;
    switch (req.op) {
      case Op::kExists:
        ok = value != nullptr;
        break;
      case Op::kNotExists:
        ok = value == nullptr;
        break;
      case Op::kEquals:
      case Op::kIn:
        ok = in_values();
        break;
      case Op::kNotEquals:
      case Op::kNotIn:
        ok = !in_values();
        break;
    }
    if (!ok) return false;
  }
  return true;
}

std::optional<FieldSelector> FieldSelector::Parse(std::string_view text, std::string* error) {
  FieldSelector selector;
  if (Trim(text).empty()) return selector;
  for (std::string_view part : SplitTopLevel(text, true)) {
    part = Trim(part);
    Requirement req;
    size_t op = std::string_view::npos;
    size_t op_len = 0;
    for (size_t i = 0; i < part.size(); ++i) {
      if (part[i] == '\\') {
        ++i;
      } else if (part.substr(i, 2) == "!=" || part.substr(i, 2) == "==") {
        op = i;
        op_len = 2;
        req.equals = part[i] == '=';
        break;
      } else if (part[i] == '=') {
        op = i;
        op_len = 1;
        break;
      }
    }
    if (op == std::string_view::npos || op == 0) {
      *error = "invalid field selector requirement: " + std::string(part);
      return std::nullopt;
    }
    req.path = std::string(Trim(part.substr(0, op)));
    req.value = Unescape(Trim(part.substr(op + op_len)));
    selector.requirements_.push_back(std::move(req));
  }
  return selector;
}

bool FieldSelector::Matches(const nlohmann::json& object) const {
  for (const Requirement& req : requirements_) {
    if ((FieldValue(object, req.path) == req.value) != req.equals) return false;
  }
  return true;
}

std::optional<std::string> FieldSelector::ExactName() const {
  for (const Requirement& req : requirements_) {
    if (req.path == "metadata.name" && req.equals) return req.value;
  }
  return std::nullopt;
}

}  // namespace atrium::testing

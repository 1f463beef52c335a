#include "controller/manifests/yaml_json.h"

#include <charconv>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace atrium::manifests {
namespace {

// The YAML 1.2 core schema's plain-scalar forms. Scanned by hand, not with
// std::regex: libstdc++'s matcher recurses once per character, and a long
// plain scalar in a manifest (200,000 digits) overflowed the stack.
bool IsCoreNull(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

bool IsCoreTrue(const std::string& s) { return s == "true" || s == "True" || s == "TRUE"; }
bool IsCoreFalse(const std::string& s) { return s == "false" || s == "False" || s == "FALSE"; }

// SkipDigits advances i over [0-9]* and returns how many it skipped.
size_t SkipDigits(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i - start;
}

size_t SignLength(std::string_view s) { return !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0; }

// IsCoreInt: [-+]?[0-9]+
bool IsCoreInt(std::string_view s) {
  size_t i = SignLength(s);
  return SkipDigits(s, i) > 0 && i == s.size();
}

// IsCoreFloat: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsCoreFloat(std::string_view s) {
  size_t i = SignLength(s);
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (SkipDigits(s, i) == 0) return false;
  } else {
    if (SkipDigits(s, i) == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      SkipDigits(s, i);
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (SkipDigits(s, i) == 0) return false;
  }
  return i == s.size();
}

nlohmann::json PlainScalar(const std::string& s) {
  if (IsCoreNull(s)) return nullptr;
  if (IsCoreTrue(s)) return true;
  if (IsCoreFalse(s)) return false;
  if (IsCoreInt(s)) {
    int64_t value = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), value);
    if (ec == std::errc() && ptr == s.data() + s.size()) return value;
    return s;  // out of range: keep the text
  }
  if (IsCoreFloat(s)) {
    try {
      return std::stod(s);
    } catch (...) {
      return s;  // out of range: keep the text
    }
  }
  return s;
}

nlohmann::json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar:
      // Tag "!" marks a quoted (non-plain) scalar: always a string.
      if (node.Tag() == "!") return node.Scalar();
      if (node.Tag() == "tag:yaml.org,2002:str") return node.Scalar();
      return PlainScalar(node.Scalar());
    case YAML::NodeType::Sequence: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& item : node) array.push_back(ToJson(item));
      return array;
    }
    case YAML::NodeType::Map: {
      nlohmann::json object = nlohmann::json::object();
      for (const auto& entry : node) object[entry.first.as<std::string>()] = ToJson(entry.second);
      return object;
    }
  }
  return nullptr;
}

}  // namespace

YamlParseResult ParseYamlDocuments(std::string_view text) {
  YamlParseResult result;
  try {
    for (const YAML::Node& node : YAML::LoadAll(std::string(text))) {
      result.documents.push_back({ToJson(node), node.Mark().line + 1});
    }
  } catch (const YAML::Exception& e) {
    result.documents.clear();
    result.error = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
  }
  return result;
}

}  // namespace atrium::manifests

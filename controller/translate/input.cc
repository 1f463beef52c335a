#include "controller/translate/input.h"

#include <cmath>

namespace atrium::translate {
namespace {

const nlohmann::json& EmptyArray() {
  static const nlohmann::json* const empty = new nlohmann::json(nlohmann::json::array());
  return *empty;
}

const nlohmann::json& EmptyObject() {
  static const nlohmann::json* const empty = new nlohmann::json(nlohmann::json::object());
  return *empty;
}

[[noreturn]] void WrongType(std::string_view path, std::string_view expected,
                            const nlohmann::json& value) {
  throw InputError(std::string(path) + ": expected " + std::string(expected) + ", got " +
                   value.type_name());
}

}  // namespace

std::string Path(std::string_view parent, std::string_view field) {
  if (parent.empty()) return std::string(field);
  std::string path(parent);
  path += '.';
  path += field;
  return path;
}

std::string Path(std::string_view parent, size_t index) {
  return std::string(parent) + "[" + std::to_string(index) + "]";
}

const nlohmann::json* Member(const nlohmann::json& obj, std::string_view key,
                             std::string_view path) {
  if (obj.is_null()) return nullptr;
  if (!obj.is_object()) WrongType(path, "object", obj);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<std::string> OptString(const nlohmann::json& obj, std::string_view key,
                                     std::string_view path) {
  const nlohmann::json* value = Member(obj, key, path);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) WrongType(Path(path, key), "string", *value);
  return value->get<std::string>();
}

std::string String(const nlohmann::json& obj, std::string_view key, std::string_view path,
                   std::string_view fallback) {
  std::optional<std::string> value = OptString(obj, key, path);
  return value ? *value : std::string(fallback);
}

std::optional<int64_t> OptInt(const nlohmann::json& obj, std::string_view key,
                              std::string_view path) {
  const nlohmann::json* value = Member(obj, key, path);
  if (value == nullptr) return std::nullopt;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_number_float()) {
    double d = value->get<double>();
    // Only integral values that fit comfortably in int64.
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
      return static_cast<int64_t>(d);
    }
  }
  WrongType(Path(path, key), "integer", *value);
}

std::optional<bool> OptBool(const nlohmann::json& obj, std::string_view key,
                            std::string_view path) {
  const nlohmann::json* value = Member(obj, key, path);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) WrongType(Path(path, key), "boolean", *value);
  return value->get<bool>();
}

const nlohmann::json& Array(const nlohmann::json& obj, std::string_view key,
                            std::string_view path) {
  const nlohmann::json* value = Member(obj, key, path);
  if (value == nullptr) return EmptyArray();
  if (!value->is_array()) WrongType(Path(path, key), "array", *value);
  return *value;
}

const nlohmann::json& Object(const nlohmann::json& obj, std::string_view key,
                             std::string_view path) {
  const nlohmann::json* value = Member(obj, key, path);
  if (value == nullptr) return EmptyObject();
  if (!value->is_object()) WrongType(Path(path, key), "object", *value);
  return *value;
}

std::string StringValue(const nlohmann::json& value, std::string_view path) {
  if (!value.is_string()) WrongType(path, "string", value);
  return value.get<std::string>();
}

}  // namespace atrium::translate

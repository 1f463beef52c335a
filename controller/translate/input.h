#pragma once

// Typed, non-throwing-to-the-caller access to Kubernetes objects held as JSON.
//
// Objects come from the API server or straight from YAML files, so any field
// may be missing, null or of the wrong type. The accessors below treat a
// missing or null field as "unset" and throw InputError (with the field's
// path) for a field of the wrong type. Every translator catches InputError
// around one object (or one rule of it), so a malformed object is rejected
// alone and never disturbs the others.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::translate {

// InputError says which field of an object is malformed and why.
class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
};

// Path builds "spec.rules[0].matches" style field paths for error messages.
std::string Path(std::string_view parent, std::string_view field);
std::string Path(std::string_view parent, size_t index);

// Member returns obj[key], or nullptr when obj has no such member or it is
// null. Throws InputError when obj itself is neither an object nor null.
const nlohmann::json* Member(const nlohmann::json& obj, std::string_view key,
                             std::string_view path);

// OptString returns the string at obj[key], nullopt when unset.
std::optional<std::string> OptString(const nlohmann::json& obj, std::string_view key,
                                     std::string_view path);
// String returns the string at obj[key], fallback when unset.
std::string String(const nlohmann::json& obj, std::string_view key, std::string_view path,
                   std::string_view fallback = "");

// OptInt returns the integer at obj[key], nullopt when unset. Floating point
// numbers with an integral value are accepted (YAML/JSON producers differ).
std::optional<int64_t> OptInt(const nlohmann::json& obj, std::string_view key,
                              std::string_view path);

// OptBool returns the boolean at obj[key], nullopt when unset.
std::optional<bool> OptBool(const nlohmann::json& obj, std::string_view key, std::string_view path);

// Array returns the array at obj[key], an empty array when unset.
const nlohmann::json& Array(const nlohmann::json& obj, std::string_view key, std::string_view path);

// Object returns the object at obj[key], an empty object when unset.
const nlohmann::json& Object(const nlohmann::json& obj, std::string_view key,
                             std::string_view path);

// StringValue returns value as a string (used for array elements).
std::string StringValue(const nlohmann::json& value, std::string_view path);

}  // namespace atrium::translate

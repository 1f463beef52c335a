#pragma once

// Structured log lines on stderr, one write per line so lines from several
// threads never interleave:
//   2026-11-23T13:00:00.123Z level=warn component=translate msg="object rejected" kind=HTTPRoute
// Values are quoted when they contain spaces or quotes. Never pass secret
// material (keys, tokens) as a field.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace atrium::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };

using Field = std::pair<std::string_view, std::string_view>;

// SetLevel drops lines below level. Call once at startup; any thread.
void SetLevel(Level level);
// ParseLevel maps "debug", "info", "warn", "error"; false when unknown.
bool ParseLevel(std::string_view text, Level* level);

void Write(Level level, std::string_view component, std::string_view message,
           std::initializer_list<Field> fields = {});

inline void Debug(std::string_view component, std::string_view message,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kDebug, component, message, fields);
}
inline void Info(std::string_view component, std::string_view message,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kInfo, component, message, fields);
}
inline void Warn(std::string_view component, std::string_view message,
                 std::initializer_list<Field> fields = {}) {
  Write(Level::kWarn, component, message, fields);
}
inline void Error(std::string_view component, std::string_view message,
                  std::initializer_list<Field> fields = {}) {
  Write(Level::kError, component, message, fields);
}

// FormatLine builds one line without the timestamp (tests use it).
std::string FormatLine(Level level, std::string_view component, std::string_view message,
                       std::initializer_list<Field> fields);

}  // namespace atrium::log

#pragma once

// FieldsHeaderSource lets the route table read request headers straight from
// the Beast parser's fields (no copy). It borrows fields: it must not outlive
// them, and is used only for the duration of one Lookup.

#include <optional>
#include <string_view>

#include "proxy/http/http_types.h"
#include "proxy/table/route_table.h"

namespace atrium::http {

class FieldsHeaderSource final : public table::HeaderSource {
 public:
  explicit FieldsHeaderSource(const Fields& fields) : fields_(fields) {}
  std::optional<std::string_view> Find(std::string_view name) const override {
    auto it = fields_.find(name);  // case-insensitive
    if (it == fields_.end()) return std::nullopt;
    return it->value();
  }

 private:
  const Fields& fields_;
};

}  // namespace atrium::http

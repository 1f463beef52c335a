#include "proxy/http/hop_by_hop.h"

#include <string>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/container/small_vector.hpp>

namespace atrium::http {

namespace {

bool IsHopByHop(bhttp::field name) {
  switch (name) {
    case bhttp::field::connection:
    case bhttp::field::keep_alive:
    case bhttp::field::proxy_connection:
    case bhttp::field::te:
    case bhttp::field::trailer:
    case bhttp::field::transfer_encoding:
    case bhttp::field::upgrade:
      return true;
    default:
      return false;
  }
}

}  // namespace

void StripHopByHop(Fields& fields) {
  // One pass finds the hop-by-hop fields (most messages have one or none:
  // a lookup per name would search the field index seven times). Names
  // listed in Connection are collected first: erasing while a token view
  // points into the Connection value would leave it dangling.
  bool found = false;
  boost::container::small_vector<std::string, 4> named;
  for (const auto& field : fields) {
    if (!IsHopByHop(field.name())) continue;
    found = true;
    if (field.name() != bhttp::field::connection) continue;
    for (auto token : bhttp::token_list{field.value()}) {
      if (boost::beast::iequals(token, "close") || boost::beast::iequals(token, "keep-alive")) {
        // Connection options, not field names (a Keep-Alive field is
        // removed below anyway).
        continue;
      }
      named.emplace_back(token);
    }
  }
  if (!found) return;
  for (const auto& name : named) fields.erase(name);
  for (auto it = fields.begin(); it != fields.end();) {
    if (IsHopByHop(it->name())) {
      it = fields.erase(it);
    } else {
      ++it;
    }
  }
}

bool ConnectionHasToken(const Fields& fields, std::string_view token) {
  auto [first, last] = fields.equal_range(bhttp::field::connection);
  for (auto it = first; it != last; ++it) {
    for (auto item : bhttp::token_list{it->value()}) {
      if (boost::beast::iequals(item, token)) return true;
    }
  }
  return false;
}

}  // namespace atrium::http

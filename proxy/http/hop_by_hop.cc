#include "proxy/http/hop_by_hop.h"

#include <array>
#include <string>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/container/small_vector.hpp>

namespace atrium::http {

void StripHopByHop(Fields& fields) {
  // Names listed in Connection are collected first: erasing while a token
  // view points into the Connection value would leave it dangling.
  boost::container::small_vector<std::string, 4> named;
  auto [first, last] = fields.equal_range(bhttp::field::connection);
  for (auto it = first; it != last; ++it) {
    for (auto token : bhttp::token_list{it->value()}) {
      if (boost::beast::iequals(token, "close") || boost::beast::iequals(token, "keep-alive")) {
        // Connection options, not field names (a Keep-Alive field is
        // removed below anyway).
        continue;
      }
      named.emplace_back(token);
    }
  }
  for (const auto& name : named) fields.erase(name);
  static constexpr std::array kHopByHop = {
      bhttp::field::connection, bhttp::field::keep_alive, bhttp::field::proxy_connection,
      bhttp::field::te,         bhttp::field::trailer,    bhttp::field::transfer_encoding,
      bhttp::field::upgrade,
  };
  for (auto field : kHopByHop) fields.erase(field);
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

#pragma once

// Hop-by-hop header handling (RFC 9110 §7.6.1): a proxy removes Connection,
// every field Connection names, and the fields that only ever describe one
// connection, before it forwards a message in either direction.

#include <string_view>

#include "proxy/http/http_types.h"

namespace atrium::http {

// StripHopByHop removes Connection and the fields it names, Keep-Alive,
// Proxy-Connection, TE, Trailer, Transfer-Encoding and Upgrade from fields.
void StripHopByHop(Fields& fields);

// ConnectionHasToken reports whether any Connection line lists token.
bool ConnectionHasToken(const Fields& fields, std::string_view token);

}  // namespace atrium::http

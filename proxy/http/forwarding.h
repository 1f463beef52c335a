#pragma once

// The header rewrites a reverse proxy makes when it forwards a message:
// requests towards the upstream, responses back to the client. Pure functions
// over Beast headers (no sockets), so every rule is unit-tested.

#include <cstdint>
#include <optional>
#include <string_view>

#include "proxy/http/http_types.h"
#include "proxy/http/request_validation.h"

namespace atrium::http {

struct UpstreamRequestContext {
  std::string_view client_address;  // appended to X-Forwarded-For
  std::string_view scheme;          // X-Forwarded-Proto: "http" or "https"
  std::string_view via_pseudonym;   // Via: "1.1 <pseudonym>"
  std::string_view request_id;      // X-Request-Id when the request has none
};

// PrepareUpstreamRequest rewrites a validated client request in place into
// the request sent upstream: HTTP/1.1, origin-form target, hop-by-hop fields
// removed (Upgrade and Connection: upgrade kept for a forwardable upgrade),
// Host set, framing normalized (one Content-Length value, or chunked),
// X-Forwarded-For/-Proto/-Host, X-Request-Id when absent, and Via added;
// Max-Forwards of TRACE and OPTIONS decremented.
// facts must come from ValidateRequest on this header; its views are not
// used after the call.
void PrepareUpstreamRequest(RequestHeader& header, const RequestFacts& facts,
                            std::optional<uint64_t> content_length,
                            const UpstreamRequestContext& context);

struct ClientResponseContext {
  unsigned client_version = 11;  // 10 or 11
  bool head_request = false;
  bool keep_alive = true;  // the client connection may stay open
  std::string_view date;   // added when the upstream sent no Date
};

// ResponseFraming says how the body of a response goes to the client.
struct ResponseFraming {
  bool has_body = true;      // false for HEAD, 1xx, 204, 304
  bool chunked = false;      // re-framed as chunked for the client
  bool close_after = false;  // the client connection closes after it
};

// PrepareClientResponse rewrites an upstream response header in place for
// the client: hop-by-hop fields removed, HTTP/1.1, Date added when missing,
// framing chosen for the client's version (a body without Content-Length is
// chunked for HTTP/1.1 clients and close-delimited for HTTP/1.0 ones),
// Connection set. A 101 keeps Upgrade and gets "Connection: upgrade".
ResponseFraming PrepareClientResponse(ResponseHeader& header,
                                      std::optional<uint64_t> content_length,
                                      const ClientResponseContext& context);

}  // namespace atrium::http

#pragma once

// Request validation that needs no socket: pure functions over a request
// header that Beast has already parsed, so they can be unit-tested and fuzzed.
// Beast rejects what its grammar forbids; these checks add the MUSTs of
// RFC 9110/9112 that a grammar cannot express (Host rules, framing rules,
// target forms) and re-check the ones request smuggling depends on.

#include <string_view>

#include <boost/system/error_code.hpp>

#include "proxy/http/http_types.h"
#include "proxy/http/request_target.h"

namespace atrium::http {

// RequestFacts is what the proxy needs to know about a valid request. The
// views point into the header and live as long as it is not modified.
struct RequestFacts {
  RequestTarget target;
  std::string_view host;  // routing host: the Host value or the absolute-form authority
  bool has_host = false;
  // upgrade: the client asked for a protocol switch that may be forwarded
  // (Upgrade listed in Connection, not h2c, HTTP/1.1).
  bool upgrade = false;
  // expect_continue: "Expect: 100-continue" on an HTTP/1.1 request.
  bool expect_continue = false;
  bool chunked = false;
};

// Verdict: status 0 means valid; otherwise answer with status and close the
// connection (every rejected request closes it: after a framing error the
// next byte on the wire cannot be trusted).
struct Verdict {
  int status = 0;
  std::string_view reason;  // static text for logs and the response body
  bool ok() const { return status == 0; }
};

// ValidateRequest checks header (already accepted by Beast's parser) and
// fills facts. Rejections:
//  - 505 for an HTTP version other than 1.0 or 1.1;
//  - 400 for NUL, CR or LF in a field value, a malformed or fragment-bearing
//    target, a target form the method does not allow, a missing Host on
//    HTTP/1.1, more than one Host, an invalid Host, a Host that disagrees with
//    an absolute-form target, Transfer-Encoding on HTTP/1.0, a
//    Transfer-Encoding whose final coding is not chunked, both
//    Transfer-Encoding and Content-Length, conflicting Content-Lengths;
//  - 501 for transfer codings other than chunked and for CONNECT;
//  - 417 for an expectation other than 100-continue.
Verdict ValidateRequest(const RequestHeader& header, RequestFacts* facts);

// StatusForParseError maps a Beast parse error on a request to the status to
// answer: 431 header section too large, 413 body too large, 505 for a
// well-formed request line with an HTTP version other than 1.0 and 1.1
// (Beast rejects those as bad_version; received is the unparsed input, which
// starts with the request line), 400 otherwise.
int StatusForParseError(const boost::system::error_code& error, std::string_view received = {});

// MaxForwardsStop reports whether the proxy must answer a TRACE or OPTIONS
// request itself because its Max-Forwards is 0 (RFC 9110 §7.6.2).
bool MaxForwardsStop(const RequestHeader& header);

// IsIdempotent reports whether method is idempotent (RFC 9110 §9.2.2), so a
// request that failed on a reused upstream connection may be sent again.
bool IsIdempotent(bhttp::verb method);

}  // namespace atrium::http

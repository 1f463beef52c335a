#include "proxy/http/request_validation.h"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace atrium::http {
namespace {

using boost::beast::iequals;

constexpr Verdict kOk{};

Verdict Reject(int status, std::string_view reason) { return Verdict{status, reason}; }

bool HasForbiddenByte(std::string_view value) {
  for (char c : value) {
    if (c == '\0' || c == '\r' || c == '\n') return true;
  }
  return false;
}

bool IsTokenChar(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) return false;
  switch (c) {
    case '(':
    case ')':
    case '<':
    case '>':
    case '@':
    case ',':
    case ';':
    case ':':
    case '\\':
    case '"':
    case '/':
    case '[':
    case ']':
    case '?':
    case '=':
    case '{':
    case '}':
      return false;
    default:
      return true;
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// CheckContentLength: every Content-Length line, each a comma-separated list
// of decimal numbers, must agree on one value (RFC 9110 §8.6).
bool ContentLengthsAgree(const RequestHeader& header) {
  bool seen = false;
  std::string_view first;
  for (const auto& field : header) {
    if (field.name() != bhttp::field::content_length) continue;
    std::string_view value = field.value();
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string_view item =
          Trim(value.substr(start, comma == std::string_view::npos ? value.npos : comma - start));
      if (item.empty()) return false;
      for (char c : item) {
        if (c < '0' || c > '9') return false;
      }
      while (item.size() > 1 && item.front() == '0') item.remove_prefix(1);
      if (!seen) {
        first = item;
        seen = true;
      } else if (item != first) {
        return false;
      }
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  }
  return true;
}

}  // namespace

Verdict ValidateRequest(const RequestHeader& header, RequestFacts* facts) {
  *facts = RequestFacts{};
  const unsigned version = header.version();
  if (version != 10 && version != 11) return Reject(505, "unsupported HTTP version");

  int host_count = 0;
  int transfer_encoding_count = 0;
  int content_length_count = 0;
  std::string_view host_value;
  std::string_view transfer_encoding;
  for (const auto& field : header) {
    std::string_view name = field.name_string();
    if (name.empty()) return Reject(400, "empty field name");
    for (char c : name) {
      if (!IsTokenChar(c)) return Reject(400, "invalid field name");
    }
    if (HasForbiddenByte(field.value())) return Reject(400, "NUL, CR or LF in a field value");
    switch (field.name()) {
      case bhttp::field::host:
        ++host_count;
        host_value = field.value();
        break;
      case bhttp::field::transfer_encoding:
        ++transfer_encoding_count;
        transfer_encoding = field.value();
        break;
      case bhttp::field::content_length:
        ++content_length_count;
        break;
      default:
        break;
    }
  }

  // Framing first: these are the request-smuggling vectors (RFC 9112 §6).
  if (transfer_encoding_count > 0) {
    if (version == 10) return Reject(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (content_length_count > 0) return Reject(400, "both Transfer-Encoding and Content-Length");
    // Only "chunked", once, is understood. A list whose final coding is not
    // chunked cannot be framed at all (400); other codings before chunked
    // are merely not implemented (501).
    std::string_view last;
    int codings = 0;
    int chunked = 0;
    for (auto coding : bhttp::token_list{transfer_encoding}) {
      last = coding;
      ++codings;
      if (iequals(coding, "chunked")) ++chunked;
    }
    if (transfer_encoding_count > 1 || codings == 0 || !iequals(last, "chunked") || chunked > 1) {
      return Reject(400, "Transfer-Encoding does not end with one chunked");
    }
    if (codings > 1) return Reject(501, "transfer coding not implemented");
    facts->chunked = true;
  }
  if (content_length_count > 0 && !ContentLengthsAgree(header)) {
    return Reject(400, "invalid or conflicting Content-Length");
  }

  // Host (RFC 9112 §3.2).
  if (host_count > 1) return Reject(400, "more than one Host");
  if (host_count == 0 && version == 11) return Reject(400, "missing Host");
  if (host_count == 1 && !IsValidHostValue(host_value)) return Reject(400, "invalid Host");
  facts->has_host = host_count == 1;
  facts->host = host_value;

  // Target.
  auto target = ParseRequestTarget(header.target());
  if (!target) return Reject(400, "malformed request target");
  facts->target = *target;
  const bhttp::verb method = header.method();
  switch (target->form) {
    case TargetForm::kOrigin:
      if (method == bhttp::verb::connect) return Reject(400, "CONNECT needs authority-form");
      break;
    case TargetForm::kAbsolute:
      if (!iequals(target->scheme, "http") && !iequals(target->scheme, "https")) {
        return Reject(400, "unsupported scheme in absolute-form target");
      }
      if (facts->has_host && !SameAuthority(host_value, target->authority)) {
        return Reject(400, "Host disagrees with the request target");
      }
      facts->host = target->authority;
      break;
    case TargetForm::kAuthority:
      if (method != bhttp::verb::connect) return Reject(400, "authority-form without CONNECT");
      break;
    case TargetForm::kAsterisk:
      if (method != bhttp::verb::options) return Reject(400, "asterisk-form without OPTIONS");
      break;
  }
  if (method == bhttp::verb::connect) return Reject(501, "CONNECT is not supported");

  // Expect (RFC 9110 §10.1.1): an HTTP/1.0 request's expectation is ignored.
  auto expect = header.find(bhttp::field::expect);
  if (expect != header.end() && version == 11) {
    if (!iequals(Trim(expect->value()), "100-continue")) {
      return Reject(417, "unsupported expectation");
    }
    facts->expect_continue = true;
  }

  // Upgrade is forwarded only when Connection lists it (otherwise it is a
  // hop-by-hop leftover) and never for h2c: the proxy speaks HTTP/1.1 to
  // upstreams, and a smuggled h2c upgrade would bypass routing.
  auto upgrade = header.find(bhttp::field::upgrade);
  if (upgrade != header.end() && version == 11) {
    bool listed = false;
    auto [first, last] = header.equal_range(bhttp::field::connection);
    for (auto it = first; it != last; ++it) {
      for (auto token : bhttp::token_list{it->value()}) {
        if (iequals(token, "upgrade")) listed = true;
      }
    }
    bool h2c = false;
    int protocols = 0;
    for (auto protocol : bhttp::token_list{upgrade->value()}) {
      ++protocols;
      if (iequals(protocol, "h2c")) h2c = true;
    }
    facts->upgrade = listed && !h2c && protocols > 0;
  }
  return kOk;
}

int StatusForParseError(const boost::system::error_code& error, std::string_view received) {
  if (error == bhttp::error::header_limit) return 431;
  if (error == bhttp::error::body_limit) return 413;
  if (error == bhttp::error::bad_version) {
    // request-line = method SP request-target SP "HTTP/" DIGIT "." DIGIT CRLF
    size_t end = received.find("\r\n");
    if (end == std::string_view::npos) return 400;
    std::string_view line = received.substr(0, end);
    size_t first_space = line.find(' ');
    size_t last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space) return 400;
    std::string_view version = line.substr(last_space + 1);
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && digit(version[5]) &&
        version[6] == '.' && digit(version[7]) && version != "HTTP/1.0" && version != "HTTP/1.1") {
      return 505;
    }
  }
  return 400;
}

bool MaxForwardsStop(const RequestHeader& header) {
  if (header.method() != bhttp::verb::trace && header.method() != bhttp::verb::options) {
    return false;
  }
  auto it = header.find(bhttp::field::max_forwards);
  return it != header.end() && Trim(it->value()) == "0";
}

bool IsIdempotent(bhttp::verb method) {
  switch (method) {
    case bhttp::verb::get:
    case bhttp::verb::head:
    case bhttp::verb::options:
    case bhttp::verb::trace:
    case bhttp::verb::put:
    case bhttp::verb::delete_:
      return true;
    default:
      return false;
  }
}

}  // namespace atrium::http

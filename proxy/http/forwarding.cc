#include "proxy/http/forwarding.h"

#include <charconv>
#include <iterator>
#include <string>

#include <boost/beast/core/string.hpp>

#include "proxy/http/hop_by_hop.h"

namespace atrium::http {
namespace {

constexpr std::string_view kXForwardedFor = "X-Forwarded-For";
constexpr std::string_view kXForwardedProto = "X-Forwarded-Proto";
constexpr std::string_view kXForwardedHost = "X-Forwarded-Host";
constexpr std::string_view kXRequestId = "X-Request-Id";

void SetContentLength(Fields& fields, uint64_t length) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), length);
  const std::string_view value(digits, end - digits);
  // Usually the one line already says exactly this: keep it.
  auto [first, last] = fields.equal_range(bhttp::field::content_length);
  if (first != last && std::next(first) == last && first->value() == value) return;
  fields.set(bhttp::field::content_length, value);
}

// ForwardingFields is what one pass over a request's fields finds out about
// the ones PrepareUpstreamRequest adds or extends (one pass instead of a
// lookup per name).
struct ForwardingFields {
  bool host = false;
  int forwarded_for = 0;  // X-Forwarded-For lines
  bool forwarded_proto = false;
  bool forwarded_host = false;
  bool request_id = false;
  bool via = false;
};

ForwardingFields ScanForwardingFields(const Fields& fields) {
  ForwardingFields found;
  for (const auto& field : fields) {
    switch (field.name()) {
      case bhttp::field::host:
        found.host = true;
        break;
      case bhttp::field::via:
        found.via = true;
        break;
      case bhttp::field::unknown: {
        std::string_view name = field.name_string();
        if (boost::beast::iequals(name, kXForwardedFor)) {
          ++found.forwarded_for;
        } else if (boost::beast::iequals(name, kXForwardedProto)) {
          found.forwarded_proto = true;
        } else if (boost::beast::iequals(name, kXForwardedHost)) {
          found.forwarded_host = true;
        } else if (boost::beast::iequals(name, kXRequestId)) {
          found.request_id = true;
        }
        break;
      }
      default:
        break;
    }
  }
  return found;
}

// SetAbsent sets name (a field enum or a name) to value, as an insert when
// the field is known absent (which skips the search for lines to replace).
template <typename Name>
void SetAbsent(Fields& fields, bool present, Name name, std::string_view value) {
  if (present) {
    fields.set(name, value);
  } else {
    fields.insert(name, value);
  }
}

}  // namespace

void PrepareUpstreamRequest(RequestHeader& header, const RequestFacts& facts,
                            std::optional<uint64_t> content_length,
                            const UpstreamRequestContext& context) {
  // Copy what must survive the edits below (facts views point into header).
  std::string upgrade;
  if (facts.upgrade) upgrade = std::string(header[bhttp::field::upgrade]);
  std::string original_host(facts.host);
  if (facts.target.form == TargetForm::kAbsolute) {
    std::string target(facts.target.path);
    if (!facts.target.query.empty()) {
      target.push_back('?');
      target.append(facts.target.query);
    }
    header.target(target);
  } else if (facts.target.form == TargetForm::kAsterisk) {
    header.target("*");
  }

  StripHopByHop(header);
  header.version(11);
  const ForwardingFields present = ScanForwardingFields(header);
  // Host is end-to-end, but a client may name it in Connection, and an
  // absolute-form target or an HTTP/1.0 request may come without one.
  if (facts.target.form == TargetForm::kAbsolute || !facts.has_host || !present.host) {
    header.set(bhttp::field::host, original_host);
  }
  if (facts.upgrade) {
    header.set(bhttp::field::connection, "upgrade");
    header.set(bhttp::field::upgrade, upgrade);
  }
  if (facts.chunked) {
    header.erase(bhttp::field::content_length);
    header.set(bhttp::field::transfer_encoding, "chunked");
  } else if (content_length) {
    SetContentLength(header, *content_length);
  }

  // X-Forwarded-For: one line, the client appended to what came before.
  if (present.forwarded_for == 0) {
    header.insert(kXForwardedFor, context.client_address);
  } else {
    auto [first, last] = header.equal_range(kXForwardedFor);
    std::string chain;
    for (auto it = first; it != last; ++it) {
      if (!chain.empty()) chain.append(", ");
      chain.append(it->value());
    }
    chain.append(", ");
    chain.append(context.client_address);
    header.set(kXForwardedFor, chain);
  }
  // Max-Forwards on TRACE and OPTIONS counts down (RFC 9110 §7.6.2); a 0
  // never gets here (MaxForwardsStop).
  if (header.method() == bhttp::verb::trace || header.method() == bhttp::verb::options) {
    auto max_forwards = header.find(bhttp::field::max_forwards);
    if (max_forwards != header.end()) {
      uint64_t value = 0;
      std::string_view text = max_forwards->value();
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec == std::errc() && end == text.data() + text.size() && value > 0) {
        char digits[24];
        auto [last, unused] = std::to_chars(digits, digits + sizeof(digits), value - 1);
        header.set(bhttp::field::max_forwards, std::string_view(digits, last - digits));
      }
    }
  }
  SetAbsent(header, present.forwarded_proto, kXForwardedProto, context.scheme);
  SetAbsent(header, present.forwarded_host, kXForwardedHost, original_host);
  if (!present.request_id) header.insert(kXRequestId, context.request_id);

  // Via is a MUST for gateways on inbound requests (RFC 9110 §7.6.3).
  std::string_view received = header.version() == 10 ? "1.0 " : "1.1 ";
  std::string via_value;
  if (present.via) {
    via_value.append(header[bhttp::field::via]);
    via_value.append(", ");
  }
  via_value.append(received);
  via_value.append(context.via_pseudonym);
  SetAbsent(header, present.via, bhttp::field::via, via_value);
}

ResponseFraming PrepareClientResponse(ResponseHeader& header,
                                      std::optional<uint64_t> content_length,
                                      const ClientResponseContext& context) {
  const int status = static_cast<int>(header.result_int());
  ResponseFraming framing;
  framing.close_after = !context.keep_alive;
  std::string upgrade;
  if (status == 101) upgrade = std::string(header[bhttp::field::upgrade]);

  StripHopByHop(header);
  header.version(11);
  if (header.find(bhttp::field::date) == header.end() && !context.date.empty()) {
    header.set(bhttp::field::date, context.date);
  }
  // RFC 9110 §8.6: no Content-Length in 1xx and 204 responses.
  if (status / 100 == 1 || status == 204) header.erase(bhttp::field::content_length);

  framing.has_body = !(context.head_request || status / 100 == 1 || status == 204 || status == 304);
  if (framing.has_body) {
    if (content_length) {
      SetContentLength(header, *content_length);
    } else if (context.client_version >= 11) {
      header.set(bhttp::field::transfer_encoding, "chunked");
      framing.chunked = true;
    } else {
      // An HTTP/1.0 client gets no Transfer-Encoding: the body ends when
      // the connection does.
      framing.close_after = true;
    }
  }

  if (status == 101) {
    header.set(bhttp::field::connection, "upgrade");
    header.set(bhttp::field::upgrade, upgrade);
    framing.close_after = false;
  } else if (status / 100 == 1) {
    // Interim responses carry no connection management.
  } else if (framing.close_after) {
    header.set(bhttp::field::connection, "close");
  } else if (context.client_version == 10) {
    header.set(bhttp::field::connection, "keep-alive");
  }
  return framing;
}

}  // namespace atrium::http

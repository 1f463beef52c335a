#pragma once

// AppendHeader writes a header section (start line, fields, blank line) into
// a caller-owned string, byte for byte what Beast's serializer writes. The
// proxy's hot path uses it to send a header and a small body with one write
// from one contiguous buffer: Beast's serializer walks a buffer sequence of
// one piece per field through variant iterators on every write, which cost
// more than the copy.

#include <string>

#include "proxy/http/http_types.h"

namespace atrium::http {

// AppendHeader appends "METHOD target HTTP/x.y\r\n", the fields and "\r\n".
void AppendHeader(const RequestHeader& header, std::string* out);
// AppendHeader appends "HTTP/x.y code reason\r\n", the fields and "\r\n".
void AppendHeader(const ResponseHeader& header, std::string* out);

}  // namespace atrium::http

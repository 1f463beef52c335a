#pragma once

// Aliases for the Boost.Beast HTTP/1.1 types the data plane is built on.
// Beast parses and frames bodies; nothing in proxy/ hand-rolls HTTP framing.
// (header_writer.h copies a header section out byte for byte as Beast's
// serializer would, so the hot path can send it with a body in one write.)

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>

namespace atrium::http {

namespace bhttp = boost::beast::http;

using Fields = bhttp::fields;
using RequestHeader = bhttp::request_header<>;
using ResponseHeader = bhttp::response_header<>;
// Streaming parsers: the body is moved through a caller-owned buffer, never
// accumulated, so a body of any size costs one buffer per connection.
using RequestParser = bhttp::request_parser<bhttp::buffer_body>;
using ResponseParser = bhttp::response_parser<bhttp::buffer_body>;
using StreamingRequest = bhttp::request<bhttp::buffer_body>;
using StreamingResponse = bhttp::response<bhttp::buffer_body>;
using RequestSerializer = bhttp::request_serializer<bhttp::buffer_body>;
using ResponseSerializer = bhttp::response_serializer<bhttp::buffer_body>;
using LocalResponse = bhttp::response<bhttp::string_body>;

}  // namespace atrium::http

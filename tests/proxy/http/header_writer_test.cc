#include "proxy/http/header_writer.h"

#include <gtest/gtest.h>

#include <sstream>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

namespace atrium::http {
namespace {

// BeastBytes is what Beast's serializer writes for the header alone.
template <bool kRequest>
std::string BeastBytes(const bhttp::header<kRequest>& header) {
  bhttp::message<kRequest, bhttp::empty_body> message(header);
  std::ostringstream out;
  out << message.base();
  return out.str();
}

template <bool kRequest>
std::string OurBytes(const bhttp::header<kRequest>& header) {
  std::string out = "prefix";
  AppendHeader(header, &out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

TEST(HeaderWriterTest, RequestMatchesBeast) {
  RequestHeader header;
  header.method(bhttp::verb::get);
  header.target("/a/b?c=d");
  header.version(11);
  header.insert("host", "example.com");
  header.insert(bhttp::field::content_length, "0");
  header.insert("X-Custom-Thing", "  spaced value ");
  header.insert("X-Empty", "");
  EXPECT_EQ(OurBytes(header), BeastBytes(header));
  EXPECT_EQ(OurBytes(header),
            "GET /a/b?c=d HTTP/1.1\r\nhost: example.com\r\nContent-Length: 0\r\n"
            "X-Custom-Thing: spaced value\r\nX-Empty: \r\n\r\n");
}

TEST(HeaderWriterTest, ExtensionMethodAndHttp10) {
  RequestHeader header;
  header.method_string("PURGE");
  header.target("*");
  header.version(10);
  EXPECT_EQ(OurBytes(header), BeastBytes(header));
  EXPECT_EQ(OurBytes(header), "PURGE * HTTP/1.0\r\n\r\n");
}

TEST(HeaderWriterTest, ResponseMatchesBeast) {
  ResponseHeader header;
  header.version(11);
  header.result(bhttp::status::ok);
  header.insert(bhttp::field::date, "Sun, 06 Nov 1994 08:49:37 GMT");
  header.insert(bhttp::field::content_length, "23");
  EXPECT_EQ(OurBytes(header), BeastBytes(header));
  EXPECT_EQ(OurBytes(header),
            "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: 23\r\n\r\n");
}

TEST(HeaderWriterTest, ResponseReasons) {
  ResponseHeader custom;
  custom.version(11);
  custom.result(404);
  custom.reason("Nope");
  EXPECT_EQ(OurBytes(custom), BeastBytes(custom));
  EXPECT_EQ(OurBytes(custom), "HTTP/1.1 404 Nope\r\n\r\n");

  ResponseHeader unknown;  // a code Beast has no reason phrase for
  unknown.version(11);
  unknown.result(599);
  EXPECT_EQ(OurBytes(unknown), BeastBytes(unknown));

  ResponseHeader interim;
  interim.version(11);
  interim.result(bhttp::status::continue_);
  EXPECT_EQ(OurBytes(interim), BeastBytes(interim));
  EXPECT_EQ(OurBytes(interim), "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST(HeaderWriterTest, ParsedHeaderKeepsFieldSpelling) {
  // Fields parsed from the wire keep their spelling and order.
  bhttp::response_parser<bhttp::empty_body> parser;
  boost::system::error_code ec;
  std::string wire =
      "HTTP/1.1 201 Created\r\nsErVeR: x\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 0\r\n\r\n";
  parser.put(boost::asio::buffer(wire), ec);
  ASSERT_FALSE(ec) << ec.message();
  const ResponseHeader& header = parser.get().base();
  EXPECT_EQ(OurBytes(header), BeastBytes(header));
  EXPECT_EQ(OurBytes(header), wire);
}

}  // namespace
}  // namespace atrium::http

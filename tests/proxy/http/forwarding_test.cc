#include "proxy/http/forwarding.h"

#include <gtest/gtest.h>

#include "proxy/http/hop_by_hop.h"
#include "proxy/http/http_date.h"
#include "proxy/http/local_response.h"
#include "proxy/http/request_id.h"

namespace atrium::http {
namespace {

RequestHeader Request(std::string target, unsigned version,
                      std::vector<std::pair<std::string, std::string>> fields) {
  RequestHeader header;
  header.method(bhttp::verb::get);
  header.target(target);
  header.version(version);
  for (const auto& [name, value] : fields) header.insert(name, value);
  return header;
}

UpstreamRequestContext Context() {
  UpstreamRequestContext context;
  context.client_address = "192.0.2.7";
  context.scheme = "http";
  context.via_pseudonym = "atrium";
  context.request_id = "11111111-2222-4333-8444-555555555555";
  return context;
}

std::string Prepared(RequestHeader header, std::optional<uint64_t> length = std::nullopt) {
  RequestFacts facts;
  auto verdict = ValidateRequest(header, &facts);
  EXPECT_TRUE(verdict.ok()) << verdict.reason;
  PrepareUpstreamRequest(header, facts, length, Context());
  std::string out = std::string(header.method_string()) + " " + std::string(header.target()) + " " +
                    std::to_string(header.version()) + "\n";
  for (const auto& field : header) {
    out += std::string(field.name_string()) + ": " + std::string(field.value()) + "\n";
  }
  return out;
}

TEST(StripHopByHopTest, RemovesFixedAndNamedFields) {
  Fields fields;
  fields.insert("Connection", "keep-alive, X-Private");
  fields.insert("Connection", "close");
  fields.insert("X-Private", "1");
  fields.insert("Keep-Alive", "timeout=5");
  fields.insert("Proxy-Connection", "keep-alive");
  fields.insert("TE", "trailers");
  fields.insert("Trailer", "X-T");
  fields.insert("Transfer-Encoding", "chunked");
  fields.insert("Upgrade", "websocket");
  fields.insert("X-Public", "2");
  StripHopByHop(fields);
  std::vector<std::string> left;
  for (const auto& field : fields) left.emplace_back(field.name_string());
  EXPECT_EQ(left, std::vector<std::string>{"X-Public"});
}

TEST(PrepareUpstreamRequestTest, AddsForwardingFieldsAndKeepsEndToEndOnes) {
  std::string out = Prepared(Request("/p?q=1", 11,
                                     {{"Host", "example.com"},
                                      {"Connection", "X-Hop"},
                                      {"X-Hop", "1"},
                                      {"X-Forwarded-For", "10.0.0.1"},
                                      {"X-Forwarded-For", "10.0.0.2"},
                                      {"Via", "1.0 front"},
                                      {"Accept", "*/*"}}));
  EXPECT_NE(out.find("GET /p?q=1 11\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Host: example.com\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Accept: */*\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("X-Hop"), std::string::npos) << out;
  EXPECT_EQ(out.find("Connection"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-For: 10.0.0.1, 10.0.0.2, 192.0.2.7\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Proto: http\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Host: example.com\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Request-Id: 11111111-2222-4333-8444-555555555555\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Via: 1.0 front, 1.1 atrium\n"), std::string::npos) << out;
}

TEST(PrepareUpstreamRequestTest, ReplacesClientForwardedProtoAndHostWhateverTheirCase) {
  std::string out = Prepared(Request("/", 11,
                                     {{"Host", "example.com"},
                                      {"x-forwarded-proto", "https"},
                                      {"X-FORWARDED-HOST", "spoofed.example"},
                                      {"x-forwarded-for", "10.0.0.1"},
                                      {"via", "1.1 a"},
                                      {"x-request-id", "theirs"}}));
  EXPECT_NE(out.find("X-Forwarded-Proto: http\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("https"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-Host: example.com\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("spoofed"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Forwarded-For: 10.0.0.1, 192.0.2.7\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Via: 1.1 a, 1.1 atrium\n"), std::string::npos) << out;
  EXPECT_NE(out.find("x-request-id: theirs\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("11111111"), std::string::npos) << out;
}

TEST(PrepareUpstreamRequestTest, AbsoluteFormBecomesOriginFormWithItsHost) {
  std::string out = Prepared(Request("http://a.example.com/x?y", 10, {}));
  EXPECT_NE(out.find("GET /x?y 11\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Host: a.example.com\n"), std::string::npos) << out;
}

TEST(PrepareUpstreamRequestTest, KeepsClientRequestIdAndHostNamedInConnection) {
  std::string out = Prepared(Request(
      "/", 11, {{"Host", "example.com"}, {"Connection", "Host"}, {"X-Request-Id", "mine"}}));
  EXPECT_NE(out.find("Host: example.com\n"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Request-Id: mine\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("11111111"), std::string::npos) << out;
}

TEST(PrepareUpstreamRequestTest, FramingIsNormalized) {
  std::string chunked =
      Prepared(Request("/", 11, {{"Host", "a"}, {"Transfer-Encoding", "chunked"}}));
  EXPECT_NE(chunked.find("Transfer-Encoding: chunked\n"), std::string::npos) << chunked;
  std::string length = Prepared(Request("/", 11, {{"Host", "a"}, {"Content-Length", "5, 5"}}), 5);
  EXPECT_NE(length.find("Content-Length: 5\n"), std::string::npos) << length;
  EXPECT_EQ(length.find("5, 5"), std::string::npos) << length;
}

TEST(PrepareUpstreamRequestTest, MaxForwardsCountsDownOnOptions) {
  RequestHeader options = Request("/", 11, {{"Host", "a"}, {"Max-Forwards", "3"}});
  options.method(bhttp::verb::options);
  EXPECT_NE(Prepared(options).find("Max-Forwards: 2\n"), std::string::npos);
  EXPECT_NE(
      Prepared(Request("/", 11, {{"Host", "a"}, {"Max-Forwards", "3"}})).find("Max-Forwards: 3\n"),
      std::string::npos);  // only TRACE and OPTIONS
}

TEST(PrepareUpstreamRequestTest, UpgradeIsKeptOnlyWhenForwardable) {
  std::string websocket = Prepared(
      Request("/", 11, {{"Host", "a"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket"}}));
  EXPECT_NE(websocket.find("Connection: upgrade\n"), std::string::npos) << websocket;
  EXPECT_NE(websocket.find("Upgrade: websocket\n"), std::string::npos) << websocket;
  std::string h2c = Prepared(Request("/", 11,
                                     {{"Host", "a"},
                                      {"Connection", "Upgrade, HTTP2-Settings"},
                                      {"Upgrade", "h2c"},
                                      {"HTTP2-Settings", "AAA"}}));
  EXPECT_EQ(h2c.find("Upgrade"), std::string::npos) << h2c;
  EXPECT_EQ(h2c.find("HTTP2-Settings"), std::string::npos) << h2c;
}

ResponseHeader Response(int status, unsigned version,
                        std::vector<std::pair<std::string, std::string>> fields) {
  ResponseHeader header;
  header.result(static_cast<unsigned>(status));
  header.version(version);
  for (const auto& [name, value] : fields) header.insert(name, value);
  return header;
}

TEST(PrepareClientResponseTest, ContentLengthBodyKeepsItsLength) {
  auto header = Response(
      200, 10, {{"Content-Length", "5"}, {"Connection", "keep-alive"}, {"Keep-Alive", "x"}});
  ClientResponseContext context;
  context.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  auto framing = PrepareClientResponse(header, 5, context);
  EXPECT_TRUE(framing.has_body);
  EXPECT_FALSE(framing.chunked);
  EXPECT_FALSE(framing.close_after);
  EXPECT_EQ(header.version(), 11u);
  EXPECT_EQ(header[bhttp::field::content_length], "5");
  EXPECT_EQ(header[bhttp::field::date], "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(header.count(bhttp::field::connection), 0u);
  EXPECT_EQ(header.count(bhttp::field::keep_alive), 0u);
}

TEST(PrepareClientResponseTest, UnknownLengthIsChunkedOrCloseDelimited) {
  ClientResponseContext context;
  auto for11 = Response(200, 10, {});
  auto framing = PrepareClientResponse(for11, std::nullopt, context);
  EXPECT_TRUE(framing.chunked);
  EXPECT_EQ(for11[bhttp::field::transfer_encoding], "chunked");

  context.client_version = 10;
  auto for10 = Response(200, 11, {{"Transfer-Encoding", "chunked"}});
  framing = PrepareClientResponse(for10, std::nullopt, context);
  EXPECT_FALSE(framing.chunked);
  EXPECT_TRUE(framing.close_after);
  EXPECT_EQ(for10.count(bhttp::field::transfer_encoding), 0u);
  EXPECT_EQ(for10[bhttp::field::connection], "close");
}

TEST(PrepareClientResponseTest, BodilessResponses) {
  ClientResponseContext head;
  head.head_request = true;
  auto response = Response(200, 11, {{"Content-Length", "100"}, {"Transfer-Encoding", "chunked"}});
  auto framing = PrepareClientResponse(response, std::nullopt, head);
  EXPECT_FALSE(framing.has_body);
  EXPECT_EQ(response.count(bhttp::field::transfer_encoding), 0u);
  ClientResponseContext plain;
  auto no_content = Response(204, 11, {{"Content-Length", "0"}});
  EXPECT_FALSE(PrepareClientResponse(no_content, 0, plain).has_body);
  EXPECT_EQ(no_content.count(bhttp::field::content_length), 0u);
  auto not_modified = Response(304, 11, {{"Content-Length", "10"}});
  EXPECT_FALSE(PrepareClientResponse(not_modified, 10, plain).has_body);
  EXPECT_EQ(not_modified[bhttp::field::content_length], "10");
}

TEST(PrepareClientResponseTest, KeepAliveAndUpgrade) {
  ClientResponseContext context;
  context.keep_alive = false;
  auto closing = Response(200, 11, {{"Content-Length", "0"}});
  EXPECT_TRUE(PrepareClientResponse(closing, 0, context).close_after);
  EXPECT_EQ(closing[bhttp::field::connection], "close");

  ClientResponseContext old_client;
  old_client.client_version = 10;
  auto kept = Response(200, 11, {{"Content-Length", "0"}});
  EXPECT_FALSE(PrepareClientResponse(kept, 0, old_client).close_after);
  EXPECT_EQ(kept[bhttp::field::connection], "keep-alive");

  ClientResponseContext upgrade;
  auto switching = Response(101, 11, {{"Connection", "Upgrade"}, {"Upgrade", "websocket"}});
  PrepareClientResponse(switching, std::nullopt, upgrade);
  EXPECT_EQ(switching[bhttp::field::connection], "upgrade");
  EXPECT_EQ(switching[bhttp::field::upgrade], "websocket");
}

TEST(RequestIdTest, IsAVersion4Uuid) {
  char buffer[kRequestIdLength];
  std::string_view id = FormatRequestId(0x0123456789abcdefULL, 0xfedcba9876543210ULL, buffer);
  EXPECT_EQ(id, "01234567-89ab-4def-bedc-ba9876543210");
  std::string_view other = FormatRequestId(0, 0, buffer);
  EXPECT_EQ(other, "00000000-0000-4000-8000-000000000000");
}

TEST(HttpDateTest, FormatsImfFixdate) {
  char buffer[30];
  EXPECT_EQ(HttpDateCache::Format(784111777, buffer), "Sun, 06 Nov 1994 08:49:37 GMT");
  HttpDateCache cache;
  EXPECT_EQ(cache.Now().size(), 29u);
  EXPECT_EQ(cache.Now().substr(25), " GMT");
}

TEST(LocalResponseTest, HasStatusBodyAndConnection) {
  LocalResponse response;
  MakeLocalResponse(response, 404, 11, true, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(response.result_int(), 404);
  EXPECT_EQ(response.body(), "404 Not Found\n");
  EXPECT_EQ(response[bhttp::field::content_length], "14");
  EXPECT_EQ(response.count(bhttp::field::connection), 0u);
  MakeLocalResponse(response, 400, 10, false, "");
  EXPECT_EQ(response[bhttp::field::connection], "close");
  MakeLocalResponse(response, 503, 10, true, "");
  EXPECT_EQ(response[bhttp::field::connection], "keep-alive");
}

}  // namespace
}  // namespace atrium::http

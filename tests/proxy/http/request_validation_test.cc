#include "proxy/http/request_validation.h"

#include <deque>

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>

namespace atrium::http {
namespace {

using namespace std::string_literals;

RequestHeader Header(bhttp::verb method, std::string target, unsigned version,
                     std::vector<std::pair<std::string, std::string>> fields) {
  RequestHeader header;
  header.method(method);
  header.target(target);
  header.version(version);
  for (const auto& [name, value] : fields) header.insert(name, value);
  return header;
}

// Check validates header. Facts hold views into the header, so the header is
// kept alive until the end of the test program.
Verdict Check(RequestHeader header, RequestFacts* facts = nullptr) {
  static std::deque<RequestHeader> kept;
  kept.push_back(std::move(header));
  RequestFacts ignored;
  return ValidateRequest(kept.back(), facts ? facts : &ignored);
}

TEST(ValidateRequestTest, AcceptsAPlainRequest) {
  RequestFacts facts;
  auto verdict =
      Check(Header(bhttp::verb::get, "/a?b=c", 11, {{"Host", "Example.com:80"}}), &facts);
  EXPECT_TRUE(verdict.ok()) << verdict.reason;
  EXPECT_EQ(facts.host, "Example.com:80");
  EXPECT_EQ(facts.target.path, "/a");
  EXPECT_EQ(facts.target.query, "b=c");
  EXPECT_FALSE(facts.upgrade);
  EXPECT_FALSE(facts.expect_continue);
  EXPECT_FALSE(facts.chunked);
}

TEST(ValidateRequestTest, VersionOtherThan10Or11Is505) {
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 20, {{"Host", "a"}})).status, 505);
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 9, {{"Host", "a"}})).status, 505);
}

TEST(ValidateRequestTest, HostRules) {
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 11, {})).status, 400);
  EXPECT_TRUE(Check(Header(bhttp::verb::get, "/", 10, {})).ok());
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 11, {{"Host", "a"}, {"Host", "a"}})).status, 400);
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 10, {{"Host", "a"}, {"host", "b"}})).status, 400);
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 11, {{"Host", "a@b"}})).status, 400);
  EXPECT_TRUE(Check(Header(bhttp::verb::get, "/", 11, {{"Host", ""}})).ok());
}

TEST(ValidateRequestTest, AbsoluteFormMustAgreeWithHost) {
  RequestFacts facts;
  EXPECT_TRUE(Check(Header(bhttp::verb::get, "http://A.example.com:8080/x", 11,
                           {{"Host", "a.example.COM:8080"}}),
                    &facts)
                  .ok());
  EXPECT_EQ(facts.host, "A.example.com:8080");
  EXPECT_EQ(facts.target.path, "/x");
  EXPECT_EQ(
      Check(Header(bhttp::verb::get, "http://a.example.com/x", 11, {{"Host", "b.example.com"}}))
          .status,
      400);
  EXPECT_EQ(
      Check(Header(bhttp::verb::get, "http://a.example.com/x", 11, {{"Host", "a.example.com:80"}}))
          .status,
      400);
  EXPECT_EQ(Check(Header(bhttp::verb::get, "ftp://a/x", 11, {{"Host", "a"}})).status, 400);
  // HTTP/1.0 without Host: the authority is the host.
  EXPECT_TRUE(Check(Header(bhttp::verb::get, "http://a.example.com/x", 10, {}), &facts).ok());
  EXPECT_EQ(facts.host, "a.example.com");
}

TEST(ValidateRequestTest, TargetFormsByMethod) {
  EXPECT_EQ(Check(Header(bhttp::verb::get, "*", 11, {{"Host", "a"}})).status, 400);
  EXPECT_TRUE(Check(Header(bhttp::verb::options, "*", 11, {{"Host", "a"}})).ok());
  EXPECT_EQ(Check(Header(bhttp::verb::get, "a:443", 11, {{"Host", "a"}})).status, 400);
  EXPECT_EQ(Check(Header(bhttp::verb::connect, "a:443", 11, {{"Host", "a:443"}})).status, 501);
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/a#b", 11, {{"Host", "a"}})).status, 400);
}

TEST(ValidateRequestTest, ForbiddenBytesInFieldValues) {
  for (std::string value : {"a\0b"s, "a\rb"s, "a\nb"s}) {
    EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 11, {{"Host", "a"}, {"X-A", value}})).status,
              400);
  }
  EXPECT_EQ(Check(Header(bhttp::verb::get, "/", 11, {{"Host", "a"}, {"Bad Name", "v"}})).status,
            400);
}

TEST(ValidateRequestTest, FramingRules) {
  auto te = [](std::string value, unsigned version = 11) {
    return Check(
        Header(bhttp::verb::post, "/", version, {{"Host", "a"}, {"Transfer-Encoding", value}}));
  };
  RequestFacts facts;
  EXPECT_TRUE(
      Check(Header(bhttp::verb::post, "/", 11, {{"Host", "a"}, {"Transfer-Encoding", "Chunked"}}),
            &facts)
          .ok());
  EXPECT_TRUE(facts.chunked);
  EXPECT_EQ(te("gzip").status, 400);
  EXPECT_EQ(te("chunked, gzip").status, 400);
  EXPECT_EQ(te("chunked, chunked").status, 400);
  EXPECT_EQ(te("gzip, chunked").status, 501);
  EXPECT_EQ(te("").status, 400);
  EXPECT_EQ(te("chunked", 10).status, 400);
  EXPECT_EQ(Check(Header(bhttp::verb::post, "/", 11,
                         {{"Host", "a"},
                          {"Transfer-Encoding", "chunked"},
                          {"Transfer-Encoding", "chunked"}}))
                .status,
            400);
  EXPECT_EQ(
      Check(Header(bhttp::verb::post, "/", 11,
                   {{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}}))
          .status,
      400);
  auto cl = [](std::vector<std::string> values) {
    std::vector<std::pair<std::string, std::string>> fields{{"Host", "a"}};
    for (auto& value : values) fields.emplace_back("Content-Length", value);
    return Check(Header(bhttp::verb::post, "/", 11, fields));
  };
  EXPECT_TRUE(cl({"5"}).ok());
  EXPECT_TRUE(cl({"5", "5"}).ok());
  EXPECT_TRUE(cl({"5, 05"}).ok());
  EXPECT_EQ(cl({"5", "6"}).status, 400);
  EXPECT_EQ(cl({"5, 6"}).status, 400);
  EXPECT_EQ(cl({"-1"}).status, 400);
  EXPECT_EQ(cl({""}).status, 400);
  EXPECT_EQ(cl({"1,"}).status, 400);
}

TEST(ValidateRequestTest, ExpectAndUpgrade) {
  RequestFacts facts;
  EXPECT_TRUE(
      Check(Header(bhttp::verb::post, "/", 11, {{"Host", "a"}, {"Expect", "100-Continue"}}), &facts)
          .ok());
  EXPECT_TRUE(facts.expect_continue);
  EXPECT_TRUE(Check(Header(bhttp::verb::post, "/", 10, {{"Expect", "100-continue"}}), &facts).ok());
  EXPECT_FALSE(facts.expect_continue);
  EXPECT_EQ(Check(Header(bhttp::verb::post, "/", 11, {{"Host", "a"}, {"Expect", "other"}})).status,
            417);

  EXPECT_TRUE(
      Check(
          Header(bhttp::verb::get, "/", 11,
                 {{"Host", "a"}, {"Connection", "keep-alive, Upgrade"}, {"Upgrade", "websocket"}}),
          &facts)
          .ok());
  EXPECT_TRUE(facts.upgrade);
  EXPECT_TRUE(
      Check(Header(bhttp::verb::get, "/", 11, {{"Host", "a"}, {"Upgrade", "websocket"}}), &facts)
          .ok());
  EXPECT_FALSE(facts.upgrade);  // not listed in Connection
  EXPECT_TRUE(
      Check(Header(bhttp::verb::get, "/", 11,
                   {{"Host", "a"}, {"Connection", "Upgrade"}, {"Upgrade", "websocket, h2c"}}),
            &facts)
          .ok());
  EXPECT_FALSE(facts.upgrade);  // h2c is never forwarded
}

TEST(StatusForParseErrorTest, MapsBeastErrors) {
  EXPECT_EQ(StatusForParseError(bhttp::error::header_limit), 431);
  EXPECT_EQ(StatusForParseError(bhttp::error::body_limit), 413);
  EXPECT_EQ(StatusForParseError(bhttp::error::bad_field), 400);
  EXPECT_EQ(StatusForParseError(bhttp::error::bad_version, "GET / HTTP/2.0\r\n"), 505);
  EXPECT_EQ(StatusForParseError(bhttp::error::bad_version, "GET / HTTP/1.1x\r\n"), 400);
  EXPECT_EQ(StatusForParseError(bhttp::error::bad_version, "GET / HTTP/a.0\r\n"), 400);
  EXPECT_EQ(StatusForParseError(bhttp::error::bad_version, "GET / HTTP/3.0"), 400);
}

TEST(MaxForwardsStopTest, OnlyTraceAndOptionsWithZero) {
  EXPECT_TRUE(MaxForwardsStop(Header(bhttp::verb::options, "/", 11, {{"Max-Forwards", "0"}})));
  EXPECT_TRUE(MaxForwardsStop(Header(bhttp::verb::trace, "/", 11, {{"Max-Forwards", " 0 "}})));
  EXPECT_FALSE(MaxForwardsStop(Header(bhttp::verb::options, "/", 11, {{"Max-Forwards", "1"}})));
  EXPECT_FALSE(MaxForwardsStop(Header(bhttp::verb::get, "/", 11, {{"Max-Forwards", "0"}})));
  EXPECT_FALSE(MaxForwardsStop(Header(bhttp::verb::options, "/", 11, {})));
}

TEST(IsIdempotentTest, FollowsRfc9110) {
  EXPECT_TRUE(IsIdempotent(bhttp::verb::get));
  EXPECT_TRUE(IsIdempotent(bhttp::verb::put));
  EXPECT_FALSE(IsIdempotent(bhttp::verb::post));
  EXPECT_FALSE(IsIdempotent(bhttp::verb::patch));
}

}  // namespace
}  // namespace atrium::http

// DecodeProtobufObject on bytes kubectl sent, and on broken ones. That the
// tables match what kubectl's generators send, field by field, is
// kubectl_test.cc's CreateGeneratorsSendProtobufStoredAsTheirJson.

#include "tests/apiserver/protobuf_object.h"

#include <string>

#include <gtest/gtest.h>

namespace atrium::testing {
namespace {

using nlohmann::json;

std::string FromHex(const std::string& hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 3) {
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return bytes;
}

// `kubectl create service clusterip web --tcp=80:8080 -n demo` (kubectl
// v1.32, -v=9): every unset string is there as "", the zero time as an empty
// message, and the status as an empty load balancer.
std::string ServiceFromKubectl() {
  return FromHex(
      "6b 38 73 00 0a 0d 0a 02 76 31 12 07 53 65 72 76 69 63 65 12 6d 0a 23 0a 03 77 65 62 12 00 "
      "1a 04 64 65 6d 6f 22 00 2a 00 32 00 38 00 42 00 5a 0a 0a 03 61 70 70 12 03 77 65 62 12 42 "
      "0a 1b 0a 07 38 30 2d 38 30 38 30 12 03 54 43 50 18 50 22 07 08 00 10 90 3f 1a 00 28 00 12 "
      "0a 0a 03 61 70 70 12 03 77 65 62 1a 00 22 09 43 6c 75 73 74 65 72 49 50 3a 00 42 00 52 00 "
      "5a 00 60 00 68 00 1a 02 0a 00 1a 00 22 00 ");
}

TEST(ProtobufObjectTest, DecodesAServiceKubectlSent) {
  json object;
  std::string error;
  ASSERT_EQ(DecodeProtobufObject(ServiceFromKubectl(), &object, &error), ProtobufDecoded::kObject)
      << error;
  EXPECT_EQ(object, json::parse(R"({
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "web", "namespace": "demo", "labels": {"app": "web"}},
    "spec": {
      "ports": [{"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080}],
      "selector": {"app": "web"},
      "type": "ClusterIP"
    }
  })"))
      << object.dump();
}

TEST(ProtobufObjectTest, EveryTruncationIsMalformed) {
  // Cutting the body inside the type or the object leaves a length that
  // runs past the end: none may read beyond the body or pass as an object.
  // (Cut right after the type, the body is an empty Service.)
  constexpr size_t kTypeEnd = 4 + 2 + 13;
  constexpr size_t kObjectEnd = kTypeEnd + 2 + 0x6d;
  const std::string body = ServiceFromKubectl();
  for (size_t size = 5; size < kObjectEnd; ++size) {
    if (size == kTypeEnd) continue;
    json object;
    std::string error;
    EXPECT_EQ(DecodeProtobufObject(std::string_view(body).substr(0, size), &object, &error),
              ProtobufDecoded::kMalformed)
        << "size " << size;
    EXPECT_FALSE(error.empty());
  }
}

// A v1 Service's envelope, before its object bytes (field 2 onwards).
std::string ServiceType() {
  return FromHex("6b 38 73 00 0a 0d 0a 02 76 31 12 07 53 65 72 76 69 63 65 ");
}

// ErrorOf decodes body, expects `expected`, and returns the error message.
std::string ErrorOf(std::string_view body, ProtobufDecoded expected) {
  json object;
  std::string error;
  EXPECT_EQ(DecodeProtobufObject(body, &object, &error), expected) << object.dump();
  return error;
}

TEST(ProtobufObjectTest, RejectsABodyWithoutTheEnvelope) {
  EXPECT_NE(ErrorOf("{\"kind\":\"Service\"}", ProtobufDecoded::kMalformed).find("envelope"),
            std::string::npos);
}

TEST(ProtobufObjectTest, RejectsAFieldOfTheWrongWireType) {
  // Service{metadata{name: varint 1}}: name must be length-delimited.
  EXPECT_NE(ErrorOf(ServiceType() + FromHex("12 04 0a 02 08 01 "), ProtobufDecoded::kMalformed)
                .find("name"),
            std::string::npos);
}

TEST(ProtobufObjectTest, RejectsAStringThatIsNotUtf8) {
  // Service{metadata{name: "\xff"}}, then an overlong "/", a surrogate and
  // a code point above U+10FFFF, each three or four bytes.
  EXPECT_NE(ErrorOf(ServiceType() + FromHex("12 05 0a 03 0a 01 ff "), ProtobufDecoded::kMalformed)
                .find("UTF-8"),
            std::string::npos);
  for (const char* name : {"e0 80 af ", "ed a0 80 ", "f4 90 80 80 "}) {
    const std::string bytes = FromHex(name);
    const std::string meta = FromHex("0a ") + static_cast<char>(bytes.size()) + bytes;
    const std::string object = FromHex("0a ") + static_cast<char>(meta.size()) + meta;
    EXPECT_NE(ErrorOf(ServiceType() + FromHex("12 ") + static_cast<char>(object.size()) + object,
                      ProtobufDecoded::kMalformed)
                  .find("UTF-8"),
              std::string::npos)
        << name;
  }
  // Well-formed multi-byte names pass: "é", "€", "😀".
  const std::string fine = FromHex("0a 09 c3 a9 e2 82 ac f0 9f 98 80 ");
  const std::string object = FromHex("0a ") + static_cast<char>(fine.size()) + fine;
  json decoded;
  std::string error;
  ASSERT_EQ(DecodeProtobufObject(
                ServiceType() + FromHex("12 ") + static_cast<char>(object.size()) + object,
                &decoded, &error),
            ProtobufDecoded::kObject)
      << error;
  EXPECT_EQ(decoded["metadata"]["name"], "\u00e9\u20ac\U0001F600");
}

TEST(ProtobufObjectTest, AKindWithoutATableIsUnsupported) {
  // apps/v1 Deployment (`kubectl create deployment`), which this server does not serve.
  const std::string body =
      FromHex("6b 38 73 00 0a 15 0a 07 61 70 70 73 2f 76 31 12 0a 44 65 70 6c 6f 79 6d 65 6e 74 ") +
      FromHex("12 00 ");
  EXPECT_NE(ErrorOf(body, ProtobufDecoded::kUnsupportedKind).find("apps/v1 Deployment"),
            std::string::npos);
}

TEST(ProtobufObjectTest, RejectsAContentEncoding) {
  EXPECT_NE(
      ErrorOf(ServiceType() + FromHex("12 00 1a 04 67 7a 69 70 "), ProtobufDecoded::kMalformed)
          .find("gzip"),
      std::string::npos);
}

}  // namespace
}  // namespace atrium::testing

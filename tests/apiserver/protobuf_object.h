#pragma once

// kubectl's generators (`kubectl create namespace`, `create secret`, `create
// service`, `create ingress`) send the object as Kubernetes protobuf
// (application/vnd.kubernetes.protobuf), not JSON, and client-go has no
// fallback to JSON for it. The test API server stores JSON, so it decodes
// those bodies into the JSON the same object has: the envelope ("k8s\0" and
// a runtime.Unknown holding apiVersion, kind and the object's bytes), then
// the object by the field numbers of k8s.io/api's generated.proto for the
// kinds the server serves that kubectl's generators make. Pure: bytes in,
// JSON out.
//
// Go's encoding/json omits the empty values of nearly all Kubernetes fields
// (omitempty), and protobuf writes them all ("" for every unset string): the
// decoded JSON leaves out empty strings, zeros, false and empty objects,
// except where a field is marked to keep them (a Service port's number).
// Fields the tables do not name (status, managedFields) are skipped.

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::testing {

inline constexpr std::string_view kProtobufContentType = "application/vnd.kubernetes.protobuf";

enum class ProtobufDecoded {
  kObject,           // *out holds the object's JSON, apiVersion and kind included
  kMalformed,        // *error says what is wrong
  kUnsupportedKind,  // a kind the tables do not describe; *error names it
};

ProtobufDecoded DecodeProtobufObject(std::string_view body, nlohmann::json* out,
                                     std::string* error);

}  // namespace atrium::testing

#include "tests/apiserver/protobuf_object.h"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tests/apiserver/base64.h"
#include "tests/apiserver/time_format.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

// --- The wire format (protobuf encoding: varints and length-prefixed bytes).

constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;
constexpr uint32_t kFixed32 = 5;

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  bool done() const { return position_ >= data_.size(); }

  bool ReadVarint(uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (position_ >= data_.size()) return false;
      const auto byte = static_cast<uint8_t>(data_[position_++]);
      *value |= uint64_t{byte & 0x7fU} << shift;
      if ((byte & 0x80U) == 0) return true;
    }
    return false;  // more than ten bytes
  }

  bool ReadTag(uint32_t* number, uint32_t* wire_type) {
    uint64_t tag = 0;
    if (!ReadVarint(&tag) || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX) return false;
    *number = static_cast<uint32_t>(tag >> 3);
    *wire_type = static_cast<uint32_t>(tag & 7U);
    return true;
  }

  bool ReadBytes(std::string_view* bytes) {
    uint64_t size = 0;
    if (!ReadVarint(&size) || size > data_.size() - position_) return false;
    *bytes = data_.substr(position_, size);
    position_ += size;
    return true;
  }

  bool Skip(uint32_t wire_type) {
    uint64_t ignored = 0;
    std::string_view bytes;
    switch (wire_type) {
      case kVarint:
        return ReadVarint(&ignored);
      case kLengthDelimited:
        return ReadBytes(&bytes);
      case kFixed64:
        return Advance(8);
      case kFixed32:
        return Advance(4);
      default:
        return false;  // groups (3, 4) are not used by Kubernetes
    }
  }

 private:
  bool Advance(size_t size) {
    if (size > data_.size() - position_) return false;
    position_ += size;
    return true;
  }

  std::string_view data_;
  size_t position_ = 0;
};

// --- What the fields are (k8s.io/api and k8s.io/apimachinery generated.proto).

enum class Kind {
  kString,
  kBytes,  // JSON: base64
  kInt,    // int32 or int64
  kBool,
  kMessage,      // an object, by the field's table
  kInline,       // a message whose fields JSON puts in the enclosing object
  kTime,         // metav1.Time {seconds = 1, nanos = 2}: RFC 3339
  kIntOrString,  // intstr.IntOrString {type = 1, intVal = 2, strVal = 3}
  kStringMap,    // map<string, string>: entries {key = 1, value = 2}
  kBytesMap,     // map<string, bytes>
};

struct Field;
using Fields = std::span<const Field>;

struct Field {
  uint32_t number = 0;
  std::string_view name;
  Kind kind = Kind::kString;
  bool repeated = false;
  Fields message;           // kMessage and kInline
  bool keep_empty = false;  // no omitempty in the Go type
};

constexpr Field Str(uint32_t number, std::string_view name) {
  return {number, name, Kind::kString};
}
constexpr Field Strs(uint32_t number, std::string_view name) {
  return {number, name, Kind::kString, /*repeated=*/true};
}
constexpr Field Int(uint32_t number, std::string_view name) { return {number, name, Kind::kInt}; }
constexpr Field Bool(uint32_t number, std::string_view name) { return {number, name, Kind::kBool}; }
constexpr Field Msg(uint32_t number, std::string_view name, Fields message) {
  return {number, name, Kind::kMessage, false, message};
}
constexpr Field Msgs(uint32_t number, std::string_view name, Fields message) {
  return {number, name, Kind::kMessage, true, message};
}

constexpr Field kOwnerReference[] = {Str(5, "apiVersion"),  Str(1, "kind"),
                                     Str(3, "name"),        Str(4, "uid"),
                                     Bool(6, "controller"), Bool(7, "blockOwnerDeletion")};

constexpr Field kObjectMeta[] = {
    Str(1, "name"),
    Str(2, "generateName"),
    Str(3, "namespace"),
    Str(5, "uid"),
    Str(6, "resourceVersion"),
    Int(7, "generation"),
    {8, "creationTimestamp", Kind::kTime},
    {9, "deletionTimestamp", Kind::kTime},
    Int(10, "deletionGracePeriodSeconds"),
    {11, "labels", Kind::kStringMap},
    {12, "annotations", Kind::kStringMap},
    Msgs(13, "ownerReferences", kOwnerReference),
    Strs(14, "finalizers"),
    // 17 managedFields: the server keeps its own.
};

constexpr Field kNamespaceSpec[] = {Strs(1, "finalizers")};
constexpr Field kNamespace[] = {Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kNamespaceSpec)};

constexpr Field kSecret[] = {
    Msg(1, "metadata", kObjectMeta),     {2, "data", Kind::kBytesMap}, Str(3, "type"),
    {4, "stringData", Kind::kStringMap}, Bool(5, "immutable"),
};

constexpr Field kServicePort[] = {
    Str(1, "name"),
    Str(2, "protocol"),
    {3, "port", Kind::kInt, false, {}, /*keep_empty=*/true},
    {4, "targetPort", Kind::kIntOrString},
    Int(5, "nodePort"),
    Str(6, "appProtocol"),
};
constexpr Field kClientIpConfig[] = {Int(1, "timeoutSeconds")};
constexpr Field kSessionAffinityConfig[] = {Msg(1, "clientIP", kClientIpConfig)};
constexpr Field kServiceSpec[] = {
    Msgs(1, "ports", kServicePort),
    {2, "selector", Kind::kStringMap},
    Str(3, "clusterIP"),
    Strs(18, "clusterIPs"),
    Str(4, "type"),
    Strs(5, "externalIPs"),
    Str(7, "sessionAffinity"),
    Str(8, "loadBalancerIP"),
    Strs(9, "loadBalancerSourceRanges"),
    Str(10, "externalName"),
    Str(11, "externalTrafficPolicy"),
    Int(12, "healthCheckNodePort"),
    Bool(13, "publishNotReadyAddresses"),
    Msg(14, "sessionAffinityConfig", kSessionAffinityConfig),
    Strs(19, "ipFamilies"),
    Str(17, "ipFamilyPolicy"),
    Bool(20, "allocateLoadBalancerNodePorts"),
    Str(21, "loadBalancerClass"),
    Str(22, "internalTrafficPolicy"),
    Str(23, "trafficDistribution"),
};
constexpr Field kService[] = {Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kServiceSpec)};

constexpr Field kTypedLocalObjectReference[] = {Str(1, "apiGroup"), Str(2, "kind"), Str(3, "name")};
constexpr Field kServiceBackendPort[] = {Str(1, "name"), Int(2, "number")};
constexpr Field kIngressServiceBackend[] = {Str(1, "name"), Msg(2, "port", kServiceBackendPort)};
constexpr Field kIngressBackend[] = {Msg(4, "service", kIngressServiceBackend),
                                     Msg(3, "resource", kTypedLocalObjectReference)};
constexpr Field kHttpIngressPath[] = {Str(1, "path"), Str(3, "pathType"),
                                      Msg(2, "backend", kIngressBackend)};
constexpr Field kHttpIngressRuleValue[] = {Msgs(1, "paths", kHttpIngressPath)};
constexpr Field kIngressRuleValue[] = {Msg(1, "http", kHttpIngressRuleValue)};
constexpr Field kIngressRule[] = {Str(1, "host"),
                                  {2, "ingressRuleValue", Kind::kInline, false, kIngressRuleValue}};
constexpr Field kIngressTls[] = {Strs(1, "hosts"), Str(2, "secretName")};
constexpr Field kIngressSpec[] = {
    Str(4, "ingressClassName"),
    Msg(1, "defaultBackend", kIngressBackend),
    Msgs(2, "tls", kIngressTls),
    Msgs(3, "rules", kIngressRule),
};
constexpr Field kIngress[] = {Msg(1, "metadata", kObjectMeta), Msg(2, "spec", kIngressSpec)};

// The parts of metav1.Time, intstr.IntOrString, map entries and
// runtime.Unknown's TypeMeta, decoded before they are put together.
constexpr Field kTimeParts[] = {Int(1, "seconds"), Int(2, "nanos")};
constexpr Field kIntOrStringParts[] = {Int(1, "type"), Int(2, "intVal"), Str(3, "strVal")};
constexpr Field kStringEntry[] = {Str(1, "key"), Str(2, "value")};
constexpr Field kBytesEntry[] = {Str(1, "key"), {2, "value", Kind::kBytes}};
constexpr Field kTypeMeta[] = {Str(1, "apiVersion"), Str(2, "kind")};

struct KindTable {
  std::string_view api_version;
  std::string_view kind;
  Fields fields;
};
constexpr KindTable kKinds[] = {
    {"v1", "Namespace", kNamespace},
    {"v1", "Secret", kSecret},
    {"v1", "Service", kService},
    {"networking.k8s.io/v1", "Ingress", kIngress},
};

// --- Decoding.

bool IsEmpty(const json& value) {
  if (value.is_string()) return value.get_ref<const std::string&>().empty();
  if (value.is_number_integer()) return value.get<int64_t>() == 0;
  if (value.is_boolean()) return !value.get<bool>();
  if (value.is_object() || value.is_array()) return value.empty();
  return value.is_null();
}

// IsUtf8: JSON strings must be UTF-8, and nlohmann refuses to write any
// other string (at the next read, a 500). Its own check decides, so the two
// agree.
bool IsUtf8(std::string_view text) {
  try {
    (void)json(std::string(text)).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

class Decoder {
 public:
  explicit Decoder(std::string* error) : error_(error) {}

  bool Message(std::string_view bytes, Fields fields, json* out) {
    *out = json::object();
    WireReader reader(bytes);
    while (!reader.done()) {
      uint32_t number = 0;
      uint32_t wire_type = 0;
      if (!reader.ReadTag(&number, &wire_type)) return Fail("a field's tag is malformed");
      const Field* field = Find(fields, number);
      if (field == nullptr) {
        if (!reader.Skip(wire_type)) return Fail("a field is truncated");
        continue;
      }
      const bool varint = field->kind == Kind::kInt || field->kind == Kind::kBool;
      if (wire_type != (varint ? kVarint : kLengthDelimited)) {
        return Fail("field " + std::string(field->name) + " has the wrong wire type");
      }
      if (!Value(reader, *field, out)) return false;
    }
    return true;
  }

 private:
  static const Field* Find(Fields fields, uint32_t number) {
    for (const Field& field : fields) {
      if (field.number == number) return &field;
    }
    return nullptr;
  }

  bool Fail(std::string message) {
    *error_ = std::move(message);
    return false;
  }

  bool Value(WireReader& reader, const Field& field, json* object) {
    const std::string name(field.name);
    uint64_t number = 0;
    std::string_view bytes;
    if (field.kind == Kind::kInt || field.kind == Kind::kBool) {
      if (!reader.ReadVarint(&number)) return Fail("field " + name + " is truncated");
    } else if (!reader.ReadBytes(&bytes)) {
      return Fail("field " + name + " is truncated");
    }
    json value;
    switch (field.kind) {
      case Kind::kString:
        if (!IsUtf8(bytes)) return Fail("field " + name + " is not UTF-8");
        value = std::string(bytes);
        break;
      case Kind::kBytes:
        value = Base64Encode(bytes);
        break;
      case Kind::kInt:
        value = static_cast<int64_t>(number);  // two's complement, as protobuf writes negatives
        break;
      case Kind::kBool:
        value = number != 0;
        break;
      case Kind::kMessage:
        if (!Message(bytes, field.message, &value)) return false;
        break;
      case Kind::kInline: {
        json inner;
        if (!Message(bytes, field.message, &inner)) return false;
        for (auto& [key, member] : inner.items()) (*object)[key] = std::move(member);
        return true;
      }
      case Kind::kTime:
        if (!Time(bytes, &value)) return false;
        break;
      case Kind::kIntOrString:
        if (!IntOrString(bytes, &value)) return false;
        break;
      case Kind::kStringMap:
      case Kind::kBytesMap:
        return MapEntry(bytes, field, object);
    }
    if (field.repeated) {
      (*object)[name].push_back(std::move(value));
    } else if (field.keep_empty || !IsEmpty(value)) {
      (*object)[name] = std::move(value);
    }
    return true;
  }

  bool Time(std::string_view bytes, json* out) {
    json parts;
    if (!Message(bytes, kTimeParts, &parts)) return false;
    const int64_t seconds = parts.value("seconds", int64_t{0});
    // The zero time is "unset" (null in JSON, omitted by omitempty).
    if (seconds == 0 && parts.value("nanos", int64_t{0}) == 0) return true;
    *out = FormatTime(std::chrono::system_clock::time_point(std::chrono::seconds(seconds)));
    return true;
  }

  bool IntOrString(std::string_view bytes, json* out) {
    json parts;
    if (!Message(bytes, kIntOrStringParts, &parts)) return false;
    if (parts.value("type", int64_t{0}) == 1) {
      *out = parts.value("strVal", std::string());
    } else {
      *out = static_cast<int32_t>(parts.value("intVal", int64_t{0}));
    }
    return true;
  }

  bool MapEntry(std::string_view bytes, const Field& field, json* object) {
    json entry;
    if (!Message(bytes, field.kind == Kind::kBytesMap ? kBytesEntry : kStringEntry, &entry)) {
      return false;
    }
    // An entry's empty value is a value ("" or no bytes), not an omission.
    (*object)[std::string(field.name)][entry.value("key", std::string())] =
        entry.value("value", std::string());
    return true;
  }

  std::string* error_;
};

}  // namespace

ProtobufDecoded DecodeProtobufObject(std::string_view body, json* out, std::string* error) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, kMagic.size()) != kMagic) {
    *error = "the protobuf body does not start with the Kubernetes envelope";
    return ProtobufDecoded::kMalformed;
  }
  // runtime.Unknown: typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2,
  // contentEncoding = 3, contentType = 4.
  Decoder decoder(error);
  json type_meta = json::object();
  std::string_view raw;
  std::string_view content_encoding;
  WireReader envelope(body.substr(kMagic.size()));
  while (!envelope.done()) {
    uint32_t number = 0;
    uint32_t wire_type = 0;
    std::string_view bytes;
    if (!envelope.ReadTag(&number, &wire_type) ||
        (wire_type == kLengthDelimited ? !envelope.ReadBytes(&bytes) : !envelope.Skip(wire_type))) {
      *error = "the protobuf envelope is malformed";
      return ProtobufDecoded::kMalformed;
    }
    if (wire_type != kLengthDelimited) continue;
    if (number == 1 && !decoder.Message(bytes, kTypeMeta, &type_meta)) {
      *error = "the protobuf envelope is malformed: " + *error;
      return ProtobufDecoded::kMalformed;
    }
    if (number == 2) raw = bytes;
    if (number == 3) content_encoding = bytes;
  }
  if (!content_encoding.empty()) {
    *error = "protobuf content encoding " + std::string(content_encoding) + " is not supported";
    return ProtobufDecoded::kMalformed;
  }
  const std::string api_version = type_meta.value("apiVersion", std::string());
  const std::string kind = type_meta.value("kind", std::string());
  for (const KindTable& table : kKinds) {
    if (table.api_version != api_version || table.kind != kind) continue;
    if (!decoder.Message(raw, table.fields, out)) {
      *error = "the protobuf " + kind + " is malformed: " + *error;
      return ProtobufDecoded::kMalformed;
    }
    (*out)["apiVersion"] = api_version;
    (*out)["kind"] = kind;
    return ProtobufDecoded::kObject;
  }
  *error =
      "a protobuf body is decoded for v1 Namespace, Secret and Service and "
      "networking.k8s.io/v1 Ingress only, not " +
      api_version + " " + kind + "; send it as application/json";
  return ProtobufDecoded::kUnsupportedKind;
}

}  // namespace atrium::testing

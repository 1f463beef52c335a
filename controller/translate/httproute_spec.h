#pragma once

// HttpRouteSpec is an HTTPRoute decoded once, when it is stored, instead of
// its JSON tree: what translate reads of it, typed, with every error that
// depends on the route alone kept as data (a malformed route, unreadable
// hostnames, a rule that cannot be implemented as written).
//
// Decoding is the per-object half of translating a route, the checks the
// CRD's schema and validation rules make: field types, path values, header
// names, methods, filter combinations, weights, ports, durations. Whatever
// depends on other objects (parentRefs to our Gateways, Services, grants)
// and the regex syntax check (it needs the proxy's engine, through
// Options) are left to translate, which resolves a spec on every pass that
// must re-translate the route.
//
// Why: at 5,000 routes the stored JSON trees were the largest part of the
// heap (2.8 kB a route: ~35 nlohmann nodes); a spec is about a third of
// that, and a re-translation no longer walks JSON.
//
// Pure data, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/boxed_optional.h"
#include "controller/ir/route_config.h"
#include "controller/translate/api_groups.h"
#include "controller/translate/hostnames.h"
#include "controller/translate/object_meta.h"
#include "controller/translate/object_uid.h"

namespace atrium::translate {

// RuleError drops one rule (or rejects the route, for its hostnames).
// reason is a route Accepted reason.
struct RuleError {
  std::string reason;  // "UnsupportedValue" or "IncompatibleFilters"
  std::string message;
  bool operator==(const RuleError&) const = default;
};

// RefIssue is one unresolvable reference (route ResolvedRefs=False).
struct RefIssue {
  std::string reason;  // RefNotPermitted, InvalidKind, BackendNotFound, UnsupportedProtocol
  std::string message;
  bool operator==(const RefIssue&) const = default;
};

// GroupKind is the API group and kind of a reference to something other
// than its field's default. References nearly always name the default (a
// backendRef a core Service, a parentRef a Gateway), so the specs box
// this and hold no string for the default: two strings and an allocation
// less per reference, at thousands of routes.
struct GroupKind {
  std::string group;
  std::string kind;
  bool operator==(const GroupKind&) const = default;
};

// BackendRefSpec is a BackendObjectReference as written, defaults applied.
// A Service reference has a name and a port in 1-65535 (checked when
// decoded); other kinds are kept, to be reported InvalidKind.
struct BackendRefSpec {
  BoxedOptional<GroupKind> other_kind;  // unset: a Service of the core group ("")
  std::string name;
  std::string ns;  // as written, else the route's
  std::optional<int64_t> port;
  std::string_view group() const { return other_kind ? std::string_view(other_kind->group) : ""; }
  std::string_view kind() const {
    return other_kind ? std::string_view(other_kind->kind) : "Service";
  }
  bool IsService() const { return !other_kind; }
  bool operator==(const BackendRefSpec&) const = default;
};

// MirrorSpec is a RequestMirror filter before its backend is resolved.
struct MirrorSpec {
  BackendRefSpec ref;
  std::string path;  // of the backendRef, for messages
  uint32_t numerator = 100;
  uint32_t denominator = 100;
  bool operator==(const MirrorSpec&) const = default;
};

// FiltersSpec is a filters array decoded. The mirrors are resolved per
// pass; references and ExtensionRef issues keep their written order, which
// the ResolvedRefs message follows.
struct FiltersSpec {
  ir::Filters filters;  // mirrors left empty
  std::vector<std::variant<MirrorSpec, RefIssue>> references;
  bool uses_prefix_replacement = false;  // ReplacePrefixMatch in redirect or rewrite
  bool unresolved_extension = false;     // an ExtensionRef filter: answer 500
  bool operator==(const FiltersSpec&) const = default;
};

// Filters are boxed (base/boxed_optional.h): most rules and backends have
// none, and a FiltersSpec is 96 bytes.
struct BackendSpec {
  BackendRefSpec ref;
  uint32_t weight = 1;
  BoxedOptional<FiltersSpec> filters;
  bool operator==(const BackendSpec&) const = default;
};

// RegexCheck is a regular expression a rule's matches use, checked when the
// rule is resolved.
struct RegexCheck {
  std::string path;  // "spec.rules[0].matches[0].path.value"
  std::string pattern;
  bool operator==(const RegexCheck&) const = default;
};

// RuleSpec is one rule that decoded without error.
struct RuleSpec {
  size_t index = 0;
  std::vector<ir::RouteMatch> matches;  // never empty (default: PathPrefix "/")
  std::vector<RegexCheck> regexes;
  BoxedOptional<FiltersSpec> filters;
  std::vector<BackendSpec> backends;
  BoxedOptional<ir::Timeouts> timeouts;  // unset: none (as ir::Route)
  BoxedOptional<ir::Retry> retry;
  bool operator==(const RuleSpec&) const = default;
};

struct ParentRefSpec {
  BoxedOptional<GroupKind> other_kind;  // unset: a Gateway (gateway.networking.k8s.io)
  std::string ns;                       // as written, else the route's
  std::string name;
  BoxedOptional<std::string> section_name;  // boxed: rarely written
  std::optional<int64_t> port;
  bool ns_written = false;  // ns was written (not the route's by default)

  std::string_view group() const {
    return other_kind ? std::string_view(other_kind->group) : kGatewayGroup;
  }
  std::string_view kind() const {
    return other_kind ? std::string_view(other_kind->kind) : "Gateway";
  }
  bool IsGateway() const { return !other_kind; }
  // SameAsWritten: both refs read the same (status.parents[].parentRef).
  bool SameAsWritten(const ParentRefSpec& other) const {
    return std::tie(other_kind, name, ns_written, section_name, port) ==
               std::tie(other.other_kind, other.name, other.ns_written, other.section_name,
                        other.port) &&
           (!ns_written || ns == other.ns);
  }
  // Echo is the ref as status.parents[].parentRef echoes it.
  nlohmann::json Echo() const;
  bool operator==(const ParentRefSpec&) const = default;
};

struct HttpRouteSpec {
  ObjectMeta meta;  // ns and name from the key when the metadata is unreadable
  ObjectUid uid;
  std::string resource_version;
  // Set when the metadata, spec or parentRefs cannot be read: the route is
  // reported and otherwise ignored. (Boxed, as the rejection: rarely set.)
  BoxedOptional<std::string> malformed;
  std::vector<ParentRefSpec> parent_refs;
  // Set when the hostnames or the rules list cannot be read: the route is
  // not accepted by any parent.
  BoxedOptional<RuleError> rejection;
  // As written: a Gateway API hostname is valid only in lowercase, so its
  // Host's name is what was written.
  std::vector<Host> hostnames;
  // One per rule (the CRD default of one rule matching PathPrefix "/" when
  // none is written): the rule, or why it is dropped.
  std::vector<std::variant<RuleSpec, RuleError>> rules;
  bool operator==(const HttpRouteSpec&) const = default;
};

// DecodeHttpRoute decodes an HTTPRoute stored under key ("namespace/name").
// Never throws: errors are kept in the spec.
HttpRouteSpec DecodeHttpRoute(const nlohmann::json& object, std::string_view key);

// SameContent tells whether two decodings differ in nothing but the
// resourceVersion (a write that changed only status, echoed by a watch).
bool SameContent(const HttpRouteSpec& a, const HttpRouteSpec& b);

// DecodeBackendRef decodes a BackendObjectReference at path of a route in
// namespace route_ns. Throws RuleError when it is malformed (no name; a
// Service without a port, or with one out of range) and InputError for a
// field of the wrong type.
BackendRefSpec DecodeBackendRef(const nlohmann::json& ref, const std::string& path,
                                const std::string& route_ns);

}  // namespace atrium::translate

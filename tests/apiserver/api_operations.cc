#include "tests/apiserver/api_operations.h"

#include <random>
#include <utility>

#include "tests/apiserver/base64.h"
#include "tests/apiserver/time_format.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

constexpr const char* kCrdGroup = "apiextensions.k8s.io";
constexpr const char* kCrdPlural = "customresourcedefinitions";

bool IsCrdType(const ResourceType& type) {
  return type.group == kCrdGroup && type.plural == kCrdPlural;
}

bool IsNamespaceType(const ResourceType& type) {
  return type.group.empty() && type.plural == "namespaces";
}

bool IsServiceType(const ResourceType& type) {
  return type.group.empty() && type.plural == "services";
}

bool IsSecretType(const ResourceType& type) {
  return type.group.empty() && type.plural == "secrets";
}

// DropEmptyMetadata leaves out the empty maps and lists of metadata, as Go's
// omitempty does on a real server: `kubectl diff` shows "annotations: {}"
// as a change otherwise.
void DropEmptyMetadata(json& meta) {
  for (const char* field : {"labels", "annotations", "finalizers", "ownerReferences"}) {
    auto it = meta.find(field);
    if (it != meta.end() && (it->is_null() || ((it->is_object() || it->is_array()) && it->empty())))
      meta.erase(it);
  }
}

std::string MetaString(const json& object, const char* key) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto it = metadata->find(key);
  return it != metadata->end() && it->is_string() ? it->get<std::string>() : "";
}

json& Metadata(json& object) {
  if (!object.contains("metadata") || !object["metadata"].is_object()) {
    object["metadata"] = json::object();
  }
  return object["metadata"];
}

// Content is what generation tracks: everything but metadata and status.
json Content(const json& object) {
  json content = object;
  content.erase("metadata");
  content.erase("status");
  content.erase("apiVersion");
  content.erase("kind");
  return content;
}

bool HasFinalizers(const json& object) {
  auto metadata = object.find("metadata");
  if (metadata == object.end()) return false;
  auto finalizers = metadata->find("finalizers");
  return finalizers != metadata->end() && finalizers->is_array() && !finalizers->empty();
}

std::string NowString() { return FormatTime(std::chrono::system_clock::now()); }

// CheckTypeOf refuses a body whose apiVersion or kind names another resource.
bool CheckTypeOf(const RequestScope& scope, const json& body, ApiResult* error) {
  if (!body.is_object()) {
    *error = BadRequest("the request body must be a JSON or YAML object");
    return false;
  }
  const ResourceType& type = *scope.type;
  if (auto kind = body.find("kind"); kind != body.end() && kind->is_string() &&
                                     !kind->get<std::string>().empty() && *kind != type.kind) {
    *error = BadRequest("the kind in the data (" + kind->get<std::string>() +
                        ") does not match the expected kind (" + type.kind + ")");
    return false;
  }
  if (auto av = body.find("apiVersion");
      av != body.end() && av->is_string() && !av->get<std::string>().empty()) {
    auto [group, version] = SplitApiVersion(av->get<std::string>());
    if (group != type.group || !type.Serves(version)) {
      *error = BadRequest("the API version in the data (" + av->get<std::string>() +
                          ") does not match the expected API version (" +
                          type.ApiVersion(scope.version) + ")");
      return false;
    }
  }
  return true;
}

struct ContinueToken {
  int64_t rv = 0;
  std::string start;
};

std::string EncodeContinue(const ContinueToken& token) {
  return Base64UrlEncode(json{{"rv", token.rv}, {"start", token.start}}.dump());
}

std::optional<ContinueToken> DecodeContinue(std::string_view text) {
  std::optional<std::string> raw = Base64UrlDecode(text);
  if (!raw) return std::nullopt;
  json parsed = json::parse(*raw, nullptr, false);
  if (!parsed.is_object() || !parsed["rv"].is_number_integer() || !parsed["start"].is_string()) {
    return std::nullopt;
  }
  return ContinueToken{parsed["rv"].get<int64_t>(), parsed["start"].get<std::string>()};
}

ApiResult TooLargeResourceVersion(int64_t requested, int64_t current) {
  ApiResult result = StatusError(504, "Timeout",
                                 "Too large resource version: " + std::to_string(requested) +
                                     ", current: " + std::to_string(current));
  result.body["details"] = {
      {"causes",
       {{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}}},
      {"retryAfterSeconds", 1}};
  result.headers.emplace_back("Retry-After", "1");
  return result;
}

}  // namespace

std::optional<int64_t> ParseResourceVersion(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

ApiOperations::ApiOperations(ObjectStore* store, ResourceRegistry* registry, Options options)
    : store_(store),
      registry_(registry),
      options_(options),
      random_state_(std::random_device{}()) {}

void ApiOperations::Bootstrap() {
  for (ResourceTypePtr& type : BuiltinResourceTypes()) registry_->Add(std::move(type));
  ResourceTypePtr namespaces = registry_->Find("", "v1", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    Create(RequestScope{namespaces, "v1", "", "", ""},
           json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}}, {});
  }
}

json ApiOperations::Output(const RequestScope& scope, const json& stored) {
  json out = stored;
  out["apiVersion"] = scope.type->ApiVersion(scope.version);
  out["kind"] = scope.type->kind;
  return out;
}

std::string ApiOperations::StoreKey(const RequestScope& scope, const std::string& name) {
  return scope.type->namespaced ? scope.ns + "/" + name : name;
}

std::string ApiOperations::KeyPrefix(const RequestScope& scope) {
  return scope.type->namespaced && !scope.ns.empty() ? scope.ns + "/" : "";
}

std::optional<ParsedSelectors> ApiOperations::ParseSelectors(const ListOptions& options,
                                                             ApiResult* error) {
  std::string why;
  std::optional<LabelSelector> labels = LabelSelector::Parse(options.label_selector, &why);
  if (!labels) {
    *error = BadRequest("unable to parse requirement: " + why);
    return std::nullopt;
  }
  std::optional<FieldSelector> fields = FieldSelector::Parse(options.field_selector, &why);
  if (!fields) {
    *error = BadRequest(why);
    return std::nullopt;
  }
  return ParsedSelectors{std::move(*labels), std::move(*fields)};
}

std::string ApiOperations::NewUid() {
  std::lock_guard lock(mutex_);
  std::mt19937_64 rng(random_state_);
  uint64_t hi = rng();
  uint64_t lo = rng();
  random_state_ = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string ApiOperations::AllocateClusterIp() {
  std::lock_guard lock(mutex_);
  uint32_t n = next_cluster_ip_++;
  return "10.96." + std::to_string((n >> 8) & 0xff) + "." + std::to_string(n & 0xff);
}

bool ApiOperations::NamespaceExists(const std::string& ns) const {
  return store_->Get("/namespaces", ns) != nullptr;
}

bool ApiOperations::PrepareCreate(const RequestScope& scope, json* object,
                                  const WriteOptions& options, ApiResult* error) {
  const ResourceType& type = *scope.type;
  json& meta = Metadata(*object);
  meta["name"] = scope.name;
  if (type.namespaced) {
    meta["namespace"] = scope.ns;
  } else {
    meta.erase("namespace");
  }
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = NowString();
  meta["generation"] = 1;
  for (const char* server_set : {"resourceVersion", "managedFields", "deletionTimestamp",
                                 "deletionGracePeriodSeconds", "selfLink"}) {
    meta.erase(server_set);
  }
  DropEmptyMetadata(meta);
  (*object)["apiVersion"] = type.ApiVersion(type.storage_version);
  (*object)["kind"] = type.kind;
  if (type.has_status && !options.keep_status) object->erase("status");

  if (IsNamespaceType(type)) {
    meta["labels"]["kubernetes.io/metadata.name"] = scope.name;
    if (!object->contains("spec")) (*object)["spec"] = {{"finalizers", {"kubernetes"}}};
    if (!object->contains("status")) (*object)["status"] = {{"phase", "Active"}};
  } else if (IsServiceType(type)) {
    json& spec = (*object)["spec"];
    if (!spec.is_object()) spec = json::object();
    if (!spec.contains("type")) spec["type"] = "ClusterIP";
    if (spec["type"] != "ExternalName" && !spec.contains("clusterIP")) {
      spec["clusterIP"] = AllocateClusterIp();
    }
    if (spec.contains("clusterIP") && !spec.contains("clusterIPs")) {
      spec["clusterIPs"] = json::array({spec["clusterIP"]});
    }
    if (!spec.contains("sessionAffinity")) spec["sessionAffinity"] = "None";
    if (spec.contains("ports") && spec["ports"].is_array()) {
      for (json& port : spec["ports"]) {
        if (!port.is_object()) continue;
        if (!port.contains("protocol")) port["protocol"] = "TCP";
        if (!port.contains("targetPort") && port.contains("port"))
          port["targetPort"] = port["port"];
      }
    }
    if (!object->contains("status")) (*object)["status"] = {{"loadBalancer", json::object()}};
  } else if (IsSecretType(type)) {
    // As the API server defaults it (`kubectl create secret generic` sets none).
    if (!object->contains("type")) (*object)["type"] = "Opaque";
  } else if (IsCrdType(type)) {
    std::string why;
    ResourceTypePtr declared = ResourceTypeFromCrd(*object, &why);
    if (!declared) {
      *error = Invalid(type.QualifiedName(), scope.name, why);
      return false;
    }
    std::string now = NowString();
    (*object)["status"] = {{"conditions",
                            {{{"type", "NamesAccepted"},
                              {"status", "True"},
                              {"reason", "NoConflicts"},
                              {"message", "no conflicts found"},
                              {"lastTransitionTime", now}},
                             {{"type", "Established"},
                              {"status", "True"},
                              {"reason", "InitialNamesAccepted"},
                              {"message", "the initial names have been accepted"},
                              {"lastTransitionTime", now}}}},
                           {"acceptedNames", (*object)["spec"]["names"]},
                           {"storedVersions", {declared->storage_version}}};
  }
  return true;
}

bool ApiOperations::PrepareUpdate(const RequestScope& scope, const json& current, json incoming,
                                  json* out, ApiResult* error) const {
  const ResourceType& type = *scope.type;
  const std::string name = MetaString(current, "name");
  if (!CheckTypeOf(scope, incoming, error)) return false;
  std::string rv = MetaString(incoming, "resourceVersion");
  if (!rv.empty() && rv != MetaString(current, "resourceVersion")) {
    *error = Conflict(type.QualifiedName(), name);
    return false;
  }
  std::string uid = MetaString(incoming, "uid");
  if (!uid.empty() && uid != MetaString(current, "uid")) {
    *error = Conflict(type.QualifiedName(), name,
                      "Precondition failed: UID in precondition: " + uid +
                          ", UID in object meta: " + MetaString(current, "uid"));
    return false;
  }
  std::string incoming_name = MetaString(incoming, "name");
  if (!incoming_name.empty() && incoming_name != name) {
    *error = BadRequest("the name of the object (" + incoming_name +
                        ") does not match the name on the URL (" + name + ")");
    return false;
  }
  if (scope.subresource == "status") {
    // A status write changes the status and nothing else.
    *out = current;
    if (incoming.contains("status")) {
      (*out)["status"] = incoming["status"];
    } else {
      out->erase("status");
    }
    return true;
  }
  *out = std::move(incoming);
  json& meta = Metadata(*out);
  const json& old_meta = current["metadata"];
  for (const char* immutable : {"name", "namespace", "uid", "creationTimestamp", "generation",
                                "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    if (old_meta.contains(immutable)) {
      meta[immutable] = old_meta[immutable];
    } else {
      meta.erase(immutable);
    }
  }
  meta.erase("managedFields");
  meta.erase("selfLink");
  DropEmptyMetadata(meta);
  meta["resourceVersion"] = old_meta["resourceVersion"];
  (*out)["apiVersion"] = current["apiVersion"];
  (*out)["kind"] = current["kind"];
  if (type.has_status) {
    if (current.contains("status")) {
      (*out)["status"] = current["status"];
    } else {
      out->erase("status");
    }
  }
  if (IsNamespaceType(type)) meta["labels"]["kubernetes.io/metadata.name"] = name;
  if (IsCrdType(type)) {
    std::string why;
    if (!ResourceTypeFromCrd(*out, &why)) {
      *error = Invalid(type.QualifiedName(), name, why);
      return false;
    }
  }
  if (Content(*out) != Content(current)) {
    meta["generation"] = old_meta.value("generation", int64_t{0}) + 1;
  }
  return true;
}

ApiResult ApiOperations::Get(const RequestScope& scope) {
  ObjectPtr object = store_->Get(scope.type->Key(), StoreKey(scope, scope.name));
  if (!object) return NotFound(scope.type->QualifiedName(), scope.name);
  return ApiResult{200, Output(scope, *object), {}};
}

ApiResult ApiOperations::List(const RequestScope& scope, const ListOptions& options) {
  ApiResult error;
  std::optional<ParsedSelectors> selectors = ParseSelectors(options, &error);
  if (!selectors) return error;
  const std::string prefix = KeyPrefix(scope);
  const std::string& rv_text = options.resource_version;
  const std::string& match = options.resource_version_match;
  if (!match.empty() && match != "NotOlderThan" && match != "Exact") {
    return BadRequest("resourceVersionMatch: Unsupported value: \"" + match + "\"");
  }
  if (!match.empty() && rv_text.empty()) {
    return BadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
  }
  if (!options.continue_token.empty() && !rv_text.empty() && rv_text != "0") {
    return BadRequest("specifying resource version is not allowed when using continue");
  }

  std::string start_after;
  Snapshot snapshot;
  if (!options.continue_token.empty()) {
    std::optional<ContinueToken> token = DecodeContinue(options.continue_token);
    if (!token) return BadRequest("continue key is not valid");
    std::optional<Snapshot> at = store_->ListAt(scope.type->Key(), token->rv, prefix);
    if (!at) {
      return Gone(
          "The provided continue parameter is too old to display a consistent list result. You "
          "can start a new list without the continue parameter.");
    }
    snapshot = std::move(*at);
    start_after = token->start;
  } else if (!rv_text.empty() && rv_text != "0") {
    std::optional<int64_t> rv = ParseResourceVersion(rv_text);
    if (!rv) return BadRequest("invalid resource version: " + rv_text);
    int64_t current = store_->rv();
    if (*rv > current) return TooLargeResourceVersion(*rv, current);
    if (match == "Exact") {
      std::optional<Snapshot> at = store_->ListAt(scope.type->Key(), *rv, prefix);
      if (!at) {
        return Gone("too old resource version: " + rv_text + " (" +
                    std::to_string(store_->compacted_rv() + 1) + ")");
      }
      snapshot = std::move(*at);
    } else {
      snapshot = store_->List(scope.type->Key(), prefix);
    }
  } else {
    snapshot = store_->List(scope.type->Key(), prefix);
  }

  json items = json::array();
  json metadata = {{"resourceVersion", std::to_string(snapshot.rv)}};
  int64_t remaining = 0;
  std::string last_key;
  for (const auto& [key, object] : snapshot.objects) {
    if (!start_after.empty() && key <= start_after) continue;
    if (!selectors->Matches(*object)) continue;
    if (options.limit > 0 && static_cast<int64_t>(items.size()) >= options.limit) {
      ++remaining;
      continue;
    }
    items.push_back(Output(scope, *object));
    last_key = key;
  }
  if (remaining > 0) {
    metadata["continue"] = EncodeContinue({snapshot.rv, last_key});
    metadata["remainingItemCount"] = remaining;
  }
  return ApiResult{200,
                   {{"kind", scope.type->list_kind},
                    {"apiVersion", scope.type->ApiVersion(scope.version)},
                    {"metadata", metadata},
                    {"items", items}},
                   {}};
}

ApiResult ApiOperations::Create(const RequestScope& scope_in, json body,
                                const WriteOptions& options) {
  RequestScope scope = scope_in;
  ApiResult result;
  if (!CheckTypeOf(scope, body, &result)) return result;
  const ResourceType& type = *scope.type;
  std::string body_ns = MetaString(body, "namespace");
  if (type.namespaced) {
    if (!scope.ns.empty() && !body_ns.empty() && body_ns != scope.ns) {
      return BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
    if (scope.ns.empty()) scope.ns = body_ns;
    if (scope.ns.empty()) return BadRequest("the namespace of the object must be set");
    if (options_.require_namespaces && !NamespaceExists(scope.ns)) {
      return NotFound("namespaces", scope.ns);
    }
  }
  std::string name = MetaString(body, "name");
  std::string generate_name = MetaString(body, "generateName");
  if (name.empty() && generate_name.empty()) {
    return Invalid(type.QualifiedName(), "",
                   "metadata.name: Required value: name or generateName is required");
  }
  if (name.size() > 253 || name.find('/') != std::string::npos) {
    return Invalid(type.QualifiedName(), name, "metadata.name: Invalid value: \"" + name + "\"");
  }
  constexpr int kGenerateAttempts = 8;
  for (int attempt = 0; attempt < kGenerateAttempts; ++attempt) {
    if (!generate_name.empty() && MetaString(body, "name").empty()) {
      static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
      std::string suffix;
      {
        std::lock_guard lock(mutex_);
        std::mt19937_64 rng(random_state_);
        for (int i = 0; i < 5; ++i) suffix.push_back(kAlphabet[rng() % (sizeof(kAlphabet) - 1)]);
        random_state_ = rng();
      }
      name = generate_name + suffix;
    }
    scope.name = name;
    bool exists = false;
    ObjectPtr stored =
        store_->Write(type.Key(), StoreKey(scope, name), [&](const ObjectPtr& current) {
          if (current) {
            exists = true;
            result = AlreadyExists(type.QualifiedName(), name);
            return WriteDecision{};
          }
          json object = body;
          if (!PrepareCreate(scope, &object, options, &result)) return WriteDecision{};
          if (options.dry_run) {
            result = ApiResult{201, Output(scope, object), {}};
            return WriteDecision{};
          }
          return WriteDecision{WriteDecision::Action::kPut, std::move(object)};
        });
    if (stored) {
      AfterWrite(scope, stored, false);
      return ApiResult{201, Output(scope, *stored), {}};
    }
    // A generated name that collided is retried with another suffix.
    if (!(exists && !generate_name.empty() && MetaString(body, "name").empty())) break;
  }
  return result;
}

ApiResult ApiOperations::Put(
    const RequestScope& scope,
    const std::function<bool(const json& current, json* incoming, ApiResult* error)>& mutate,
    const WriteOptions& options, const json* create_from) {
  const ResourceType& type = *scope.type;
  if (create_from != nullptr && type.namespaced && options_.require_namespaces &&
      !NamespaceExists(scope.ns)) {
    return NotFound("namespaces", scope.ns);
  }
  ApiResult result;
  bool created = false;
  bool finalized = false;
  ObjectPtr stored =
      store_->Write(type.Key(), StoreKey(scope, scope.name), [&](const ObjectPtr& current) {
        if (!current) {
          if (create_from == nullptr) {
            result = NotFound(type.QualifiedName(), scope.name);
            return WriteDecision{};
          }
          json object = *create_from;
          if (!CheckTypeOf(scope, object, &result)) return WriteDecision{};
          if (!PrepareCreate(scope, &object, options, &result)) return WriteDecision{};
          created = true;
          if (options.dry_run) {
            result = ApiResult{201, Output(scope, object), {}};
            return WriteDecision{};
          }
          return WriteDecision{WriteDecision::Action::kPut, std::move(object)};
        }
        json incoming = Output(scope, *current);
        if (!mutate(*current, &incoming, &result)) return WriteDecision{};
        json next;
        if (!PrepareUpdate(scope, *current, std::move(incoming), &next, &result)) {
          return WriteDecision{};
        }
        if (next == *current) {
          // Nothing changed: like etcd3's GuaranteedUpdate, no write, no event.
          result = ApiResult{200, Output(scope, *current), {}};
          return WriteDecision{};
        }
        if (options.dry_run) {
          result = ApiResult{200, Output(scope, next), {}};
          return WriteDecision{};
        }
        if (next["metadata"].contains("deletionTimestamp") && !HasFinalizers(next)) {
          // The last finalizer is gone: the deletion completes.
          finalized = true;
          return WriteDecision{WriteDecision::Action::kDelete, {}};
        }
        return WriteDecision{WriteDecision::Action::kPut, std::move(next)};
      });
  if (!stored) return result;
  AfterWrite(scope, stored, finalized);
  return ApiResult{created ? 201 : 200, Output(scope, *stored), {}};
}

ApiResult ApiOperations::Update(const RequestScope& scope, json body, const WriteOptions& options) {
  ApiResult check;
  if (!CheckTypeOf(scope, body, &check)) return check;
  return Put(
      scope,
      [&body](const json&, json* incoming, ApiResult*) {
        *incoming = body;
        return true;
      },
      options, nullptr);
}

ApiResult ApiOperations::Patch(const RequestScope& scope, PatchType type, const json& patch,
                               const WriteOptions& options) {
  const ResourceType& rt = *scope.type;
  if (type == PatchType::kStrategicMerge && rt.custom) {
    return UnsupportedMediaType(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
  }
  const std::string applied_key =
      rt.Key() + "|" + StoreKey(scope, scope.name) + "|" + scope.subresource;
  json last_applied;
  if (type == PatchType::kApply) {
    if (options.field_manager.empty()) {
      return Invalid(rt.QualifiedName(), scope.name,
                     "fieldManager: Required value: is required for apply patch");
    }
    if (!patch.is_object()) return BadRequest("an apply configuration must be an object");
    std::string patch_name = MetaString(patch, "name");
    if (!patch_name.empty() && patch_name != scope.name) {
      return BadRequest("the name of the object (" + patch_name +
                        ") does not match the name on the URL (" + scope.name + ")");
    }
    std::lock_guard lock(mutex_);
    auto it = applied_.find(applied_key);
    if (it != applied_.end() && it->second.contains(options.field_manager)) {
      last_applied = it->second[options.field_manager];
    }
  }
  auto mutate = [&](const json&, json* incoming, ApiResult* error) {
    std::string why;
    switch (type) {
      case PatchType::kMerge:
        incoming->merge_patch(patch);
        return true;
      case PatchType::kJson:
        if (!ApplyJsonPatch(patch, incoming, &why)) {
          *error = StatusError(422, "Invalid", "the JSON patch could not be applied: " + why);
          return false;
        }
        return true;
      case PatchType::kStrategicMerge:
        if (!ApplyStrategicMergePatch(patch, rt.merge_keys, incoming, &why)) {
          *error =
              StatusError(422, "Invalid", "the strategic merge patch could not be applied: " + why);
          return false;
        }
        return true;
      case PatchType::kApply:
        *incoming = ApplyConfiguration(*incoming, last_applied, patch);
        return true;
    }
    return false;
  };
  const json* create_from =
      type == PatchType::kApply && scope.subresource.empty() ? &patch : nullptr;
  ApiResult result = Put(scope, mutate, options, create_from);
  if (type == PatchType::kApply && result.ok() && !options.dry_run) {
    std::lock_guard lock(mutex_);
    applied_[applied_key][options.field_manager] = patch;
  }
  return result;
}

ApiResult ApiOperations::Delete(const RequestScope& scope, const json& delete_options,
                                const WriteOptions& options) {
  const ResourceType& type = *scope.type;
  std::string want_uid;
  std::string want_rv;
  if (delete_options.is_object() && delete_options.contains("preconditions") &&
      delete_options["preconditions"].is_object()) {
    const json& pre = delete_options["preconditions"];
    if (pre.contains("uid") && pre["uid"].is_string()) want_uid = pre["uid"];
    if (pre.contains("resourceVersion") && pre["resourceVersion"].is_string()) {
      want_rv = pre["resourceVersion"];
    }
  }
  if (IsNamespaceType(type) && !options.dry_run) {
    if (store_->Get(type.Key(), scope.name) == nullptr) {
      return NotFound(type.QualifiedName(), scope.name);
    }
    DeleteNamespaceContents(scope.name);
  }
  ApiResult result;
  bool deleted = false;
  ObjectPtr stored =
      store_->Write(type.Key(), StoreKey(scope, scope.name), [&](const ObjectPtr& current) {
        if (!current) {
          result = NotFound(type.QualifiedName(), scope.name);
          return WriteDecision{};
        }
        if (!want_uid.empty() && want_uid != MetaString(*current, "uid")) {
          result = Conflict(type.QualifiedName(), scope.name,
                            "Precondition failed: UID in precondition: " + want_uid +
                                ", UID in object meta: " + MetaString(*current, "uid"));
          return WriteDecision{};
        }
        if (!want_rv.empty() && want_rv != MetaString(*current, "resourceVersion")) {
          result = Conflict(
              type.QualifiedName(), scope.name,
              "Precondition failed: ResourceVersion in precondition: " + want_rv +
                  ", ResourceVersion in object meta: " + MetaString(*current, "resourceVersion"));
          return WriteDecision{};
        }
        if (options.dry_run) {
          result = ApiResult{200, Output(scope, *current), {}};
          return WriteDecision{};
        }
        if (HasFinalizers(*current)) {
          // Finalizers hold the object until their controllers remove them.
          if ((*current)["metadata"].contains("deletionTimestamp")) {
            result = ApiResult{202, Output(scope, *current), {}};
            return WriteDecision{};
          }
          json next = *current;
          next["metadata"]["deletionTimestamp"] = NowString();
          next["metadata"]["deletionGracePeriodSeconds"] = 0;
          return WriteDecision{WriteDecision::Action::kPut, std::move(next)};
        }
        deleted = true;
        return WriteDecision{WriteDecision::Action::kDelete, {}};
      });
  if (!stored) return result;
  AfterWrite(scope, stored, deleted);
  return ApiResult{deleted ? 200 : 202, Output(scope, *stored), {}};
}

ApiResult ApiOperations::DeleteCollection(const RequestScope& scope, const ListOptions& options,
                                          const WriteOptions& write) {
  ApiResult listed = List(scope, options);
  if (!listed.ok()) return listed;
  for (const json& item : listed.body["items"]) {
    RequestScope one = scope;
    one.ns = MetaString(item, "namespace");
    one.name = MetaString(item, "name");
    Delete(one, json::object(), write);
  }
  return ApiResult{200, SuccessStatus(), {}};
}

void ApiOperations::DeleteNamespaceContents(const std::string& ns) {
  for (const std::string& resource : store_->Resources()) {
    for (const auto& [key, object] : store_->List(resource, ns + "/").objects) {
      store_->Write(resource, key, [](const ObjectPtr& current) {
        return current ? WriteDecision{WriteDecision::Action::kDelete, {}} : WriteDecision{};
      });
      std::string prefix = resource;
      prefix.append("|").append(key).append("|");
      std::lock_guard lock(mutex_);
      for (auto it = applied_.lower_bound(prefix);
           it != applied_.end() && it->first.rfind(prefix, 0) == 0;) {
        it = applied_.erase(it);
      }
    }
  }
}

void ApiOperations::AfterWrite(const RequestScope& scope, const ObjectPtr& stored, bool deleted) {
  const ResourceType& type = *scope.type;
  if (deleted) {
    std::string prefix = type.Key() + "|" + StoreKey(scope, scope.name) + "|";
    std::lock_guard lock(mutex_);
    for (auto it = applied_.lower_bound(prefix);
         it != applied_.end() && it->first.rfind(prefix, 0) == 0;) {
      it = applied_.erase(it);
    }
  }
  if (!IsCrdType(type)) return;
  std::string why;
  ResourceTypePtr declared = ResourceTypeFromCrd(*stored, &why);
  if (!declared) return;
  if (deleted) {
    registry_->Remove(declared->Key());
    store_->DropResource(declared->Key());
  } else {
    registry_->Add(declared);
  }
}

}  // namespace atrium::testing

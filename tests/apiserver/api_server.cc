#include "tests/apiserver/api_server.h"

#include <thread>
#include <utility>

#include "controller/manifests/yaml_json.h"
#include "tests/apiserver/api_operations.h"
#include "tests/apiserver/gateway_api_crds.h"
#include "tests/apiserver/http_frontend.h"
#include "tests/apiserver/object_store.h"
#include "tests/apiserver/request_stats.h"
#include "tests/apiserver/resource_registry.h"
#include "tests/apiserver/tls_material.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

std::string MetaString(const json& object, const char* key) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const json& meta = object["metadata"];
  auto it = meta.find(key);
  return it != meta.end() && it->is_string() ? it->get<std::string>() : "";
}

ApiResult NoSuchResource(std::string_view what) {
  return StatusError(404, "NotFound",
                     "the server doesn't have a resource type \"" + std::string(what) + "\"");
}

}  // namespace

ApiServer::ApiServer(ApiServerOptions options)
    : options_(std::move(options)),
      store_(std::make_unique<ObjectStore>(options_.history_limit)),
      registry_(std::make_unique<ResourceRegistry>()),
      operations_(std::make_unique<ApiOperations>(
          store_.get(), registry_.get(),
          ApiOperations::Options{.require_namespaces = options_.require_namespaces})),
      faults_(std::make_unique<FaultInjector>()),
      stats_(std::make_unique<RequestStats>()),
      auth_(std::make_unique<Authenticator>()) {
  auth_->SetToken(options_.token);
  operations_->Bootstrap();
  if (options_.gateway_api) InstallGatewayApi();
}

ApiServer::~ApiServer() { Stop(); }

void ApiServer::SetError(std::string error) {
  std::lock_guard lock(state_mutex_);
  error_ = std::move(error);
}

bool ApiServer::Start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (frontend_) return true;
  if (options_.tls && ca_pem().empty()) {
    std::string why;
    std::optional<TlsMaterial> material = GenerateTlsMaterial(&why);
    if (!material) {
      SetError(why);
      return false;
    }
    std::lock_guard state_lock(state_mutex_);
    tls_material_ = std::make_shared<const TlsMaterial>(std::move(*material));
  }
  if (port_ == 0) port_ = options_.port;
  return StartLocked();
}

bool ApiServer::StartLocked() {
  FrontendConfig config;
  config.address = options_.address;
  config.port = port_;
  {
    std::lock_guard state_lock(state_mutex_);
    config.tls = tls_material_;
  }
  config.bookmark_interval = options_.bookmark_interval;
  config.default_watch_timeout = options_.default_watch_timeout;
  auto frontend = std::make_unique<HttpFrontend>(operations_.get(), faults_.get(), stats_.get(),
                                                 auth_.get(), config);
  std::string why;
  if (!frontend->Start(&why)) {
    SetError(why);
    return false;
  }
  port_ = frontend->port();
  frontend_ = std::move(frontend);
  running_ = true;
  return true;
}

void ApiServer::StopLocked() {
  running_ = false;
  if (frontend_) frontend_->Stop();
  frontend_.reset();
}

void ApiServer::Stop() {
  std::lock_guard lock(lifecycle_mutex_);
  StopLocked();
}

bool ApiServer::Restart(const RestartOptions& restart) {
  std::lock_guard lock(lifecycle_mutex_);
  if (!frontend_) {
    SetError("Restart: the server is not running");
    return false;
  }
  StopLocked();
  if (restart.compact) store_->Compact();
  if (restart.downtime.count() > 0) std::this_thread::sleep_for(restart.downtime);
  return StartLocked();
}

bool ApiServer::running() const { return running_; }

std::string ApiServer::error() const {
  std::lock_guard lock(state_mutex_);
  return error_;
}

int ApiServer::port() const { return port_; }

std::string ApiServer::url() const {
  return std::string(options_.tls ? "https://" : "http://") + options_.address + ":" +
         std::to_string(port());
}

std::string ApiServer::token() const { return auth_->token(); }

void ApiServer::SetToken(std::string token) { auth_->SetToken(std::move(token)); }

std::string ApiServer::ca_pem() const {
  std::lock_guard lock(state_mutex_);
  return tls_material_ ? tls_material_->ca_pem : "";
}

bool ApiServer::WriteKubeconfig(const std::string& path, const KubeconfigOptions& options) const {
  KubeconfigTarget target{url(), token(), ca_pem()};
  std::string why;
  return atrium::testing::WriteKubeconfig(path, target, options, &why);
}

ApiResult ApiServer::Create(json object) {
  ResourceTypePtr type =
      registry_->FindByKind(object.value("apiVersion", ""), object.value("kind", ""));
  if (!type) return NoSuchResource(object.value("apiVersion", "") + "/" + object.value("kind", ""));
  std::string ns = MetaString(object, "namespace");
  if (type->namespaced && ns.empty()) ns = "default";
  RequestScope scope{type, type->versions.front(), type->namespaced ? ns : "", "", ""};
  scope.version = SplitApiVersion(object.value("apiVersion", "")).second;
  WriteOptions write;
  write.keep_status = true;
  return operations_->Create(scope, std::move(object), write);
}

ApiResult ApiServer::Update(json object) {
  ResourceTypePtr type =
      registry_->FindByKind(object.value("apiVersion", ""), object.value("kind", ""));
  if (!type) return NoSuchResource(object.value("apiVersion", "") + "/" + object.value("kind", ""));
  std::string ns = MetaString(object, "namespace");
  if (type->namespaced && ns.empty()) ns = "default";
  RequestScope scope{type, SplitApiVersion(object.value("apiVersion", "")).second,
                     type->namespaced ? ns : "", MetaString(object, "name"), ""};
  return operations_->Update(scope, std::move(object), {});
}

ApiResult ApiServer::UpdateStatus(json object) {
  ResourceTypePtr type =
      registry_->FindByKind(object.value("apiVersion", ""), object.value("kind", ""));
  if (!type) return NoSuchResource(object.value("apiVersion", "") + "/" + object.value("kind", ""));
  if (!type->has_status) return NoSuchResource(type->plural + "/status");
  std::string ns = MetaString(object, "namespace");
  if (type->namespaced && ns.empty()) ns = "default";
  RequestScope scope{type, SplitApiVersion(object.value("apiVersion", "")).second,
                     type->namespaced ? ns : "", MetaString(object, "name"), "status"};
  return operations_->Update(scope, std::move(object), {});
}

ApiResult ApiServer::Patch(std::string_view resource, std::string_view ns, std::string_view name,
                           PatchType type, const json& patch) {
  ResourceTypePtr rt = registry_->FindByName(resource);
  if (!rt) return NoSuchResource(resource);
  RequestScope scope{rt, rt->versions.front(), rt->namespaced ? std::string(ns) : "",
                     std::string(name), ""};
  WriteOptions write;
  write.field_manager = "atrium-test";
  return operations_->Patch(scope, type, patch, write);
}

ApiResult ApiServer::Apply(json object, const std::string& field_manager) {
  ResourceTypePtr type =
      registry_->FindByKind(object.value("apiVersion", ""), object.value("kind", ""));
  if (!type) return NoSuchResource(object.value("apiVersion", "") + "/" + object.value("kind", ""));
  std::string ns = MetaString(object, "namespace");
  if (type->namespaced && ns.empty()) ns = "default";
  RequestScope scope{type, SplitApiVersion(object.value("apiVersion", "")).second,
                     type->namespaced ? ns : "", MetaString(object, "name"), ""};
  WriteOptions write;
  write.field_manager = field_manager;
  write.force = true;
  return operations_->Patch(scope, PatchType::kApply, object, write);
}

std::vector<ApiResult> ApiServer::ApplyYaml(std::string_view yaml,
                                            const std::string& field_manager) {
  manifests::YamlParseResult parsed = manifests::ParseYamlDocuments(yaml);
  if (!parsed.error.empty()) return {BadRequest("invalid YAML: " + parsed.error)};
  std::vector<ApiResult> results;
  for (manifests::YamlDocument& document : parsed.documents) {
    if (document.object.is_null()) continue;
    results.push_back(Apply(std::move(document.object), field_manager));
  }
  return results;
}

ApiResult ApiServer::Delete(std::string_view resource, std::string_view ns, std::string_view name) {
  ResourceTypePtr rt = registry_->FindByName(resource);
  if (!rt) return NoSuchResource(resource);
  RequestScope scope{rt, rt->versions.front(), rt->namespaced ? std::string(ns) : "",
                     std::string(name), ""};
  return operations_->Delete(scope, json::object(), {});
}

std::optional<json> ApiServer::Get(std::string_view resource, std::string_view ns,
                                   std::string_view name) const {
  ResourceTypePtr rt = registry_->FindByName(resource);
  if (!rt) return std::nullopt;
  RequestScope scope{rt, rt->versions.front(), rt->namespaced ? std::string(ns) : "",
                     std::string(name), ""};
  ObjectPtr object = store_->Get(rt->Key(), ApiOperations::StoreKey(scope, scope.name));
  if (!object) return std::nullopt;
  return ApiOperations::Output(scope, *object);
}

std::vector<json> ApiServer::List(std::string_view resource, std::string_view ns) const {
  ResourceTypePtr rt = registry_->FindByName(resource);
  if (!rt) return {};
  RequestScope scope{rt, rt->versions.front(), rt->namespaced ? std::string(ns) : "", "", ""};
  std::vector<json> objects;
  for (const auto& [key, object] :
       store_->List(rt->Key(), ApiOperations::KeyPrefix(scope)).objects) {
    objects.push_back(ApiOperations::Output(scope, *object));
  }
  return objects;
}

bool ApiServer::WaitFor(std::string_view resource, std::string_view ns, std::string_view name,
                        const std::function<bool(const json* object)>& pred,
                        std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int64_t rv = store_->rv();
    std::optional<json> object = Get(resource, ns, name);
    if (pred(object ? &*object : nullptr)) return true;
    if (!store_->WaitForChange(rv, deadline)) return false;
  }
}

int64_t ApiServer::resource_version() const { return store_->rv(); }

bool ApiServer::InstallGatewayApi() {
  bool ok = true;
  for (json& crd : GatewayApiCrds()) {
    ApiResult result = Create(std::move(crd));
    ok = ok && (result.ok() || result.reason() == "AlreadyExists");
  }
  return ok;
}

bool ApiServer::UninstallGatewayApi() {
  bool ok = true;
  for (const json& crd : GatewayApiCrds()) {
    ApiResult result =
        Delete("customresourcedefinitions", "", crd["metadata"]["name"].get<std::string>());
    ok = ok && (result.ok() || result.reason() == "NotFound");
  }
  return ok;
}

bool ApiServer::gateway_api_installed() const {
  return registry_->Find(kGatewayApiGroup, "v1", "httproutes") != nullptr;
}

void ApiServer::DropWatches() { store_->DropWatches(); }

void ApiServer::FailRequests(FailureRule rule) { faults_->AddFailure(std::move(rule)); }

void ApiServer::SetResponseDelay(std::chrono::milliseconds delay) { faults_->SetDelay(delay); }

void ApiServer::ClearFaults() { faults_->Clear(); }

void ApiServer::Compact() { store_->Compact(); }

void ApiServer::SendBookmarks() { store_->RequestBookmarks(); }

size_t ApiServer::open_watches() const { return store_->open_watches(); }

bool ApiServer::WaitForOpenWatches(size_t n, std::chrono::milliseconds timeout) const {
  return store_->WaitForOpenWatches([n](size_t open) { return open >= n; },
                                    std::chrono::steady_clock::now() + timeout);
}

bool ApiServer::WaitForNoWatches(std::chrono::milliseconds timeout) const {
  return store_->WaitForOpenWatches([](size_t open) { return open == 0; },
                                    std::chrono::steady_clock::now() + timeout);
}

uint64_t ApiServer::RequestCount(std::string_view verb, std::string_view resource) const {
  return stats_->Count(verb, resource);
}

std::map<std::string, uint64_t> ApiServer::RequestCounts() const { return stats_->Snapshot(); }

void ApiServer::ResetRequestCounts() { stats_->Reset(); }

uint64_t ApiServer::injected_failures() const { return faults_->injected_failures(); }

size_t ApiServer::delayed_requests() const { return faults_->delayed_requests(); }

}  // namespace atrium::testing

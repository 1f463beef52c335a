#include "controller/core/reconciler.h"

#include <algorithm>
#include <set>

#include "base/log.h"
#include "controller/admin/control_plane_metrics.h"

namespace atrium::core {
namespace {

// ServiceOf returns "namespace/name" of the Service a backend name
// ("namespace/service:port") refers to.
std::string ServiceOf(const std::string& backend_name) {
  return backend_name.substr(0, backend_name.rfind(':'));
}

std::vector<std::string> ReferencedServices(const ir::RouteConfig& config) {
  std::set<std::string> services;
  auto add_filters = [&services](const ir::Filters& filters) {
    for (const ir::RequestMirror& mirror : filters.mirrors) {
      services.insert(ServiceOf(mirror.backend_name));
    }
  };
  for (const ir::Listener& listener : config.listeners) {
    for (const ir::VirtualHost& vhost : listener.virtual_hosts) {
      for (const ir::Route& route : vhost.routes) {
        add_filters(route.filters);
        for (const ir::Backend& backend : route.backends) {
          services.insert(ServiceOf(backend.name));
          add_filters(backend.filters);
        }
      }
    }
  }
  return {services.begin(), services.end()};
}

// ReferencedSecrets walks Gateway certificateRefs and Ingress spec.tls.
std::vector<std::string> ReferencedSecrets(const state::ClusterState& state) {
  std::set<std::string> secrets;
  for (const auto& [key, gateway] : state.gateways) {
    const std::string ns = gateway["metadata"].value("namespace", "default");
    const nlohmann::json* listeners = nullptr;
    if (gateway.contains("spec") && gateway["spec"].is_object() &&
        gateway["spec"].contains("listeners") && gateway["spec"]["listeners"].is_array()) {
      listeners = &gateway["spec"]["listeners"];
    }
    if (listeners == nullptr) continue;
    for (const auto& listener : *listeners) {
      if (!listener.is_object() || !listener.contains("tls") || !listener["tls"].is_object()) {
        continue;
      }
      const auto& refs = listener["tls"].value("certificateRefs", nlohmann::json::array());
      if (!refs.is_array()) continue;
      for (const auto& ref : refs) {
        if (!ref.is_object() || !ref.contains("name") || !ref["name"].is_string()) continue;
        secrets.insert(ref.value("namespace", ns) + "/" + ref["name"].get<std::string>());
      }
    }
  }
  for (const auto& [key, ingress] : state.ingresses) {
    const std::string ns = ingress["metadata"].value("namespace", "default");
    if (!ingress.contains("spec") || !ingress["spec"].is_object()) continue;
    const auto& tls = ingress["spec"].value("tls", nlohmann::json::array());
    if (!tls.is_array()) continue;
    for (const auto& entry : tls) {
      if (entry.is_object() && entry.contains("secretName") && entry["secretName"].is_string()) {
        secrets.insert(ns + "/" + entry["secretName"].get<std::string>());
      }
    }
  }
  return {secrets.begin(), secrets.end()};
}

bool Contains(const std::vector<std::string>& sorted, const std::string& value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

}  // namespace

Reconciler::Reconciler(ReconcilerOptions options, table::TablePublisher& publisher,
                       admin::ControlPlaneMetrics* metrics)
    : options_(std::move(options)), publisher_(publisher), metrics_(metrics) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::MarkDirtyLocked() {
  const Clock::time_point now = Clock::now();
  if (!first_change_) first_change_ = now;
  last_change_ = now;
  dirty_ = true;
  changed_.notify_all();
}

void Reconciler::ReplaceState(state::ClusterState state, std::vector<std::string> source_problems) {
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
  source_problems_ = std::move(source_problems);
  MarkDirtyLocked();
}

bool Reconciler::IsRelevantLocked(std::string_view kind, const nlohmann::json& object) const {
  if (kind == state::kEndpointSlice) {
    const nlohmann::json& metadata = object.value("metadata", nlohmann::json::object());
    const nlohmann::json& labels = metadata.value("labels", nlohmann::json::object());
    std::string service = labels.value("kubernetes.io/service-name", "");
    return Contains(referenced_services_, metadata.value("namespace", "") + "/" + service);
  }
  if (kind == state::kService) {
    return Contains(referenced_services_, state::ObjectKey(object)) ||
           !options_.translate.publish_addresses.empty();
  }
  if (kind == state::kSecret) return Contains(referenced_secrets_, state::ObjectKey(object));
  return true;
}

void Reconciler::Upsert(std::string_view kind, nlohmann::json object) {
  std::lock_guard lock(mutex_);
  state::ObjectMap* map = state_.MapFor(kind);
  if (map == nullptr) return;
  std::string key = state::ObjectKey(object);
  auto it = map->find(key);
  if (it != map->end() && it->second == object) return;
  // A service the live table did not use becomes relevant only if some
  // route starts using it, which that route's own event reports.
  bool relevant = !published_once_ || IsRelevantLocked(kind, object) ||
                  (it != map->end() && IsRelevantLocked(kind, it->second));
  (*map)[key] = std::move(object);
  if (relevant) MarkDirtyLocked();
}

void Reconciler::Remove(std::string_view kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  state::ObjectMap* map = state_.MapFor(kind);
  if (map == nullptr) return;
  auto it = map->find(key);
  if (it == map->end()) return;
  bool relevant = !published_once_ || IsRelevantLocked(kind, it->second);
  map->erase(it);
  if (relevant) MarkDirtyLocked();
}

void Reconciler::SetSynced(bool synced) {
  std::lock_guard lock(mutex_);
  synced_ = synced;
  if (synced) MarkDirtyLocked();
}

void Reconciler::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void Reconciler::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Reconciler::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || (dirty_ && synced_); });
    if (stopping_) return;
    // Coalesce: wait until the world has been quiet for the hold-off, or
    // the maximum hold-off since the first change has passed.
    while (!stopping_) {
      const Clock::time_point quiet_at = last_change_ + options_.holdoff;
      const Clock::time_point latest = *first_change_ + options_.max_holdoff;
      const Clock::time_point until = std::min(quiet_at, latest);
      if (Clock::now() >= until) break;
      changed_.wait_until(lock, until);
    }
    if (stopping_) return;
    dirty_ = false;
    std::optional<Clock::time_point> first_change = first_change_;
    first_change_.reset();
    state::ClusterState state = state_;
    std::vector<std::string> source_problems = source_problems_;
    lock.unlock();
    ReconcileOnce(std::move(state), std::move(source_problems), first_change);
    lock.lock();
    ++reconciles_;
    changed_.notify_all();
  }
}

void Reconciler::ReconcileOnce(state::ClusterState state, std::vector<std::string> source_problems,
                               std::optional<Clock::time_point> first_change) {
  const Clock::time_point translate_start = Clock::now();
  translate::Result result = translate::Translate(state, options_.translate);
  const Clock::time_point translate_end = Clock::now();
  if (metrics_ != nullptr) metrics_->ObserveTranslate(translate_end - translate_start);

  for (const translate::Problem& problem : result.problems) {
    log::Warn("translate", "object rejected",
              {{"kind", problem.kind},
               {"namespace", problem.ns},
               {"name", problem.name},
               {"reason", problem.reason}});
  }
  if (metrics_ != nullptr && !result.problems.empty()) {
    metrics_->RecordConfigErrors(admin::ConfigErrorKind::kObject, result.problems.size());
  }

  nlohmann::json status = translate::ToJson(result);
  status.erase("config");
  status["source_problems"] = source_problems;

  std::vector<std::string> invalid = ir::Validate(result.config);
  std::vector<std::string> bind_errors;
  if (!invalid.empty()) {
    // Keep the last good table serving; say why in the log, status and metrics.
    for (const std::string& reason : invalid) {
      log::Error("reconciler", "configuration invalid, keeping the last good table",
                 {{"reason", reason}});
    }
    if (metrics_ != nullptr) {
      metrics_->RecordConfigErrors(admin::ConfigErrorKind::kValidate, invalid.size());
    }
  } else if (live_config_ && *live_config_ == result.config) {
    if (metrics_ != nullptr) metrics_->RecordSkippedPublish();
  } else {
    std::vector<std::string> compile_errors;
    const Clock::time_point compile_start = Clock::now();
    auto table = table::RouteTable::Compile(result.config, ++generation_, &compile_errors);
    const std::vector<table::ListenerKey> listeners = table->Listeners();
    publisher_.Publish(std::move(table));
    const Clock::time_point published = Clock::now();
    for (const std::string& error : compile_errors) {
      log::Warn("compile", "route left out", {{"reason", error}});
    }
    if (metrics_ != nullptr) {
      metrics_->ObserveCompile(published - compile_start);
      metrics_->RecordPublish(generation_, std::chrono::system_clock::now());
      if (first_change) metrics_->ObservePropagation(published - *first_change);
      if (!compile_errors.empty()) {
        metrics_->RecordConfigErrors(admin::ConfigErrorKind::kCompile, compile_errors.size());
      }
    }
    log::Info("reconciler", "route table published",
              {{"generation", std::to_string(generation_)},
               {"listeners", std::to_string(listeners.size())}});
    live_config_ = std::move(result.config);
    if (listener_sync_) bind_errors = listener_sync_(listeners);
    for (const std::string& error : bind_errors) {
      log::Error("proxy", "listener not bound", {{"reason", error}});
    }
    status["compile_errors"] = compile_errors;
  }
  status["validation_errors"] = invalid;
  status["bind_errors"] = bind_errors;
  status["generation"] = publisher_.generation();

  if (status_sink_) status_sink_(result.statuses);

  std::vector<std::string> services =
      live_config_ ? ReferencedServices(*live_config_) : std::vector<std::string>{};
  std::vector<std::string> secrets = ReferencedSecrets(state);
  std::lock_guard lock(mutex_);
  status_json_ = std::move(status);
  referenced_services_ = std::move(services);
  referenced_secrets_ = std::move(secrets);
  published_once_ = published_once_ || live_config_.has_value();
}

bool Reconciler::WaitForGeneration(uint64_t generation, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return publisher_.generation() >= generation; });
}

bool Reconciler::WaitForReconcile(uint64_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return reconciles_ >= count; });
}

uint64_t Reconciler::reconcile_count() const {
  std::lock_guard lock(mutex_);
  return reconciles_;
}

nlohmann::json Reconciler::StatusJson() const {
  std::lock_guard lock(mutex_);
  return status_json_;
}

}  // namespace atrium::core

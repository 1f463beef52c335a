#include "controller/kube/informer.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

#include "base/log.h"
#include "base/thread_cache.h"
#include "controller/state/cluster_state.h"

namespace atrium::kube {
namespace {

constexpr std::string_view kComponent = "kube";
// A watch is ended by the client this long after the server should have
// ended it (timeoutSeconds): a connection that lost the server's close.
constexpr std::chrono::seconds kWatchGrace{60};

std::string MetadataString(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto value = metadata->find(field);
  if (value == metadata->end() || !value->is_string()) return "";
  return value->get<std::string>();
}

std::string Millis(std::chrono::milliseconds delay) { return std::to_string(delay.count()) + "ms"; }

}  // namespace

Informer::Informer(KubeClient& client, ResourceKind kind, InformerOptions options,
                   InformerCallbacks callbacks, KubeMetrics* metrics)
    : client_(client),
      kind_(std::move(kind)),
      options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      log_scope_(kind_.namespaced && !options_.ns.empty() ? kind_.kind + " in " + options_.ns
                                                          : kind_.kind),
      random_(options_.seed) {
  if (metrics != nullptr) metrics_ = metrics->ForKind(kind_.kind);
}

Informer::~Informer() { Stop(); }

void Informer::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void Informer::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

std::string Informer::resource_version() const {
  std::lock_guard lock(version_mutex_);
  return resource_version_;
}

void Informer::SetResourceVersion(std::string version) {
  if (version.empty()) return;
  std::lock_guard lock(version_mutex_);
  resource_version_ = std::move(version);
}

void Informer::MarkSynced() {
  if (metrics_) metrics_->Synced();
  if (synced_.exchange(true)) return;
  if (callbacks_.on_synced) callbacks_.on_synced();
}

std::string Informer::SelectorQuery() const {
  std::string query;
  if (!options_.label_selector.empty()) {
    query += "&labelSelector=" + EscapeQuery(options_.label_selector);
  }
  if (!options_.field_selector.empty()) {
    query += "&fieldSelector=" + EscapeQuery(options_.field_selector);
  }
  return query;
}

void Informer::Run(std::stop_token stop) {
  Backoff backoff(options_.backoff, options_.seed);
  bool need_list = true;
  bool listed_once = false;
  while (!stop.stop_requested()) {
    if (need_list) {
      std::optional<std::chrono::seconds> retry_after;
      ListOutcome listed = List(stop, &retry_after);
      if (listed == ListOutcome::kStopped) return;
      if (listed == ListOutcome::kAbsent) {
        if (served_.exchange(false)) {
          log::Warn(kComponent,
                    "API not served (CRD not installed?); treating the kind as synced with no "
                    "objects and checking again periodically",
                    {{"kind", log_scope_},
                     {"api", kind_.ApiVersion()},
                     {"retry_every", Millis(options_.absent_retry)}});
        }
        // The CRD may have been removed: its objects went with it.
        std::vector<std::string> gone;
        for (const auto& [key, version] : known_) gone.push_back(key);
        for (const std::string& key : gone) Delete(key);
        listed_once = false;
        backoff.Reset();
        MarkSynced();
        if (!SleepFor(stop, options_.absent_retry)) return;
        continue;
      }
      if (listed == ListOutcome::kError) {
        std::chrono::milliseconds delay = backoff.Next(retry_after);
        log::Warn(kComponent, "LIST failed; retrying",
                  {{"kind", log_scope_}, {"retry_in", Millis(delay)}});
        if (!SleepFor(stop, delay)) return;
        continue;
      }
      if (listed_once && metrics_) metrics_->Relisted();
      listed_once = true;
      need_list = false;
      backoff.Reset();
      MarkSynced();
    }

    std::optional<std::chrono::seconds> retry_after;
    const WatchOutcome outcome = Watch(stop, &retry_after);
    if (outcome == WatchOutcome::kStopped) return;
    if (metrics_) metrics_->WatchRestarted();
    if (outcome == WatchOutcome::kResume) {
      backoff.Reset();
      continue;
    }
    if (outcome == WatchOutcome::kRelist) {
      need_list = true;
      continue;
    }
    std::chrono::milliseconds delay = backoff.Next(retry_after);
    if (!SleepFor(stop, delay)) return;
  }
}

Informer::ListOutcome Informer::List(const std::stop_token& stop,
                                     std::optional<std::chrono::seconds>* retry_after) {
  std::unordered_set<std::string> seen;
  std::string continue_token;
  std::string version;
  bool restarted = false;
  while (true) {
    std::string path = kind_.CollectionPath(options_.ns) +
                       "?limit=" + std::to_string(options_.page_size) + SelectorQuery();
    if (!continue_token.empty()) path += "&continue=" + EscapeQuery(continue_token);
    HttpResponse response = client_.Get(path, stop);
    if (response.stopped || stop.stop_requested()) return ListOutcome::kStopped;
    if (response.status == 404) return ListOutcome::kAbsent;
    if (response.status == 410 && !continue_token.empty() && !restarted) {
      // The continue token expired between pages: list again from the top.
      log::Info(kComponent, "LIST continue token expired; listing again", {{"kind", log_scope_}});
      continue_token.clear();
      restarted = true;
      continue;
    }
    if (!response.ok()) {
      *retry_after = response.retry_after;
      log::Warn(kComponent, "LIST failed", {{"kind", log_scope_}, {"error", response.Describe()}});
      return ListOutcome::kError;
    }
    nlohmann::json body = response.Json();
    if (!body.is_object() || !body.contains("items") || !body["items"].is_array()) {
      log::Warn(kComponent, "LIST answered something that is not a list", {{"kind", log_scope_}});
      return ListOutcome::kError;
    }
    // Before any object is reported, so that served() holds once one is.
    if (!served_.exchange(true)) {
      log::Info(kComponent, "API is served now; watching", {{"kind", log_scope_}});
    }
    for (nlohmann::json& item : body["items"]) {
      if (!item.is_object()) continue;
      // LIST items carry no kind or apiVersion; both sources set them.
      item["kind"] = kind_.kind;
      item["apiVersion"] = kind_.ApiVersion();
      seen.insert(state::ObjectKey(item));
      Upsert(std::move(item));
    }
    const nlohmann::json& metadata = body.value("metadata", nlohmann::json::object());
    version = metadata.value("resourceVersion", "");
    continue_token =
        metadata.is_object() && metadata.contains("continue") && metadata["continue"].is_string()
            ? metadata["continue"].get<std::string>()
            : "";
    if (continue_token.empty()) break;
  }
  std::vector<std::string> gone;
  for (const auto& [key, object_version] : known_) {
    if (!seen.contains(key)) gone.push_back(key);
  }
  for (const std::string& key : gone) Delete(key);
  SetResourceVersion(std::move(version));
  return ListOutcome::kOk;
}

Informer::WatchOutcome Informer::Watch(const std::stop_token& stop,
                                       std::optional<std::chrono::seconds>* retry_after) {
  const int64_t min_seconds = options_.watch_timeout_min.count();
  const int64_t max_seconds = std::max(min_seconds, options_.watch_timeout_max.count());
  const int64_t timeout_seconds =
      std::uniform_int_distribution<int64_t>(min_seconds, max_seconds)(random_);
  const std::string path =
      kind_.CollectionPath(options_.ns) +
      "?watch=true&allowWatchBookmarks=true&resourceVersion=" + EscapeQuery(resource_version()) +
      "&timeoutSeconds=" + std::to_string(timeout_seconds) + SelectorQuery();
  WatchOptions watch_options;
  watch_options.on_quiet = base::ReleaseThreadCache;
  watch_options.idle_timeout = options_.watch_idle_timeout;
  watch_options.max_duration = std::chrono::seconds(timeout_seconds) + kWatchGrace;

  WatchOutcome outcome = WatchOutcome::kResume;
  const auto started = std::chrono::steady_clock::now();
  WatchResult result = client_.Watch(
      path, [this, &outcome](std::string_view line) { return HandleEvent(line, &outcome); }, stop,
      watch_options);
  const bool healthy =
      result.lines > 0 || std::chrono::steady_clock::now() - started >= options_.min_healthy_watch;
  switch (result.end) {
    case WatchEnd::kStopped:
      return WatchOutcome::kStopped;
    case WatchEnd::kAborted:
      return outcome;
    case WatchEnd::kHttpError:
      if (result.response.status == 410 || result.response.status == 404) {
        // 410: our version is compacted. 404: the API went away (its CRD
        // was deleted); the LIST tells which.
        return WatchOutcome::kRelist;
      }
      *retry_after = result.response.retry_after;
      log::Warn(kComponent, "WATCH refused",
                {{"kind", log_scope_}, {"error", result.response.Describe()}});
      return WatchOutcome::kError;
    case WatchEnd::kTransportError:
      log::Info(kComponent, "WATCH connection lost; resuming",
                {{"kind", log_scope_}, {"error", result.response.error}});
      return healthy ? WatchOutcome::kResume : WatchOutcome::kError;
    case WatchEnd::kClosed:
      return healthy ? WatchOutcome::kResume : WatchOutcome::kError;
  }
  return WatchOutcome::kError;
}

bool Informer::HandleEvent(std::string_view line, WatchOutcome* outcome) {
  nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
  if (!event.is_object() || !event.contains("type") || !event["type"].is_string()) {
    log::Warn(kComponent, "malformed watch event; watching again", {{"kind", log_scope_}});
    *outcome = WatchOutcome::kError;
    return false;
  }
  const std::string type = event["type"].get<std::string>();
  if (metrics_) metrics_->Event(type);
  nlohmann::json& object = event["object"];
  if (type == "ERROR") {
    const int code = object.is_object() ? object.value("code", 0) : 0;
    if (code == 410) {
      log::Info(kComponent, "watch history expired (410 Gone); listing again",
                {{"kind", log_scope_}});
      *outcome = WatchOutcome::kRelist;
    } else {
      std::string message = object.is_object() ? object.value("message", "") : "";
      log::Warn(kComponent, "watch ERROR event",
                {{"kind", log_scope_}, {"code", std::to_string(code)}, {"message", message}});
      *outcome = WatchOutcome::kError;
    }
    return false;
  }
  if (!object.is_object()) {
    log::Warn(kComponent, "watch event without an object; watching again",
              {{"kind", log_scope_}, {"type", type}});
    *outcome = WatchOutcome::kError;
    return false;
  }
  std::string version = MetadataString(object, "resourceVersion");
  if (type == "ADDED" || type == "MODIFIED") {
    object["kind"] = kind_.kind;
    object["apiVersion"] = kind_.ApiVersion();
    Upsert(std::move(object));
  } else if (type == "DELETED") {
    const std::string key = state::ObjectKey(object);
    if (known_.contains(key)) Delete(key);
  } else if (type != "BOOKMARK") {
    log::Warn(kComponent, "unknown watch event type; watching again",
              {{"kind", log_scope_}, {"type", type}});
    *outcome = WatchOutcome::kError;
    return false;
  }
  SetResourceVersion(std::move(version));
  if (metrics_) metrics_->Synced();
  return true;
}

void Informer::Upsert(nlohmann::json object) {
  std::string key = state::ObjectKey(object);
  if (options_.filter && !options_.filter(object)) {
    if (known_.contains(key)) Delete(key);
    return;
  }
  std::string version = MetadataString(object, "resourceVersion");
  auto it = known_.find(key);
  if (it != known_.end() && !version.empty() && it->second == version) return;  // unchanged
  known_[key] = std::move(version);
  known_count_.store(known_.size());
  // managedFields is bookkeeping of server-side apply that no part of Atrium
  // reads; it is often larger than the object itself.
  if (object.contains("metadata") && object["metadata"].is_object()) {
    object["metadata"].erase("managedFields");
  }
  if (callbacks_.on_upsert) callbacks_.on_upsert(kind_.kind, std::move(object));
}

void Informer::Delete(const std::string& key) {
  known_.erase(key);
  known_count_.store(known_.size());
  if (callbacks_.on_delete) callbacks_.on_delete(kind_.kind, key);
}

}  // namespace atrium::kube

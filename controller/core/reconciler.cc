#include "controller/core/reconciler.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/log.h"
#include "controller/admin/control_plane_metrics.h"
#include "controller/state/object_strip.h"

namespace atrium::core {
namespace {

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
    : options_(std::move(options)),
      publisher_(publisher),
      metrics_(metrics),
      coalescing_(options_.holdoff, options_.max_holdoff) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::EnqueueLocked(Event event) {
  // Only the first event of a batch wakes the reconciler; it takes the
  // whole queue at once.
  const bool wake = input_.events.empty();
  input_.events.push_back(std::move(event));
  if (wake) changed_.notify_all();
}

void Reconciler::ReplaceState(state::ClusterState state, std::vector<std::string> source_problems) {
  for (std::string_view kind : state::kAllKinds) {
    state::ObjectMap* map = state.MapFor(kind);
    if (map == nullptr) continue;  // HTTPRoutes: already decoded
    for (auto& [key, object] : *map) state::StripObject(kind, object);
  }
  std::lock_guard lock(mutex_);
  input_.replacement = std::move(state);
  input_.source_problems = std::move(source_problems);
  input_.replaced_at = Clock::now();
  input_.events.clear();  // the new world already holds their outcome
  changed_.notify_all();
}

void Reconciler::Upsert(std::string_view kind, nlohmann::json object) {
  // Stripped here, on the source's thread: the queue and the world hold
  // only what translate reads.
  state::StripObject(kind, object);
  std::string key = state::ObjectKey(object);
  Event event{std::string(kind), std::move(key), std::nullopt, std::nullopt, Clock::now()};
  if (kind == state::kHttpRoute) {
    event.route = translate::DecodeHttpRoute(object, event.key);
  } else {
    event.object = std::move(object);
  }
  std::lock_guard lock(mutex_);
  EnqueueLocked(std::move(event));
}

void Reconciler::Remove(std::string_view kind, const std::string& key) {
  std::lock_guard lock(mutex_);
  EnqueueLocked(Event{std::string(kind), key, std::nullopt, std::nullopt, Clock::now()});
}

void Reconciler::SetSynced(bool synced) {
  std::lock_guard lock(mutex_);
  if (synced && !synced_) {
    input_.synced_now = true;
    input_.synced_at = Clock::now();
  }
  synced_ = synced;
  changed_.notify_all();
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

bool Reconciler::IsRelevant(std::string_view kind, const nlohmann::json& object) const {
  if (!published_once_) return true;
  if (kind == state::kEndpointSlice) {
    return service_references_.Contains(state::SliceService(object));
  }
  if (kind == state::kService) {
    return service_references_.Contains(state::ObjectKey(object)) ||
           !options_.translate.publish_addresses.empty();
  }
  if (kind == state::kSecret) return Contains(referenced_secrets_, state::ObjectKey(object));
  return true;
}

void Reconciler::ApplyHttpRouteEvent(Event& event) {
  state::HttpRouteMap& routes = state_.http_routes;
  auto it = routes.find(event.key);
  if (!event.route) {
    if (it == routes.end()) return;
    memo_.Changed(event.kind, event.key, nullptr, nullptr);
    routes.erase(it);
    coalescing_.Changed(event.at);
    return;
  }
  // A write that changed only the resourceVersion (our own status writes,
  // echoed by the watch) leaves nothing to rebuild.
  if (it != routes.end() && translate::SameContent(it->second, *event.route)) {
    it->second = std::move(*event.route);
    return;
  }
  memo_.Changed(event.kind, event.key, nullptr, nullptr);
  routes.insert_or_assign(event.key, std::move(*event.route));
  coalescing_.Changed(event.at);
}

void Reconciler::ApplyEvent(Event& event) {
  if (event.kind == state::kHttpRoute) {
    ApplyHttpRouteEvent(event);
    return;
  }
  state::ObjectMap* map = state_.MapFor(event.kind);
  if (map == nullptr) return;
  auto it = map->find(event.key);
  if (!event.object) {
    if (it == map->end()) return;
    const bool relevant = IsRelevant(event.kind, it->second);
    memo_.Changed(event.kind, event.key, &it->second, nullptr);
    map->erase(it);
    if (relevant) coalescing_.Changed(event.at);
    return;
  }
  if (it == map->end()) {
    const bool relevant = IsRelevant(event.kind, *event.object);
    memo_.Changed(event.kind, event.key, nullptr, &*event.object);
    map->emplace(std::move(event.key), std::move(*event.object));
    if (relevant) coalescing_.Changed(event.at);
    return;
  }
  // A write that changed only the resourceVersion (our own status writes,
  // echoed by the watch) leaves nothing to rebuild.
  if (state::SameContent(it->second, *event.object)) {
    it->second = std::move(*event.object);
    return;
  }
  // A Service the live table did not use becomes relevant only if some
  // route starts using it, which that route's own event reports.
  const bool relevant = IsRelevant(event.kind, *event.object) || IsRelevant(event.kind, it->second);
  memo_.Changed(event.kind, event.key, &it->second, &*event.object);
  it->second = std::move(*event.object);
  if (relevant) coalescing_.Changed(event.at);
}

namespace {

// DiffSorted calls changed(key, before, after) for every key whose object
// came (before null), went (after null) or changed between two maps sorted
// by key: one walk over both.
template <typename Map, typename Changed>
void DiffSorted(const Map& before, const Map& after, Changed changed) {
  auto old_it = before.begin();
  auto new_it = after.begin();
  while (old_it != before.end() || new_it != after.end()) {
    if (new_it == after.end() || (old_it != before.end() && old_it->first < new_it->first)) {
      changed(old_it->first, &old_it->second, nullptr);
      ++old_it;
    } else if (old_it == before.end() || new_it->first < old_it->first) {
      changed(new_it->first, nullptr, &new_it->second);
      ++new_it;
    } else {
      using state::SameContent;
      using translate::SameContent;
      if (!SameContent(old_it->second, new_it->second)) {
        changed(new_it->first, &old_it->second, &new_it->second);
      }
      ++old_it;
      ++new_it;
    }
  }
}

}  // namespace

void Reconciler::TellMemoOfReplacement(const state::ClusterState& replacement) {
  for (std::string_view kind : state::kAllKinds) {
    const state::ObjectMap* before = state_.MapFor(kind);
    if (before == nullptr) continue;
    DiffSorted(*before, *replacement.MapFor(kind),
               [&](const std::string& key, const nlohmann::json* old_object,
                   const nlohmann::json* new_object) {
                 memo_.Changed(kind, key, old_object, new_object);
               });
  }
  DiffSorted(state_.http_routes, replacement.http_routes,
             [&](const std::string& key, const translate::HttpRouteSpec*,
                 const translate::HttpRouteSpec*) {
               memo_.Changed(state::kHttpRoute, key, nullptr, nullptr);
             });
}

void Reconciler::Apply(Input input) {
  if (input.replacement) {
    // A reloaded folder mostly holds the same objects: the memo forgets only
    // what differs, so an edit of one file translates what that file holds.
    TellMemoOfReplacement(*input.replacement);
    state_ = std::move(*input.replacement);
    source_problems_ = std::move(input.source_problems);
    coalescing_.Changed(input.replaced_at);
  }
  for (Event& event : input.events) ApplyEvent(event);
  if (input.synced_now) coalescing_.Changed(input.synced_at);
}

void Reconciler::Loop() {
  while (true) {
    Input input;
    bool synced = false;
    bool quiet = false;
    {
      std::unique_lock lock(mutex_);
      auto has_input = [this] {
        return stopping_ || input_.replacement || !input_.events.empty() || input_.synced_now;
      };
      if (coalescing_.dirty() && synced_) {
        changed_.wait_until(lock, coalescing_.Due(), has_input);
      } else if (quiet_due_) {
        quiet = !changed_.wait_for(lock, options_.quiet_after, has_input);
      } else {
        changed_.wait(lock, has_input);
      }
      if (stopping_) return;
      if (!quiet) input = std::exchange(input_, Input{});
      synced = synced_;
    }
    if (quiet) {
      quiet_due_ = false;
      last_on_quiet_ = Clock::now();
      options_.on_quiet();
      continue;
    }
    Apply(std::move(input));
    if (!coalescing_.dirty() || !synced || Clock::now() < coalescing_.Due()) continue;
    std::optional<Clock::time_point> first_change = coalescing_.Take();
    ReconcileOnce(first_change);
    quiet_due_ = options_.on_quiet != nullptr;
    const Clock::time_point now = Clock::now();
    if (quiet_due_ && options_.on_quiet_at_least_every.count() > 0 &&
        now - last_on_quiet_ >= options_.on_quiet_at_least_every) {
      // Busy for that long: run it now too, and again once quiet.
      last_on_quiet_ = now;
      options_.on_quiet();
    }
    std::lock_guard lock(mutex_);
    ++reconciles_;
    changed_.notify_all();
  }
}

void Reconciler::ReconcileOnce(std::optional<Clock::time_point> first_change) {
  const Clock::time_point translate_start = Clock::now();
  translate::Result result = translate::Translate(state_, options_.translate, &memo_);
  const Clock::time_point translate_end = Clock::now();
  if (metrics_ != nullptr) metrics_->ObserveTranslate(translate_end - translate_start);

  // Publish first: everything else a pass does (logs, status, /admin/status)
  // comes after the data plane has the change.
  auto report = std::make_shared<PassReport>();
  report->validation_errors = ir::Validate(result.config, live_config_.get());
  if (!report->validation_errors.empty()) {
    // Keep the last good table serving; say why in the log, status and metrics.
    for (const std::string& reason : report->validation_errors) {
      log::Error("reconciler", "configuration invalid, keeping the last good table",
                 {{"reason", reason}});
    }
    if (metrics_ != nullptr) {
      metrics_->RecordConfigErrors(admin::ConfigErrorKind::kValidate,
                                   report->validation_errors.size());
    }
  } else if (live_config_ && *live_config_ == result.config) {
    if (metrics_ != nullptr) metrics_->RecordSkippedPublish();
  } else {
    std::vector<std::string> compile_errors;
    const Clock::time_point compile_start = Clock::now();
    auto config = std::make_shared<const ir::RouteConfig>(std::move(result.config));
    auto table =
        table::RouteTable::Compile(config, ++generation_, &compile_errors, &compile_cache_);
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
    log::Info(
        "reconciler", "route table published",
        {{"generation", std::to_string(generation_)},
         {"listeners", std::to_string(listeners.size())},
         {"translate_ms",
          std::to_string(
              std::chrono::duration<double, std::milli>(translate_end - translate_start).count())},
         {"compile_ms",
          std::to_string(
              std::chrono::duration<double, std::milli>(published - compile_start).count())},
         {"check_ms",  // validate and compare with the live configuration
          std::to_string(
              std::chrono::duration<double, std::milli>(compile_start - translate_end).count())},
         {"queued_ms",  // first change of the pass -> translate start
          first_change ? std::to_string(std::chrono::duration<double, std::milli>(translate_start -
                                                                                  *first_change)
                                            .count())
                       : std::string("-")}});
    live_config_ = std::move(config);
    if (listener_sync_) report->bind_errors = listener_sync_(listeners);
    for (const std::string& error : report->bind_errors) {
      log::Error("proxy", "listener not bound", {{"reason", error}});
    }
    report->compile_errors = std::move(compile_errors);
  }

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

  if (status_sink_) {
    // report_ is the previous pass's (only this thread replaces it).
    status_sink_(translate::DiffStatuses(
        report_ ? report_->statuses : std::vector<translate::SharedStatus>{}, result.statuses));
  }
  if (problem_sink_) problem_sink_(result.problems, state_);

  service_references_.Update(live_config_);
  referenced_secrets_ = ReferencedSecrets(state_);
  published_once_ = published_once_ || live_config_ != nullptr;

  report->statuses = std::move(result.statuses);
  report->problems = std::move(result.problems);
  report->source_problems = source_problems_;
  report->generation = publisher_.generation();
  std::shared_ptr<const PassReport> previous;
  {
    std::lock_guard lock(mutex_);
    previous = std::exchange(report_, std::move(report));
  }
  previous.reset();  // freed outside the lock
}

bool Reconciler::WaitForGeneration(uint64_t generation, std::chrono::milliseconds timeout) const {
  // The pass's report, not the publisher: a caller woken between the publish
  // and the end of that pass would read the previous pass's StatusJson.
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout,
                           [&] { return report_ != nullptr && report_->generation >= generation; });
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
  std::shared_ptr<const PassReport> report;
  {
    std::lock_guard lock(mutex_);
    report = report_;
  }
  if (report == nullptr) return nlohmann::json::object();
  nlohmann::json status = {{"statuses", translate::StatusesToJson(report->statuses)},
                           {"problems", translate::ProblemsToJson(report->problems)},
                           {"source_problems", report->source_problems},
                           {"validation_errors", report->validation_errors},
                           {"bind_errors", report->bind_errors},
                           {"generation", report->generation}};
  if (report->compile_errors) status["compile_errors"] = *report->compile_errors;
  return status;
}

}  // namespace atrium::core

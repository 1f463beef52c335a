#pragma once

// Reconciler is the single, serialized writer of the route table. Sources
// (the API server informers, or the --manifests DIR watcher) only change the
// stored objects and mark the world dirty; the reconciler's own thread
// coalesces bursts (a hold-off delay, bounded by a maximum hold-off; an
// isolated change goes through at once), then
// runs translate -> validate -> compile -> publish (RCU) -> status.
//
// It is level-based: each pass reads the whole current state, never the
// event that woke it. An unchanged configuration is not re-published; a
// configuration that fails validation keeps the last good table serving.
//
// The reconciler thread owns the stored world. Sources only queue events
// (an object, stripped of what nothing reads, or a deletion); the thread
// drains the queue into the world before each pass, so a pass needs no copy
// of the world and sources never wait for a pass.
//
// Threading: every public method may be called from any thread. Translate,
// compile, publish and the callbacks run on the reconciler thread only.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/core/coalescing.h"
#include "controller/core/service_references.h"
#include "controller/ir/route_config.h"
#include "controller/state/cluster_state.h"
#include "controller/translate/route_memo.h"
#include "controller/translate/status_delta.h"
#include "controller/translate/translate.h"
#include "proxy/table/route_table.h"
#include "proxy/table/table_publisher.h"

namespace atrium::admin {
class ControlPlaneMetrics;
}

namespace atrium::core {

using Clock = std::chrono::steady_clock;

struct ReconcilerOptions {
  translate::Options translate;
  // Wait this long after a change of a burst for more changes before
  // reconciling (a change with at most one other this close before it is
  // reconciled at once: there is no burst to coalesce it with; see
  // coalescing.h)...
  std::chrono::milliseconds holdoff{2};
  // ...but never longer than this after the first change of a burst.
  std::chrono::milliseconds max_holdoff{50};
  // Called on the reconciler thread once no change has come for quiet_after
  // since the last pass (once per quiet period). Atrium gives the allocator's
  // free pages back to the system there (base::ReleaseFreeMemory): a pass
  // over thousands of routes leaves megabytes of free spans that would
  // otherwise stay resident until the next burst.
  std::function<void()> on_quiet;
  std::chrono::milliseconds quiet_after{200};
  // A steady stream of changes (passes closer together than quiet_after,
  // for seconds: route edits while routes keep changing) is never quiet;
  // on_quiet then also runs after a pass when it last ran this long ago,
  // so that the passes' free spans do not pile up meanwhile. 0: only when
  // quiet.
  std::chrono::milliseconds on_quiet_at_least_every{1000};
};

// ListenerSync binds the sockets a newly published table needs and returns
// bind errors (the proxy's SyncListeners).
using ListenerSync =
    std::function<std::vector<std::string>(const std::vector<table::ListenerKey>&)>;
// StatusSink receives how the statuses computed by each reconcile differ
// from the previous reconcile's (the status writer in cluster mode). Called
// on the reconciler thread.
using StatusSink = std::function<void(const translate::StatusDelta&)>;
// ProblemSink receives translate's problems of each reconcile with the state
// they were computed from (cluster mode: Warning Events). Called on the
// reconciler thread after the StatusSink.
using ProblemSink =
    std::function<void(const std::vector<translate::Problem>&, const state::ClusterState&)>;

class Reconciler {
 public:
  Reconciler(ReconcilerOptions options, table::TablePublisher& publisher,
             admin::ControlPlaneMetrics* metrics);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void set_listener_sync(ListenerSync sync) { listener_sync_ = std::move(sync); }
  void set_status_sink(StatusSink sink) { status_sink_ = std::move(sink); }
  void set_problem_sink(ProblemSink sink) { problem_sink_ = std::move(sink); }

  // ReplaceState swaps in a whole new world (the manifests source) together
  // with the problems the source found while reading it.
  void ReplaceState(state::ClusterState state, std::vector<std::string> source_problems);

  // Upsert and Remove apply one informer event. Events that cannot change
  // the route table (an EndpointSlice of a Service no route uses, a Secret no
  // listener references) update the store without a rebuild.
  void Upsert(std::string_view kind, nlohmann::json object);
  void Remove(std::string_view kind, const std::string& key);

  // SetSynced tells whether every source has finished its initial listing.
  // Nothing is published before that.
  void SetSynced(bool synced);

  void Start();
  void Stop();

  // WaitForGeneration blocks until a pass that published at least
  // generation has finished (its status and StatusJson included) or the
  // deadline passes; returns whether it got there.
  bool WaitForGeneration(uint64_t generation, std::chrono::milliseconds timeout) const;
  // WaitForReconcile blocks until at least count passes have finished.
  bool WaitForReconcile(uint64_t count, std::chrono::milliseconds timeout) const;
  uint64_t reconcile_count() const;

  // StatusJson is /admin/status: every object's computed status, translate
  // problems, source problems and bind errors. Any thread.
  nlohmann::json StatusJson() const;

 private:
  // Input is what sources handed over since the reconciler last looked:
  // object events in arrival order, or a whole new world that replaces the
  // stored one (and every event queued before it).
  struct Event {
    std::string kind;
    std::string key;
    std::optional<nlohmann::json> object;  // nullopt: deletion (or an HTTPRoute)
    // An HTTPRoute is decoded by the source's thread, before it is queued.
    std::optional<translate::HttpRouteSpec> route;
    Clock::time_point at;
  };
  struct Input {
    std::optional<state::ClusterState> replacement;
    std::vector<std::string> source_problems;
    Clock::time_point replaced_at;
    std::vector<Event> events;
    bool synced_now = false;  // SetSynced(true) since the last look
    Clock::time_point synced_at;
  };

  // PassReport is what one pass found, kept for /admin/status and rendered
  // only when asked for (rendering thousands of statuses on every pass
  // would delay the next one).
  struct PassReport {
    std::vector<translate::SharedStatus> statuses;
    std::vector<translate::Problem> problems;
    std::vector<std::string> source_problems;
    std::optional<std::vector<std::string>> compile_errors;  // set when a table was compiled
    std::vector<std::string> validation_errors;
    std::vector<std::string> bind_errors;
    uint64_t generation = 0;
  };

  void EnqueueLocked(Event event);
  void Loop();
  // Apply brings the stored world up to date with input (reconciler thread).
  void Apply(Input input);
  // TellMemoOfReplacement reports to memo_ every object replacement adds,
  // removes or changes against state_.
  void TellMemoOfReplacement(const state::ClusterState& replacement);
  void ApplyEvent(Event& event);
  void ApplyHttpRouteEvent(Event& event);
  void ReconcileOnce(std::optional<Clock::time_point> first_change);
  bool IsRelevant(std::string_view kind, const nlohmann::json& object) const;

  ReconcilerOptions options_;
  table::TablePublisher& publisher_;
  admin::ControlPlaneMetrics* metrics_;
  ListenerSync listener_sync_;
  StatusSink status_sink_;
  ProblemSink problem_sink_;

  // Guarded by mutex_: the hand-over from sources and what readers see.
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Input input_;
  bool synced_ = false;
  bool stopping_ = false;
  uint64_t reconciles_ = 0;
  std::shared_ptr<const PassReport> report_;

  // Reconciler thread only (the thread owns the world: sources never touch
  // it, so a pass reads it without a copy and without a lock).
  state::ClusterState state_;
  std::vector<std::string> source_problems_;
  bool quiet_due_ = false;                          // a pass ran since on_quiet was last called
  Clock::time_point last_on_quiet_ = Clock::now();  // reconciler thread only
  Coalescing coalescing_;  // when the changes applied since the last pass are reconciled
  bool published_once_ = false;
  // What the live table references, so unrelated events skip the rebuild.
  ServiceReferences service_references_;
  std::vector<std::string> referenced_secrets_;  // sorted "namespace/name"
  // The live configuration, shared with the live table (no second copy)
  // and with compile_cache_, which lets each compile reuse every virtual
  // host that did not change.
  std::shared_ptr<const ir::RouteConfig> live_config_;
  table::CompileCache compile_cache_;
  // What each HTTPRoute translated to, so a pass translates only the routes
  // whose inputs changed (ApplyEvent reports every change to it).
  translate::TranslateMemo memo_;
  uint64_t generation_ = 0;
  std::thread thread_;
};

}  // namespace atrium::core

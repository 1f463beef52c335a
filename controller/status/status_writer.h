#pragma once

// StatusWriter writes the status translate computed (GatewayClass, Gateway,
// HTTPRoute, Ingress) to the API server, through the status subresource:
//   - only when it changed: it keeps the status each object has now (fed by
//     the informers through Observe) and writes only when the merged status
//     differs, so an unchanged reconcile costs no request;
//   - merged (status_merge.h): lastTransitionTime kept where a condition did
//     not change, other controllers' HTTPRoute parents entries kept as they
//     are;
//   - guarded by the object's resourceVersion (a merge patch carrying
//     metadata.resourceVersion): on 409 Conflict it reads the object again
//     and merges again;
//   - coalesced: Update only records the latest desired status and marks the
//     object dirty; the writer's own thread waits a hold-off after the first
//     change, then writes each dirty object once with the latest status. A
//     burst of route changes therefore costs each Gateway one write per
//     pass, not one per route. GatewayClasses and Gateways go first, and a
//     Gateway that changes while a pass writes many routes ends that pass
//     early, so it never waits behind them;
//   - only while is_leader() holds (every replica computes status, one
//     writes it); losing leadership stops writes and touches nothing else.
// Ingress status.loadBalancer.ingress comes from --publish-service (that
// Service's status.loadBalancer.ingress, observed like any object) when set,
// else from translate (--publish-address).
//
// Threading: Update is called on the reconciler thread and never blocks on
// the network; Observe/Forget on informer threads; every public method is
// safe from any thread. Requests run on the writer's own thread (and, within
// a pass, on up to `parallelism` - 1 helper threads, started once, that it
// waits for before the pass ends).
// Lifetime: the client and metrics must outlive the writer (or its Stop).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/helper_threads.h"
#include "controller/kube/backoff.h"
#include "controller/kube/kube_client.h"
#include "controller/status/pending_ids.h"
#include "controller/translate/status_delta.h"
#include "controller/translate/translate.h"

namespace atrium::admin {
class ControlPlaneMetrics;
}

namespace atrium::status {

struct StatusWriterOptions {
  std::string controller_name = translate::kGatewayControllerName;
  // "namespace/name" of the Service whose load-balancer ingress is
  // published on Ingresses; empty: translate's publish addresses.
  std::string publish_service;
  // Wait this long after the first change of a burst before writing.
  std::chrono::milliseconds holdoff{100};
  // Writes in flight at once within a pass (1,000 routes attached at once
  // each need their own write).
  int parallelism = 4;
  // A pass takes one more thread per this many objects, up to parallelism.
  // The passes of a stream of route edits hold a few routes each, which
  // one thread writes well within the hold-off; writing them on several at
  // once only takes CPU from the reconciler and informers in the same
  // moments (cluster_scale_bench at 5,000 routes, a helper per 2 objects:
  // propagation p99 10.0-13.4 ms on glibc's malloc and 9.0-10.1 on tcmalloc;
  // per 32: 6.7-7.2 and 5.0-6.3).
  size_t objects_per_helper = 32;
  // Conflicts (409) retried per object and pass before giving up until the
  // next pass.
  int max_conflict_retries = 5;
  // Delay between passes after a failed write (5xx, 429, connection).
  kube::BackoffOptions backoff;
  // How often leadership is looked at while nothing else happens.
  std::chrono::milliseconds leader_poll{std::chrono::seconds(1)};
  // Only write while this returns true; null: always write. Called from
  // the writer's threads, so it must be thread-safe (LeaderElector's
  // is_leader is).
  std::function<bool()> is_leader;
  // The wall clock, for lastTransitionTime; null: the system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class StatusWriter {
 public:
  StatusWriter(kube::KubeClient& client, StatusWriterOptions options,
               admin::ControlPlaneMetrics* metrics = nullptr);
  ~StatusWriter();
  StatusWriter(const StatusWriter&) = delete;
  StatusWriter& operator=(const StatusWriter&) = delete;

  void Start();
  // Stop interrupts a write in flight and joins the writer thread.
  void Stop();

  // Update records the statuses of one reconcile (the reconciler's
  // StatusSink). Objects missing from statuses are no longer ours; their
  // status is left as it is.
  void Update(const std::vector<translate::SharedStatus>& statuses);
  // Apply records how one reconcile's statuses differ from the previous
  // one's (the reconciler's StatusSink): the same outcome as Update with all
  // of them, at the cost of the changes only.
  void Apply(const translate::StatusDelta& delta);

  // Observe records an object as the API server has it now (informer
  // upserts of every kind may be passed; only the kinds with status, and the
  // publish Service, are kept). Forget drops a deleted object.
  void Observe(std::string_view kind, const nlohmann::json& object);
  void Forget(std::string_view kind, const std::string& key);

  // Resync re-checks every object (after this replica became leader).
  void Resync();

  // WaitIdle waits until nothing is left to write (tests, shutdown).
  bool WaitIdle(std::chrono::milliseconds timeout) const;

  // writes counts status writes sent (successful or not).
  uint64_t writes() const;

 private:
  // ObjectId sorts GatewayClasses first, then Gateways, HTTPRoutes and
  // Ingresses, so that a pass updates Gateways before their routes. The rank
  // names the kind (KindOf), so no object carries its kind's name.
  struct ObjectId {
    int rank = 0;
    std::string ns;
    std::string name;
    // clang-tidy 14 reports a defaulted <=> as a literal 0 compared with a pointer.
    auto operator<=>(const ObjectId&) const = default;  // NOLINT(modernize-use-nullptr)
  };
  // Observed is an object's status as the server has it, as text, with the
  // resourceVersion a write merged from it must carry. A merge needs it
  // (the other controllers' entries, our conditions' transition times), but
  // only until a write settles the object: thousands of settled routes would
  // otherwise keep a kilobyte each that is read only if their status changes
  // again, when one GET fetches both anew.
  struct Observed {
    std::string resource_version;
    std::string status;  // nlohmann::json::dump() of status; "null" when absent
  };
  // Current is what the writer knows of an object's status on the server: a
  // fingerprint of its compact JSON, to tell whether a watch event changed
  // it, and the text only while the object is not settled (null after).
  struct Current {
    size_t fingerprint = 0;  // Fingerprint(Observed::status)
    std::unique_ptr<Observed> observed;
  };
  static Current CurrentOf(const nlohmann::json& object);
  // Written remembers our last write by fingerprints (hashes of the compact
  // JSON): it is only ever compared, and thousands of routes would
  // otherwise keep two more full copies of their status.
  struct Written {
    size_t desired = 0;  // translate's status, before merging
    size_t result = 0;   // the status the server held after our write
  };
  // Entry is all the writer keeps of one object, under one key (at 5,000
  // routes, a few hundred bytes per route more or less is a megabyte): what
  // translate wants (shared with translate's own result, not copied), what
  // the server has, what we wrote last. An entry with none of the three is
  // erased.
  struct Entry {
    std::optional<translate::StatusBody> desired;  // null: not ours (now)
    int64_t desired_generation = 0;
    std::optional<Current> current;  // null: not observed or read yet
    std::optional<Written> written;  // null: not written since becoming leader
    bool unused() const { return !desired && !current && !written; }
  };
  using Entries = std::map<ObjectId, Entry>;
  static size_t Fingerprint(const nlohmann::json& status);
  static size_t Fingerprint(const std::string& status_text);
  enum class WriteResult { kDone, kRetryLater };
  struct PassResult {
    std::vector<ObjectId> unfinished;  // to write again in a later pass
    bool failed = false;               // a write failed: back off first
    std::optional<std::chrono::seconds> retry_after;
  };

  static std::optional<ObjectId> IdFor(std::string_view kind, const std::string& ns,
                                       const std::string& name);
  static std::string_view KindOf(int rank);
  void Run(std::stop_token stop);
  // PreemptedBy: an object ranked before rank is waiting and its hold-off
  // is over.
  bool PreemptedBy(int rank) const;
  // WritePass writes every object of batch once (writer thread).
  PassResult WritePass(const std::vector<ObjectId>& batch, const std::stop_token& stop);
  WriteResult WriteOne(const ObjectId& id, const std::stop_token& stop,
                       std::optional<std::chrono::seconds>* retry_after);
  bool Leading() const;
  void MarkAllDirtyLocked();
  // SetDesiredLocked records status as wanted, marking it dirty when it
  // differs from what was wanted; returns its entry's key, which stays valid
  // while the lock is held (null: not a kind we write).
  const ObjectId* SetDesiredLocked(const translate::ObjectStatus& status);
  // DropDesiredLocked: the object is no longer ours; what the server has and
  // what we wrote stay known.
  Entries::iterator DropDesiredLocked(Entries::iterator it);
  // ForgetWrittenLocked forgets every write (a new term as leader checks
  // every object again).
  void ForgetWrittenLocked();
  // SettleLocked drops the kept status text of id once a write (or the
  // finding that none is needed) settled it, unless it changed meanwhile.
  void SettleLocked(const ObjectId& id, size_t fingerprint);
  // EraseIfUnusedLocked erases an entry that holds nothing any more.
  Entries::iterator EraseIfUnusedLocked(Entries::iterator it);
  void MarkDirtyLocked(const ObjectId& id);
  std::string Now() const;

  kube::KubeClient& client_;
  const StatusWriterOptions options_;
  admin::ControlPlaneMetrics* const metrics_;

  mutable std::mutex mutex_;
  mutable std::condition_variable_any changed_;
  Entries entries_;
  PendingIds<ObjectId> dirty_;  // objects to write in the next pass
  std::optional<std::chrono::steady_clock::time_point> first_dirty_;
  nlohmann::json publish_ingress_;  // the publish Service's load-balancer ingress
  bool in_pass_ = false;
  uint64_t writes_ = 0;

  base::HelperThreads helpers_;  // WritePass's, beside the writer thread
  std::jthread thread_;
};

}  // namespace atrium::status

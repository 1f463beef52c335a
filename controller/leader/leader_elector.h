#pragma once

// LeaderElector decides which replica writes status (--leader-elect), with a
// coordination.k8s.io/v1 Lease the way client-go's leaderelection does:
//   - a candidate reads the Lease; it takes it when it does not exist, when
//     it has no holder (released), or when the holder has not renewed for
//     leaseDurationSeconds as measured on this replica's own clock since it
//     last saw the record change (so clocks need not agree);
//   - every write is a PUT guarded by the resourceVersion just read, so two
//     candidates can never both win the same round (the loser gets 409);
//   - the leader renews every retry_period; if no renewal succeeded for
//     renew_deadline it stops leading (is_leader() turns false even while a
//     request is still hanging), before anyone else may take the lease
//     (renew_deadline < lease_duration);
//   - Stop releases a held lease (holder cleared) so that another replica
//     takes over at once instead of waiting out the lease.
// Leadership gates status writes only: every replica serves traffic, and
// losing the lease touches nothing but the status writer.
//
// Threading: Start runs the election on a thread of its own; callbacks run
// on it. is_leader() may be called from any thread. Lifetime: the client
// must outlive the elector (or its Stop).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "controller/kube/kube_client.h"

namespace atrium::leader {

struct LeaderElectorOptions {
  std::string ns = "default";
  std::string name = "atrium-leader";  // the Lease's name (--leader-election-id)
  // This replica's identity; empty: "<hostname>_<random>".
  std::string identity;
  std::chrono::milliseconds lease_duration{std::chrono::seconds(15)};
  std::chrono::milliseconds renew_deadline{std::chrono::seconds(10)};
  std::chrono::milliseconds retry_period{std::chrono::seconds(2)};
  // Release the lease on Stop (tests turn this off to play a crashed leader).
  bool release_on_stop = true;
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
};

// ValidateElectorOptions returns why the durations cannot work, or "".
std::string ValidateElectorOptions(const LeaderElectorOptions& options);

// DefaultIdentity is "<hostname>_<8 random hex digits>".
std::string DefaultIdentity();

class LeaderElector {
 public:
  LeaderElector(kube::KubeClient& client, LeaderElectorOptions options);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void Start();
  // Stop ends the election, releases the lease if held (release_on_stop;
  // the release request is bounded by the client's request timeout) and
  // joins the thread. Idempotent.
  void Stop();

  // is_leader: this replica holds the lease and renewed it within the
  // renew deadline.
  bool is_leader() const;
  const std::string& identity() const { return options_.identity; }
  // holder is the holderIdentity last seen on the Lease ("" when none).
  std::string holder() const;

 private:
  enum class Round {
    kHeld,         // this replica holds the lease (acquired or renewed)
    kHeldByOther,  // another replica holds it and renewed it lately
    kFailed,       // the API failed or another candidate wrote first (409)
  };
  // TryAcquireOrRenew runs one round of the election.
  Round TryAcquireOrRenew(const std::stop_token& stop);
  void Run(std::stop_token stop);
  void Release();
  nlohmann::json Spec(const nlohmann::json& previous, bool acquiring) const;
  void SetLeading(bool leading);
  void Observe(const nlohmann::json& spec);

  kube::KubeClient& client_;
  LeaderElectorOptions options_;

  std::atomic<bool> leading_{false};
  std::atomic<int64_t> last_renew_ns_{0};  // steady clock

  mutable std::mutex mutex_;  // guards the members below
  nlohmann::json observed_spec_;
  std::chrono::steady_clock::time_point observed_at_;
  std::string holder_;

  std::jthread thread_;
};

}  // namespace atrium::leader

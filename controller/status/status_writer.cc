#include "controller/status/status_writer.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory>
#include <string>

#include "base/log.h"
#include "base/thread_cache.h"
#include "base/time_format.h"
#include "controller/admin/control_plane_metrics.h"
#include "controller/kube/resource_kind.h"
#include "controller/state/cluster_state.h"
#include "controller/status/status_merge.h"

namespace atrium::status {
namespace {

constexpr std::string_view kComponent = "status";

using Steady = std::chrono::steady_clock;

std::string MetadataString(const nlohmann::json& object, const char* field) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const nlohmann::json& metadata = object["metadata"];
  auto it = metadata.find(field);
  return it != metadata.end() && it->is_string() ? it->get<std::string>() : "";
}

// StatusText is the compact JSON of object's status ("null" without one),
// written straight from the object (no copy of the tree). It runs on
// informer threads, so it never throws (invalid UTF-8 is replaced).
std::string StatusText(const nlohmann::json& object) {
  if (!object.is_object()) return nlohmann::json().dump();
  auto status = object.find("status");
  if (status == object.end()) return nlohmann::json().dump();
  return status->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Describe(std::string_view kind, const std::string& ns, const std::string& name) {
  return std::string(kind) + " " + (ns.empty() ? name : ns + "/" + name);
}

}  // namespace

StatusWriter::StatusWriter(kube::KubeClient& client, StatusWriterOptions options,
                           admin::ControlPlaneMetrics* metrics)
    : client_(client),
      options_(std::move(options)),
      metrics_(metrics),
      helpers_(static_cast<size_t>(std::max(options_.parallelism, 1) - 1)) {}

StatusWriter::~StatusWriter() { Stop(); }

void StatusWriter::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void StatusWriter::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
  helpers_.Stop();
  std::lock_guard lock(mutex_);
  in_pass_ = false;
  changed_.notify_all();
}

std::optional<StatusWriter::ObjectId> StatusWriter::IdFor(std::string_view kind,
                                                          const std::string& ns,
                                                          const std::string& name) {
  int rank = 0;
  if (kind == state::kGatewayClass) {
    rank = 0;
  } else if (kind == state::kGateway) {
    rank = 1;
  } else if (kind == state::kHttpRoute) {
    rank = 2;
  } else if (kind == state::kIngress) {
    rank = 3;
  } else {
    return std::nullopt;
  }
  return ObjectId{rank, ns, name};
}

std::string_view StatusWriter::KindOf(int rank) {
  static constexpr std::string_view kKinds[] = {state::kGatewayClass, state::kGateway,
                                                state::kHttpRoute, state::kIngress};
  return kKinds[rank];
}

std::string StatusWriter::Now() const {
  return base::FormatTime(options_.clock ? options_.clock() : std::chrono::system_clock::now());
}

size_t StatusWriter::Fingerprint(const nlohmann::json& status) {
  return Fingerprint(status.dump());
}

size_t StatusWriter::Fingerprint(const std::string& status_text) {
  return std::hash<std::string>{}(status_text);
}

void StatusWriter::SettleLocked(const ObjectId& id, size_t fingerprint) {
  // Only if the watch did not bring a different status meanwhile.
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  std::optional<Current>& current = it->second.current;
  if (current && current->fingerprint == fingerprint) current->observed.reset();
}

StatusWriter::Current StatusWriter::CurrentOf(const nlohmann::json& object) {
  std::string text = StatusText(object);
  const size_t fingerprint = Fingerprint(text);
  return Current{fingerprint, std::make_unique<Observed>(Observed{
                                  MetadataString(object, "resourceVersion"), std::move(text)})};
}

StatusWriter::Entries::iterator StatusWriter::EraseIfUnusedLocked(Entries::iterator it) {
  return it->second.unused() ? entries_.erase(it) : std::next(it);
}

StatusWriter::Entries::iterator StatusWriter::DropDesiredLocked(Entries::iterator it) {
  it->second.desired.reset();
  return EraseIfUnusedLocked(it);
}

void StatusWriter::ForgetWrittenLocked() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    it->second.written.reset();
    it = EraseIfUnusedLocked(it);
  }
}

bool StatusWriter::Leading() const { return !options_.is_leader || options_.is_leader(); }

void StatusWriter::MarkDirtyLocked(const ObjectId& id) {
  dirty_.Insert(id);
  // Only the first change of a burst needs to wake the writer: it then
  // sleeps out the hold-off by the clock, not by notifications.
  if (first_dirty_) return;
  first_dirty_ = Steady::now();
  changed_.notify_all();
}

void StatusWriter::MarkAllDirtyLocked() {
  for (const auto& [id, entry] : entries_) {
    if (entry.desired) MarkDirtyLocked(id);
  }
}

void StatusWriter::Update(const std::vector<translate::SharedStatus>& statuses) {
  // Updated in place: a pass over thousands of objects copies only the
  // statuses that changed (most passes change one or none). The objects
  // seen are remembered by their entries' keys (a pointer each, not a copy
  // of each name), which stay put while the lock is held.
  std::vector<const ObjectId*> seen;
  seen.reserve(statuses.size());
  std::lock_guard lock(mutex_);
  for (const translate::ObjectStatus& status : statuses) {
    if (const ObjectId* id = SetDesiredLocked(status)) seen.push_back(id);
  }
  std::sort(seen.begin(), seen.end(), [](const ObjectId* a, const ObjectId* b) { return *a < *b; });
  // Both in key order: one walk drops what was not seen.
  auto next_seen = seen.begin();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (next_seen != seen.end() && *next_seen == &it->first) {
      while (next_seen != seen.end() && *next_seen == &it->first) ++next_seen;  // duplicates
      ++it;
    } else if (it->second.desired) {
      it = DropDesiredLocked(it);
    } else {
      ++it;
    }
  }
}

const StatusWriter::ObjectId* StatusWriter::SetDesiredLocked(
    const translate::ObjectStatus& status) {
  std::optional<ObjectId> id = IdFor(status.kind, status.ns, status.name);
  if (!id) return nullptr;
  auto [it, inserted] = entries_.try_emplace(std::move(*id));
  Entry& entry = it->second;
  if (entry.desired && entry.desired_generation == status.generation &&
      *entry.desired == status.status) {
    return &it->first;
  }
  entry.desired = status.status;
  entry.desired_generation = status.generation;
  MarkDirtyLocked(it->first);
  return &it->first;
}

void StatusWriter::Apply(const translate::StatusDelta& delta) {
  if (delta.empty()) return;
  std::lock_guard lock(mutex_);
  for (const translate::ObjectStatus& status : delta.removed) {
    std::optional<ObjectId> id = IdFor(status.kind, status.ns, status.name);
    if (!id) continue;
    if (auto it = entries_.find(*id); it != entries_.end()) DropDesiredLocked(it);
  }
  for (const translate::ObjectStatus& status : delta.changed) SetDesiredLocked(status);
}

void StatusWriter::Observe(std::string_view kind, const nlohmann::json& object) {
  const std::string ns = MetadataString(object, "namespace");
  const std::string name = MetadataString(object, "name");
  if (kind == state::kService) {
    if (options_.publish_service.empty() || ns + "/" + name != options_.publish_service) return;
    nlohmann::json ingress = nlohmann::json::array();
    const nlohmann::json no_status;
    auto found = object.is_object() ? object.find("status") : object.end();
    const nlohmann::json& status = found != object.end() ? *found : no_status;
    if (status.is_object() && status.contains("loadBalancer") &&
        status["loadBalancer"].is_object() && status["loadBalancer"].contains("ingress") &&
        status["loadBalancer"]["ingress"].is_array()) {
      ingress = status["loadBalancer"]["ingress"];
    }
    std::lock_guard lock(mutex_);
    if (ingress == publish_ingress_) return;
    publish_ingress_ = std::move(ingress);
    for (const auto& [id, entry] : entries_) {
      if (entry.desired && KindOf(id.rank) == state::kIngress) MarkDirtyLocked(id);
    }
    return;
  }
  std::optional<ObjectId> id = IdFor(kind, ns, name);
  if (!id) return;
  Current current = CurrentOf(object);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(std::move(*id));
  Entry& entry = it->second;
  if (entry.current && entry.current->fingerprint == current.fingerprint) {
    // The same status (our own write's echo, say). A settled object keeps
    // no resourceVersion: its next write reads the object first.
    if (entry.current->observed) {
      entry.current->observed->resource_version = std::move(current.observed->resource_version);
    }
    return;
  }
  entry.current = std::move(current);
  if (entry.desired) MarkDirtyLocked(it->first);
}

void StatusWriter::Forget(std::string_view kind, const std::string& key) {
  std::string ns;
  std::string name = key;
  if (size_t slash = key.find('/'); slash != std::string::npos) {
    ns = key.substr(0, slash);
    name = key.substr(slash + 1);
  }
  std::optional<ObjectId> id = IdFor(kind, ns, name);
  if (!id) return;
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(*id); it != entries_.end()) {
    it->second.current.reset();
    it->second.written.reset();
    EraseIfUnusedLocked(it);
  }
  dirty_.Erase(*id);
  changed_.notify_all();
}

void StatusWriter::Resync() {
  std::lock_guard lock(mutex_);
  ForgetWrittenLocked();
  MarkAllDirtyLocked();
}

bool StatusWriter::WaitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return dirty_.empty() && !in_pass_; });
}

uint64_t StatusWriter::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

void StatusWriter::Run(std::stop_token stop) {
  kube::Backoff backoff(options_.backoff);
  bool was_leader = false;
  // After a failed write, no pass starts before this (min: no backoff).
  Steady::time_point not_before = Steady::time_point::min();
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const bool leading = Leading();
    if (leading && !was_leader) {
      ForgetWrittenLocked();
      MarkAllDirtyLocked();
    }
    was_leader = leading;
    if (!leading) {
      // Whatever is dirty now is found again by the resync on becoming leader.
      dirty_.clear();
      first_dirty_.reset();
      changed_.notify_all();
      changed_.wait_for(lock, stop, options_.leader_poll, [] { return false; });
      continue;
    }
    if (dirty_.empty()) {
      changed_.wait_for(lock, stop, options_.leader_poll, [this] { return !dirty_.empty(); });
      continue;
    }
    const Steady::time_point start_at = std::max(*first_dirty_ + options_.holdoff, not_before);
    if (Steady::now() < start_at) {
      changed_.wait_until(lock, stop, start_at, [] { return false; });
      continue;
    }
    std::vector<ObjectId> batch = dirty_.Take();
    first_dirty_.reset();
    not_before = Steady::time_point::min();
    in_pass_ = true;
    lock.unlock();

    PassResult result = WritePass(batch, stop);

    lock.lock();
    in_pass_ = false;
    for (const ObjectId& id : result.unfinished) MarkDirtyLocked(id);
    if (result.failed) {
      not_before = Steady::now() + backoff.Next(result.retry_after);
    } else {
      backoff.Reset();
    }
    changed_.notify_all();
  }
}

bool StatusWriter::PreemptedBy(int rank) const {
  std::lock_guard lock(mutex_);
  if (dirty_.empty() || dirty_.Least().rank >= rank) return false;
  return first_dirty_ && Steady::now() >= *first_dirty_ + options_.holdoff;
}

StatusWriter::PassResult StatusWriter::WritePass(const std::vector<ObjectId>& batch,
                                                 const std::stop_token& stop) {
  PassResult result;
  std::mutex result_mutex;  // guards result and next
  // Objects of one rank (all Gateways, then all HTTPRoutes...) are written
  // by up to `parallelism` threads (this one and helpers_); a rank is
  // finished before the next. The threads take the batch's ids in turn where
  // they are (the first pass after a start writes every object: a copy would
  // be one more of each id).
  auto next = batch.begin();
  while (next != batch.end()) {
    const int rank = next->rank;
    const auto end =
        std::find_if(next, batch.end(), [rank](const ObjectId& id) { return id.rank != rank; });
    const auto count = static_cast<size_t>(std::distance(next, end));
    auto take = [&]() -> const ObjectId* {
      std::lock_guard lock(result_mutex);
      return next == end ? nullptr : &*next++;
    };
    auto work = [&] {
      while (const ObjectId* taken = take()) {
        const ObjectId& id = *taken;
        std::optional<std::chrono::seconds> retry_after;
        // A Gateway that changed while routes are being written is not kept
        // waiting behind a thousand route writes: the pass ends early and
        // the next one starts with it.
        bool skipped = stop.stop_requested() || !Leading() || PreemptedBy(id.rank);
        if (!skipped && WriteOne(id, stop, &retry_after) == WriteResult::kDone) continue;
        std::lock_guard lock(result_mutex);
        result.unfinished.push_back(id);
        if (skipped) continue;
        result.failed = true;
        if (retry_after && (!result.retry_after || *retry_after > *result.retry_after)) {
          result.retry_after = retry_after;
        }
      }
      // The requests and responses came and went on this thread: hand what
      // its allocator cache keeps of them back to the other threads rather
      // than park it here until the next burst of writes.
      base::ReleaseThreadCache();
    };
    helpers_.Run(count / std::max<size_t>(options_.objects_per_helper, 1), work);  // next == end
  }
  return result;
}

StatusWriter::WriteResult StatusWriter::WriteOne(const ObjectId& id, const std::stop_token& stop,
                                                 std::optional<std::chrono::seconds>* retry_after) {
  const std::string_view kind_name = KindOf(id.rank);
  const kube::ResourceKind* kind = kube::FindKind(kind_name);
  if (kind == nullptr) return WriteResult::kDone;
  const std::string what = Describe(kind_name, id.ns, id.name);
  for (int attempt = 0; attempt <= options_.max_conflict_retries; ++attempt) {
    nlohmann::json wanted;
    std::optional<size_t> current;     // the server's status, by fingerprint
    std::optional<Observed> observed;  // and as text, when kept
    std::optional<Written> written;
    {
      std::lock_guard lock(mutex_);
      auto entry = entries_.find(id);
      if (entry == entries_.end() || !entry->second.desired) {
        return WriteResult::kDone;  // no longer ours
      }
      wanted = **entry->second.desired;
      if (kind_name == state::kIngress && !options_.publish_service.empty()) {
        nlohmann::json load_balancer = nlohmann::json::object();
        if (!publish_ingress_.empty()) load_balancer["ingress"] = publish_ingress_;
        wanted["loadBalancer"] = std::move(load_balancer);
      }
      if (const std::optional<Current>& known = entry->second.current) {
        current = known->fingerprint;
        if (known->observed) observed = *known->observed;
      }
      written = entry->second.written;
    }
    // What we wrote last is still what translate wants and nobody changed
    // it since: nothing to do, even if the server normalized what we sent.
    // Checked before reading a settled object back too: the watch event of
    // our own write can arrive before the write's response and mark it dirty.
    const size_t wanted_fingerprint = Fingerprint(wanted);
    auto as_written = [&] {
      return current && written && written->desired == wanted_fingerprint &&
             written->result == *current;
    };
    if (as_written()) return WriteResult::kDone;
    if (!observed) {
      kube::HttpResponse response = client_.Get(kind->ObjectPath(id.ns, id.name), stop);
      if (response.status == 404) return WriteResult::kDone;  // deleted meanwhile
      if (!response.ok()) {
        if (!response.stopped) {
          log::Warn(kComponent, "cannot read object for its status",
                    {{"object", what}, {"error", response.Describe()}});
        }
        *retry_after = response.retry_after;
        return WriteResult::kRetryLater;
      }
      Current read = CurrentOf(response.Json());
      current = read.fingerprint;
      observed = *read.observed;
      {
        std::lock_guard lock(mutex_);
        entries_[id].current = std::move(read);
      }
      if (as_written()) return WriteResult::kDone;  // as read back
    }
    const nlohmann::json current_status = nlohmann::json::parse(observed->status, nullptr, false);
    nlohmann::json merged =
        MergeStatus(kind_name, current_status, wanted, options_.controller_name, Now());
    if (!StatusChanged(kind_name, current_status, merged, options_.controller_name)) {
      std::lock_guard lock(mutex_);
      entries_[id].written = Written{wanted_fingerprint, *current};
      SettleLocked(id, *current);
      return WriteResult::kDone;
    }
    nlohmann::json patch = {{"metadata", {{"resourceVersion", observed->resource_version}}},
                            {"status", std::move(merged)}};
    kube::HttpResponse response = client_.Patch(kind->StatusPath(id.ns, id.name), patch.dump(),
                                                kube::kMergePatchContentType, stop);
    if (response.stopped) return WriteResult::kRetryLater;
    {
      std::lock_guard lock(mutex_);
      ++writes_;
    }
    if (metrics_ != nullptr) metrics_->RecordStatusWrite();
    if (response.ok()) {
      Current updated = CurrentOf(response.Json());
      updated.observed.reset();  // settled: see Observed
      std::lock_guard lock(mutex_);
      Entry& entry = entries_[id];
      entry.written = Written{wanted_fingerprint, updated.fingerprint};
      entry.current = std::move(updated);
      return WriteResult::kDone;
    }
    if (response.status == 409) {
      // Someone wrote the object since we read it: read it again, merge again.
      std::lock_guard lock(mutex_);
      if (auto it = entries_.find(id); it != entries_.end()) {
        it->second.current.reset();
        EraseIfUnusedLocked(it);
      }
      continue;
    }
    if (response.status == 404) {
      std::lock_guard lock(mutex_);
      if (auto it = entries_.find(id); it != entries_.end()) {
        it->second.current.reset();
        it->second.written.reset();
        EraseIfUnusedLocked(it);
      }
      return WriteResult::kDone;
    }
    log::Warn(kComponent, "status write failed",
              {{"object", what}, {"error", response.Describe()}});
    *retry_after = response.retry_after;
    return WriteResult::kRetryLater;
  }
  log::Warn(kComponent, "status write kept conflicting; retrying later", {{"object", what}});
  return WriteResult::kRetryLater;
}

}  // namespace atrium::status

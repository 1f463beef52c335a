#include "controller/status/status_writer.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>

#include "base/log.h"
#include "controller/admin/control_plane_metrics.h"
#include "controller/kube/resource_kind.h"
#include "controller/kube/time_format.h"
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
    : client_(client), options_(std::move(options)), metrics_(metrics) {}

StatusWriter::~StatusWriter() { Stop(); }

void StatusWriter::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void StatusWriter::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
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
  return ObjectId{rank, std::string(kind), ns, name};
}

std::string StatusWriter::Now() const {
  return kube::FormatTime(options_.clock ? options_.clock() : std::chrono::system_clock::now());
}

size_t StatusWriter::Fingerprint(const nlohmann::json& status) {
  return Fingerprint(status.dump());
}

size_t StatusWriter::Fingerprint(const std::string& status_text) {
  return std::hash<std::string>{}(status_text);
}

void StatusWriter::SettleLocked(const ObjectId& id, size_t fingerprint) {
  // Only if the watch did not bring a different status meanwhile.
  auto it = current_.find(id);
  if (it != current_.end() && it->second.fingerprint == fingerprint) it->second.status.reset();
}

StatusWriter::Current StatusWriter::CurrentOf(const nlohmann::json& object) {
  std::string text = StatusText(object);
  const size_t fingerprint = Fingerprint(text);
  return Current{MetadataString(object, "resourceVersion"), fingerprint, std::move(text)};
}

bool StatusWriter::Leading() const { return !options_.is_leader || options_.is_leader(); }

void StatusWriter::MarkDirtyLocked(const ObjectId& id) {
  dirty_.insert(id);
  // Only the first change of a burst needs to wake the writer: it then
  // sleeps out the hold-off by the clock, not by notifications.
  if (first_dirty_) return;
  first_dirty_ = Steady::now();
  changed_.notify_all();
}

void StatusWriter::MarkAllDirtyLocked() {
  for (const auto& [id, status] : desired_) MarkDirtyLocked(id);
}

void StatusWriter::Update(const std::vector<translate::ObjectStatus>& statuses) {
  // Updated in place: a pass over thousands of objects copies only the
  // statuses that changed (most passes change one or none).
  std::set<ObjectId> seen;
  std::lock_guard lock(mutex_);
  for (const translate::ObjectStatus& status : statuses) {
    if (std::optional<ObjectId> id = SetDesiredLocked(status)) seen.insert(seen.end(), *id);
  }
  if (seen.size() == desired_.size()) return;
  for (auto it = desired_.begin(); it != desired_.end();) {
    it = seen.contains(it->first) ? std::next(it) : desired_.erase(it);
  }
}

std::optional<StatusWriter::ObjectId> StatusWriter::SetDesiredLocked(
    const translate::ObjectStatus& status) {
  std::optional<ObjectId> id = IdFor(status.kind, status.ns, status.name);
  if (!id) return std::nullopt;
  auto [it, inserted] = desired_.try_emplace(*id, status);
  if (!inserted) {
    if (it->second == status) return id;
    it->second = status;
  }
  MarkDirtyLocked(*id);
  return id;
}

void StatusWriter::Apply(const translate::StatusDelta& delta) {
  if (delta.empty()) return;
  std::lock_guard lock(mutex_);
  for (const translate::ObjectStatus& status : delta.removed) {
    if (std::optional<ObjectId> id = IdFor(status.kind, status.ns, status.name))
      desired_.erase(*id);
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
    for (const auto& [id, desired] : desired_) {
      if (id.kind == state::kIngress) MarkDirtyLocked(id);
    }
    return;
  }
  std::optional<ObjectId> id = IdFor(kind, ns, name);
  if (!id) return;
  Current current = CurrentOf(object);
  std::lock_guard lock(mutex_);
  auto it = current_.find(*id);
  if (it != current_.end() && it->second.fingerprint == current.fingerprint) {
    it->second.resource_version = std::move(current.resource_version);
    return;
  }
  current_[*id] = std::move(current);
  if (desired_.contains(*id)) MarkDirtyLocked(*id);
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
  current_.erase(*id);
  written_.erase(*id);
  dirty_.erase(*id);
  changed_.notify_all();
}

void StatusWriter::Resync() {
  std::lock_guard lock(mutex_);
  written_.clear();
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
  std::optional<Steady::time_point> not_before;
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    const bool leading = Leading();
    if (leading && !was_leader) {
      written_.clear();
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
    const Steady::time_point start_at =
        std::max(*first_dirty_ + options_.holdoff, not_before.value_or(Steady::time_point::min()));
    if (Steady::now() < start_at) {
      changed_.wait_until(lock, stop, start_at, [] { return false; });
      continue;
    }
    std::set<ObjectId> batch = std::move(dirty_);
    dirty_.clear();
    first_dirty_.reset();
    not_before.reset();
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
  if (dirty_.empty() || dirty_.begin()->rank >= rank) return false;
  return first_dirty_ && Steady::now() >= *first_dirty_ + options_.holdoff;
}

StatusWriter::PassResult StatusWriter::WritePass(const std::set<ObjectId>& batch,
                                                 const std::stop_token& stop) {
  PassResult result;
  std::mutex result_mutex;
  const std::vector<ObjectId> ids(batch.begin(), batch.end());
  // Objects of one rank (all Gateways, then all HTTPRoutes...) are written
  // by up to `parallelism` threads; a rank is finished before the next.
  size_t begin = 0;
  while (begin < ids.size()) {
    size_t end = begin;
    while (end < ids.size() && ids[end].rank == ids[begin].rank) ++end;
    std::atomic<size_t> next{begin};
    auto work = [&] {
      for (size_t i = next++; i < end; i = next++) {
        const ObjectId& id = ids[i];
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
    };
    const size_t helpers =
        std::min<size_t>(std::max(options_.parallelism, 1) - 1, (end - begin) / 2);
    std::vector<std::jthread> threads;
    for (size_t i = 0; i < helpers; ++i) threads.emplace_back(work);
    work();
    threads.clear();  // joins
    begin = end;
  }
  return result;
}

StatusWriter::WriteResult StatusWriter::WriteOne(const ObjectId& id, const std::stop_token& stop,
                                                 std::optional<std::chrono::seconds>* retry_after) {
  const kube::ResourceKind* kind = kube::FindKind(id.kind);
  if (kind == nullptr) return WriteResult::kDone;
  const std::string what = Describe(id.kind, id.ns, id.name);
  for (int attempt = 0; attempt <= options_.max_conflict_retries; ++attempt) {
    nlohmann::json wanted;
    std::optional<Current> current;
    std::optional<Written> written;
    {
      std::lock_guard lock(mutex_);
      auto desired = desired_.find(id);
      if (desired == desired_.end()) return WriteResult::kDone;  // no longer ours
      wanted = *desired->second.status;
      if (id.kind == state::kIngress && !options_.publish_service.empty()) {
        nlohmann::json load_balancer = nlohmann::json::object();
        if (!publish_ingress_.empty()) load_balancer["ingress"] = publish_ingress_;
        wanted["loadBalancer"] = std::move(load_balancer);
      }
      if (auto it = current_.find(id); it != current_.end()) current = it->second;
      if (auto it = written_.find(id); it != written_.end()) written = it->second;
    }
    // What we wrote last is still what translate wants and nobody changed
    // it since: nothing to do, even if the server normalized what we sent.
    // Checked before reading a settled object back too: the watch event of
    // our own write can arrive before the write's response and mark it dirty.
    const size_t wanted_fingerprint = Fingerprint(wanted);
    auto as_written = [&] {
      return current && written && written->desired == wanted_fingerprint &&
             written->result == current->fingerprint;
    };
    if (as_written()) return WriteResult::kDone;
    if (!current || !current->status) {
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
      current = CurrentOf(response.Json());
      {
        std::lock_guard lock(mutex_);
        current_[id] = *current;
      }
      if (as_written()) return WriteResult::kDone;  // as read back
    }
    const nlohmann::json current_status = nlohmann::json::parse(*current->status, nullptr, false);
    nlohmann::json merged =
        MergeStatus(id.kind, current_status, wanted, options_.controller_name, Now());
    if (!StatusChanged(id.kind, current_status, merged, options_.controller_name)) {
      std::lock_guard lock(mutex_);
      written_[id] = Written{wanted_fingerprint, current->fingerprint};
      SettleLocked(id, current->fingerprint);
      return WriteResult::kDone;
    }
    nlohmann::json patch = {{"metadata", {{"resourceVersion", current->resource_version}}},
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
      updated.status.reset();  // settled: see Current
      std::lock_guard lock(mutex_);
      written_[id] = Written{wanted_fingerprint, updated.fingerprint};
      current_[id] = std::move(updated);
      return WriteResult::kDone;
    }
    if (response.status == 409) {
      // Someone wrote the object since we read it: read it again, merge again.
      std::lock_guard lock(mutex_);
      current_.erase(id);
      continue;
    }
    if (response.status == 404) {
      std::lock_guard lock(mutex_);
      current_.erase(id);
      written_.erase(id);
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

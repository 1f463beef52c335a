#include "controller/leader/leader_elector.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "base/log.h"
#include "base/time_format.h"
#include "controller/kube/backoff.h"
#include "controller/kube/resource_kind.h"

namespace atrium::leader {
namespace {

constexpr std::string_view kComponent = "leader";

using Steady = std::chrono::steady_clock;

int64_t SteadyNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch())
      .count();
}

int64_t CeilSeconds(std::chrono::milliseconds duration) {
  return std::max<int64_t>(1, (duration.count() + 999) / 1000);
}

std::string StringField(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Jittered waits between attempts of candidates, as client-go does, so
// that replicas started together do not collide every round.
std::chrono::milliseconds Jittered(std::chrono::milliseconds base) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> draw(1.0, 1.2);
  return std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(base.count()) * draw(random)));
}

}  // namespace

std::string ValidateElectorOptions(const LeaderElectorOptions& options) {
  if (options.name.empty()) return "leader election needs a Lease name";
  if (options.ns.empty()) return "leader election needs a namespace";
  if (options.retry_period.count() <= 0) return "leader-elect-retry-period must be positive";
  if (options.renew_deadline <= options.retry_period) {
    return "leader-elect-renew-deadline must be longer than leader-elect-retry-period";
  }
  if (options.lease_duration <= options.renew_deadline) {
    return "leader-elect-lease-duration must be longer than leader-elect-renew-deadline";
  }
  return "";
}

std::string DefaultIdentity() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof(host), "atrium");
  }
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x", static_cast<unsigned>(random()));
  return std::string(host) + "_" + suffix;
}

LeaderElector::LeaderElector(kube::KubeClient& client, LeaderElectorOptions options)
    : client_(client), options_(std::move(options)) {
  if (options_.identity.empty()) options_.identity = DefaultIdentity();
}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  if (thread_.joinable()) return;
  log::Info(kComponent, "leader election started",
            {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity}});
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void LeaderElector::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  thread_.join();
}

bool LeaderElector::is_leader() const {
  if (!leading_.load()) return false;
  const int64_t since_renew = SteadyNanos() - last_renew_ns_.load();
  return since_renew < std::chrono::nanoseconds(options_.renew_deadline).count();
}

std::string LeaderElector::holder() const {
  std::lock_guard lock(mutex_);
  return holder_;
}

void LeaderElector::SetLeading(bool leading) {
  if (leading_.exchange(leading) == leading) return;
  if (leading) {
    log::Info(kComponent, "became leader: writing status",
              {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity}});
    if (options_.on_started_leading) options_.on_started_leading();
  } else {
    log::Warn(kComponent, "stopped leading: status writes stop, traffic is still served",
              {{"lease", options_.ns + "/" + options_.name}, {"identity", options_.identity}});
    if (options_.on_stopped_leading) options_.on_stopped_leading();
  }
}

void LeaderElector::Observe(const nlohmann::json& spec) {
  std::lock_guard lock(mutex_);
  holder_ = StringField(spec, "holderIdentity");
  if (spec != observed_spec_) {
    observed_spec_ = spec;
    observed_at_ = Steady::now();
  }
}

nlohmann::json LeaderElector::Spec(const nlohmann::json& previous, bool acquiring) const {
  const std::string now = base::FormatMicroTime(std::chrono::system_clock::now());
  nlohmann::json spec = previous.is_object() ? previous : nlohmann::json::object();
  int64_t transitions = spec.value("leaseTransitions", int64_t{0});
  if (acquiring) {
    spec["acquireTime"] = now;
    if (previous.is_object() && !previous.empty()) ++transitions;  // not on create
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = CeilSeconds(options_.lease_duration);
  spec["renewTime"] = now;
  spec["leaseTransitions"] = transitions;
  return spec;
}

LeaderElector::Round LeaderElector::TryAcquireOrRenew(const std::stop_token& stop) {
  const kube::ResourceKind& lease = kube::LeaseKind();
  kube::HttpResponse got = client_.Get(lease.ObjectPath(options_.ns, options_.name), stop);
  if (got.status == 404) {
    nlohmann::json object = {{"apiVersion", lease.ApiVersion()},
                             {"kind", lease.kind},
                             {"metadata", {{"name", options_.name}, {"namespace", options_.ns}}},
                             {"spec", Spec(nlohmann::json(), true)}};
    kube::HttpResponse created =
        client_.Post(lease.CollectionPath(options_.ns), object.dump(), stop);
    if (!created.ok()) {
      if (created.status != 409 && !created.stopped) {
        log::Warn(kComponent, "cannot create the Lease", {{"error", created.Describe()}});
      }
      return Round::kFailed;
    }
    Observe(created.Json().value("spec", nlohmann::json::object()));
    return Round::kHeld;
  }
  if (!got.ok()) {
    if (!got.stopped) {
      log::Warn(kComponent, "cannot read the Lease", {{"error", got.Describe()}});
    }
    return Round::kFailed;
  }
  nlohmann::json object = got.Json();
  if (!object.is_object()) return Round::kFailed;
  const nlohmann::json spec = object.value("spec", nlohmann::json::object());
  Observe(spec);
  const std::string holder = StringField(spec, "holderIdentity");
  const bool ours = holder == options_.identity;
  if (!holder.empty() && !ours) {
    const int64_t seconds = spec.is_object() ? spec.value("leaseDurationSeconds", int64_t{0}) : 0;
    const auto duration =
        seconds > 0 ? std::chrono::milliseconds(seconds * 1000) : options_.lease_duration;
    std::lock_guard lock(mutex_);
    if (Steady::now() < observed_at_ + duration) return Round::kHeldByOther;
  }
  object["spec"] = Spec(spec, !ours);
  kube::HttpResponse updated =
      client_.Put(lease.ObjectPath(options_.ns, options_.name), object.dump(), stop);
  if (!updated.ok()) {
    // 409: another candidate (or the holder renewing) wrote first.
    if (updated.status != 409 && !updated.stopped) {
      log::Warn(kComponent, "cannot update the Lease", {{"error", updated.Describe()}});
    }
    return Round::kFailed;
  }
  Observe(updated.Json().value("spec", nlohmann::json::object()));
  return Round::kHeld;
}

void LeaderElector::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    if (TryAcquireOrRenew(stop) != Round::kHeld) {
      if (!kube::SleepFor(stop, Jittered(options_.retry_period))) break;
      continue;
    }
    last_renew_ns_.store(SteadyNanos());
    SetLeading(true);
    // Renew every retry period until a renewal has failed for the whole
    // renew deadline.
    while (kube::SleepFor(stop, options_.retry_period)) {
      const Round round = TryAcquireOrRenew(stop);
      if (round == Round::kHeld) {
        last_renew_ns_.store(SteadyNanos());
        continue;
      }
      if (stop.stop_requested()) break;
      if (round == Round::kHeldByOther) {
        log::Warn(kComponent, "another replica holds the Lease now",
                  {{"lease", options_.ns + "/" + options_.name}, {"holder", holder()}});
        break;
      }
      if (!is_leader()) {
        log::Warn(kComponent, "could not renew the Lease within the renew deadline",
                  {{"lease", options_.ns + "/" + options_.name}});
        break;
      }
    }
    if (stop.stop_requested()) break;
    SetLeading(false);
  }
  const bool was_leading = leading_.load();
  SetLeading(false);
  if (was_leading && options_.release_on_stop) Release();
}

void LeaderElector::Release() {
  // Not bound to the stop token: this runs because of it.
  const kube::ResourceKind& lease = kube::LeaseKind();
  kube::HttpResponse got = client_.Get(lease.ObjectPath(options_.ns, options_.name));
  if (!got.ok()) return;
  nlohmann::json object = got.Json();
  if (!object.is_object() || !object.contains("spec") ||
      StringField(object["spec"], "holderIdentity") != options_.identity) {
    return;
  }
  const std::string now = base::FormatMicroTime(std::chrono::system_clock::now());
  object["spec"]["holderIdentity"] = "";
  object["spec"]["leaseDurationSeconds"] = 1;
  object["spec"]["renewTime"] = now;
  kube::HttpResponse released =
      client_.Put(lease.ObjectPath(options_.ns, options_.name), object.dump());
  if (released.ok()) {
    log::Info(kComponent, "released the Lease", {{"lease", options_.ns + "/" + options_.name}});
  } else {
    log::Warn(kComponent, "cannot release the Lease", {{"error", released.Describe()}});
  }
}

}  // namespace atrium::leader

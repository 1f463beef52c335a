#include "controller/kube/cluster_informers.h"

#include <algorithm>

#include "controller/state/cluster_state.h"

namespace atrium::kube {

bool IsTlsSecret(const nlohmann::json& secret) {
  return secret.is_object() && secret.value("type", "") == "kubernetes.io/tls";
}

ClusterInformers::ClusterInformers(KubeClient& client, const ClusterInformersOptions& options,
                                   InformerCallbacks callbacks, KubeMetrics* metrics)
    : callbacks_(std::move(callbacks)) {
  std::vector<std::string> all_namespaces = {""};
  const std::vector<std::string>& namespaces =
      options.namespaces.empty() ? all_namespaces : options.namespaces;
  InformerCallbacks forward{callbacks_.on_upsert, callbacks_.on_delete, [this] { OneSynced(); }};
  uint64_t seed = options.informer.seed;
  for (const ResourceKind& kind : options.kinds) {
    const std::vector<std::string>& scopes = kind.namespaced ? namespaces : all_namespaces;
    for (const std::string& ns : scopes) {
      InformerOptions informer = options.informer;
      informer.ns = ns;
      informer.seed = seed++;
      if (kind.kind == state::kEndpointSlice) {
        informer.page_size = std::min(informer.page_size, kEndpointSlicePageSize);
      }
      if (kind.kind == state::kSecret) {
        informer.field_selector = "type=kubernetes.io/tls";
        informer.filter = IsTlsSecret;
      }
      informers_.push_back(
          std::make_unique<Informer>(client, kind, std::move(informer), forward, metrics));
    }
  }
}

ClusterInformers::~ClusterInformers() { Stop(); }

void ClusterInformers::Start() {
  for (auto& informer : informers_) informer->Start();
}

void ClusterInformers::Stop() {
  // Ask every informer to stop first, so that they wind down in parallel.
  for (auto& informer : informers_) informer->RequestStop();
  for (auto& informer : informers_) informer->Stop();
}

void ClusterInformers::OneSynced() {
  bool all = false;
  {
    std::lock_guard lock(mutex_);
    ++synced_count_;
    all = synced_count_ == informers_.size();
    synced_changed_.notify_all();
  }
  if (all && callbacks_.on_synced) callbacks_.on_synced();
}

bool ClusterInformers::synced() const {
  std::lock_guard lock(mutex_);
  return synced_count_ == informers_.size();
}

bool ClusterInformers::WaitForSync(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return synced_changed_.wait_for(lock, timeout,
                                  [this] { return synced_count_ == informers_.size(); });
}

}  // namespace atrium::kube

#pragma once

// ClusterInformers runs one Informer per kind Atrium reads and per watched
// namespace (--watch-namespace, one or several) or cluster-wide, and reports
// to one set of callbacks, the reconciler's:
//
//   kube::ClusterInformers informers(client, options, {
//       .on_upsert = [&](auto kind, auto object) { reconciler.Upsert(kind, std::move(object)); },
//       .on_delete = [&](auto kind, auto& key) { reconciler.Remove(kind, key); },
//       .on_synced = [&] { reconciler.SetSynced(true); }}, &metrics);
//   informers.Start();
//
// Cluster-scoped kinds (IngressClass, GatewayClass, Namespace) are always
// watched cluster-wide. Secrets are listed with the field selector
// type=kubernetes.io/tls: no other Secret is ever read.
//
// Threading: on_upsert and on_delete are called from every informer's
// thread, concurrently; on_synced once, from the informer that finished
// last. Lifetime: client, metrics and the callbacks' captures must outlive
// this object (or its Stop).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "controller/kube/informer.h"

namespace atrium::kube {

struct ClusterInformersOptions {
  // Namespaces to watch; empty: all namespaces.
  std::vector<std::string> namespaces;
  // Settings shared by every informer (ns, selectors and filter are set per
  // informer).
  InformerOptions informer;
  // The kinds to watch; AtriumKinds() by default.
  std::vector<ResourceKind> kinds = AtriumKinds();
};

// kEndpointSlicePageSize bounds the EndpointSlices in one LIST page (the
// other kinds use InformerOptions::page_size, client-go's 500). A slice holds
// up to 100 endpoints, and a page is parsed whole before it is stored: 500
// slices are up to 50,000 endpoints, tens of megabytes of JSON tree at once
// at start-up and at every relist, where 50 keep it to a tenth.
inline constexpr int64_t kEndpointSlicePageSize = 50;

// IsTlsSecret tells whether a Secret has type kubernetes.io/tls.
bool IsTlsSecret(const nlohmann::json& secret);

class ClusterInformers {
 public:
  ClusterInformers(KubeClient& client, const ClusterInformersOptions& options,
                   InformerCallbacks callbacks, KubeMetrics* metrics = nullptr);
  ~ClusterInformers();
  ClusterInformers(const ClusterInformers&) = delete;
  ClusterInformers& operator=(const ClusterInformers&) = delete;

  void Start();
  // Stop stops every informer (promptly) and joins their threads. Idempotent.
  void Stop();

  // synced: every informer finished its first LIST (or found its API absent).
  bool synced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;
  const std::vector<std::unique_ptr<Informer>>& informers() const { return informers_; }

 private:
  void OneSynced();

  InformerCallbacks callbacks_;
  std::vector<std::unique_ptr<Informer>> informers_;
  mutable std::mutex mutex_;
  mutable std::condition_variable synced_changed_;
  size_t synced_count_ = 0;
};

}  // namespace atrium::kube

#pragma once

// Application wires one Atrium process together: the route table publisher,
// the proxy workers, the reconciler, a source (--manifests DIR watcher or
// the Kubernetes informers) and the admin server. main.cc only parses flags
// and calls Run; tests start an Application in-process on port 0.

#include <cstdint>
#include <memory>
#include <string>

#include "controller/core/flags.h"

namespace atrium::kube {
struct KubeConfig;
}

namespace atrium::core {

class Application {
 public:
  explicit Application(Config config);
  ~Application();
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Start starts every part; returns an error message on failure (e.g. the
  // admin port is taken, the manifests folder does not exist).
  std::string Start();

  // Shutdown stops accepting, lets in-flight requests finish up to the
  // drain timeout, and stops everything. Idempotent.
  void Shutdown();

  uint16_t admin_port() const;
  // ProxyPort is the actual port of the listener configured with bind_port
  // (tests configure port 0 listeners through --port-offset tricks).
  uint16_t ProxyPort(uint16_t bind_port, const std::string& address = "") const;
  // WaitForGeneration waits until a table of at least generation is live.
  bool WaitForGeneration(uint64_t generation, int timeout_ms) const;
  uint64_t generation() const;

 private:
  struct Parts;
  void StartCluster(kube::KubeConfig kube_config);
  Config config_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace atrium::core

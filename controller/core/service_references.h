#pragma once

// ServiceReferences knows which Services the live configuration's routes
// use (backends and mirrors), so that the reconciler can skip the rebuild an
// unrelated EndpointSlice or Service event would otherwise cost.
//
// It follows the live configuration from publish to publish by its virtual
// hosts: translate shares unchanged virtual hosts between configurations, so
// a publish that changed one route re-reads the Services of one virtual
// host, not of thousands.
//
// Reconciler thread only.

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/ir/route_config.h"

namespace atrium::core {

class ServiceReferences {
 public:
  // Update moves to config (the newly published configuration; null: none).
  void Update(std::shared_ptr<const ir::RouteConfig> config);

  // Contains tells whether some route uses the Service "namespace/name".
  bool Contains(const std::string& service_key) const { return counts_.contains(service_key); }

 private:
  void Count(const ir::VirtualHost& vhost, int delta);

  std::shared_ptr<const ir::RouteConfig> config_;  // keeps hosts_ alive
  std::vector<const ir::VirtualHost*> hosts_;      // config_'s, listener by listener
  // "namespace/name" -> how many uses (a route per backend and mirror).
  std::unordered_map<std::string, size_t> counts_;
};

}  // namespace atrium::core

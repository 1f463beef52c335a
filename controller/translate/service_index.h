#pragma once

// ServiceIndex resolves a Service port to the endpoints the data plane dials:
// the addresses of the Service's EndpointSlices (discovery.k8s.io/v1, label
// kubernetes.io/service-name) whose endpoints are not marked not-ready, on the
// EndpointSlice port whose name equals the Service port's name (the
// targetPort as the EndpointSlice controller resolved it). ClusterIPs are
// never used, so headless Services and manually managed EndpointSlices work
// the same way.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "controller/ir/route_config.h"
#include "controller/state/cluster_state.h"
#include "controller/translate/problems.h"

namespace atrium::translate {

struct ServicePort {
  int64_t port = 0;
  std::string name;
  std::string protocol = "TCP";
  std::string app_protocol;
};

struct Service {
  std::string ns;
  std::string name;
  std::string type = "ClusterIP";
  std::vector<ServicePort> ports;

  const ServicePort* FindPort(int64_t number) const;
  const ServicePort* FindPort(std::string_view port_name) const;
};

class ServiceIndex {
 public:
  // Malformed Services and EndpointSlices are reported to problems and left
  // out (a malformed Service then reads as missing).
  ServiceIndex(const state::ClusterState& state, ProblemList& problems);

  const Service* Find(std::string_view ns, std::string_view name) const;

  // Endpoints returns the ready endpoints of port, sorted and unique.
  std::vector<ir::Endpoint> Endpoints(const Service& service, const ServicePort& port) const;

 private:
  struct SlicePort {
    std::string name;
    std::string protocol;
    int64_t port = 0;
  };
  struct Slice {
    std::vector<SlicePort> ports;
    std::vector<std::string> ready_addresses;
  };
  std::map<std::string, Service, std::less<>> services_;           // "ns/name"
  std::map<std::string, std::vector<Slice>, std::less<>> slices_;  // "ns/service"
};

}  // namespace atrium::translate

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
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
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

// EndpointSliceData is what the index reads from one EndpointSlice.
struct EndpointSliceData {
  struct Port {
    std::string name;
    std::string protocol;
    int64_t port = 0;
  };
  std::vector<Port> ports;
  std::vector<std::string> ready_addresses;
};

// ServiceIndexMemo keeps every Service and EndpointSlice as parsed (with the
// problems parsing found) between passes, so that a pass parses only the
// objects that changed: 10,000 endpoints are otherwise read on every pass.
// The caller reports each change through Changed (TranslateMemo does).
class ServiceIndexMemo {
 public:
  void Changed(std::string_view kind, const std::string& key);
  void Clear();

 private:
  friend class ServiceIndex;
  struct ParsedService {
    std::shared_ptr<const Service> service;  // null when malformed
    std::vector<Problem> problems;
  };
  struct ParsedSlice {
    std::string service_key;                         // "" when not a Service's
    std::shared_ptr<const EndpointSliceData> slice;  // null when not dialable
    std::vector<Problem> problems;
  };
  std::unordered_map<std::string, ParsedService> services_;
  std::unordered_map<std::string, ParsedSlice> slices_;
};

class ServiceIndex {
 public:
  // Malformed Services and EndpointSlices are reported to problems and left
  // out (a malformed Service then reads as missing). With a memo, objects it
  // holds are not parsed again (their problems are reported again).
  ServiceIndex(const state::ClusterState& state, ProblemList& problems,
               ServiceIndexMemo* memo = nullptr);

  const Service* Find(std::string_view ns, std::string_view name) const;

  // Endpoints returns the ready endpoints of port, sorted and unique: one
  // list per Service port and index, shared by every route that uses it.
  ir::EndpointList Endpoints(const Service& service, const ServicePort& port) const;

 private:
  // "ns/name" -> the Service.
  std::map<std::string, std::shared_ptr<const Service>, std::less<>> services_;
  // "ns/service" -> its EndpointSlices.
  std::map<std::string, std::vector<std::shared_ptr<const EndpointSliceData>>, std::less<>> slices_;
  // "ns/name\0port name\0protocol" -> the list Endpoints built for it.
  mutable std::unordered_map<std::string, ir::EndpointList> endpoint_lists_;
};

}  // namespace atrium::translate

#include "controller/translate/service_index.h"

#include <algorithm>

#include "controller/translate/hostnames.h"
#include "controller/translate/input.h"
#include "controller/translate/object_meta.h"

namespace atrium::translate {
namespace {

std::string JoinKey(std::string_view ns, std::string_view name) {
  std::string key(ns);
  key += '/';
  key += name;
  return key;
}

Service ParseService(const nlohmann::json& object) {
  ObjectMeta meta = ParseObjectMeta(object);
  const nlohmann::json& spec = Object(object, "spec", "");
  Service service;
  service.ns = meta.ns;
  service.name = meta.name;
  service.type = String(spec, "type", "spec", "ClusterIP");
  const nlohmann::json& ports = Array(spec, "ports", "spec");
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string path = Path("spec.ports", i);
    ServicePort port;
    port.port = OptInt(ports[i], "port", path).value_or(0);
    port.name = String(ports[i], "name", path);
    port.protocol = String(ports[i], "protocol", path, "TCP");
    port.app_protocol = String(ports[i], "appProtocol", path);
    if (port.port < 1 || port.port > 65535) throw InputError(path + ".port: out of range");
    service.ports.push_back(std::move(port));
  }
  return service;
}

// ReadWellFormedEndpoint appends the addresses of a well-formed endpoint
// when it is ready, without building field paths (10,000 endpoints are read
// on every pass). It returns false, having appended nothing, for anything
// unusual (a wrong type, an address that is not an IP), which the caller
// then reads field by field to report it.
bool ReadWellFormedEndpoint(const nlohmann::json& endpoint, std::vector<std::string>* out) {
  if (!endpoint.is_object()) return false;
  auto conditions = endpoint.find("conditions");
  if (conditions != endpoint.end() && !conditions->is_null()) {
    if (!conditions->is_object()) return false;
    auto ready = conditions->find("ready");
    if (ready != conditions->end() && !ready->is_null()) {
      if (!ready->is_boolean()) return false;
      if (!ready->get<bool>()) return true;  // not ready: nothing to add
    }
  }
  auto addresses = endpoint.find("addresses");
  if (addresses == endpoint.end() || addresses->is_null()) return true;
  if (!addresses->is_array()) return false;
  for (const nlohmann::json& address : *addresses) {
    if (!address.is_string() || !IsIpAddress(address.get_ref<const std::string&>())) return false;
  }
  for (const nlohmann::json& address : *addresses) out->push_back(address.get<std::string>());
  return true;
}

// ParseSlice reads one EndpointSlice; null when it belongs to no Service or
// its addresses are not dialable (FQDN). Throws InputError when malformed.
std::shared_ptr<const EndpointSliceData> ParseSlice(const ObjectMeta& meta,
                                                    const nlohmann::json& object,
                                                    ProblemList& problems) {
  std::string address_type = String(object, "addressType", "");
  if (address_type != "IPv4" && address_type != "IPv6") return nullptr;  // FQDN: not dialable
  auto slice = std::make_shared<EndpointSliceData>();
  const nlohmann::json& ports = Array(object, "ports", "");
  for (size_t i = 0; i < ports.size(); ++i) {
    std::string path = Path("ports", i);
    std::optional<int64_t> port = OptInt(ports[i], "port", path);
    if (!port || *port < 1 || *port > 65535) continue;
    slice->ports.push_back(
        {String(ports[i], "name", path), String(ports[i], "protocol", path, "TCP"), *port});
  }
  const nlohmann::json& endpoints = Array(object, "endpoints", "");
  for (size_t i = 0; i < endpoints.size(); ++i) {
    if (ReadWellFormedEndpoint(endpoints[i], &slice->ready_addresses)) continue;
    // Something is off: read it again field by field, which names the
    // field in the problem.
    std::string path = Path("endpoints", i);
    const nlohmann::json& conditions = Object(endpoints[i], "conditions", path);
    // A nil ready condition means ready (EndpointSlice API).
    if (!OptBool(conditions, "ready", Path(path, "conditions")).value_or(true)) continue;
    const nlohmann::json& addresses = Array(endpoints[i], "addresses", path);
    for (size_t j = 0; j < addresses.size(); ++j) {
      std::string address = StringValue(addresses[j], Path(Path(path, "addresses"), j));
      if (!IsIpAddress(address)) {
        problems.Add(state::kEndpointSlice, meta.ns, meta.name,
                     "endpoint address \"" + address + "\" is not an IP address; skipped");
        continue;
      }
      slice->ready_addresses.push_back(std::move(address));
    }
  }
  return slice;
}

}  // namespace

const ServicePort* Service::FindPort(int64_t number) const {
  for (const ServicePort& port : ports) {
    if (port.port == number && port.protocol == "TCP") return &port;
  }
  return nullptr;
}

const ServicePort* Service::FindPort(std::string_view port_name) const {
  for (const ServicePort& port : ports) {
    if (port.name == port_name && port.protocol == "TCP") return &port;
  }
  return nullptr;
}

void ServiceIndexMemo::Changed(std::string_view kind, const std::string& key) {
  if (kind == state::kService) services_.erase(key);
  if (kind == state::kEndpointSlice) slices_.erase(key);
}

void ServiceIndexMemo::Clear() {
  services_.clear();
  slices_.clear();
}

ServiceIndex::ServiceIndex(const state::ClusterState& state, ProblemList& problems,
                           ServiceIndexMemo* memo) {
  for (const auto& [key, object] : state.services) {
    ServiceIndexMemo::ParsedService* parsed = nullptr;
    if (memo != nullptr) {
      auto it = memo->services_.find(key);
      if (it != memo->services_.end()) parsed = &it->second;
    }
    if (parsed == nullptr) {
      ServiceIndexMemo::ParsedService fresh;
      const size_t problems_before = problems.size();
      try {
        fresh.service = std::make_shared<const Service>(ParseService(object));
      } catch (const std::exception& e) {
        auto [ns, name] = SplitKey(key);
        problems.Add(state::kService, ns, name, std::string("malformed Service: ") + e.what());
      }
      if (memo == nullptr) {
        if (fresh.service)
          services_[JoinKey(fresh.service->ns, fresh.service->name)] = fresh.service;
        continue;
      }
      fresh.problems = problems.From(problems_before);
      parsed = &memo->services_.insert_or_assign(key, std::move(fresh)).first->second;
    } else {
      for (const Problem& problem : parsed->problems) {
        problems.Add(problem.kind, problem.ns, problem.name, problem.reason);
      }
    }
    if (parsed->service) {
      services_[JoinKey(parsed->service->ns, parsed->service->name)] = parsed->service;
    }
  }
  for (const auto& [key, object] : state.endpoint_slices) {
    ServiceIndexMemo::ParsedSlice* parsed = nullptr;
    if (memo != nullptr) {
      auto it = memo->slices_.find(key);
      if (it != memo->slices_.end()) parsed = &it->second;
    }
    ServiceIndexMemo::ParsedSlice fresh;
    if (parsed == nullptr) {
      const size_t problems_before = problems.size();
      try {
        ObjectMeta meta = ParseObjectMeta(object);
        auto label = meta.labels().find(std::string(state::kServiceNameLabel));
        if (label != meta.labels().end()) {  // else not owned by a Service
          fresh.slice = ParseSlice(meta, object, problems);
          if (fresh.slice) fresh.service_key = JoinKey(meta.ns, label->second);
        }
      } catch (const std::exception& e) {
        auto [ns, name] = SplitKey(key);
        problems.Add(state::kEndpointSlice, ns, name,
                     std::string("malformed EndpointSlice: ") + e.what());
        fresh.slice = nullptr;
        fresh.service_key.clear();
      }
      fresh.problems = problems.From(problems_before);
      parsed = memo != nullptr
                   ? &memo->slices_.insert_or_assign(key, std::move(fresh)).first->second
                   : &fresh;
    } else {
      for (const Problem& problem : parsed->problems) {
        problems.Add(problem.kind, problem.ns, problem.name, problem.reason);
      }
    }
    if (parsed->slice) slices_[parsed->service_key].push_back(parsed->slice);
  }
}

const Service* ServiceIndex::Find(std::string_view ns, std::string_view name) const {
  auto it = services_.find(JoinKey(ns, name));
  return it == services_.end() ? nullptr : it->second.get();
}

ir::EndpointList ServiceIndex::Endpoints(const Service& service, const ServicePort& port) const {
  std::string key = JoinKey(service.ns, service.name);
  auto it = slices_.find(key);
  key.append(1, '\0').append(port.name).append(1, '\0').append(port.protocol);
  auto [built, inserted] = endpoint_lists_.try_emplace(std::move(key));
  if (!inserted) return built->second;
  std::vector<ir::Endpoint> result;
  if (it == slices_.end()) return built->second;
  for (const std::shared_ptr<const EndpointSliceData>& slice : it->second) {
    for (const EndpointSliceData::Port& slice_port : slice->ports) {
      if (slice_port.name != port.name || slice_port.protocol != port.protocol) continue;
      for (const std::string& address : slice->ready_addresses) {
        result.push_back(ir::Endpoint{address, static_cast<uint16_t>(slice_port.port), true});
      }
      break;
    }
  }
  std::sort(result.begin(), result.end(), [](const ir::Endpoint& a, const ir::Endpoint& b) {
    return std::tie(a.address, a.port) < std::tie(b.address, b.port);
  });
  result.erase(std::unique(result.begin(), result.end()), result.end());
  built->second = ir::EndpointList(std::move(result));
  return built->second;
}

}  // namespace atrium::translate

#include "controller/translate/backend_refs.h"

#include "controller/translate/app_protocols.h"
#include "controller/translate/input.h"

namespace atrium::translate {

ResolvedBackend ResolveBackendRef(const nlohmann::json& ref, const std::string& path,
                                  const RuleContext& context) {
  std::string group = String(ref, "group", path);
  std::string kind = String(ref, "kind", path, "Service");
  std::string name = String(ref, "name", path);
  std::string ns = String(ref, "namespace", path, context.route.ns);
  std::optional<int64_t> port = OptInt(ref, "port", path);
  if (name.empty()) throw RuleError{"UnsupportedValue", path + ".name: missing"};

  ResolvedBackend result;
  std::string port_text = port ? std::to_string(*port) : "";
  result.backend.name = ns + "/" + name + (port ? ":" + port_text : "");
  auto invalid = [&](std::string reason, std::string message) {
    result.backend.valid = false;
    result.issue = RefIssue{std::move(reason), std::move(message)};
    return result;
  };

  if (!group.empty() || kind != "Service") {
    return invalid("InvalidKind", path + " refers to unsupported kind " +
                                      (group.empty() ? kind : group + "/" + kind) + " " + name);
  }
  if (!port) throw RuleError{"UnsupportedValue", path + ".port: required for a Service"};
  if (*port < 1 || *port > 65535) {
    throw RuleError{"UnsupportedValue", path + ".port: " + port_text + " is out of range"};
  }
  if (!context.grants.Allows({std::string(kGatewayGroup), "HTTPRoute", context.route.ns, ""},
                             {"", "Service", ns, name})) {
    return invalid("RefNotPermitted", path + " refers to Service " + ns + "/" + name +
                                          " in another namespace without a ReferenceGrant");
  }
  if (context.services_used != nullptr) context.services_used->push_back(ns + "/" + name);
  const Service* service = context.services.Find(ns, name);
  if (service == nullptr) {
    return invalid("BackendNotFound",
                   path + " refers to Service " + ns + "/" + name + ", which does not exist");
  }
  if (service->type == "ExternalName") {
    return invalid("UnsupportedProtocol", path + " refers to ExternalName Service " + ns + "/" +
                                              name + ", which Atrium cannot reach (no endpoints)");
  }
  const ServicePort* service_port = service->FindPort(*port);
  if (service_port == nullptr) {
    return invalid("BackendNotFound", path + " refers to port " + port_text + " of Service " + ns +
                                          "/" + name + ", which has no such TCP port");
  }
  if (!IsSupportedAppProtocol(service_port->app_protocol)) {
    return invalid("UnsupportedProtocol", path + ": appProtocol \"" + service_port->app_protocol +
                                              "\" of Service " + ns + "/" + name +
                                              " is not supported");
  }
  result.backend.app_protocol = service_port->app_protocol;
  result.backend.endpoints = context.services.Endpoints(*service, *service_port);
  return result;
}

}  // namespace atrium::translate

#include "controller/translate/backend_refs.h"

#include "base/str_cat.h"
#include "controller/translate/app_protocols.h"

namespace atrium::translate {

ResolvedBackend ResolveBackendRef(const BackendRefSpec& ref, const std::string& path,
                                  const RuleContext& context) {
  const std::string_view group = ref.group();
  const std::string_view kind = ref.kind();
  const std::string& name = ref.name;
  const std::string& ns = ref.ns;
  const std::optional<int64_t>& port = ref.port;

  ResolvedBackend result;
  std::string port_text = port ? std::to_string(*port) : "";
  result.backend.name = ns + "/" + name + (port ? ":" + port_text : "");
  auto invalid = [&](std::string reason, std::string message) {
    result.backend.valid = false;
    result.issue = RefIssue{std::move(reason), std::move(message)};
    return result;
  };

  if (!ref.IsService()) {
    const std::string written = group.empty() ? std::string(kind) : StrCat(group, "/", kind);
    return invalid("InvalidKind", path + " refers to unsupported kind " + written + " " + name);
  }
  // A Service reference decoded with a port in range (DecodeBackendRef).
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

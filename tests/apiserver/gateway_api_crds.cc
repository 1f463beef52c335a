#include "tests/apiserver/gateway_api_crds.h"

#include <string>

namespace atrium::testing {
namespace {

using nlohmann::json;

json Column(const char* name, const char* type, const char* path, int priority = 0) {
  json column = {{"name", name}, {"type", type}, {"jsonPath", path}};
  if (priority != 0) column["priority"] = priority;
  return column;
}

json Crd(const std::string& plural, const std::string& singular, const std::string& kind,
         const std::string& scope, const std::vector<std::string>& short_names,
         const std::vector<std::string>& versions, const std::string& storage, bool status,
         const json& columns) {
  json version_list = json::array();
  for (const std::string& v : versions) {
    json entry = {{"name", v},
                  {"served", true},
                  {"storage", v == storage},
                  {"schema",
                   {{"openAPIV3Schema",
                     {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}}}},
                  {"additionalPrinterColumns", columns}};
    if (status) entry["subresources"] = {{"status", json::object()}};
    version_list.push_back(std::move(entry));
  }
  json names = {{"plural", plural},
                {"singular", singular},
                {"kind", kind},
                {"listKind", kind + "List"},
                {"categories", {"gateway-api"}}};
  if (!short_names.empty()) names["shortNames"] = short_names;
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata",
           {{"name", plural + "." + kGatewayApiGroup},
            {"annotations",
             {{"gateway.networking.k8s.io/bundle-version", kGatewayApiBundleVersion},
              {"gateway.networking.k8s.io/channel", "standard"}}}}},
          {"spec",
           {{"group", kGatewayApiGroup},
            {"names", names},
            {"scope", scope},
            {"versions", version_list}}}};
}

}  // namespace

std::vector<json> GatewayApiCrds() {
  const json age = Column("Age", "date", ".metadata.creationTimestamp");
  return {
      Crd("gatewayclasses", "gatewayclass", "GatewayClass", "Cluster", {"gc"}, {"v1", "v1beta1"},
          "v1", true,
          {Column("Controller", "string", ".spec.controllerName"),
           Column("Accepted", "string", ".status.conditions[?(@.type==\"Accepted\")].status"), age,
           Column("Description", "string", ".spec.description", 1)}),
      Crd("gateways", "gateway", "Gateway", "Namespaced", {"gtw"}, {"v1", "v1beta1"}, "v1", true,
          {Column("Class", "string", ".spec.gatewayClassName"),
           Column("Address", "string", ".status.addresses[*].value"),
           Column("Programmed", "string", ".status.conditions[?(@.type==\"Programmed\")].status"),
           age}),
      Crd("httproutes", "httproute", "HTTPRoute", "Namespaced", {}, {"v1", "v1beta1"}, "v1", true,
          {Column("Hostnames", "string", ".spec.hostnames"), age}),
      Crd("referencegrants", "referencegrant", "ReferenceGrant", "Namespaced", {"refgrant"},
          {"v1beta1", "v1"}, "v1beta1", false, {age}),
  };
}

}  // namespace atrium::testing

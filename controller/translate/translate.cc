#include "controller/translate/translate.h"

#include <algorithm>
#include <iterator>
#include <tuple>
#include <vector>

#include "controller/translate/config_draft.h"
#include "controller/translate/gateway_translator.h"
#include "controller/translate/httproute_translator.h"
#include "controller/translate/ingress_translator.h"
#include "controller/translate/namespace_index.h"
#include "controller/translate/problems.h"
#include "controller/translate/reference_grants.h"
#include "controller/translate/route_memo.h"
#include "controller/translate/service_index.h"

namespace atrium::translate {
namespace {

// SortByName sorts statuses of one kind by namespace and name. Translators
// emit them in key order ("namespace/name"), which is that order unless a
// namespace holds a character below '/' ("a-b" < "a", but "a-b/x" < "a/y"):
// a pass over thousands of routes costs one linear check.
void SortByName(std::vector<ObjectStatus>& statuses) {
  auto before = [](const ObjectStatus& a, const ObjectStatus& b) {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  };
  if (!std::is_sorted(statuses.begin(), statuses.end(), before)) {
    std::sort(statuses.begin(), statuses.end(), before);
  }
}

// The statuses are ordered by kind, then namespace and name (DiffStatuses
// merges two passes on that order): the kinds are appended in this order.
static_assert(state::kGateway < state::kGatewayClass && state::kGatewayClass < state::kHttpRoute &&
              state::kHttpRoute < state::kIngress);

}  // namespace

Result Translate(const state::ClusterState& state, const Options& options, TranslateMemo* memo) {
  Result result;
  ProblemList problems;
  ServiceIndex services(state, problems, memo != nullptr ? &memo->services : nullptr);
  ReferenceGrantIndex grants(state.reference_grants, problems);
  NamespaceIndex namespaces(state.namespaces, problems);
  ConfigDraft draft;
  // Each translator emits the statuses of one kind.
  std::vector<ObjectStatus> gateway_statuses;
  std::vector<ObjectStatus> class_statuses;
  std::vector<ObjectStatus> route_statuses;
  std::vector<ObjectStatus> ingress_statuses;

  // Order matters: Gateways claim sockets before routes attach to them, and
  // before the implicit Ingress listener joins (or cannot join) port 80.
  GatewayModels gateways =
      TranslateGateways(state, options, grants, draft, class_statuses, problems);
  TranslateHttpRoutes(state, options, services, grants, namespaces, gateways, draft, route_statuses,
                      problems, memo != nullptr ? &memo->http_routes : nullptr);
  GatewayStatuses(gateways, gateway_statuses);
  TranslateIngresses(state, options, services, draft, ingress_statuses, problems);

  result.config =
      BuildRouteConfig(std::move(draft), memo != nullptr ? &memo->virtual_hosts : nullptr);
  result.statuses.reserve(gateway_statuses.size() + class_statuses.size() + route_statuses.size() +
                          ingress_statuses.size());
  for (std::vector<ObjectStatus>* kind :
       {&gateway_statuses, &class_statuses, &route_statuses, &ingress_statuses}) {
    SortByName(*kind);
    std::move(kind->begin(), kind->end(), std::back_inserter(result.statuses));
  }
  result.problems = problems.Take();
  return result;
}

nlohmann::json StatusesToJson(const std::vector<ObjectStatus>& statuses) {
  nlohmann::json rendered = nlohmann::json::array();
  for (const ObjectStatus& status : statuses) {
    rendered.push_back({{"kind", status.kind},
                        {"namespace", status.ns},
                        {"name", status.name},
                        {"generation", status.generation},
                        {"status", *status.status}});
  }
  return rendered;
}

nlohmann::json ProblemsToJson(const std::vector<Problem>& problems) {
  nlohmann::json rendered = nlohmann::json::array();
  for (const Problem& problem : problems) {
    rendered.push_back({{"kind", problem.kind},
                        {"namespace", problem.ns},
                        {"name", problem.name},
                        {"reason", problem.reason}});
  }
  return rendered;
}

nlohmann::json ToJson(const Result& result) {
  return nlohmann::json{{"config", ir::ToJson(result.config)},
                        {"statuses", StatusesToJson(result.statuses)},
                        {"problems", ProblemsToJson(result.problems)}};
}

}  // namespace atrium::translate

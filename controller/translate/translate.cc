#include "controller/translate/translate.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

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

// SortStatuses sorts statuses by kind, namespace, name. Each translator
// emits one kind in (nearly always) that order already, so the statuses are
// grouped by kind and a group is sorted only when it is not: a pass over
// thousands of routes then costs a linear check instead of a sort.
void SortStatuses(std::vector<ObjectStatus>& statuses) {
  auto before = [](const ObjectStatus& a, const ObjectStatus& b) {
    return std::tie(a.kind, a.ns, a.name) < std::tie(b.kind, b.ns, b.name);
  };
  std::map<std::string, std::vector<ObjectStatus>> by_kind;
  for (ObjectStatus& status : statuses) by_kind[status.kind].push_back(std::move(status));
  statuses.clear();
  for (auto& [kind, group] : by_kind) {
    if (!std::is_sorted(group.begin(), group.end(), before)) {
      std::sort(group.begin(), group.end(), before);
    }
    std::move(group.begin(), group.end(), std::back_inserter(statuses));
  }
}

}  // namespace

Result Translate(const state::ClusterState& state, const Options& options, TranslateMemo* memo) {
  Result result;
  ProblemList problems;
  ServiceIndex services(state, problems, memo != nullptr ? &memo->services : nullptr);
  ReferenceGrantIndex grants(state.reference_grants, problems);
  NamespaceIndex namespaces(state.namespaces, problems);
  ConfigDraft draft;

  // Order matters: Gateways claim sockets before routes attach to them, and
  // before the implicit Ingress listener joins (or cannot join) port 80.
  GatewayModels gateways =
      TranslateGateways(state, options, grants, draft, result.statuses, problems);
  TranslateHttpRoutes(state, options, services, grants, namespaces, gateways, draft,
                      result.statuses, problems, memo != nullptr ? &memo->http_routes : nullptr);
  GatewayStatuses(gateways, result.statuses);
  TranslateIngresses(state, options, services, draft, result.statuses, problems);

  result.config =
      BuildRouteConfig(std::move(draft), memo != nullptr ? &memo->virtual_hosts : nullptr);
  SortStatuses(result.statuses);
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

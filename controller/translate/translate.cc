#include "controller/translate/translate.h"

#include <algorithm>
#include <iterator>
#include <optional>
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
void SortByName(std::vector<SharedStatus>::iterator begin,
                std::vector<SharedStatus>::iterator end) {
  auto before = [](const ObjectStatus& a, const ObjectStatus& b) {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  };
  if (!std::is_sorted(begin, end, before)) std::sort(begin, end, before);
}

// AppendSorted moves statuses of one kind, sorted by name, to the end of
// out.
void AppendSorted(std::vector<SharedStatus>& statuses, std::vector<SharedStatus>& out) {
  SortByName(statuses.begin(), statuses.end());
  std::move(statuses.begin(), statuses.end(), std::back_inserter(out));
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
  std::optional<NamespaceIndex> fresh_namespaces;
  const NamespaceIndex& namespaces = memo != nullptr
                                         ? memo->namespaces.Get(state.namespaces, problems)
                                         : fresh_namespaces.emplace(state.namespaces, problems);
  ConfigDraft draft;
  // Each translator emits the statuses of one kind; the HTTPRoutes' (nearly
  // all of them) go straight into the result, so that a pass does not hold
  // thousands twice. Gateways' come first in the result but are rendered
  // after the routes counted their attachments: their places are kept.
  std::vector<SharedStatus>& statuses = result.statuses;
  std::vector<SharedStatus> class_statuses;
  std::vector<SharedStatus> gateway_statuses;
  std::vector<SharedStatus> ingress_statuses;

  // Order matters: Gateways claim sockets before routes attach to them, and
  // before the implicit Ingress listener joins (or cannot join) port 80.
  GatewayModels gateways =
      TranslateGateways(state, options, grants, draft, class_statuses, problems);
  statuses.reserve(gateways.size() + class_statuses.size() + state.http_routes.size() +
                   state.ingresses.size());
  statuses.resize(gateways.size());
  AppendSorted(class_statuses, statuses);
  const size_t routes_begin = statuses.size();
  TranslateHttpRoutes(state, options, services, grants, namespaces, gateways, draft, statuses,
                      problems, memo != nullptr ? &memo->http_routes : nullptr);
  SortByName(statuses.begin() + static_cast<std::ptrdiff_t>(routes_begin), statuses.end());
  GatewayStatuses(gateways, gateway_statuses);
  SortByName(gateway_statuses.begin(), gateway_statuses.end());
  if (gateway_statuses.size() == gateways.size()) {  // one per Gateway: into their places
    std::move(gateway_statuses.begin(), gateway_statuses.end(), statuses.begin());
  } else {
    statuses.erase(statuses.begin(),
                   statuses.begin() + static_cast<std::ptrdiff_t>(gateways.size()));
    statuses.insert(statuses.begin(), std::make_move_iterator(gateway_statuses.begin()),
                    std::make_move_iterator(gateway_statuses.end()));
  }
  TranslateIngresses(state, options, services, draft, ingress_statuses, problems);
  AppendSorted(ingress_statuses, statuses);

  result.config =
      BuildRouteConfig(std::move(draft), memo != nullptr ? &memo->virtual_hosts : nullptr);
  result.problems = problems.Take();
  return result;
}

nlohmann::json StatusesToJson(const std::vector<SharedStatus>& statuses) {
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

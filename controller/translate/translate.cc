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

// SortStatuses sorts statuses by kind, namespace, name. Each translator
// emits one kind in (nearly always) that order already: the statuses come
// as a few runs of one kind, each sorted. Only a run found out of order is
// sorted, and the runs are moved only when their kinds are out of order, so
// a pass over thousands of routes costs one linear check.
void SortStatuses(std::vector<ObjectStatus>& statuses) {
  auto before = [](const ObjectStatus& a, const ObjectStatus& b) {
    return std::tie(a.kind, a.ns, a.name) < std::tie(b.kind, b.ns, b.name);
  };
  struct Run {
    size_t begin;
    size_t end;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < statuses.size();) {
    size_t end = i + 1;
    while (end < statuses.size() && statuses[end].kind == statuses[i].kind) ++end;
    auto first = statuses.begin() + static_cast<std::ptrdiff_t>(i);
    auto last = statuses.begin() + static_cast<std::ptrdiff_t>(end);
    if (!std::is_sorted(first, last, before)) std::sort(first, last, before);
    runs.push_back({i, end});
    i = end;
  }
  auto run_before = [&](const Run& a, const Run& b) {
    return statuses[a.begin].kind < statuses[b.begin].kind;
  };
  if (std::is_sorted(runs.begin(), runs.end(), run_before)) return;
  // Move whole runs into kind order; runs of one kind end up adjacent and
  // are then sorted together.
  std::stable_sort(runs.begin(), runs.end(), run_before);
  std::vector<ObjectStatus> ordered;
  ordered.reserve(statuses.size());
  for (const Run& run : runs) {
    const size_t start = ordered.size();
    std::move(statuses.begin() + static_cast<std::ptrdiff_t>(run.begin),
              statuses.begin() + static_cast<std::ptrdiff_t>(run.end), std::back_inserter(ordered));
    if (start > 0 && ordered[start - 1].kind == ordered[start].kind &&
        before(ordered[start], ordered[start - 1])) {
      // A second run of a kind already placed: sort that kind's statuses.
      size_t kind_begin = start;
      while (kind_begin > 0 && ordered[kind_begin - 1].kind == ordered[start].kind) --kind_begin;
      std::sort(ordered.begin() + static_cast<std::ptrdiff_t>(kind_begin), ordered.end(), before);
    }
  }
  statuses = std::move(ordered);
}

}  // namespace

Result Translate(const state::ClusterState& state, const Options& options, TranslateMemo* memo) {
  Result result;
  ProblemList problems;
  ServiceIndex services(state, problems, memo != nullptr ? &memo->services : nullptr);
  ReferenceGrantIndex grants(state.reference_grants, problems);
  NamespaceIndex namespaces(state.namespaces, problems);
  ConfigDraft draft;
  // At most one status per object of these kinds: reserved once, not grown
  // by doubling past thousands of routes when the Gateways' come after them.
  result.statuses.reserve(state.gateway_classes.size() + state.gateways.size() +
                          state.http_routes.size() + state.ingresses.size());

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

#include "controller/translate/httproute_translator.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

#include "base/str_cat.h"
#include "controller/translate/conditions.h"
#include "controller/translate/httproute_rule.h"
#include "controller/translate/input.h"
#include "controller/translate/object_meta.h"
#include "controller/translate/route_memo.h"
#include "controller/translate/status_documents.h"

namespace atrium::translate {
namespace {

// RouteHostname is one hostname a route attaches with: as a matching rule
// (intersected with the listener's), and as the route wrote it (for
// precedence, which uses the route's own hostnames).
struct RouteHostname {
  Host host;
  std::string written;
  bool operator<(const RouteHostname& other) const {
    return std::tie(host, written) < std::tie(other.host, other.written);
  }
};

struct Attachment {
  GatewayListener* listener;
  std::set<RouteHostname> hostnames;  // intersected with the listener's
};

bool NamespaceAllowed(const GatewayListener& listener, const GatewayModel& gateway,
                      const std::string& route_ns, const NamespaceIndex& namespaces) {
  switch (listener.from) {
    case FromNamespaces::kAll:
      return true;
    case FromNamespaces::kSame:
      return route_ns == gateway.meta.ns;
    case FromNamespaces::kSelector:
      return listener.selector && listener.selector->Matches(namespaces.LabelsOf(route_ns));
  }
  return false;
}

// Attach decides whether the route attaches to parent, filling attachments
// with the listeners it attaches to. Returns the Accepted condition.
ConditionState Attach(const ParentRefSpec& parent, GatewayModel& gateway,
                      const std::vector<Host>& hostnames, const std::string& route_ns,
                      const NamespaceIndex& namespaces, std::vector<Attachment>& attachments) {
  std::vector<GatewayListener*> candidates;
  for (GatewayListener& listener : gateway.listeners) {
    if (parent.section_name && listener.name != *parent.section_name) continue;
    if (parent.port && listener.port != *parent.port) continue;
    candidates.push_back(&listener);
  }
  if (candidates.empty()) {
    std::string what = parent.section_name ? "named " + *parent.section_name : "";
    if (parent.port)
      what += (what.empty() ? "" : " ") + ("on port " + std::to_string(*parent.port));
    return {false, "NoMatchingParent",
            "Gateway " + gateway.meta.Key() + " has no listener " + what};
  }
  if (!gateway.accepted.status) {
    return {false, "NoMatchingParent", "Gateway " + gateway.meta.Key() + " is not accepted"};
  }
  std::vector<GatewayListener*> allowed;
  for (GatewayListener* listener : candidates) {
    if (listener->allows_http_route && NamespaceAllowed(*listener, gateway, route_ns, namespaces)) {
      allowed.push_back(listener);
    }
  }
  if (allowed.empty()) {
    return {false, "NotAllowedByListeners",
            "no listener of Gateway " + gateway.meta.Key() + " allows HTTPRoutes from namespace " +
                route_ns};
  }
  for (GatewayListener* listener : allowed) {
    Attachment attachment{listener, {}};
    if (hostnames.empty()) {
      attachment.hostnames.insert({listener->hostname, ""});
    } else {
      for (const Host& hostname : hostnames) {
        if (std::optional<Host> shared = Intersect(listener->hostname, hostname)) {
          attachment.hostnames.insert({*shared, hostname.name.str()});
        }
      }
    }
    if (!attachment.hostnames.empty()) attachments.push_back(std::move(attachment));
  }
  if (attachments.empty()) {
    return {false, "NoMatchingListenerHostname",
            "no listener of Gateway " + gateway.meta.Key() +
                " has a hostname that intersects the route's hostnames"};
  }
  return {true, "Accepted", "Route is accepted"};
}

// AddRouteEntries places every match of every rule on the listener's sockets.
void AddRouteEntries(const ObjectMeta& meta, const std::vector<ParsedRule>& rules,
                     const Attachment& attachment, size_t gateway_rank, ConfigDraft& draft) {
  const GatewayListener& listener = *attachment.listener;
  // One route per rule match on this listener, shared by the entries of
  // every socket and hostname it serves (only redirects depend on the
  // listener, through its port and protocol).
  std::vector<SharedValue<ir::Route>> routes;
  for (const ParsedRule& rule : rules) {
    for (const ir::RouteMatch& match : rule.matches) {
      ir::Route route;
      route.name = "httproute/" + meta.ns + "/" + meta.name + "/rule/" + std::to_string(rule.index);
      route.match = match;
      route.filters = rule.filters;
      route.backends = rule.backends;
      route.direct_status = rule.direct_status;
      route.timeouts = rule.timeouts;
      route.retry = rule.retry;
      ResolveRedirectPorts(route, static_cast<uint16_t>(listener.port), listener.tls);
      routes.emplace_back(std::move(route));
    }
  }
  for (const SocketKey& socket : listener.sockets) {
    for (const RouteHostname& hostname : attachment.hostnames) {
      size_t next_route = 0;
      for (const ParsedRule& rule : rules) {
        for (size_t m = 0; m < rule.matches.size(); ++m) {
          RouteEntry entry;
          entry.socket = socket;
          entry.claim = listener.hostname;
          entry.hostname = hostname.host;
          entry.route = routes[next_route++];
          PrecedenceKey& key = entry.precedence;
          SetHostPrecedence(hostname.written, key);
          SetMatchPrecedence(entry.route->match, key);
          key.gateway_rank = static_cast<uint32_t>(gateway_rank);
          key.creation_time = meta.creation_time;
          key.ns = meta.ns;
          key.name = meta.name;
          key.kind = state::kHttpRoute;
          key.rule_index = static_cast<uint32_t>(rule.index);
          key.match_index = static_cast<uint32_t>(m);
          draft.entries.Add(std::make_shared<const RouteEntry>(std::move(entry)));
        }
      }
    }
  }
}

// TranslateHttpRoute translates one route. The listeners it attaches to are
// returned in outcome.attached (counted by the caller, so that a route that
// throws half-way counts nowhere), the Services it looked up in
// outcome.services.
void TranslateHttpRoute(const HttpRouteSpec& route, const state::ClusterState& state,
                        const Options& options, const ServiceIndex& services,
                        const ReferenceGrantIndex& grants, const NamespaceIndex& namespaces,
                        GatewayModels& gateways, ConfigDraft& draft,
                        std::vector<SharedStatus>& statuses, ProblemList& problems,
                        StatusDocuments& documents, HttpRouteOutcome& outcome) {
  const ObjectMeta& meta = route.meta;
  std::vector<const ParentRefSpec*> ours;
  for (const ParentRefSpec& parent : route.parent_refs) {
    if (!parent.IsGateway()) continue;
    std::string key = parent.ns + "/" + parent.name;
    if (gateways.contains(key)) {
      bool duplicate = std::any_of(ours.begin(), ours.end(), [&](const ParentRefSpec* p) {
        return p->SameAsWritten(parent);
      });
      if (!duplicate) ours.push_back(&parent);
    } else if (!state.gateways.contains(key)) {
      problems.Add(state::kHttpRoute, meta.ns, meta.name,
                   "parentRef Gateway " + key + " does not exist");
    }
  }
  if (ours.empty()) return;  // another controller's route, or attached to nothing

  std::optional<ConditionState> rejection;
  if (route.rejection) {
    rejection = ConditionState{false, route.rejection->reason, route.rejection->message};
  }
  const std::vector<Host>& hostnames = route.hostnames;
  std::vector<ParsedRule> rules;
  std::vector<std::string> dropped;
  std::vector<RefIssue> issues;
  RuleContext context{meta, services, grants, options, &outcome.services};
  if (!rejection) {
    std::optional<RuleError> first_error;
    auto drop = [&](size_t index, const RuleError& error) {
      dropped.push_back("rule " + std::to_string(index) + ": " + error.message);
      if (!first_error) first_error = error;
    };
    for (size_t i = 0; i < route.rules.size(); ++i) {
      if (const RuleError* error = std::get_if<RuleError>(&route.rules[i])) {
        drop(i, *error);
        continue;
      }
      try {
        rules.push_back(ResolveRule(std::get<RuleSpec>(route.rules[i]), context, issues));
      } catch (const RuleError& error) {
        drop(i, error);
      }
    }
    if (rules.empty()) {
      std::string message = "all rules are invalid: ";
      for (size_t i = 0; i < dropped.size(); ++i) message += (i ? "; " : "") + dropped[i];
      rejection = ConditionState{false, first_error->reason, message};
    }
  }
  if (rejection) {
    problems.Add(state::kHttpRoute, meta.ns, meta.name, "not accepted: " + rejection->message);
  } else {
    for (const std::string& message : dropped) {
      problems.Add(state::kHttpRoute, meta.ns, meta.name, "dropped " + message);
    }
  }
  for (const RefIssue& issue : issues) {
    problems.Add(state::kHttpRoute, meta.ns, meta.name, issue.reason + ": " + issue.message);
  }

  ConditionState resolved_refs{true, "ResolvedRefs", "All references are resolved"};
  if (!issues.empty()) {
    std::string message;
    for (const RefIssue& issue : issues) message += (message.empty() ? "" : "; ") + issue.message;
    resolved_refs = {false, issues.front().reason, message};
  }

  std::set<const GatewayListener*> counted;
  std::vector<ParentStatus> parents;
  for (const ParentRefSpec* parent_ref : ours) {
    const ParentRefSpec& parent = *parent_ref;
    const std::string gateway_key = parent.ns + "/" + parent.name;
    GatewayModel& gateway = gateways.at(gateway_key);
    std::vector<Attachment> attachments;
    ConditionState accepted = Attach(parent, gateway, hostnames, meta.ns, namespaces, attachments);
    bool parent_specific = !accepted.status;
    if (accepted.status && rejection) accepted = *rejection;
    if (parent_specific) {  // route-wide rejections are reported once, above
      problems.Add(state::kHttpRoute, meta.ns, meta.name,
                   "not accepted by Gateway " + gateway.meta.Key() + " (" + accepted.reason +
                       "): " + accepted.message);
    } else if (accepted.status) {
      for (const Attachment& attachment : attachments) {
        if (counted.insert(attachment.listener).second) {
          outcome.attached.push_back(
              {gateway_key, static_cast<size_t>(attachment.listener - gateway.listeners.data())});
        }
        if (attachment.listener->programmed) {
          AddRouteEntries(meta, rules, attachment, gateway.rank, draft);
        }
      }
    }
    ParentStatus& entry = parents.emplace_back(ParentStatus{&parent, accepted, resolved_refs, {}});
    if (accepted.status && !dropped.empty()) {
      std::string message = "Dropped Rule(s): ";
      for (size_t i = 0; i < dropped.size(); ++i) message += (i ? "; " : "") + dropped[i];
      entry.partially_invalid = std::move(message);
    }
  }
  statuses.push_back(ObjectStatus{std::string(state::kHttpRoute), meta.ns, meta.name,
                                  meta.generation, documents.Render(parents, meta.generation)});
}

}  // namespace

void TranslateHttpRoutes(const state::ClusterState& state, const Options& options,
                         const ServiceIndex& services, const ReferenceGrantIndex& grants,
                         const NamespaceIndex& namespaces, GatewayModels& gateways,
                         ConfigDraft& draft, std::vector<SharedStatus>& statuses,
                         ProblemList& problems, HttpRouteMemo* memo) {
  // Routes mostly attach to the same Gateway: the last one looked up is
  // kept at hand.
  std::string last_gateway_key;
  GatewayModel* last_gateway = nullptr;
  auto count_attached = [&](const HttpRouteOutcome& outcome) {
    for (const ListenerRef& ref : outcome.attached) {
      if (last_gateway == nullptr || last_gateway_key != ref.gateway) {
        last_gateway = &gateways.at(ref.gateway);
        last_gateway_key = ref.gateway;
      }
      ++last_gateway->listeners.at(ref.listener).attached_routes;
    }
  };
  draft.entries.reserve(draft.entries.size() + state.http_routes.size());
  statuses.reserve(statuses.size() + state.http_routes.size());
  // With a memo, its documents: a route translated in this pass shares the
  // document of every route translated before it with the same status.
  StatusDocuments pass_documents;
  StatusDocuments& documents = memo != nullptr ? memo->documents() : pass_documents;
  std::optional<HttpRouteMemo::Cursor> cursor;
  if (memo != nullptr) {
    memo->CheckGateways(gateways);
    cursor.emplace(*memo);
  }
  for (auto it = state.http_routes.begin(); it != state.http_routes.end(); ++it) {
    const auto& [key, route] = *it;
    // The next route's node is fetched while this one is replayed.
    if (auto next = std::next(it); next != state.http_routes.end()) __builtin_prefetch(&*next);
    if (const HttpRouteOutcome* known = cursor ? cursor->Find(key) : nullptr) {
      // The memo's own references: it changes none of them before the draft
      // is built (see DraftEntries).
      for (const std::shared_ptr<const RouteEntry>& entry : known->entries) {
        draft.entries.Refer(entry);
      }
      if (known->status) statuses.push_back(*known->status);
      for (const Problem& problem : known->problems) {
        problems.Add(problem.kind, problem.ns, problem.name, problem.reason);
      }
      count_attached(*known);
      continue;
    }
    const size_t entries_before = draft.entries.size();
    const size_t statuses_before = statuses.size();
    const size_t problems_before = problems.size();
    HttpRouteOutcome outcome;
    if (route.malformed) {
      problems.Add(state::kHttpRoute, route.meta.ns, route.meta.name,
                   "malformed HTTPRoute: " + *route.malformed);
    } else {
      TranslateHttpRoute(route, state, options, services, grants, namespaces, gateways, draft,
                         statuses, problems, documents, outcome);
    }
    count_attached(outcome);
    if (memo == nullptr) continue;
    outcome.entries.reserve(draft.entries.size() - entries_before);
    for (size_t i = entries_before; i < draft.entries.size(); ++i) {
      outcome.entries.push_back(draft.entries[i]);
    }
    if (statuses.size() > statuses_before) outcome.status = statuses.back();
    outcome.problems = problems.From(problems_before);
    memo->Store(key, std::move(outcome));
  }
  // After the stores: the outcomes replaced in this pass released theirs.
  if (memo != nullptr) documents.ForgetUnused();
}

}  // namespace atrium::translate

#include "controller/status/problem_events.h"

#include <cctype>
#include <string_view>

#include "controller/kube/resource_kind.h"

namespace atrium::status {
namespace {

bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// LeadingReason returns the Gateway API reason a reference problem starts
// with ("BackendNotFound: spec.rules[0]..."), or "".
std::string LeadingReason(std::string_view text) {
  size_t colon = text.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return "";
  std::string_view word = text.substr(0, colon);
  if (!std::isupper(static_cast<unsigned char>(word[0]))) return "";
  for (char c : word) {
    if (!std::isalpha(static_cast<unsigned char>(c))) return "";
  }
  return std::string(word);
}

}  // namespace

std::string ProblemEvents::EventReason(const translate::Problem& problem) {
  const std::string& text = problem.reason;
  if (Contains(text, "resource backend")) return "UnsupportedResourceBackend";
  if (Contains(text, "invalid regular expression")) return "InvalidRegex";
  if (StartsWith(text, "malformed ")) return "MalformedObject";
  if (std::string reason = LeadingReason(text); !reason.empty()) return reason;
  if (StartsWith(text, "Service ")) return "BackendNotFound";  // Ingress: missing Service or port
  if (StartsWith(text, "parentRef ")) return "ParentNotFound";
  if (StartsWith(text, "not accepted")) return "NotAccepted";
  if (StartsWith(text, "dropped ")) return "RuleDropped";
  if (Contains(text, " ignored")) return "Ignored";
  return "InvalidConfiguration";
}

kube::EventRecord ProblemEvents::EventFor(const translate::Problem& problem,
                                          const state::ClusterState& state) {
  kube::EventRecord record;
  kube::ObjectReference& object = record.object;
  object.kind = problem.kind;
  object.ns = problem.ns;
  object.name = problem.name;
  // The version Atrium reads the kind in: stored objects keep no apiVersion.
  if (const kube::ResourceKind* kind = kube::FindKind(problem.kind)) {
    object.api_version = kind->ApiVersion();
  }
  state::ObjectIdentity identity = state.Identity(
      problem.kind, problem.ns.empty() ? problem.name : problem.ns + "/" + problem.name);
  object.uid = std::move(identity.uid);
  object.resource_version = std::move(identity.resource_version);
  record.type = std::string(kube::kEventTypeWarning);
  record.reason = EventReason(problem);
  record.message = problem.reason;
  // "BackendNotFound: spec.rules[0]..." need not repeat the reason kubectl shows beside it.
  if (StartsWith(record.message, record.reason + ": ")) {
    record.message.erase(0, record.reason.size() + 2);
  }
  const bool ingress = problem.kind == state::kIngress || problem.kind == state::kIngressClass;
  record.reporting_controller =
      ingress ? translate::kIngressControllerName : translate::kGatewayControllerName;
  return record;
}

std::vector<kube::EventRecord> ProblemEvents::Update(
    const std::vector<translate::Problem>& problems, const state::ClusterState& state) {
  std::set<Key> now;
  std::vector<kube::EventRecord> events;
  for (const translate::Problem& problem : problems) {
    Key key{problem.kind, problem.ns, problem.name, problem.reason};
    const bool repeat = seen_.contains(key);
    if (now.insert(std::move(key)).second && !repeat) events.push_back(EventFor(problem, state));
  }
  seen_ = std::move(now);
  return events;
}

}  // namespace atrium::status

#pragma once

// HTTPRoute translation: attachment to our Gateways' listeners (parentRefs by
// name, namespace, sectionName and port; allowedRoutes; hostname
// intersection), rules to routes on each attached listener's sockets, and
// status.parents for every parentRef that names one of our Gateways.
//
// A rule that cannot be implemented is dropped (PartiallyInvalid when others
// remain; Accepted=False when none does). A route whose hostnames are invalid
// is not accepted at all.

#include <vector>

#include "controller/state/cluster_state.h"
#include "controller/translate/config_draft.h"
#include "controller/translate/gateway_translator.h"
#include "controller/translate/namespace_index.h"
#include "controller/translate/problems.h"
#include "controller/translate/reference_grants.h"
#include "controller/translate/service_index.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

class HttpRouteMemo;

// TranslateHttpRoutes adds routes to draft, counts attached routes on
// gateways' listeners, and appends HTTPRoute statuses. With a memo, routes
// it holds are replayed, and every route translated is stored in it.
void TranslateHttpRoutes(const state::ClusterState& state, const Options& options,
                         const ServiceIndex& services, const ReferenceGrantIndex& grants,
                         const NamespaceIndex& namespaces, GatewayModels& gateways,
                         ConfigDraft& draft, std::vector<SharedStatus>& statuses,
                         ProblemList& problems, HttpRouteMemo* memo = nullptr);

}  // namespace atrium::translate

#pragma once

// Ingress (networking.k8s.io/v1) translation.
//
// An Ingress is ours when it names one of our IngressClasses (controller
// atrium.dev/ingress-controller) in spec.ingressClassName, else in the legacy
// kubernetes.io/ingress.class annotation, else when it names no class and the
// one default IngressClass (ingressclass.kubernetes.io/is-default-class) is
// ours. Its rules become routes on an implicit HTTP listener on port 80 (bound
// at 80 + port_offset) that shares its socket with Gateway listeners on that
// port; each rule host acts as a listener hostname there (exact, or a
// wildcard matching one label), hostless rules and defaultBackend as the
// catch-all. Conflicts (same host and path in several Ingresses): the oldest
// Ingress wins, then namespace/name; the others are reported and left out.
// When Ingresses of ours have spec.tls, every Ingress route is also served on
// an implicit HTTPS listener on port 443 (bound at 443 + port_offset), with
// each tls entry's Secret as the certificate for its hosts (SNI); the oldest
// Ingress's certificate comes first and is the default. An Ingress with the
// annotation atrium.dev/ssl-redirect: "true" (or ingress-nginx's
// nginx.ingress.kubernetes.io/ssl-redirect) has its rules whose host one of
// its usable tls entries covers answered on port 80 with a 308 to https
// (default port); without it nothing is redirected.

#include <vector>

#include "controller/state/cluster_state.h"
#include "controller/translate/config_draft.h"
#include "controller/translate/problems.h"
#include "controller/translate/service_index.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

// TranslateIngresses must run after the Gateways have claimed their sockets:
// a Gateway listener that made port 80 HTTPS or port 443 HTTP (or took their
// bind ports) keeps it, and the Ingresses are reported instead.
void TranslateIngresses(const state::ClusterState& state, const Options& options,
                        const ServiceIndex& services, ConfigDraft& draft,
                        std::vector<SharedStatus>& statuses, ProblemList& problems);

// IngressStatus is the status of an Ingress of ours: loadBalancer.ingress
// from publish_addresses (IPs as "ip", anything else as "hostname").
nlohmann::json IngressStatus(const std::vector<std::string>& publish_addresses);

}  // namespace atrium::translate

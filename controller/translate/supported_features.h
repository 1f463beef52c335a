#pragma once

// The Gateway API features Atrium implements, written to GatewayClass
// status.supportedFeatures (sorted, as the API requires). Keep this list to
// what the translator and the data plane actually do: conformance suites and
// users read it as a promise. Each entry is proven by a traffic test in
// tests/conformance/ (WebSocket by tests/proxy/server's upgrade test); see
// the feature table in README.md (GatewayPort8080 by
// tests/conformance/port8080_cases.cc, whose Gateways bind 8080 on their
// own loopback addresses).

#include <array>
#include <string_view>

namespace atrium::translate {

inline constexpr std::array<std::string_view, 26> kSupportedFeatures = {
    "Gateway",
    "GatewayHTTPListenerIsolation",
    "GatewayPort8080",
    "HTTPRoute",
    "HTTPRoute303RedirectStatusCode",
    "HTTPRoute307RedirectStatusCode",
    "HTTPRoute308RedirectStatusCode",
    "HTTPRouteBackendProtocolWebSocket",
    "HTTPRouteBackendRequestHeaderModification",
    "HTTPRouteBackendTimeout",
    "HTTPRouteCORS",
    "HTTPRouteHostRewrite",
    "HTTPRouteMethodMatching",
    "HTTPRouteNamedRouteRule",
    "HTTPRouteParentRefPort",
    "HTTPRoutePathRedirect",
    "HTTPRoutePathRewrite",
    "HTTPRoutePortRedirect",
    "HTTPRouteQueryParamMatching",
    "HTTPRouteRequestMirror",
    "HTTPRouteRequestMultipleMirrors",
    "HTTPRouteRequestPercentageMirror",
    "HTTPRouteRequestTimeout",
    "HTTPRouteResponseHeaderModification",
    "HTTPRouteSchemeRedirect",
    "ReferenceGrant",
};

}  // namespace atrium::translate

// HTTPRouteRetry: the objects, requests and expectations of
// kubernetes-sigs/gateway-api conformance/tests/httproute-retry.yaml and
// .go. The echo backend fails the first succeedAfter requests of a uuid with
// responseCode (the suite's retry simulation). Beyond the suite, Atrium
// checks how many requests reached the backend (attempts counts retries,
// as GEP-1731 defines it: 1 + attempts in all), that attempts 0 does not
// retry, and that backoff spaces the retries.

#include "tests/conformance/retry_cases.h"

#include <chrono>
#include <string>
#include <vector>

namespace atrium::conformance {
namespace {

using namespace std::chrono_literals;

constexpr char kV3[] = "infra-backend-v3";

// Simulated sends path?responseCode=code&succeedAfter=n&uuid=<fresh>: the
// first n attempts fail with code. The answer must be status; the backend
// must have received the request `received` times.
Step Simulated(const std::string& path, int code, int succeed_after, int status, int received) {
  Step step;
  step.request.path = path + "?responseCode=" + std::to_string(code) +
                      "&succeedAfter=" + std::to_string(succeed_after) + "&uuid=" + kUniqueToken;
  step.expect.status = status;
  if (status == 200) step.expect.backend = kV3;
  step.expect.seen_by = kV3;
  step.expect.times_seen = received;
  return step;
}

}  // namespace

std::vector<ConformanceCase> RetryCases() {
  const std::string route = R"(apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: retries
  namespace: gateway-conformance-infra
spec:
  parentRefs:
  - name: same-namespace
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /retry/code-500-attempts-3
    retry:
      codes:
      - 500
      attempts: 3
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /retry/code-all-attempts-2
    retry:
      codes:
      - 500
      - 502
      - 503
      - 504
      attempts: 2
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  - matches:
    - path:
        type: PathPrefix
        value: /retry/code-all-attempts-0
    retry:
      codes:
      - 500
      - 502
      - 503
      - 504
      attempts: 0
    backendRefs:
    - name: infra-backend-v3
      port: 8080
  # Not in the suite: backoff between retries.
  - matches:
    - path:
        type: PathPrefix
        value: /retry/backoff-200ms
    retry:
      codes:
      - 503
      attempts: 2
      backoff: 200ms
    backendRefs:
    - name: infra-backend-v3
      port: 8080
)";
  const std::string a3 = "/retry/code-500-attempts-3";
  const std::string a2 = "/retry/code-all-attempts-2";
  std::vector<Step> steps = {
      Simulated(a3, 500, 2, 200, 3),
      Simulated(a3, 500, 4, 500, 4),
      Simulated(a3, 503, 2, 503, 1),
      Simulated(a2, 500, 1, 200, 2),
      Simulated(a2, 500, 3, 500, 3),
      Simulated(a2, 502, 1, 200, 2),
      Simulated(a2, 502, 3, 502, 3),
      Simulated(a2, 503, 1, 200, 2),
      Simulated(a2, 503, 3, 503, 3),
      Simulated(a2, 504, 1, 200, 2),
      Simulated(a2, 504, 3, 504, 3),
      // Beyond the suite.
      Simulated("/retry/code-all-attempts-0", 500, 1, 500, 1),
  };
  Step backoff = Simulated("/retry/backoff-200ms", 503, 2, 200, 3);
  backoff.expect.min_elapsed = 400ms;  // two retries, each after 200 ms
  steps.push_back(backoff);
  return {{.name = "HTTPRouteRetry",
           .manifests = route,
           .conditions = RouteReady("retries"),
           .steps = steps}};
}

}  // namespace atrium::conformance

#pragma once

// A traffic harness modelled on the Gateway API conformance suite
// (kubernetes-sigs/gateway-api conformance/): the same base objects
// (namespaces gateway-conformance-infra / -app-backend / -web-backend, the
// Gateways same-namespace / all-namespaces / backend-namespaces and the
// infra-backend-v1..v3, app-backend-v1/v2, web-backend Services), served by a
// real Atrium Application in --manifests mode on loopback, with in-process
// echo backends standing in for the conformance echo pods.
//
// Threading: one test thread drives a LocalAtrium; echo backends answer on
// their own threads and record what they saw under a mutex. Everything is
// stopped by destructors; every wait has a deadline.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/core/application.h"

namespace atrium::conformance {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The conformance namespaces.
inline constexpr char kInfraNs[] = "gateway-conformance-infra";
inline constexpr char kAppNs[] = "gateway-conformance-app-backend";
inline constexpr char kWebNs[] = "gateway-conformance-web-backend";

// EchoBackend is one pod of a conformance Deployment: an HTTP server on
// 127.0.0.1:0 that answers every request with JSON like the conformance
// echo server: {"namespace","pod","method","path","host","headers":{}}.
// The query `delay=1s` (or 500ms) delays the answer; the queries
// `responseCode=500&succeedAfter=2&uuid=U` make the first 2 requests with
// uuid U fail with 500 (a text body), as the conformance echo server's retry
// simulation does; the request header
// `X-Echo-Set-Header: name:value,name2:value2` sets response headers.
class EchoBackend {
 public:
  EchoBackend(std::string ns, std::string service);
  ~EchoBackend();
  EchoBackend(const EchoBackend&) = delete;
  EchoBackend& operator=(const EchoBackend&) = delete;

  uint16_t port() const { return port_; }
  const std::string& ns() const { return ns_; }
  const std::string& service() const { return service_; }
  const std::string& pod() const { return pod_; }
  // Seen returns the echo documents of the requests received so far.
  std::vector<nlohmann::json> Seen() const;

 private:
  struct Server;
  std::string ns_;
  std::string service_;
  std::string pod_;
  uint16_t port_ = 0;
  std::unique_ptr<Server> server_;
};

// EchoFleet holds one EchoBackend per conformance Service, started once per
// test binary (the proxy reconnects to them for every Application).
class EchoFleet {
 public:
  static EchoFleet& Get();
  const EchoBackend* Find(const std::string& ns, const std::string& service) const;
  // ManifestsYaml returns the base Services and their EndpointSlices, which
  // point at the echo backends' loopback ports.
  std::string ManifestsYaml() const;

 private:
  EchoFleet();
  std::vector<std::unique_ptr<EchoBackend>> backends_;
};

// BaseManifestsYaml: the conformance base objects for HTTP (namespaces,
// GatewayClass, the three port-80 Gateways, each on its own loopback address
// as each conformance Gateway has its own address), without Services.
std::string BaseManifestsYaml();
// BaseNamespacesYaml: the three conformance namespaces only (Ingress cases).
std::string BaseNamespacesYaml();

// The loopback address of a base Gateway ("same-namespace" → 127.0.0.11...).
std::string GatewayAddress(const std::string& gateway);

// The conformance suite's HTTPS objects: the Secret
// tls-validity-checks-certificate (a self-signed certificate for "*" and
// "*.org", made once per test binary) and the Gateway
// same-namespace-with-https-listener (listeners https and
// https-with-hostname on port 443, both with that certificate).
std::string TlsValidityCertificateYaml();
std::string HttpsListenerGatewayYaml();
// The listener port of the conformance HTTPS Gateways.
inline constexpr uint16_t kHttpsPort = 443;
// The listener port of the GatewayPort8080 cases (served on itself, as
// every listener port from 1024 up).
inline constexpr uint16_t kPort8080 = 8080;

// Verify replaces this in a request's path with a value unique to that
// request (for the echo server's per-uuid retry simulation).
inline constexpr char kUniqueToken[] = "{UNIQUE}";

struct HttpRequest {
  std::string method = "GET";
  std::string path = "/";
  std::string host{};  // empty: the Gateway's address, as the conformance suite sends
  Headers headers{};
  std::string gateway = "same-namespace";  // whose address to connect to; "" for Ingress
  // The Gateway listener port to connect to (see LocalAtrium::ServedPort);
  // the Host defaults to "address:port" when it is not 80.
  uint16_t port = 80;
  std::string body{};
  // https: connect to the Gateway's port-443 listener over TLS, sending sni
  // (empty: no SNI). Only GET without extra headers is sent over TLS.
  bool https = false;
  std::string sni{};
};

struct HttpResponse {
  int status = 0;  // 0: no response (transport error in `error`)
  std::string error;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::optional<nlohmann::json> echo;  // parsed body when it is an echo document
};

// Expectation mirrors the conformance ExpectedResponse: status, which
// backend answered, what it saw, response headers and redirect Location.
struct Expectation {
  int status = 200;     // 0: no HTTP answer at all (nothing listens, or the handshake fails)
  std::string backend;  // Service whose pod answered; "" when no backend answers
  std::string ns = kInfraNs;
  std::optional<std::string> path;  // request target the backend saw
  std::optional<std::string> host;  // Host the backend saw
  std::optional<std::string> method;
  Headers request_headers;  // the backend saw these (values joined with ",")
  std::vector<std::string> absent_request_headers;
  Headers response_headers;
  std::vector<std::string> absent_response_headers;
  std::optional<std::string> location;  // exact Location of a redirect
  // Services in the infra namespace whose pods must receive a mirror of the
  // request (same path) within a deadline.
  std::vector<std::string> mirrored_to;
  // times_seen: how many requests with this exact target the pod of the
  // infra Service seen_by received in all (retries included).
  std::string seen_by{};
  std::optional<int> times_seen{};
  // The answer must take at least this long (retry backoff).
  std::chrono::milliseconds min_elapsed{0};
};

struct Step {
  HttpRequest request;
  Expectation expect;
};

// ConditionCheck names an expected status condition of an object (of a
// route for one parent Gateway).
struct ConditionCheck {
  std::string kind = "HTTPRoute";
  std::string ns = kInfraNs;
  std::string name;
  std::string parent;  // parent Gateway name for routes; "" for objects without parents
  std::string type;
  std::string status;  // "True" / "False"
  std::string reason;  // "" accepts any reason (as the conformance suite does)
  // Gateways: the condition is that of status.listeners[listener] instead
  // of the Gateway's own; attached_routes, when set, must match too.
  std::string listener{};
  std::optional<int> attached_routes{};
  // absent: the listener (or, for routes, the parent) must not be in the
  // status at all; type, status and reason are then not looked at.
  bool absent = false;
};

// MatchCondition returns "" when status (an object's status) holds check,
// else what it holds instead.
std::string MatchCondition(const nlohmann::json& status, const ConditionCheck& check);

// LocalAtrium writes the base manifests plus a case's manifests to a fresh
// folder and runs an Application on it: listener port 80 is served on a free
// loopback port (through --port-offset), the admin server on port 0.
class LocalAtrium {
 public:
  LocalAtrium();
  ~LocalAtrium();
  LocalAtrium(const LocalAtrium&) = delete;
  LocalAtrium& operator=(const LocalAtrium&) = delete;

  // Start returns "" once the first table is live and every listener is
  // bound, or what went wrong.
  // with_gateways: also write the base GatewayClass and Gateways (Ingress
  // cases leave them out and are served on 127.0.0.1); extra_gateways: the
  // case's own Gateways (see GatewayAddress) whose listeners to wait for;
  // "name:PORT" waits for that Gateway's listener port PORT instead of 80
  // (443: its HTTPS listener). A PORT of 1024 and up is served on itself,
  // so it is probed free on the Gateway's address first.
  // "{PORT:ns/service}" in case_manifests becomes that echo pod's port.
  std::string Start(std::string case_manifests, bool with_gateways = true,
                    const std::vector<std::string>& extra_gateways = {});
  // StartCluster runs Atrium in cluster mode on kubeconfig (the objects are
  // the caller's to create); the rest is as Start.
  std::string StartCluster(const std::string& kubeconfig, bool with_gateways = true,
                           const std::vector<std::string>& extra_gateways = {});

  HttpResponse Send(const HttpRequest& request) const;
  // Status returns the status Atrium computed for one object (null if none).
  nlohmann::json Status(const std::string& kind, const std::string& ns,
                        const std::string& name) const;
  nlohmann::json AllStatus() const;
  // Check compares one condition; returns "" or a description of the mismatch.
  std::string Check(const ConditionCheck& check) const;

  uint16_t port() const { return port_; }
  // Where listener port 443 is served (the same offset as port 80).
  uint16_t tls_port() const { return ServedPort(kHttpsPort); }
  // Where a Gateway listener port is served: below 1024 at the offset of
  // port 80, from 1024 up on the port itself (as Atrium's --port-offset).
  uint16_t ServedPort(uint16_t listener_port) const {
    if (port_ == 0) return 0;
    return listener_port < 1024 ? static_cast<uint16_t>(port_ - 80 + listener_port) : listener_port;
  }
  uint16_t admin_port() const;

 private:
  std::string Run(const core::Config& config, bool with_gateways,
                  const std::vector<std::string>& extra_gateways);
  std::string RunOnce(core::Config config, bool with_gateways,
                      const std::vector<std::string>& extra_gateways);
  std::string dir_;
  uint16_t port_ = 0;  // where listener port 80 is served
  std::unique_ptr<core::Application> app_;
};

// ExpandPorts replaces "{PORT:namespace/service}" with that Service's echo
// pod port (for cases that bring their own EndpointSlices).
std::string ExpandPorts(std::string manifests, std::string* error);

// Verify sends step's request and returns "" or every mismatch found.
std::string Verify(const LocalAtrium& atrium, const Step& step);

// WaitFor polls condition until it holds or the deadline passes.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace atrium::conformance

#include "tests/conformance/conformance_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string_view>
#include <thread>

#include <httplib.h>

#include "tests/proxy/tls/tls_test_support.h"

namespace atrium::conformance {
namespace {

using namespace std::chrono_literals;

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string Trim(const std::string& text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

// Canonical spells a header name as Go's echo server reports it
// ("x-header-add" → "X-Header-Add"), so values of one field sent with
// different spellings stay together, in the order they were received.
std::string Canonical(std::string name) {
  bool upper = true;
  for (char& c : name) {
    c = static_cast<char>(upper ? std::toupper(static_cast<unsigned char>(c))
                                : std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return name;
}

// ParseDelay reads the echo server's `delay` query: "1s", "500ms" or ms.
std::chrono::milliseconds ParseDelay(const std::string& text) {
  if (text.ends_with("ms")) return std::chrono::milliseconds(std::atoi(text.c_str()));
  if (text.ends_with("s")) return std::chrono::milliseconds(1000 * std::atoi(text.c_str()));
  return std::chrono::milliseconds(std::atoi(text.c_str()));
}

// The base Services: name, namespace and the names of their ports (each
// port is one Service port; all reach the same echo pod).
struct ServiceSpec {
  const char* ns;
  const char* name;
  std::vector<std::pair<std::string, int>> ports;  // name, service port
  std::vector<std::string> app_protocols;          // parallel to ports ("" for none)
};

const std::vector<ServiceSpec>& BaseServices() {
  static const std::vector<ServiceSpec> services = {
      {kInfraNs,
       "infra-backend-v1",
       {{"first-port", 8080}, {"second-port", 8081}, {"third-port", 8082}},
       {"", "kubernetes.io/h2c", "kubernetes.io/ws"}},
      {kInfraNs, "infra-backend-v2", {{"", 8080}}, {""}},
      {kInfraNs, "infra-backend-v3", {{"", 8080}}, {""}},
      {kAppNs, "app-backend-v1", {{"", 8080}}, {""}},
      {kAppNs, "app-backend-v2", {{"", 8080}}, {""}},
      {kWebNs, "web-backend", {{"", 8080}}, {""}},
  };
  return services;
}

// ExtraListeners parses a case's extra_gateways ("name" or "name:PORT")
// into the address each listener binds ("" for a Gateway without addresses,
// which binds every address) and its listener port.
std::vector<std::pair<std::string, uint16_t>> ExtraListeners(
    const std::vector<std::string>& extra_gateways) {
  std::vector<std::pair<std::string, uint16_t>> listeners;
  for (const std::string& gateway : extra_gateways) {
    const size_t colon = gateway.find(':');
    std::string address = GatewayAddress(gateway.substr(0, colon));
    if (address == "127.0.0.1") address = "";
    const uint16_t port = colon == std::string::npos
                              ? 80
                              : static_cast<uint16_t>(std::stoi(gateway.substr(colon + 1)));
    listeners.emplace_back(std::move(address), port);
  }
  return listeners;
}

// CanBind probes whether host:port can be bound now (then releases it).
// With SO_REUSEADDR, as Atrium's listeners bind: connections of an earlier
// run left in TIME_WAIT on the port do not keep it, a live listener does.
bool CanBind(const std::string& host, uint16_t port) {
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  const int yes = 1;
  ::setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &at.sin_addr);
  const bool bound = ::bind(probe, reinterpret_cast<sockaddr*>(&at), sizeof(at)) == 0;
  ::close(probe);
  return bound;
}

// FreePort returns a port that 127.0.0.1 and every Gateway address can bind
// (probed, then released: the Application binds it right after).
uint16_t FreePort() {
  const std::vector<std::string> addresses = {
      "127.0.0.1",
      GatewayAddress("same-namespace"),
      GatewayAddress("all-namespaces"),
      GatewayAddress("backend-namespaces"),
      GatewayAddress("same-namespace-with-https-listener"),
      GatewayAddress("gateway-add-listener"),
      GatewayAddress("gateway-remove-listener"),
      GatewayAddress("gateway-update-listener-hostname"),
      GatewayAddress("gateway-with-two-listeners-and-one-attached-route"),
      GatewayAddress("same-namespace-with-http-listener-on-8080")};
  for (int attempt = 0; attempt < 20; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ::close(fd);
      continue;
    }
    ::close(fd);
    const uint16_t port = ntohs(address.sin_port);
    if (port < 1024 + 80 || port > 65535 - (kHttpsPort - 80)) continue;
    // Listener port 443 is served at the same offset as port 80; neither
    // may be a port that listeners from 1024 up serve on themselves.
    const uint16_t tls = static_cast<uint16_t>(port + (kHttpsPort - 80));
    if (port == kPort8080 || tls == kPort8080) continue;
    bool all_free = true;
    for (const uint16_t candidate : {port, tls}) {
      for (const std::string& host : addresses) {
        if (!CanBind(host, candidate)) all_free = false;
      }
    }
    if (all_free) return port;
  }
  return 0;
}

}  // namespace

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// ---------------------------------------------------------------- EchoBackend

struct EchoBackend::Server {
  httplib::Server http;
  std::thread thread;
  mutable std::mutex mutex;
  std::vector<nlohmann::json> seen;
  std::map<std::string, int> retry_simulations;  // requests seen per uuid
};

EchoBackend::EchoBackend(std::string ns, std::string service)
    : ns_(std::move(ns)),
      service_(std::move(service)),
      pod_(service_ + "-7c9d8f6b5-0"),
      server_(std::make_unique<Server>()) {
  Server* server = server_.get();
  server->http.new_task_queue = [] { return new httplib::ThreadPool(8); };
  auto echo = [this, server](const httplib::Request& request, httplib::Response& response) {
    nlohmann::json body;
    body["namespace"] = ns_;
    body["pod"] = pod_;
    body["path"] = request.target;
    body["host"] = request.get_header_value("Host");
    body["method"] = request.method;
    body["proto"] = request.version;
    nlohmann::json headers = nlohmann::json::object();
    for (const auto& [name, value] : request.headers) {
      // httplib adds these for its own bookkeeping; they were not sent.
      if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
          name == "LOCAL_PORT") {
        continue;
      }
      headers[Canonical(name)].push_back(value);
    }
    body["headers"] = headers;
    {
      std::lock_guard lock(server->mutex);
      server->seen.push_back(body);
    }
    if (request.has_param("responseCode") && request.has_param("succeedAfter") &&
        request.has_param("uuid")) {
      int seen_before = 0;
      {
        std::lock_guard lock(server->mutex);
        seen_before = server->retry_simulations[request.get_param_value("uuid")]++;
      }
      if (seen_before < std::atoi(request.get_param_value("succeedAfter").c_str())) {
        response.status = std::atoi(request.get_param_value("responseCode").c_str());
        response.set_content("simulated failure " + std::to_string(seen_before + 1), "text/plain");
        return;
      }
    }
    if (request.has_param("delay")) {
      std::this_thread::sleep_for(ParseDelay(request.get_param_value("delay")));
    }
    std::stringstream set(request.get_header_value("X-Echo-Set-Header"));
    for (std::string item; std::getline(set, item, ',');) {
      size_t colon = item.find(':');
      if (colon == std::string::npos) continue;
      response.set_header(Trim(item.substr(0, colon)), Trim(item.substr(colon + 1)));
    }
    response.set_content(body.dump(), "application/json");
  };
  const char* any = ".*";
  server->http.Get(any, echo);
  server->http.Post(any, echo);
  server->http.Put(any, echo);
  server->http.Patch(any, echo);
  server->http.Delete(any, echo);
  server->http.Options(any, echo);
  const int port = server->http.bind_to_any_port("127.0.0.1");
  port_ = static_cast<uint16_t>(port);
  server->thread = std::thread([server] { server->http.listen_after_bind(); });
}

EchoBackend::~EchoBackend() {
  server_->http.stop();
  if (server_->thread.joinable()) server_->thread.join();
}

std::vector<nlohmann::json> EchoBackend::Seen() const {
  std::lock_guard lock(server_->mutex);
  return server_->seen;
}

// ------------------------------------------------------------------ EchoFleet

EchoFleet& EchoFleet::Get() {
  // Never destroyed: the backends live as long as the test binary.
  static EchoFleet* fleet = new EchoFleet();
  return *fleet;
}

EchoFleet::EchoFleet() {
  for (const ServiceSpec& service : BaseServices()) {
    backends_.push_back(std::make_unique<EchoBackend>(service.ns, service.name));
  }
}

const EchoBackend* EchoFleet::Find(const std::string& ns, const std::string& service) const {
  for (const auto& backend : backends_) {
    if (backend->ns() == ns && backend->service() == service) return backend.get();
  }
  return nullptr;
}

std::string EchoFleet::ManifestsYaml() const {
  std::ostringstream out;
  for (const ServiceSpec& service : BaseServices()) {
    const EchoBackend* backend = Find(service.ns, service.name);
    out << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " << service.name
        << "\n  namespace: " << service.ns << "\nspec:\n  selector:\n    app: " << service.name
        << "\n  ports:\n";
    for (size_t i = 0; i < service.ports.size(); ++i) {
      const auto& [name, port] = service.ports[i];
      out << "  - protocol: TCP\n    port: " << port << "\n    targetPort: 3000\n";
      if (!name.empty()) out << "    name: " << name << "\n";
      if (!service.app_protocols[i].empty()) {
        out << "    appProtocol: " << service.app_protocols[i] << "\n";
      }
    }
    out << "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: "
        << service.name << "-abcde\n  namespace: " << service.ns
        << "\n  labels:\n    kubernetes.io/service-name: " << service.name
        << "\naddressType: IPv4\nports:\n";
    for (const auto& [name, port] : service.ports) {
      out << "- name: \"" << name << "\"\n  port: " << backend->port() << "\n  protocol: TCP\n";
    }
    out << "endpoints:\n- addresses:\n  - 127.0.0.1\n  conditions:\n    ready: true\n"
        << "  targetRef:\n    kind: Pod\n    name: " << backend->pod() << "\n";
  }
  return out.str();
}

// ------------------------------------------------------------ base manifests

std::string GatewayAddress(const std::string& gateway) {
  if (gateway == "same-namespace") return "127.0.0.11";
  if (gateway == "all-namespaces") return "127.0.0.12";
  if (gateway == "backend-namespaces") return "127.0.0.13";
  // Gateways of single conformance tests (their manifests name these).
  if (gateway == "httproute-hostname-intersection") return "127.0.0.14";
  if (gateway == "httproute-listener-hostname-matching") return "127.0.0.15";
  if (gateway == "httproute-disallowed-kind") return "127.0.0.16";
  if (gateway == "http-listener-isolation") return "127.0.0.17";
  if (gateway == "same-namespace-with-https-listener") return "127.0.0.18";
  if (gateway == "gateway-observed-generation-bump") return "127.0.0.19";
  if (gateway == "gateway-add-listener") return "127.0.0.20";
  if (gateway == "gateway-remove-listener") return "127.0.0.21";
  if (gateway == "gateway-update-listener-hostname") return "127.0.0.22";
  if (gateway == "gateway-with-two-listeners-and-one-attached-route") return "127.0.0.23";
  if (gateway == "same-namespace-with-http-listener-on-8080") return "127.0.0.24";
  return "127.0.0.1";
}

std::string TlsValidityCertificateYaml() {
  // Made once: every Application of the binary serves the same certificate.
  static const std::string yaml = [] {
    testing::TestCertificate certificate =
        testing::MakeCertificate({.common_name = "*", .dns_names = {"*", "*.org"}});
    return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-validity-checks-certificate\n"
           "  namespace: gateway-conformance-infra\ntype: kubernetes.io/tls\ndata:\n"
           "  tls.crt: " +
           testing::Base64(certificate.certificate_pem) +
           "\n  tls.key: " + testing::Base64(certificate.key_pem) + "\n";
  }();
  return yaml;
}

std::string HttpsListenerGatewayYaml() {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n"
         "  name: same-namespace-with-https-listener\n  namespace: gateway-conformance-infra\n"
         "spec:\n  gatewayClassName: atrium\n  addresses:\n  - type: IPAddress\n    value: " +
         GatewayAddress("same-namespace-with-https-listener") + R"(
  listeners:
  - name: https
    port: 443
    protocol: HTTPS
    allowedRoutes:
      namespaces:
        from: Same
    tls:
      certificateRefs:
      - group: ""
        kind: Secret
        name: tls-validity-checks-certificate
        namespace: gateway-conformance-infra
  - name: https-with-hostname
    port: 443
    hostname: second-example.org
    protocol: HTTPS
    allowedRoutes:
      namespaces:
        from: Same
    tls:
      certificateRefs:
      - group: ""
        kind: Secret
        name: tls-validity-checks-certificate
        namespace: gateway-conformance-infra
)";
}

std::string BaseNamespacesYaml() {
  return R"(apiVersion: v1
kind: Namespace
metadata:
  name: gateway-conformance-infra
  labels:
    gateway-conformance: infra
---
apiVersion: v1
kind: Namespace
metadata:
  name: gateway-conformance-app-backend
  labels:
    gateway-conformance: backend
---
apiVersion: v1
kind: Namespace
metadata:
  name: gateway-conformance-web-backend
  labels:
    gateway-conformance: backend
)";
}

std::string BaseManifestsYaml() {
  std::string yaml = BaseNamespacesYaml() + R"(---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: atrium
spec:
  controllerName: atrium.dev/gateway-controller
)";
  const std::vector<std::pair<std::string, std::string>> gateways = {
      {"same-namespace", "      namespaces:\n        from: Same\n"},
      {"all-namespaces", "      namespaces:\n        from: All\n"},
      {"backend-namespaces",
       "      namespaces:\n        from: Selector\n        selector:\n          matchLabels:\n"
       "            gateway-conformance: backend\n"}};
  for (const auto& [name, allowed] : gateways) {
    yaml +=
        "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata:\n  name: " + name +
        "\n  namespace: gateway-conformance-infra\nspec:\n  gatewayClassName: atrium\n"
        "  addresses:\n  - type: IPAddress\n    value: " +
        GatewayAddress(name) +
        "\n  listeners:\n  - name: http\n    port: 80\n    protocol: HTTP\n"
        "    allowedRoutes:\n" +
        allowed;
  }
  return yaml;
}

std::string ExpandPorts(std::string manifests, std::string* error) {
  for (size_t at; (at = manifests.find("{PORT:")) != std::string::npos;) {
    size_t end = manifests.find('}', at);
    std::string key = manifests.substr(at + 6, end - at - 6);
    size_t slash = key.find('/');
    const EchoBackend* backend = EchoFleet::Get().Find(key.substr(0, slash), key.substr(slash + 1));
    if (backend == nullptr) {
      *error = "no echo backend " + key;
      return manifests;
    }
    manifests.replace(at, end - at + 1, std::to_string(backend->port()));
  }
  return manifests;
}

// ---------------------------------------------------------------- LocalAtrium

LocalAtrium::LocalAtrium() = default;

LocalAtrium::~LocalAtrium() {
  if (app_) app_->Shutdown();
  app_.reset();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string LocalAtrium::Start(std::string case_manifests, bool with_gateways,
                               const std::vector<std::string>& extra_gateways) {
  std::string error;
  case_manifests = ExpandPorts(std::move(case_manifests), &error);
  if (!error.empty()) return error;
  char pattern[] = "/tmp/atrium-conformance-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return "mkdtemp failed";
  dir_ = pattern;
  {
    std::ofstream base(dir_ + "/00-base.yaml");
    base << (with_gateways ? BaseManifestsYaml() : BaseNamespacesYaml());
    std::ofstream services(dir_ + "/10-services.yaml");
    services << EchoFleet::Get().ManifestsYaml();
    std::ofstream test(dir_ + "/20-case.yaml");
    test << case_manifests;
  }
  core::Config config;
  config.manifests_dir = dir_;
  return Run(config, with_gateways, extra_gateways);
}

std::string LocalAtrium::StartCluster(const std::string& kubeconfig, bool with_gateways,
                                      const std::vector<std::string>& extra_gateways) {
  core::Config config;
  config.kubeconfig = kubeconfig;
  return Run(config, with_gateways, extra_gateways);
}

std::string LocalAtrium::Run(const core::Config& config, bool with_gateways,
                             const std::vector<std::string>& extra_gateways) {
  // The port is probed free and released, so another process may take it
  // before Atrium binds it: then try again on another one.
  std::string error;
  for (int attempt = 0; attempt < 3; ++attempt) {
    error = RunOnce(config, with_gateways, extra_gateways);
    if (error.empty() || error.find("was not bound") == std::string::npos) return error;
    app_->Shutdown();
    app_.reset();
  }
  return error;
}

std::string LocalAtrium::RunOnce(core::Config config, bool with_gateways,
                                 const std::vector<std::string>& extra_gateways) {
  // Listener ports from 1024 up are served on themselves, not on a probed
  // port: they must be free on their Gateway's address before Atrium starts.
  // Another test process on the machine may hold one for a while (it binds
  // the same Gateway addresses): wait for it, with a deadline.
  for (const auto& [address, listener_port] : ExtraListeners(extra_gateways)) {
    const std::string host = address.empty() ? "0.0.0.0" : address;
    if (listener_port >= 1024 &&
        !WaitFor([&, port = listener_port] { return CanBind(host, port); }, 30s)) {
      return "listener port " + std::to_string(listener_port) + " on " + host +
             " stayed taken by another process for 30 s";
    }
  }
  port_ = FreePort();
  if (port_ == 0) return "no free port";
  config.admin_address = "127.0.0.1";
  config.admin_port = 0;
  config.workers = 1;
  config.port_offset = static_cast<uint16_t>(port_ - 80);
  config.default_bind_address = "127.0.0.1";
  config.drain_timeout = std::chrono::milliseconds(200);
  config.upstream_connect_timeout = std::chrono::milliseconds(2000);
  config.log_level = "error";
  app_ = std::make_unique<core::Application>(config);
  const std::string error = app_->Start();
  if (!error.empty()) return error;
  if (!app_->WaitForGeneration(1, 20'000)) return "no route table was published within 20 s";
  std::vector<std::string> addresses;
  if (with_gateways) {
    addresses = {GatewayAddress("same-namespace"), GatewayAddress("all-namespaces"),
                 GatewayAddress("backend-namespaces")};
  } else {
    addresses = {""};
  }
  std::vector<std::pair<std::string, uint16_t>> sockets;
  for (const std::string& address : addresses) sockets.emplace_back(address, port_);
  for (const auto& [address, listener_port] : ExtraListeners(extra_gateways)) {
    sockets.emplace_back(address, ServedPort(listener_port));
  }
  for (const auto& [address, port] : sockets) {
    if (!WaitFor(
            [&, address = address, port = port] { return app_->ProxyPort(port, address) != 0; })) {
      return "listener " + address + ":" + std::to_string(port) +
             " was not bound: " + AllStatus().dump();
    }
  }
  return "";
}

uint16_t LocalAtrium::admin_port() const { return app_ ? app_->admin_port() : 0; }

namespace {

// SendTls sends request over TLS to the listener port 443 of its Gateway.
HttpResponse SendTls(const HttpRequest& request, uint16_t port) {
  HttpResponse result;
  const std::string address = GatewayAddress(request.gateway);
  testing::TlsClient client;
  if (!client.Connect(port, {.address = address, .server_name = request.sni}, 5s)) {
    result.error = client.error();
    return result;
  }
  std::optional<testing::TlsResponse> response =
      client.Get(request.path, request.host.empty() ? address : request.host, 15s);
  if (!response) {
    result.error = "no TLS response";
    return result;
  }
  result.status = static_cast<int>(response->result_int());
  for (const auto& field : *response) {
    result.headers.emplace(Lower(std::string(field.name_string())), std::string(field.value()));
  }
  result.body = response->body();
  return result;
}

}  // namespace

HttpResponse LocalAtrium::Send(const HttpRequest& request) const {
  HttpResponse result;
  if (request.https) {
    result = SendTls(request, tls_port());
    nlohmann::json parsed = nlohmann::json::parse(result.body, nullptr, false);
    if (parsed.is_object() && parsed.contains("pod")) result.echo = std::move(parsed);
    return result;
  }
  const std::string address = GatewayAddress(request.gateway);
  httplib::Client client(address, ServedPort(request.port));
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(15, 0);
  client.set_keep_alive(false);
  client.set_url_encode(false);
  client.set_follow_location(false);
  httplib::Request http;
  http.method = request.method;
  http.path = request.path;
  // As the conformance suite's client: the port in Host when not 80.
  std::string host = request.host;
  if (host.empty())
    host = request.port == 80 ? address : address + ":" + std::to_string(request.port);
  http.set_header("Host", host);
  for (const auto& [name, value] : request.headers) http.headers.emplace(name, value);
  http.body = request.body;
  httplib::Response response;
  httplib::Error error = httplib::Error::Success;
  if (!client.send(http, response, error)) {
    result.error = httplib::to_string(error);
    return result;
  }
  result.status = response.status;
  for (const auto& [name, value] : response.headers) result.headers.emplace(Lower(name), value);
  result.body = response.body;
  nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (parsed.is_object() && parsed.contains("pod")) result.echo = std::move(parsed);
  return result;
}

nlohmann::json LocalAtrium::AllStatus() const {
  httplib::Client client("127.0.0.1", admin_port());
  client.set_read_timeout(5, 0);
  auto response = client.Get("/admin/status");
  if (!response || response->status != 200) return nullptr;
  return nlohmann::json::parse(response->body, nullptr, false);
}

nlohmann::json LocalAtrium::Status(const std::string& kind, const std::string& ns,
                                   const std::string& name) const {
  nlohmann::json all = AllStatus();
  if (!all.is_object() || !all.contains("statuses")) return nullptr;
  for (const nlohmann::json& entry : all["statuses"]) {
    if (entry.value("kind", "") == kind && entry.value("namespace", "") == ns &&
        entry.value("name", "") == name) {
      return entry.value("status", nlohmann::json());
    }
  }
  return nullptr;
}

std::string MatchCondition(const nlohmann::json& status, const ConditionCheck& check) {
  const std::string what = check.kind + " " + check.ns + "/" + check.name +
                           (check.parent.empty() ? "" : " parent " + check.parent) +
                           (check.listener.empty() ? "" : " listener " + check.listener) + " " +
                           check.type;
  if (status.is_null()) return what + ": no status";
  if (check.absent) {
    const char* list = check.listener.empty() ? "parents" : "listeners";
    for (const nlohmann::json& entry : status.value(list, nlohmann::json::array())) {
      const std::string name =
          check.listener.empty()
              ? entry.value("parentRef", nlohmann::json::object()).value("name", "")
              : entry.value("name", "");
      if (name == (check.listener.empty() ? check.parent : check.listener)) {
        return what + ": present, want it absent: " + entry.dump();
      }
    }
    return "";
  }
  const nlohmann::json* conditions = nullptr;
  if (!check.listener.empty()) {
    if (!status.contains("listeners")) return what + ": no listeners in " + status.dump();
    for (const nlohmann::json& listener : status["listeners"]) {
      if (listener.value("name", "") != check.listener) continue;
      if (check.attached_routes && listener.value("attachedRoutes", -1) != *check.attached_routes) {
        return what + ": attachedRoutes " + std::to_string(listener.value("attachedRoutes", -1)) +
               ", want " + std::to_string(*check.attached_routes);
      }
      if (listener.contains("conditions")) conditions = &listener["conditions"];
      break;
    }
  } else if (check.parent.empty()) {
    if (status.contains("conditions")) conditions = &status["conditions"];
  } else if (status.contains("parents")) {
    for (const nlohmann::json& parent : status["parents"]) {
      if (parent["parentRef"].value("name", "") == check.parent) {
        conditions = &parent["conditions"];
        break;
      }
    }
  }
  if (conditions == nullptr) return what + ": no conditions in " + status.dump();
  for (const nlohmann::json& condition : *conditions) {
    if (condition.value("type", "") != check.type) continue;
    if (condition.value("status", "") == check.status &&
        (check.reason.empty() || condition.value("reason", "") == check.reason)) {
      return "";
    }
    return what + ": want " + check.status + "/" + check.reason + ", got " + condition.dump();
  }
  return what + ": condition missing in " + status.dump();
}

std::string LocalAtrium::Check(const ConditionCheck& check) const {
  return MatchCondition(Status(check.kind, check.ns, check.name), check);
}

// --------------------------------------------------------------------- Verify

namespace {

// EchoHeader joins the values the backend saw for name, as the conformance
// suite compares them; nullopt when absent.
std::optional<std::string> EchoHeader(const nlohmann::json& echo, const std::string& name) {
  std::optional<std::string> joined;
  for (const auto& [key, values] : echo["headers"].items()) {
    if (Lower(key) != Lower(name)) continue;
    for (const nlohmann::json& value : values) {
      joined = joined ? *joined + "," + value.get<std::string>() : value.get<std::string>();
    }
  }
  return joined;
}

std::optional<std::string> ResponseHeader(const HttpResponse& response, const std::string& name) {
  std::optional<std::string> joined;
  auto [begin, end] = response.headers.equal_range(Lower(name));
  for (auto it = begin; it != end; ++it) joined = joined ? *joined + "," + it->second : it->second;
  return joined;
}

}  // namespace

std::string Verify(const LocalAtrium& atrium, const Step& step) {
  HttpRequest request = step.request;
  const Expectation& expect = step.expect;
  if (const size_t at = request.path.find(kUniqueToken); at != std::string::npos) {
    // A fresh value per request, as the suite's retry probes use a fresh
    // uuid: what the echo pods counted before does not count.
    static std::atomic<int> sent_before{0};
    request.path.replace(at, std::string_view(kUniqueToken).size(),
                         std::to_string(::getpid()) + "-" + std::to_string(sent_before++));
  }
  const auto sent = std::chrono::steady_clock::now();
  HttpResponse response = atrium.Send(request);
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - sent);
  std::ostringstream problems;
  const std::string what = request.method + " " + request.path +
                           (request.host.empty() ? "" : " host " + request.host) + ": ";
  if (expect.status == 0) {
    return response.status == 0
               ? ""
               : what + "status " + std::to_string(response.status) + ", want no answer";
  }
  if (response.status == 0) return what + "no response: " + response.error;
  if (response.status != expect.status) {
    problems << what << "status " << response.status << ", want " << expect.status << " (body "
             << response.body.substr(0, 300) << ")\n";
  }
  if (!expect.backend.empty()) {
    if (!response.echo) {
      problems << what << "no echo body, want backend " << expect.backend << "\n";
    } else {
      const nlohmann::json& echo = *response.echo;
      const std::string pod = echo.value("pod", "");
      if (!pod.starts_with(expect.backend + "-") || echo.value("namespace", "") != expect.ns) {
        problems << what << "answered by " << echo.value("namespace", "") << "/" << pod << ", want "
                 << expect.ns << "/" << expect.backend << "\n";
      }
      if (expect.path && echo.value("path", "") != *expect.path) {
        problems << what << "backend saw path " << echo.value("path", "") << ", want "
                 << *expect.path << "\n";
      }
      if (expect.host && echo.value("host", "") != *expect.host) {
        problems << what << "backend saw host " << echo.value("host", "") << ", want "
                 << *expect.host << "\n";
      }
      if (expect.method && echo.value("method", "") != *expect.method) {
        problems << what << "backend saw method " << echo.value("method", "") << ", want "
                 << *expect.method << "\n";
      }
      for (const auto& [name, value] : expect.request_headers) {
        std::optional<std::string> seen = EchoHeader(echo, name);
        if (seen != value) {
          problems << what << "backend saw " << name << ": " << seen.value_or("(absent)")
                   << ", want " << value << "\n";
        }
      }
      for (const std::string& name : expect.absent_request_headers) {
        if (std::optional<std::string> seen = EchoHeader(echo, name)) {
          problems << what << "backend saw " << name << ": " << *seen << ", want it absent\n";
        }
      }
    }
  } else if (response.echo && expect.status != 200) {
    problems << what << "a backend answered, want none: " << response.body << "\n";
  }
  for (const auto& [name, value] : expect.response_headers) {
    std::optional<std::string> seen = ResponseHeader(response, name);
    if (seen != value) {
      problems << what << "response " << name << ": " << seen.value_or("(absent)") << ", want "
               << value << "\n";
    }
  }
  for (const std::string& name : expect.absent_response_headers) {
    if (std::optional<std::string> seen = ResponseHeader(response, name)) {
      problems << what << "response " << name << ": " << *seen << ", want it absent\n";
    }
  }
  for (const std::string& service : expect.mirrored_to) {
    const EchoBackend* mirror = EchoFleet::Get().Find(kInfraNs, service);
    bool seen = mirror != nullptr && WaitFor([&] {
                  for (const nlohmann::json& echo : mirror->Seen()) {
                    if (echo.value("path", "") == request.path) return true;
                  }
                  return false;
                });
    if (!seen) problems << what << "no mirror of the request reached " << service << "\n";
  }
  if (expect.times_seen) {
    const EchoBackend* counted = EchoFleet::Get().Find(kInfraNs, expect.seen_by);
    int times = 0;
    for (const nlohmann::json& echo :
         counted == nullptr ? std::vector<nlohmann::json>{} : counted->Seen()) {
      if (echo.value("path", "") == request.path) ++times;
    }
    if (times != *expect.times_seen) {
      problems << what << expect.seen_by << " received it " << times << " times, want "
               << *expect.times_seen << "\n";
    }
  }
  if (elapsed < expect.min_elapsed) {
    problems << what << "answered after " << elapsed.count() << " ms, want at least "
             << expect.min_elapsed.count() << " ms\n";
  }
  if (expect.location) {
    std::optional<std::string> location = ResponseHeader(response, "location");
    if (location != expect.location) {
      problems << what << "Location " << location.value_or("(absent)") << ", want "
               << *expect.location << "\n";
    }
  }
  return problems.str();
}

}  // namespace atrium::conformance

#include "tests/apiserver/http_frontend.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cstdlib>
#include <utility>

#include "controller/manifests/yaml_json.h"
#include "tests/apiserver/discovery.h"
#include "tests/apiserver/http_listener.h"
#include "tests/apiserver/protobuf_object.h"
#include "tests/apiserver/table.h"
#include "tests/apiserver/thread_per_connection_queue.h"
#include "tests/apiserver/watch_session.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

constexpr size_t kMaxBodyBytes = size_t{16} * 1024 * 1024;

void Send(httplib::Response& res, const ApiResult& result) {
  res.status = result.code;
  for (const auto& [name, value] : result.headers) res.set_header(name, value);
  res.set_content(result.body.dump(), "application/json");
}

ApiResult ResourceNotFound() {
  ApiResult result =
      StatusError(404, "NotFound", "the server could not find the requested resource");
  result.body["details"] = {
      {"causes", {{{"reason", "UnexpectedServerResponse"}, {"message", "404 page not found"}}}}};
  return result;
}

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool IsTrue(const std::string& value) { return value == "true" || value == "1"; }

// ParseBody reads a JSON body, or a YAML or protobuf one when the Content-Type
// says so (server-side apply sends application/apply-patch+yaml, kubectl's
// generators Kubernetes protobuf).
bool ParseBody(const httplib::Request& req, json* out, ApiResult* error) {
  const std::string content_type = req.get_header_value("Content-Type");
  if (content_type.find("yaml") != std::string::npos) {
    manifests::YamlParseResult parsed = manifests::ParseYamlDocuments(req.body);
    if (!parsed.error.empty() || parsed.documents.size() != 1) {
      *error = BadRequest("the request body is not one valid YAML document: " + parsed.error);
      return false;
    }
    *out = std::move(parsed.documents.front().object);
    return true;
  }
  if (content_type.find(kProtobufContentType) != std::string::npos) {
    // kubectl's generators (`kubectl create namespace|secret|service|ingress`).
    std::string problem;
    switch (DecodeProtobufObject(req.body, out, &problem)) {
      case ProtobufDecoded::kObject:
        return true;
      case ProtobufDecoded::kMalformed:
        *error = BadRequest(problem);
        return false;
      case ProtobufDecoded::kUnsupportedKind:
        *error = UnsupportedMediaType(problem);
        return false;
    }
    return false;
  }
  *out = json::parse(req.body, nullptr, false);
  if (out->is_discarded()) {
    *error = BadRequest("the request body is not valid JSON");
    return false;
  }
  return true;
}

ListOptions ListOptionsOf(const httplib::Request& req) {
  ListOptions options;
  options.label_selector = req.get_param_value("labelSelector");
  options.field_selector = req.get_param_value("fieldSelector");
  options.continue_token = req.get_param_value("continue");
  options.resource_version = req.get_param_value("resourceVersion");
  options.resource_version_match = req.get_param_value("resourceVersionMatch");
  if (req.has_param("limit")) {
    try {
      options.limit = std::stoll(req.get_param_value("limit"));
    } catch (...) {
      options.limit = 0;
    }
  }
  return options;
}

WriteOptions WriteOptionsOf(const httplib::Request& req) {
  WriteOptions options;
  options.dry_run = req.get_param_value("dryRun") == "All";
  options.field_manager = req.get_param_value("fieldManager");
  options.force = IsTrue(req.get_param_value("force"));
  return options;
}

// ConnectionFd finds the socket a request arrived on: from the TLS session,
// or else by matching the connection's addresses among this process's
// sockets. -1 when not found.
int ConnectionFd(const httplib::Request& req) {
  if (req.ssl != nullptr) return SSL_get_fd(req.ssl);
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (dirent* entry = readdir(dir)) {
    int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    sockaddr_storage local{};
    sockaddr_storage peer{};
    socklen_t local_len = sizeof(local);
    socklen_t peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) {
      continue;
    }
    auto port_of = [](const sockaddr_storage& a) {
      if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(a).sin_port);
      if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(a).sin6_port);
      return uint16_t{0};
    };
    if (port_of(local) == req.local_port && port_of(peer) == req.remote_port) {
      found = fd;
      break;
    }
  }
  closedir(dir);
  return found;
}

// PeerHungUp tells whether the client closed its end of the connection. A
// watch client sends nothing while it reads the stream, so a hang-up (or an
// error) is the only thing to look for.
bool PeerHungUp(int fd) {
  pollfd p{fd, POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

bool IsPublicPath(const std::string& path) {
  return path == "/version" || path == "/healthz" || path == "/livez" || path == "/readyz";
}

}  // namespace

void Authenticator::SetToken(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

std::string Authenticator::token() const {
  std::lock_guard lock(mutex_);
  return token_;
}

bool Authenticator::Allows(const std::string& authorization_header) const {
  std::lock_guard lock(mutex_);
  if (token_.empty()) return true;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization_header.size() <= kScheme.size()) return false;
  std::string scheme = authorization_header.substr(0, kScheme.size());
  for (char& c : scheme) c = static_cast<char>(std::tolower(c));
  return scheme == "bearer " && authorization_header.substr(kScheme.size()) == token_;
}

HttpFrontend::HttpFrontend(ApiOperations* operations, FaultInjector* faults, RequestStats* stats,
                           const Authenticator* auth, FrontendConfig config)
    : operations_(operations),
      faults_(faults),
      stats_(stats),
      auth_(auth),
      config_(std::move(config)) {}

HttpFrontend::~HttpFrontend() { Stop(); }

std::string HttpFrontend::ServerAddress() const {
  return config_.address + ":" + std::to_string(port_);
}

bool HttpFrontend::Start(std::string* error) {
  if (config_.tls) {
    server_ = std::make_unique<httplib::SSLServer>(config_.tls->cert.get(), config_.tls->key.get());
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  if (!server_->is_valid()) {
    *error = "cannot set up the HTTP server (TLS context)";
    return false;
  }
  server_->new_task_queue = [] { return new ThreadPerConnectionQueue(); };
  server_->set_keep_alive_max_count(1000);
  server_->set_keep_alive_timeout(5);
  server_->set_read_timeout(30);
  server_->set_write_timeout(10);
  server_->set_payload_max_length(kMaxBodyBytes);
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Serve(req, res); };
  server_->Get(".*", handler);
  server_->Post(".*", handler);
  server_->Put(".*", handler);
  server_->Patch(".*", handler);
  server_->Delete(".*", handler);
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        Send(res, StatusError(500, "InternalError", "Internal error occurred: " + what));
      });
  std::shared_ptr<std::atomic<int>> listen_fd = ConfigureListener(*server_);
  if (config_.port == 0) {
    port_ = server_->bind_to_any_port(config_.address);
  } else {
    port_ = server_->bind_to_port(config_.address, config_.port) ? config_.port : -1;
  }
  RaiseBacklog(*listen_fd);
  if (port_ <= 0) {
    *error = "cannot bind " + config_.address + ":" + std::to_string(config_.port);
    return false;
  }
  stopping_ = false;
  faults_->ResumeDelays();
  listener_ = std::make_unique<ListenerThread>();
  listener_->Start(server_.get(), port_);
  return true;
}

void HttpFrontend::Stop() {
  if (!listener_) return;
  stopping_ = true;
  // Watches block in the store; ending them lets their connections close so
  // that httplib's shutdown can join every connection thread.
  operations_->store()->DropWatches();
  faults_->SuspendDelays();
  listener_->Stop();
  listener_.reset();
  server_.reset();
}

void HttpFrontend::Serve(const httplib::Request& req, httplib::Response& res) {
  const bool is_watch = IsTrue(req.get_param_value("watch"));
  if (std::optional<ApiResult> failure = faults_->Before(req.path, is_watch)) {
    Send(res, *failure);
    return;
  }
  if (!IsPublicPath(req.path) && !auth_->Allows(req.get_header_value("Authorization"))) {
    Send(res, StatusError(401, "Unauthorized", "Unauthorized"));
    return;
  }
  const std::vector<std::string> segments = SplitPath(req.path);
  const std::vector<ResourceTypePtr> types = operations_->registry()->All();
  auto send_json = [&res](const json& body) { Send(res, ApiResult{200, body, {}}); };
  auto discovery_only = [&]() {
    if (req.method == "GET") return true;
    Send(res, MethodNotAllowed("the server does not allow this method on the requested resource"));
    return false;
  };
  if (segments.empty()) {
    if (discovery_only()) {
      send_json({{"paths",
                  {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz",
                   "/version"}}});
    }
    return;
  }
  const std::string& root = segments[0];
  if (segments.size() == 1 && (root == "healthz" || root == "livez" || root == "readyz")) {
    res.set_content("ok", "text/plain");
    return;
  }
  if (segments.size() == 1 && root == "version") {
    if (discovery_only()) send_json(VersionInfo());
    return;
  }
  if (root == "openapi") {
    if (!discovery_only()) return;
    if (segments.size() == 2 && segments[1] == "v2") {
      // An empty OpenAPI v2 document. kubectl reads it (as protobuf, where
      // zero bytes are a valid empty message) to validate kinds on the
      // client when server-side validation cannot be confirmed, e.g. for a
      // kind whose CRD is missing; with no schemas, that validation passes
      // and kubectl reports the missing kind as a real cluster would.
      if (req.get_header_value("Accept").find("protobuf") != std::string::npos) {
        res.set_content("", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
      } else {
        send_json({{"swagger", "2.0"},
                   {"info", {{"title", "Kubernetes"}, {"version", kServerGitVersion}}},
                   {"paths", json::object()},
                   {"definitions", json::object()}});
      }
      return;
    }
    if (segments.size() == 2 && segments[1] == "v3") {
      send_json(OpenApiV3Index(types));
      return;
    }
    std::optional<json> document;
    if (segments.size() == 4 && segments[1] == "v3" && segments[2] == "api") {
      document = OpenApiV3Document(types, "", segments[3]);
    } else if (segments.size() == 5 && segments[1] == "v3" && segments[2] == "apis") {
      document = OpenApiV3Document(types, segments[3], segments[4]);
    }
    if (document) {
      send_json(*document);
    } else {
      Send(res, ResourceNotFound());
    }
    return;
  }
  if (root == "api") {
    if (segments.size() == 1) {
      if (discovery_only()) send_json(ApiVersions(ServerAddress()));
      return;
    }
    if (segments[1] != "v1") {
      Send(res, ResourceNotFound());
      return;
    }
    if (segments.size() == 2) {
      if (discovery_only()) send_json(*ApiResourceList(types, "", "v1"));
      return;
    }
    ServeResource(req, res, "", "v1", {segments.begin() + 2, segments.end()});
    return;
  }
  if (root == "apis") {
    if (segments.size() <= 3) {
      if (!discovery_only()) return;
      std::optional<json> body;
      if (segments.size() == 1) body = ApiGroupList(types);
      if (segments.size() == 2) body = ApiGroup(types, segments[1]);
      if (segments.size() == 3) body = ApiResourceList(types, segments[1], segments[2]);
      if (body) {
        send_json(*body);
      } else {
        Send(res, ResourceNotFound());
      }
      return;
    }
    ServeResource(req, res, segments[1], segments[2], {segments.begin() + 3, segments.end()});
    return;
  }
  Send(res, ResourceNotFound());
}

void HttpFrontend::ServeResource(const httplib::Request& req, httplib::Response& res,
                                 const std::string& group, const std::string& version,
                                 const std::vector<std::string>& rest) {
  RequestScope scope;
  scope.version = version;
  std::string plural;
  bool namespaced_path = rest.size() >= 3 && rest[0] == "namespaces" &&
                         !(rest.size() == 3 && (rest[2] == "status" || rest[2] == "finalize"));
  size_t first = 0;
  if (namespaced_path) {
    scope.ns = rest[1];
    first = 2;
  }
  size_t n = rest.size() - first;
  if (n < 1 || n > 3) {
    Send(res, ResourceNotFound());
    return;
  }
  plural = rest[first];
  if (n >= 2) scope.name = rest[first + 1];
  if (n == 3) scope.subresource = rest[first + 2];
  scope.type = operations_->registry()->Find(group, version, plural);
  if (!scope.type || (namespaced_path && !scope.type->namespaced) ||
      (!scope.subresource.empty() && (scope.subresource != "status" || !scope.type->has_status))) {
    Send(res, ResourceNotFound());
    return;
  }
  if (scope.type->namespaced && !scope.name.empty() && scope.ns.empty()) {
    Send(res, ResourceNotFound());
    return;
  }
  const std::string stats_resource =
      scope.type->Key() + (scope.subresource.empty() ? "" : "/" + scope.subresource);
  const std::string& method = req.method;
  const WriteOptions write = WriteOptionsOf(req);
  ApiResult result;
  json body;
  if (method == "GET") {
    if (scope.name.empty()) {
      ListOptions list = ListOptionsOf(req);
      if (IsTrue(req.get_param_value("watch"))) {
        stats_->Record("watch", stats_resource);
        ServeWatch(req, res, scope, list);
        return;
      }
      stats_->Record("list", stats_resource);
      result = operations_->List(scope, list);
    } else {
      stats_->Record("get", stats_resource);
      result = operations_->Get(scope);
    }
    std::string table_version = TableVersion(req.get_header_value("Accept"));
    if (result.ok() && !table_version.empty()) {
      std::vector<json> objects;
      json metadata;
      if (scope.name.empty()) {
        for (json& item : result.body["items"]) objects.push_back(std::move(item));
        metadata = result.body["metadata"];
      } else {
        metadata = {{"resourceVersion", result.body["metadata"].value("resourceVersion", "")}};
        objects.push_back(std::move(result.body));
      }
      std::string include = req.get_param_value("includeObject");
      result.body = ToTable(*scope.type, objects, metadata, table_version, include,
                            std::chrono::system_clock::now());
    }
  } else if (method == "POST") {
    if (!scope.name.empty()) {
      Send(res, MethodNotAllowed("POST is not supported on a named resource"));
      return;
    }
    stats_->Record("create", stats_resource);
    if (!ParseBody(req, &body, &result)) {
      Send(res, result);
      return;
    }
    result = operations_->Create(scope, std::move(body), write);
  } else if (method == "PUT" || method == "PATCH") {
    if (scope.name.empty()) {
      Send(res, MethodNotAllowed(method + " is not supported on a collection"));
      return;
    }
    stats_->Record(method == "PUT" ? "update" : "patch", stats_resource);
    std::optional<PatchType> patch_type;
    if (method == "PATCH") {
      patch_type = PatchTypeFromContentType(req.get_header_value("Content-Type"));
      if (!patch_type) {
        Send(res, UnsupportedMediaType("the body of the request was in an unknown format - "
                                       "accepted media types include: "
                                       "application/json-patch+json, application/merge-patch+json, "
                                       "application/apply-patch+yaml"));
        return;
      }
    }
    if (!ParseBody(req, &body, &result)) {
      Send(res, result);
      return;
    }
    result = patch_type ? operations_->Patch(scope, *patch_type, body, write)
                        : operations_->Update(scope, std::move(body), write);
  } else if (method == "DELETE") {
    if (!req.body.empty() && !ParseBody(req, &body, &result)) {
      Send(res, result);
      return;
    }
    if (scope.name.empty()) {
      stats_->Record("deletecollection", stats_resource);
      result = operations_->DeleteCollection(scope, ListOptionsOf(req), write);
    } else {
      stats_->Record("delete", stats_resource);
      result = operations_->Delete(scope, body, write);
    }
  } else {
    result = MethodNotAllowed(method + " is not supported");
  }
  Send(res, result);
}

void HttpFrontend::ServeWatch(const httplib::Request& req, httplib::Response& res,
                              const RequestScope& scope, const ListOptions& list) {
  WatchOptions options;
  options.allow_bookmarks = IsTrue(req.get_param_value("allowWatchBookmarks"));
  options.send_initial_events = IsTrue(req.get_param_value("sendInitialEvents"));
  options.bookmark_interval = config_.bookmark_interval;
  options.timeout = config_.default_watch_timeout;
  if (req.has_param("timeoutSeconds")) {
    try {
      options.timeout = std::chrono::seconds(std::stoll(req.get_param_value("timeoutSeconds")));
    } catch (...) {
      Send(res, BadRequest("timeoutSeconds must be an integer"));
      return;
    }
  }
  if (int fd = ConnectionFd(req); fd >= 0) {
    options.client_gone = [fd] { return PeerHungUp(fd); };
  }
  std::string table_version = TableVersion(req.get_header_value("Accept"));
  if (!table_version.empty()) {
    ResourceTypePtr type = scope.type;
    std::string include = req.get_param_value("includeObject");
    options.transform = [type, table_version, include](const json& object) {
      json metadata = {{"resourceVersion", object["metadata"].value("resourceVersion", "")}};
      return ToTable(*type, {object}, metadata, table_version, include,
                     std::chrono::system_clock::now());
    };
  }
  ApiResult error;
  std::shared_ptr<WatchSession> session =
      WatchSession::Open(operations_, scope, list, options, &error);
  if (!session) {
    Send(res, error);
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", "no-cache, private");
  // "application/json;stream=watch" rather than plain application/json: the
  // parameter keeps httplib from gzip-compressing the stream, which would
  // hold events back in the compressor. client-go and kubectl read the media
  // type without parameters.
  res.set_chunked_content_provider(
      "application/json;stream=watch", [this, session](size_t, httplib::DataSink& sink) {
        if (stopping_) return false;
        std::string out;
        WatchSession::State state = session->Next(&out);
        if (!out.empty() && !sink.write(out.data(), out.size())) return false;
        switch (state) {
          case WatchSession::State::kOpen:
            return true;
          case WatchSession::State::kDropped:
            return false;  // no last chunk: the client sees the connection cut
          case WatchSession::State::kEnded:
            sink.done();
            return true;
        }
        return false;
      });
}

}  // namespace atrium::testing

#include "tests/apiserver/admin_server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "tests/apiserver/api_server.h"
#include "tests/apiserver/http_listener.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

void Reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

// NumberParam reads a numeric query parameter; false when present but malformed.
bool NumberParam(const httplib::Request& req, const char* name, double* value) {
  if (!req.has_param(name)) return true;
  try {
    size_t used = 0;
    std::string text = req.get_param_value(name);
    *value = std::stod(text, &used);
    return used == text.size();
  } catch (...) {
    return false;
  }
}

}  // namespace

AdminServer::AdminServer(ApiServer* api) : api_(api) {}

AdminServer::~AdminServer() { Stop(); }

bool AdminServer::Start(const std::string& address, int port, std::string* error) {
  server_ = std::make_unique<httplib::Server>();
  httplib::Server& s = *server_;
  s.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  s.Post("/fault/drop-watches", [this](const httplib::Request&, httplib::Response& res) {
    api_->DropWatches();
    Reply(res, 200, {{"dropped", true}});
  });
  s.Post("/fault/fail", [this](const httplib::Request& req, httplib::Response& res) {
    double status = 500, count = -1, seconds = 0, retry_after = 0;
    if (!NumberParam(req, "status", &status) || !NumberParam(req, "count", &count) ||
        !NumberParam(req, "seconds", &seconds) || !NumberParam(req, "retry_after", &retry_after)) {
      Reply(res, 400, {{"error", "status, count, seconds and retry_after must be numbers"}});
      return;
    }
    FailureRule rule;
    rule.status = static_cast<int>(status);
    rule.count = static_cast<int>(count);
    rule.duration = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    rule.retry_after_seconds = static_cast<int>(retry_after);
    rule.path_contains = req.get_param_value("path");
    if (req.has_param("watch")) rule.watch = req.get_param_value("watch") == "true";
    api_->FailRequests(rule);
    Reply(res, 200, {{"status", rule.status}, {"count", rule.count}, {"seconds", seconds}});
  });
  s.Post("/fault/delay", [this](const httplib::Request& req, httplib::Response& res) {
    double ms = 0;
    if (!NumberParam(req, "ms", &ms) || ms < 0) {
      Reply(res, 400, {{"error", "ms must be a non-negative number"}});
      return;
    }
    api_->SetResponseDelay(std::chrono::milliseconds(static_cast<int64_t>(ms)));
    Reply(res, 200, {{"delayMs", ms}});
  });
  s.Post("/fault/clear", [this](const httplib::Request&, httplib::Response& res) {
    api_->ClearFaults();
    Reply(res, 200, {{"cleared", true}});
  });
  s.Post("/fault/compact", [this](const httplib::Request&, httplib::Response& res) {
    api_->Compact();
    Reply(res, 200, {{"resourceVersion", std::to_string(api_->resource_version())}});
  });
  s.Post("/fault/restart", [this](const httplib::Request& req, httplib::Response& res) {
    double downtime_ms = 0;
    if (!NumberParam(req, "downtime_ms", &downtime_ms)) {
      Reply(res, 400, {{"error", "downtime_ms must be a number"}});
      return;
    }
    RestartOptions options;
    options.compact = req.get_param_value("compact") != "false";
    options.downtime = std::chrono::milliseconds(static_cast<int64_t>(downtime_ms));
    bool ok = api_->Restart(options);
    Reply(res, ok ? 200 : 500,
          {{"restarted", ok},
           {"resourceVersion", std::to_string(api_->resource_version())},
           {"error", ok ? "" : api_->error()}});
  });
  s.Post("/fault/bookmarks", [this](const httplib::Request&, httplib::Response& res) {
    api_->SendBookmarks();
    Reply(res, 200, {{"requested", true}});
  });
  s.Post("/gateway-api/install", [this](const httplib::Request&, httplib::Response& res) {
    bool ok = api_->InstallGatewayApi();
    Reply(res, ok ? 200 : 500, {{"installed", api_->gateway_api_installed()}});
  });
  s.Post("/gateway-api/uninstall", [this](const httplib::Request&, httplib::Response& res) {
    bool ok = api_->UninstallGatewayApi();
    Reply(res, ok ? 200 : 500, {{"installed", api_->gateway_api_installed()}});
  });
  s.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
    if (!req.has_param("value")) {
      Reply(res, 400, {{"error", "value is required"}});
      return;
    }
    api_->SetToken(req.get_param_value("value"));
    Reply(res, 200, {{"rotated", true}});
  });
  s.Get("/stats", [this](const httplib::Request&, httplib::Response& res) {
    json requests = json::object();
    for (const auto& [key, count] : api_->RequestCounts()) requests[key] = count;
    Reply(res, 200,
          {{"resourceVersion", std::to_string(api_->resource_version())},
           {"openWatches", api_->open_watches()},
           {"injectedFailures", api_->injected_failures()},
           {"requests", requests}});
  });
  s.Post("/stats/reset", [this](const httplib::Request&, httplib::Response& res) {
    api_->ResetRequestCounts();
    Reply(res, 200, {{"reset", true}});
  });
  std::shared_ptr<std::atomic<int>> listen_fd = ConfigureListener(s);
  port_ = port == 0 ? s.bind_to_any_port(address) : (s.bind_to_port(address, port) ? port : -1);
  RaiseBacklog(*listen_fd);
  if (port_ <= 0) {
    *error = "cannot bind the admin port " + address + ":" + std::to_string(port);
    server_.reset();
    return false;
  }
  listener_ = std::make_unique<ListenerThread>();
  listener_->Start(server_.get(), port_);
  return true;
}

void AdminServer::Stop() {
  if (!listener_) return;
  listener_->Stop();
  listener_.reset();
  server_.reset();
}

}  // namespace atrium::testing

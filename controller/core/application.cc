#include "controller/core/application.h"

#include <thread>

#include <prometheus/registry.h>

#include "base/log.h"
#include "controller/admin/admin_server.h"
#include "controller/admin/control_plane_metrics.h"
#include "controller/core/reconciler.h"
#include "controller/manifests/manifest_loader.h"
#include "proxy/server/proxy_server.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/regex_check.h"
#include "proxy/table/table_publisher.h"

namespace atrium::core {
namespace {

size_t WorkerCount(const Config& config) {
  if (config.workers > 0) return config.workers;
  return std::max(1u, std::thread::hardware_concurrency());
}

server::ProxyOptions ProxyOptionsFrom(const Config& config) {
  server::ProxyOptions options;
  options.workers = WorkerCount(config);
  options.max_header_bytes = config.max_header_bytes;
  options.max_body_bytes = config.max_body_bytes;
  options.header_timeout = config.header_timeout;
  options.idle_timeout = config.idle_timeout;
  options.upstream_connect_timeout = config.upstream_connect_timeout;
  options.upstream_idle_timeout = config.upstream_idle_timeout;
  if (config.upstream_request_timeout.count() > 0) {
    options.upstream_read_timeout = config.upstream_request_timeout;
  }
  return options;
}

std::string Describe(const manifests::ManifestProblem& problem) {
  std::string text = problem.file;
  if (!problem.object.empty()) text += ": " + problem.object;
  return text + ": " + problem.reason;
}

}  // namespace

// Parts are created in dependency order and destroyed in reverse: sources
// first, then the reconciler (the only writer), the proxy, and last the
// table publisher that everything reads.
struct Application::Parts {
  explicit Parts(const Config& config)
      : stats(WorkerCount(config)),
        registry(std::make_shared<prometheus::Registry>()),
        metrics(registry) {}

  stats::StatsRegistry stats;
  table::TablePublisher publisher;
  std::shared_ptr<prometheus::Registry> registry;
  admin::ControlPlaneMetrics metrics;
  std::unique_ptr<server::ProxyServer> proxy;
  std::unique_ptr<Reconciler> reconciler;
  std::unique_ptr<admin::AdminServer> admin;
  std::unique_ptr<manifests::ManifestWatcher> watcher;
  uint16_t admin_port = 0;
  bool shut_down = false;
};

Application::Application(Config config) : config_(std::move(config)) {}

Application::~Application() { Shutdown(); }

std::string Application::Start() {
  if (config_.manifests_dir.empty()) {
    return "cluster mode (--kubeconfig or in-cluster) is not available yet; use --manifests DIR";
  }
  log::Level level = log::Level::kInfo;
  if (log::ParseLevel(config_.log_level, &level)) log::SetLevel(level);

  parts_ = std::make_unique<Parts>(config_);
  Parts& parts = *parts_;

  parts.proxy = std::make_unique<server::ProxyServer>(ProxyOptionsFrom(config_), parts.publisher,
                                                      parts.stats);
  parts.proxy->Start();

  ReconcilerOptions reconciler_options;
  reconciler_options.translate.port_offset = config_.port_offset;
  reconciler_options.translate.publish_addresses = config_.publish_addresses;
  reconciler_options.translate.regex_error = [](const std::string& pattern) {
    return table::RegexError(pattern);
  };
  reconciler_options.holdoff = config_.reconcile_holdoff;
  reconciler_options.max_holdoff = config_.reconcile_max_holdoff;
  parts.reconciler =
      std::make_unique<Reconciler>(reconciler_options, parts.publisher, &parts.metrics);
  server::ProxyServer* proxy = parts.proxy.get();
  parts.reconciler->set_listener_sync([proxy](const std::vector<table::ListenerKey>& listeners) {
    return proxy->SyncListeners(listeners);
  });
  parts.reconciler->Start();

  admin::AdminSources sources;
  sources.publisher = &parts.publisher;
  sources.stats = &parts.stats;
  sources.control_plane_metrics = parts.registry;
  Reconciler* reconciler = parts.reconciler.get();
  sources.status = [reconciler] { return reconciler->StatusJson(); };
  parts.admin = std::make_unique<admin::AdminServer>(std::move(sources));
  admin::StartResult started = parts.admin->Start(config_.admin_address, config_.admin_port);
  if (!started.ok()) return "admin server: " + started.error;
  parts.admin_port = started.port;

  admin::ControlPlaneMetrics* metrics = &parts.metrics;
  parts.watcher = std::make_unique<manifests::ManifestWatcher>(
      config_.manifests_dir, std::chrono::milliseconds(250),
      [reconciler, metrics](manifests::LoadResult result) {
        std::vector<std::string> problems;
        for (const manifests::ManifestProblem& problem : result.problems) {
          log::Warn(
              "manifests", "malformed manifest",
              {{"file", problem.file}, {"object", problem.object}, {"reason", problem.reason}});
          problems.push_back(Describe(problem));
        }
        if (!problems.empty()) {
          metrics->RecordConfigErrors(admin::ConfigErrorKind::kManifest, problems.size());
        }
        log::Info("manifests", "loaded",
                  {{"objects", std::to_string(result.objects)},
                   {"problems", std::to_string(problems.size())}});
        reconciler->ReplaceState(std::move(result.state), std::move(problems));
        // The folder is "synced" once it has been read: nothing, not even an
        // empty table, is published (and /readyz stays 503) before that.
        reconciler->SetSynced(true);
      });
  parts.watcher->Start();
  log::Info("atrium", "started",
            {{"manifests", config_.manifests_dir},
             {"admin", config_.admin_address + ":" + std::to_string(parts.admin_port)}});
  return "";
}

void Application::Shutdown() {
  if (parts_ == nullptr || parts_->shut_down) return;
  Parts& parts = *parts_;
  parts.shut_down = true;
  if (parts.watcher) parts.watcher->Stop();
  if (parts.reconciler) parts.reconciler->Stop();
  if (parts.proxy) {
    parts.proxy->Drain(config_.drain_timeout);
    parts.proxy->Stop();
  }
  if (parts.admin) parts.admin->Stop();
  parts_.reset();
}

uint16_t Application::admin_port() const { return parts_ ? parts_->admin_port : 0; }

uint16_t Application::ProxyPort(uint16_t bind_port, const std::string& address) const {
  if (!parts_ || !parts_->proxy) return 0;
  return parts_->proxy->BoundPort(table::ListenerKey{address, bind_port, 0, false});
}

bool Application::WaitForGeneration(uint64_t generation, int timeout_ms) const {
  if (!parts_ || !parts_->reconciler) return false;
  return parts_->reconciler->WaitForGeneration(generation, std::chrono::milliseconds(timeout_ms));
}

uint64_t Application::generation() const { return parts_ ? parts_->publisher.generation() : 0; }

}  // namespace atrium::core

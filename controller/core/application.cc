#include "controller/core/application.h"

#include <functional>
#include <optional>
#include <thread>

#include <prometheus/registry.h>

#include "base/free_memory.h"
#include "base/log.h"
#include "controller/admin/admin_server.h"
#include "controller/admin/control_plane_metrics.h"
#include "controller/core/reconciler.h"
#include "controller/kube/cluster_informers.h"
#include "controller/kube/event_recorder.h"
#include "controller/kube/kube_client.h"
#include "controller/kube/kube_config.h"
#include "controller/kube/kube_metrics.h"
#include "controller/leader/leader_elector.h"
#include "controller/manifests/manifest_loader.h"
#include "controller/status/problem_events.h"
#include "controller/status/status_writer.h"
#include "proxy/server/proxy_server.h"
#include "proxy/stats/worker_stats.h"
#include "proxy/table/regex_check.h"
#include "proxy/table/table_publisher.h"
#include "proxy/tls/server_certificate.h"

namespace atrium::core {
namespace {

server::ProxyOptions ProxyOptionsFrom(const Config& config) {
  server::ProxyOptions options;
  options.workers = WorkerCount(config);
  options.default_bind_address = config.default_bind_address;
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

bool ClusterMode(const Config& config) { return config.manifests_dir.empty(); }

leader::LeaderElectorOptions ElectorOptionsFrom(const Config& config,
                                                const kube::KubeConfig& kube_config) {
  leader::LeaderElectorOptions options;
  // Default: the pod's namespace (in-cluster) or the kubeconfig context's.
  options.ns =
      config.leader_election_namespace.empty() ? kube_config.ns : config.leader_election_namespace;
  options.name = config.leader_election_id;
  options.lease_duration = config.lease_duration;
  options.renew_deadline = config.renew_deadline;
  options.retry_period = config.retry_period;
  return options;
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
  // Cluster mode (no --manifests): the API client and what uses it. The
  // client outlives the writer, elector and informers declared after it.
  std::unique_ptr<kube::KubeClient> client;
  std::unique_ptr<kube::KubeMetrics> kube_metrics;
  std::unique_ptr<status::StatusWriter> writer;
  std::unique_ptr<kube::EventRecorder> recorder;
  status::ProblemEvents problem_events;  // reconciler thread only
  std::unique_ptr<leader::LeaderElector> elector;
  std::unique_ptr<kube::ClusterInformers> informers;
  uint16_t admin_port = 0;
  bool shut_down = false;
};

Application::Application(Config config) : config_(std::move(config)) {}

Application::~Application() { Shutdown(); }

std::string Application::Start() {
  log::Level level = log::Level::kInfo;
  if (log::ParseLevel(config_.log_level, &level)) log::SetLevel(level);

  // Cluster mode: read the configuration before anything starts, so a
  // broken kubeconfig fails fast with a clear error and nothing to undo.
  std::optional<kube::KubeConfig> kube_config;
  if (ClusterMode(config_)) {
    kube::ConfigResult loaded = kube::LoadConfig(config_.kubeconfig);
    if (!loaded.config) {
      // The error names the file (or the in-cluster piece) that is wrong.
      return (config_.kubeconfig.empty() ? "in-cluster config: " : "--kubeconfig: ") + loaded.error;
    }
    kube_config = std::move(loaded.config);
    if (config_.leader_elect) {
      std::string invalid =
          leader::ValidateElectorOptions(ElectorOptionsFrom(config_, *kube_config));
      if (!invalid.empty()) return "leader election: " + invalid;
    }
  }

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
  reconciler_options.translate.certificate_error = tls::CertificateError;
  reconciler_options.holdoff = config_.reconcile_holdoff;
  reconciler_options.max_holdoff = config_.reconcile_max_holdoff;
  reconciler_options.on_quiet = base::ReleaseFreeMemory;
  parts.reconciler =
      std::make_unique<Reconciler>(reconciler_options, parts.publisher, &parts.metrics);
  server::ProxyServer* proxy = parts.proxy.get();
  parts.reconciler->set_listener_sync([proxy](const std::vector<table::ListenerKey>& listeners) {
    return proxy->SyncListeners(listeners);
  });
  Reconciler* reconciler = parts.reconciler.get();
  if (kube_config)
    StartCluster(std::move(*kube_config));
  else
    parts.reconciler->Start();

  admin::AdminSources sources;
  sources.publisher = &parts.publisher;
  sources.stats = &parts.stats;
  sources.control_plane_metrics = parts.registry;
  sources.process = true;
  sources.status = [reconciler] { return reconciler->StatusJson(); };
  parts.admin = std::make_unique<admin::AdminServer>(std::move(sources));
  admin::StartResult started = parts.admin->Start(config_.admin_address, config_.admin_port);
  if (!started.ok()) return "admin server: " + started.error;
  parts.admin_port = started.port;

  if (ClusterMode(config_)) {
    log::Info("atrium", "started",
              {{"cluster", parts.client->config().source},
               {"server", parts.client->config().server},
               {"leader-elect", config_.leader_elect ? "true" : "false"},
               {"admin", config_.admin_address + ":" + std::to_string(parts.admin_port)}});
    return "";
  }

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

// StartCluster wires the API server source: informers feed the reconciler
// and the status writer; the reconciler's statuses go to the writer, and its
// problems to the event recorder, which write only while this replica leads
// (always, without --leader-elect).
// Start order: reconciler, writer, event recorder, elector, informers
// (Shutdown stops them in reverse, but the recorder after the reconciler
// that feeds it), so no event arrives before its consumer runs.
void Application::StartCluster(kube::KubeConfig kube_config) {
  Parts& parts = *parts_;
  parts.client = std::make_unique<kube::KubeClient>(std::move(kube_config));
  parts.kube_metrics = std::make_unique<kube::KubeMetrics>(parts.registry);
  kube::KubeClient& client = *parts.client;
  const kube::KubeConfig& cluster = client.config();

  std::function<bool()> is_leader;
  if (config_.leader_elect) {
    // The elector is created right below, before anything starts.
    Parts* parts_ptr = &parts;
    is_leader = [parts_ptr] { return parts_ptr->elector->is_leader(); };
  }
  status::StatusWriterOptions writer_options;
  writer_options.publish_service = config_.publish_service;
  writer_options.is_leader = is_leader;
  parts.writer =
      std::make_unique<status::StatusWriter>(client, std::move(writer_options), &parts.metrics);
  status::StatusWriter* writer = parts.writer.get();
  Reconciler* reconciler = parts.reconciler.get();
  reconciler->set_status_sink(
      [writer](const translate::StatusDelta& delta) { writer->Apply(delta); });

  // Translate's problems become Warning Events, each when it first appears
  // on its object; only the leader emits them.
  kube::EventRecorderOptions recorder_options;
  recorder_options.source.instance = kube::InstanceName();
  recorder_options.is_leader = is_leader;
  recorder_options.registry = parts.registry;
  parts.recorder = std::make_unique<kube::EventRecorder>(client, std::move(recorder_options));
  kube::EventRecorder* recorder = parts.recorder.get();
  status::ProblemEvents* problem_events = &parts.problem_events;
  reconciler->set_problem_sink(
      [recorder, problem_events, is_leader](const std::vector<translate::Problem>& problems,
                                            const state::ClusterState& state) {
        if (is_leader && !is_leader()) {
          // After becoming leader, its next reconcile reports every problem.
          problem_events->Reset();
          return;
        }
        for (kube::EventRecord& event : problem_events->Update(problems, state)) {
          recorder->Record(std::move(event));
        }
      });
  if (config_.leader_elect) {
    leader::LeaderElectorOptions options = ElectorOptionsFrom(config_, cluster);
    // A new leader re-checks every object: the previous one may have died
    // between a reconcile and its write.
    options.on_started_leading = [writer] { writer->Resync(); };
    parts.elector = std::make_unique<leader::LeaderElector>(client, std::move(options));
  }

  kube::ClusterInformersOptions informer_options;
  informer_options.namespaces = config_.watch_namespaces;
  kube::InformerCallbacks callbacks;
  callbacks.on_upsert = [writer, reconciler](std::string_view kind, nlohmann::json object) {
    writer->Observe(kind, object);
    reconciler->Upsert(kind, std::move(object));
  };
  callbacks.on_delete = [writer, reconciler](std::string_view kind, const std::string& key) {
    writer->Forget(kind, key);
    reconciler->Remove(kind, key);
  };
  callbacks.on_synced = [reconciler] { reconciler->SetSynced(true); };
  parts.informers = std::make_unique<kube::ClusterInformers>(
      client, std::move(informer_options), std::move(callbacks), parts.kube_metrics.get());

  reconciler->Start();
  writer->Start();
  recorder->Start();
  if (parts.elector) parts.elector->Start();
  parts.informers->Start();
}

void Application::Shutdown() {
  if (parts_ == nullptr || parts_->shut_down) return;
  Parts& parts = *parts_;
  parts.shut_down = true;
  if (parts.watcher) parts.watcher->Stop();
  // Cluster mode, in reverse start order: no event, status write or lease
  // renewal is in flight once the proxy drains.
  if (parts.informers) parts.informers->Stop();
  if (parts.elector) parts.elector->Stop();
  if (parts.writer) parts.writer->Stop();
  if (parts.reconciler) parts.reconciler->Stop();
  if (parts.recorder) parts.recorder->Stop();
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

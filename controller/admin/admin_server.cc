#include "controller/admin/admin_server.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include <httplib.h>

#include "base/thread_cache.h"
#include "controller/admin/admin_json.h"
#include "controller/admin/chunked_streambuf.h"
#include "controller/admin/metrics_text.h"
#include "proxy/table/table_publisher.h"

namespace atrium::admin {
namespace {

constexpr const char* kTextContentType = "text/plain; charset=utf-8";
constexpr const char* kJsonContentType = "application/json";
constexpr size_t kMetricsChunkBytes = size_t{16} * 1024;  // see the /metrics handler

void SendJson(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  // Names come from user manifests and may hold invalid UTF-8: replace it
  // rather than throw.
  response.set_content(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                       kJsonContentType);
}

void SendText(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_content(body, kTextContentType);
}

// NotReadyReason returns why /readyz fails, or nullopt when ready.
std::optional<std::string> NotReadyReason(const AdminSources& sources) {
  if (sources.publisher == nullptr || sources.publisher->generation() == 0) {
    return "no route table published yet";
  }
  if (sources.ready && !sources.ready()) return "control plane not ready";
  return std::nullopt;
}

// ReleasingThreadPool is cpp-httplib's pool whose threads give their
// allocator cache back after each connection. Rendering /metrics for
// thousands of routes allocates megabytes; without this, every admin thread
// that served a scrape keeps its own megabyte or so parked until its next
// one (measured at 5,000 routes: 0.6-0.8 MB in each of the four threads).
class ReleasingThreadPool : public httplib::TaskQueue {
 public:
  explicit ReleasingThreadPool(size_t threads) : pool_(threads) {}
  void enqueue(std::function<void()> task) override {
    pool_.enqueue([task = std::move(task)] {
      task();
      base::ReleaseThreadCache();
    });
  }
  void shutdown() override { pool_.shutdown(); }

 private:
  httplib::ThreadPool pool_;
};

}  // namespace

AdminServer::AdminServer(AdminSources sources, AdminServerOptions options)
    : sources_(std::move(sources)),
      options_(options),
      server_(std::make_unique<httplib::Server>()) {
  int threads = options_.threads > 0 ? options_.threads : 1;
  server_->new_task_queue = [threads] {
    return new ReleasingThreadPool(static_cast<size_t>(threads));
  };
  // httplib's default sets SO_REUSEPORT, which would let a second Atrium on
  // the same host share (and silently split) this port. SO_REUSEADDR alone
  // still allows a quick restart while old connections sit in TIME_WAIT.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Without TCP_NODELAY a keep-alive client (Prometheus reuses its
  // connection) waited up to 40 ms for each answer: Nagle held the body
  // back until the headers were acknowledged (26 ms a request, measured).
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_timeout(options_.keep_alive_timeout.count());
  server_->set_read_timeout(options_.read_timeout.count(), 0);
  server_->set_write_timeout(options_.write_timeout.count(), 0);
  RegisterHandlers();
}

AdminServer::~AdminServer() { Stop(); }

StartResult AdminServer::Start(const std::string& address, uint16_t port) {
  if (started_) return {0, "admin server already started"};
  started_ = true;
  errno = 0;
  int bound = -1;
  if (port == 0) {
    bound = server_->bind_to_any_port(address);
  } else if (server_->bind_to_port(address, port)) {
    bound = port;
  }
  if (bound <= 0) {
    int error = errno;
    std::string message = "cannot bind the admin server to " + address + ":" + std::to_string(port);
    if (error != 0) message += ": " + std::string(std::strerror(error));
    return {0, message};
  }
  std::promise<void> done;
  listener_done_ = done.get_future();
  listener_ = std::thread([this, done = std::move(done)]() mutable {
    server_->listen_after_bind();
    done.set_value();
  });
  return {static_cast<uint16_t>(bound), ""};
}

void AdminServer::Stop() {
  if (!listener_.joinable()) return;
  // httplib's stop() does nothing until listen_after_bind has entered its
  // accept loop (is_running), and must not be called twice: wait for the
  // loop to start (or for the listener to have failed), then stop it once.
  while (listener_done_.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
    if (server_->is_running()) {
      server_->stop();
      break;
    }
  }
  listener_.join();
}

void AdminServer::RegisterHandlers() {
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(std::move(error));
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SendJson(response, 500, {{"error", what}});
      });

  server_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    SendText(response, 200, "ok\n");
  });

  server_->Get("/readyz", [this](const httplib::Request&, httplib::Response& response) {
    std::optional<std::string> reason = NotReadyReason(sources_);
    if (reason) {
      SendText(response, 503, "not ready: " + *reason + "\n");
    } else {
      SendText(response, 200, "ok\n");
    }
  });

  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.status = 200;
    // Streamed in chunks as it is serialized: at thousands of routes the
    // document is megabytes, and a scrape should not hold it all at once.
    // 16 kB chunks: cpp-httplib copies each chunk twice on its way to the
    // socket (the payload, then size + payload + CRLF, grown to twice the
    // chunk), and at 64 kB those 64-128 kB blocks, ~370 a scrape of 5,000
    // routes, were kept by the allocator afterwards (1 MB more RSS).
    response.set_chunked_content_provider(
        std::string(kMetricsContentType), [this](size_t, httplib::DataSink& sink) {
          ChunkedStreambuf buffer(
              [&sink](std::string_view chunk) { return sink.write(chunk.data(), chunk.size()); },
              kMetricsChunkBytes);
          std::ostream out(&buffer);
          WriteMetrics(sources_, out);
          buffer.pubsync();
          sink.done();
          return true;
        });
  });

  server_->Get("/admin/routes", [this](const httplib::Request&, httplib::Response& response) {
    std::optional<nlohmann::json> routes;
    if (sources_.publisher != nullptr) routes = RoutesJson(*sources_.publisher);
    if (!routes) {
      SendJson(response, 503, {{"generation", 0}, {"error", "no route table published yet"}});
      return;
    }
    SendJson(response, 200, *routes);
  });

  server_->Get("/admin/stats", [this](const httplib::Request&, httplib::Response& response) {
    SendJson(response, 200, StatsJson(sources_.publisher, sources_.stats));
  });

  server_->Get("/admin/status", [this](const httplib::Request&, httplib::Response& response) {
    if (!sources_.status) {
      SendJson(response, 503, {{"error", "object status is not available in this process"}});
      return;
    }
    nlohmann::json status = sources_.status();
    RemovePrivateKeys(status);
    SendJson(response, 200, status);
  });
}

}  // namespace atrium::admin

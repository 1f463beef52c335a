#include "proxy/server/proxy_server.h"

#include <algorithm>
#include <thread>

#include "proxy/server/worker.h"

namespace atrium::server {
namespace {

size_t ResolveWorkers(const ProxyOptions& options, const stats::StatsRegistry& stats) {
  size_t workers = options.workers;
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  return std::max<size_t>(1, std::min(workers, stats.size()));
}

// OpenAcceptor binds one SO_REUSEPORT acceptor on io_context.
Acceptor OpenAcceptor(asio::io_context& io_context, const asio::ip::tcp::endpoint& endpoint,
                      ErrorCode& ec) {
  Acceptor acceptor(io_context);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return acceptor;
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return acceptor;
  int one = 1;
  if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) {
    ec.assign(errno, boost::system::system_category());
    return acceptor;
  }
  acceptor.bind(endpoint, ec);
  if (ec) return acceptor;
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  return acceptor;
}

}  // namespace

ProxyServer::ProxyServer(ProxyOptions options, table::TablePublisher& publisher,
                         stats::StatsRegistry& stats)
    : options_(std::move(options)),
      publisher_(publisher),
      tls_context_([&publisher](const tls::HandshakeOrigin& origin, std::string_view server_name) {
        // On the worker running the handshake (registered with RCU): the
        // read section covers the lookup and the copy of a shared_ptr only.
        return publisher.SelectCertificate(origin.address, origin.bind_port, server_name);
      }) {
  const size_t count = ResolveWorkers(options_, stats);
  workers_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(i, options_, publisher_, stats.worker(i), &tls_context_));
  }
}

ProxyServer::~ProxyServer() { Stop(); }

void ProxyServer::Start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopped_) return;
  started_ = true;
  for (auto& worker : workers_) worker->Start();
}

std::string ProxyServer::OpenListener(const table::ListenerKey& key, uint16_t* bound_port) {
  const std::string bind_address =
      key.address.empty() ? options_.default_bind_address : key.address;
  ErrorCode ec;
  auto address = asio::ip::make_address(bind_address, ec);
  std::string where = bind_address + ":" + std::to_string(key.bind_port);
  if (ec) return "bind " + where + ": invalid address";
  uint16_t port = key.bind_port;
  std::vector<Acceptor> acceptors;
  for (auto& worker : workers_) {
    // Created here, used only by the worker once handed over: constructing
    // and binding a socket registers it with the worker's reactor, which is
    // thread-safe; no operation runs on it before AddListener.
    Acceptor acceptor =
        OpenAcceptor(worker->io_context(), asio::ip::tcp::endpoint(address, port), ec);
    if (ec) return "bind " + where + ": " + ec.message();
    if (port == 0) {
      // The first bind picked the port; every other worker shares it.
      port = acceptor.local_endpoint(ec).port();
      if (ec) return "bind " + where + ": " + ec.message();
    }
    acceptors.push_back(std::move(acceptor));
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    workers_[i]->AddListener(key, std::move(acceptors[i]));
  }
  *bound_port = port;
  return "";
}

std::vector<std::string> ProxyServer::SyncListeners(const std::vector<table::ListenerKey>& keys) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> errors;
  if (stopped_) return errors;
  std::map<SocketId, const table::ListenerKey*> wanted;
  for (const auto& key : keys) wanted.emplace(SocketId(key.address, key.bind_port), &key);
  for (auto it = bound_.begin(); it != bound_.end();) {
    if (wanted.count(it->first) == 0) {
      for (auto& worker : workers_) worker->RemoveListener(it->second.key);
      it = bound_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [id, key] : wanted) {
    auto it = bound_.find(id);
    if (it != bound_.end()) {
      if (!(it->second.key == *key)) {
        // Same socket, new description (spec port or tls): new connections
        // see the new key; the socket stays open.
        for (auto& worker : workers_) worker->UpdateListener(it->second.key, *key);
        it->second.key = *key;
      }
      continue;
    }
    uint16_t port = 0;
    std::string error = OpenListener(*key, &port);
    if (!error.empty()) {
      errors.push_back(std::move(error));
      continue;
    }
    bound_[id] = Bound{*key, port};
  }
  return errors;
}

uint16_t ProxyServer::BoundPort(const table::ListenerKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = bound_.find(SocketId(key.address, key.bind_port));
  return it == bound_.end() ? 0 : it->second.port;
}

bool ProxyServer::Drain(std::chrono::milliseconds deadline) {
  std::unique_lock lock(mutex_);
  if (stopped_ || !started_) return true;
  bound_.clear();
  drained_ = 0;
  for (auto& worker : workers_) {
    worker->BeginDrain([this]() {
      std::lock_guard inner(mutex_);
      ++drained_;
      drained_cv_.notify_all();
    });
  }
  const size_t total = workers_.size();
  bool finished = drained_cv_.wait_for(lock, deadline, [&] { return drained_ == total; });
  if (!finished) {
    for (auto& worker : workers_) worker->CloseAllConnections();
  }
  return finished;
}

void ProxyServer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    bound_.clear();
  }
  for (auto& worker : workers_) worker->Stop();
}

}  // namespace atrium::server

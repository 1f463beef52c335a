#include "tests/apiserver/api_test_client.h"

#include <sys/socket.h>

#include <atomic>
#include <fstream>

#include <gtest/gtest.h>

namespace atrium::testing {
namespace {

HttpReply ToReply(const httplib::Result& result) {
  HttpReply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.raw = result->body;
  reply.headers = result->headers;
  reply.body = nlohmann::json::parse(result->body, nullptr, false);
  return reply;
}

}  // namespace

std::unique_ptr<httplib::Client> NewHttpClient(const ApiServer& api, const std::string& token) {
  auto client = std::make_unique<httplib::Client>(api.url());
  if (api.tls()) {
    static std::atomic<int> counter{0};
    std::string path = ::testing::TempDir() + "/atrium-apiserver-ca-" + std::to_string(api.port()) +
                       "-" + std::to_string(counter++) + ".crt";
    std::ofstream(path) << api.ca_pem();
    client->set_ca_cert_path(path);
    client->enable_server_certificate_verification(true);
  }
  std::string bearer = token == kUseServerToken ? api.token() : token;
  if (!bearer.empty()) client->set_bearer_token_auth(bearer);
  client->set_read_timeout(std::chrono::seconds(60));
  client->set_keep_alive(true);
  return client;
}

ApiClient::ApiClient(const ApiServer& api, const std::string& token) : api_(api), token_(token) {}

httplib::Client& ApiClient::client() {
  if (!client_) client_ = NewHttpClient(api_, token_);
  return *client_;
}

HttpReply ApiClient::Get(const std::string& path, const httplib::Headers& headers) {
  return ToReply(client().Get(path, headers));
}

HttpReply ApiClient::Post(const std::string& path, const nlohmann::json& body) {
  return ToReply(client().Post(path, body.dump(), "application/json"));
}

HttpReply ApiClient::Put(const std::string& path, const nlohmann::json& body) {
  return ToReply(client().Put(path, body.dump(), "application/json"));
}

HttpReply ApiClient::Patch(const std::string& path, const std::string& body,
                           const std::string& content_type) {
  return ToReply(client().Patch(path, body, content_type));
}

HttpReply ApiClient::Delete(const std::string& path, const std::string& body) {
  if (body.empty()) return ToReply(client().Delete(path));
  return ToReply(client().Delete(path, body, "application/json"));
}

WatchStream::WatchStream(const ApiServer& api, const std::string& path,
                         const httplib::Headers& headers)
    : client_(NewHttpClient(api)) {
  client_->set_socket_options([this](socket_t sock) {
    socket_ = sock;
    if (closing_) ::shutdown(sock, SHUT_RDWR);
  });
  // One request from the constructing thread first: httplib parses response
  // lines with a function-local static regex, and ThreadSanitizer cannot see
  // the uninstrumented library's guard for it, so first use must not happen
  // on two reader threads at once.
  client_->Get("/healthz");
  thread_ = std::thread([this, path, headers] {
    httplib::Result result = client_->Get(
        path, headers,
        [this](const httplib::Response& response) {
          std::lock_guard lock(mutex_);
          status_ = response.status;
          changed_.notify_all();
          return true;
        },
        [this](const char* data, size_t size) {
          if (closing_) return false;
          std::lock_guard lock(mutex_);
          buffer_.append(data, size);
          size_t newline;
          while ((newline = buffer_.find('\n')) != std::string::npos) {
            events_.push_back(nlohmann::json::parse(buffer_.substr(0, newline), nullptr, false));
            buffer_.erase(0, newline + 1);
          }
          changed_.notify_all();
          return true;
        });
    std::lock_guard lock(mutex_);
    if (status_ < 0) status_ = result ? result->status : 0;
    ended_ = true;
    clean_ = static_cast<bool>(result);
    changed_.notify_all();
  });
}

WatchStream::~WatchStream() {
  closing_ = true;
  if (int sock = socket_; sock >= 0) ::shutdown(sock, SHUT_RDWR);
  thread_.join();
}

int WatchStream::status(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return status_ >= 0; });
  return status_;
}

std::optional<nlohmann::json> WatchStream::Next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [this] { return !events_.empty() || ended_; });
  if (events_.empty()) return std::nullopt;
  nlohmann::json event = std::move(events_.front());
  events_.pop_front();
  return event;
}

bool WatchStream::WaitEnded(std::chrono::milliseconds timeout, bool* clean) {
  std::unique_lock lock(mutex_);
  bool ended = changed_.wait_for(lock, timeout, [this] { return ended_; });
  if (clean != nullptr) *clean = clean_;
  return ended;
}

}  // namespace atrium::testing

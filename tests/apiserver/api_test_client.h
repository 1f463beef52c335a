#pragma once

// Test-only HTTP clients for the test API server (cpp-httplib): ApiClient for
// plain requests and WatchStream, which reads a WATCH response on a thread
// and hands its events out one at a time.
//
// Threading: an ApiClient is used by one thread at a time. A WatchStream
// reads on its own thread; Next/WaitEnded may be called from any one thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "tests/apiserver/api_server.h"

namespace atrium::testing {

struct HttpReply {
  int status = 0;  // 0: no response (connection failed)
  nlohmann::json body;
  std::string raw;
  httplib::Headers headers;
};

// kUseServerToken asks for the server's token; "" sends none.
inline constexpr const char* kUseServerToken = "\x01";

// NewHttpClient returns a client for api that trusts its CA (written to a
// file in the test's temporary directory).
std::unique_ptr<httplib::Client> NewHttpClient(const ApiServer& api,
                                               const std::string& token = kUseServerToken);

// ApiClient connects on first use, so a fixture may hold one before its
// server has started.
class ApiClient {
 public:
  explicit ApiClient(const ApiServer& api, const std::string& token = kUseServerToken);

  HttpReply Get(const std::string& path, const httplib::Headers& headers = {});
  HttpReply Post(const std::string& path, const nlohmann::json& body);
  HttpReply Put(const std::string& path, const nlohmann::json& body);
  HttpReply Patch(const std::string& path, const std::string& body,
                  const std::string& content_type);
  HttpReply Delete(const std::string& path, const std::string& body = "");

 private:
  httplib::Client& client();

  const ApiServer& api_;
  const std::string token_;
  std::unique_ptr<httplib::Client> client_;
};

class WatchStream {
 public:
  WatchStream(const ApiServer& api, const std::string& path, const httplib::Headers& headers = {});
  ~WatchStream();

  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // status waits for the response status (0 if the request failed).
  int status(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Next returns the next event, or nullopt when none arrives in time or the
  // stream ended.
  std::optional<nlohmann::json> Next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // WaitEnded waits until the stream ends; *clean tells whether it ended
  // with the last chunk (true) or was cut (false).
  bool WaitEnded(std::chrono::milliseconds timeout, bool* clean = nullptr);

 private:
  std::unique_ptr<httplib::Client> client_;
  // The stream's socket, shut down to end the stream: a shutdown from this
  // thread is all it takes, where httplib's Client::stop() from another
  // thread upsets ThreadSanitizer inside the uninstrumented library.
  std::atomic<int> socket_{-1};
  std::atomic<bool> closing_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int status_ = -1;
  std::string buffer_;
  std::deque<nlohmann::json> events_;
  bool ended_ = false;
  bool clean_ = false;
};

}  // namespace atrium::testing

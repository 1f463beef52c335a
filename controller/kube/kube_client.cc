#include "controller/kube/kube_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace atrium::kube {
namespace {

constexpr size_t kMaxErrorBody = 1 << 20;
// How long one curl_multi_poll waits at most; a stop request wakes it early.
constexpr int kPollMilliseconds = 1000;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view TrimView(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// HeaderState collects what Atrium reads from response headers.
struct HeaderState {
  std::optional<std::chrono::seconds> retry_after;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<HeaderState*>(user);
  std::string_view line(data, size * count);
  if (StartsWithNoCase(line, "HTTP/")) {
    state->retry_after.reset();  // a new response (after 100 Continue)
  } else if (StartsWithNoCase(line, "Retry-After:")) {
    std::string_view value = TrimView(line.substr(12));
    int64_t seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    // An HTTP-date Retry-After is not used by the API server; ignore it.
    if (ec == std::errc() && end == value.data() + value.size() && seconds >= 0) {
      state->retry_after = std::chrono::seconds(seconds);
    }
  }
  return size * count;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

struct WatchState {
  CURL* easy = nullptr;
  const LineHandler* on_line = nullptr;
  long status = 0;
  std::string buffer;
  std::string error_body;
  bool aborted = false;
  uint64_t lines = 0;
  uint64_t received = 0;  // body bytes of a 200 response

  // Deliver hands every complete line in buffer to on_line; false when
  // on_line asked to stop.
  bool Deliver(bool flush) {
    size_t start = 0;
    while (true) {
      size_t newline = buffer.find('\n', start);
      if (newline == std::string::npos) break;
      std::string_view line(buffer.data() + start, newline - start);
      start = newline + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      ++lines;
      if (!(*on_line)(line)) {
        aborted = true;
        buffer.clear();
        return false;
      }
    }
    buffer.erase(0, start);
    if (flush && !TrimView(buffer).empty()) {
      ++lines;
      std::string rest = std::move(buffer);
      buffer.clear();
      if (!(*on_line)(rest)) {
        aborted = true;
        return false;
      }
    }
    return true;
  }
};

size_t OnWatchBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<WatchState*>(user);
  const size_t bytes = size * count;
  if (state->status == 0) curl_easy_getinfo(state->easy, CURLINFO_RESPONSE_CODE, &state->status);
  if (state->status != 200) {
    if (state->error_body.size() < kMaxErrorBody) state->error_body.append(data, bytes);
    return bytes;
  }
  state->received += bytes;
  state->buffer.append(data, bytes);
  return state->Deliver(false) ? bytes : 0;
}

// QuietHook is what Transfer calls when a transfer goes quiet after data
// came (WatchOptions::on_quiet). Data is told by progress, a count of
// bytes received, not by what poll reports: curl_multi_perform may read
// data that came after a poll returned.
struct QuietHook {
  const std::function<void()>* call = nullptr;
  std::chrono::milliseconds after{0};
  const uint64_t* progress = nullptr;
};

// Transfer runs easy on multi until it completes or stop is requested.
CURLcode Transfer(CURLM* multi, CURL* easy, const std::stop_token& stop, bool* stopped,
                  QuietHook quiet = {}) {
  *stopped = false;
  if (stop.stop_requested()) {
    *stopped = true;
    return CURLE_ABORTED_BY_CALLBACK;
  }
  curl_multi_add_handle(multi, easy);
  CURLcode result = CURLE_OK;
  {
    // curl_multi_wakeup is the one multi call that is safe from any thread.
    std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
    bool done = false;
    const bool watch_quiet = quiet.call != nullptr && *quiet.call && quiet.progress != nullptr;
    // Data came since the transfer was last quiet; at the start, what the
    // thread did before it (an informer's LIST) counts as the first burst.
    bool active = watch_quiet;
    uint64_t seen = watch_quiet ? *quiet.progress : 0;
    auto last_data = std::chrono::steady_clock::now();
    while (!done) {
      if (stop.stop_requested()) {
        *stopped = true;
        result = CURLE_ABORTED_BY_CALLBACK;
        break;
      }
      int running = 0;
      CURLMcode code = curl_multi_perform(multi, &running);
      if (code != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      int left = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
        if (message->msg == CURLMSG_DONE && message->easy_handle == easy) {
          result = message->data.result;
          done = true;
        }
      }
      if (done) break;
      int timeout_ms = kPollMilliseconds;
      if (watch_quiet) {
        const auto now = std::chrono::steady_clock::now();
        if (*quiet.progress != seen) {
          seen = *quiet.progress;
          last_data = now;
          active = true;
        }
        if (active) {
          const auto quiet_for =
              std::chrono::duration_cast<std::chrono::milliseconds>(now - last_data);
          if (quiet_for >= quiet.after) {
            (*quiet.call)();
            active = false;
          } else {
            timeout_ms = static_cast<int>((quiet.after - quiet_for).count());
          }
        }
      }
      curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
    }
  }
  curl_multi_remove_handle(multi, easy);
  return result;
}

}  // namespace

struct KubeClient::Connection {
  Connection() : multi(curl_multi_init()), easy(curl_easy_init()) {}
  ~Connection() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  CURLM* multi;
  CURL* easy;
};

nlohmann::json HttpResponse::Json() const { return nlohmann::json::parse(body, nullptr, false); }

std::string HttpResponse::Describe() const {
  if (status == 0) return error.empty() ? "no response" : error;
  std::string text = "HTTP " + std::to_string(status);
  if (!ok()) {
    nlohmann::json parsed = Json();
    if (parsed.is_object() && parsed.value("kind", "") == "Status" && parsed.contains("message") &&
        parsed["message"].is_string()) {
      text += ": " + parsed["message"].get<std::string>();
    }
  }
  return text;
}

std::string_view WatchEndName(WatchEnd end) {
  switch (end) {
    case WatchEnd::kClosed:
      return "closed";
    case WatchEnd::kStopped:
      return "stopped";
    case WatchEnd::kAborted:
      return "aborted";
    case WatchEnd::kHttpError:
      return "http_error";
    case WatchEnd::kTransportError:
      return "transport_error";
  }
  return "unknown";
}

KubeClient::KubeClient(KubeConfig config, ClientOptions options)
    : config_(std::move(config)),
      options_(std::move(options)),
      token_(config_.token, config_.token_file, options_.token_recheck) {
  GlobalInit();
}

KubeClient::~KubeClient() = default;

uint64_t KubeClient::connections_opened() const {
  std::lock_guard lock(mutex_);
  return connections_opened_;
}

std::unique_ptr<KubeClient::Connection> KubeClient::Acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  return std::make_unique<Connection>();
}

void KubeClient::Release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(connection));
}

std::vector<std::string> KubeClient::Headers(std::string_view content_type) {
  std::vector<std::string> headers = {"Accept: application/json", "Expect:"};
  if (!content_type.empty()) headers.push_back("Content-Type: " + std::string(content_type));
  std::string token = token_.Token();
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  return headers;
}

namespace {

constexpr int kUploadBufferBytes = 16 * 1024;  // libcurl's minimum

// CommonSetup sets what every transfer shares: URL, TLS trust, client
// certificate, headers, keepalive, timeouts.
void CommonSetup(CURL* easy, const KubeConfig& config, const ClientOptions& options,
                 const std::string& url, curl_slist* headers) {
  curl_easy_reset(easy);
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // The API server speaks HTTP; no other of libcurl's protocols (LDAP, RTMP,
  // SCP...) may run, whatever a URL says (and so GnuTLS, which only those
  // bring in, is never used: controller/gnutls_init_skip.cc).
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  // gzip only, as client-go asks: it is what API servers offer (for large
  // LISTs), and "" would also offer br, which a server may spend
  // milliseconds on for every small response (a status write's answer).
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  // libcurl copies every request sent over TLS into an upload buffer (64 kB
  // by default, one per handle: 0.6 MB for the watches and the shared
  // connection). Our requests are a few hundred bytes, status writes a few
  // kB; a larger body goes out in more writes.
  curl_easy_setopt(easy, CURLOPT_UPLOAD_BUFFERSIZE, static_cast<long>(kUploadBufferBytes));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE,
                   static_cast<long>(options.tcp_keepalive_idle.count()));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL,
                   static_cast<long>(options.tcp_keepalive_interval.count()));
  if (!config.ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(config.ca_pem.data()), config.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(easy, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (config.insecure_skip_tls_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config.client_cert_pem.empty()) {
    curl_blob cert{const_cast<char*>(config.client_cert_pem.data()), config.client_cert_pem.size(),
                   CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config.client_key_pem.data()), config.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(easy, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(easy, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
  }
}

struct HeaderList {
  explicit HeaderList(const std::vector<std::string>& headers) {
    for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
  }
  ~HeaderList() { curl_slist_free_all(list); }
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;
  curl_slist* list = nullptr;
};

}  // namespace

HttpResponse KubeClient::Get(const std::string& path, std::stop_token stop) {
  return Request("GET", path, "", "", std::move(stop));
}
HttpResponse KubeClient::Post(const std::string& path, const std::string& body,
                              std::stop_token stop) {
  return Request("POST", path, body, kJsonContentType, std::move(stop));
}
HttpResponse KubeClient::Put(const std::string& path, const std::string& body,
                             std::stop_token stop) {
  return Request("PUT", path, body, kJsonContentType, std::move(stop));
}
HttpResponse KubeClient::Patch(const std::string& path, const std::string& body,
                               std::string_view content_type, std::stop_token stop) {
  return Request("PATCH", path, body, content_type, std::move(stop));
}
HttpResponse KubeClient::Delete(const std::string& path, const std::string& body,
                                std::stop_token stop) {
  return Request("DELETE", path, body, body.empty() ? "" : kJsonContentType, std::move(stop));
}

HttpResponse KubeClient::Request(std::string_view method, const std::string& path,
                                 const std::string& body, std::string_view content_type,
                                 std::stop_token stop) {
  const std::string url = config_.server + path;
  const std::string method_text(method);
  HttpResponse response;
  // One retry after a 401 when a token file changed underneath us.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> connection = Acquire();
    if (connection->multi == nullptr || connection->easy == nullptr) {
      response.error = "cannot initialize libcurl";
      return response;
    }
    const std::string token_before = token_.Token();
    HeaderList headers(Headers(content_type));
    HeaderState header_state;
    response = HttpResponse{};
    CURL* easy = connection->easy;
    CommonSetup(easy, config_, options_, url, headers.list);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &header_state);
    if (method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method_text.c_str());
      if (!body.empty() || method != "DELETE") {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.data());
      }
    }
    bool stopped = false;
    CURLcode result = Transfer(connection->multi, easy, stop, &stopped);
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    if (result == CURLE_OK) {
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
      response.retry_after = header_state.retry_after;
    } else {
      response.stopped = stopped;
      response.error = stopped ? "stopped" : curl_easy_strerror(result);
      response.body.clear();
    }
    // The easy handle keeps pointers to this call's header list and body.
    curl_easy_reset(easy);
    {
      std::lock_guard lock(mutex_);
      connections_opened_ += static_cast<uint64_t>(connects);
    }
    Release(std::move(connection));
    if (response.status != 401 || config_.token_file.empty()) break;
    token_.Invalidate();
    if (token_.Token() == token_before) break;
  }
  return response;
}

WatchResult KubeClient::Watch(const std::string& path, const LineHandler& on_line,
                              std::stop_token stop, const WatchOptions& options) {
  WatchResult out;
  Connection connection;
  if (connection.multi == nullptr || connection.easy == nullptr) {
    out.end = WatchEnd::kTransportError;
    out.response.error = "cannot initialize libcurl";
    return out;
  }
  const std::string url = config_.server + path;
  HeaderList headers(Headers(""));
  HeaderState header_state;
  WatchState state;
  state.easy = connection.easy;
  state.on_line = &on_line;
  CURL* easy = connection.easy;
  CommonSetup(easy, config_, options_, url, headers.list);
  curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnWatchBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &header_state);
  if (options.max_duration.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.max_duration.count()));
  }
  if (options.idle_timeout.count() > 0) {
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.idle_timeout.count()));
  }
  bool stopped = false;
  CURLcode result = Transfer(connection.multi, easy, stop, &stopped,
                             {&options.on_quiet, options.quiet_after, &state.received});
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  {
    std::lock_guard lock(mutex_);
    connections_opened_ += static_cast<uint64_t>(connects);
  }
  if (state.status == 0) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &state.status);
  out.response.status = state.status;
  out.response.retry_after = header_state.retry_after;
  if (stopped) {
    out.end = WatchEnd::kStopped;
    out.response.stopped = true;
    out.response.error = "stopped";
  } else if (state.aborted) {
    out.end = WatchEnd::kAborted;
  } else if (state.status != 0 && state.status != 200) {
    out.end = WatchEnd::kHttpError;
    out.response.body = std::move(state.error_body);
    if (state.status == 401) token_.Invalidate();
  } else if (result != CURLE_OK) {
    out.end = WatchEnd::kTransportError;
    out.response.error = curl_easy_strerror(result);
  } else {
    out.end = state.Deliver(true) ? WatchEnd::kClosed : WatchEnd::kAborted;
  }
  out.lines = state.lines;
  curl_easy_reset(easy);
  return out;
}

}  // namespace atrium::kube

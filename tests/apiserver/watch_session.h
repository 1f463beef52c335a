#pragma once

// WatchSession is one WATCH request: it turns store events into the lines of
// a Kubernetes watch stream, {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR",
// "object":{...}} one per line, the way the real API server's watch cache
// serves them:
//   - resourceVersion "" or "0" (or sendInitialEvents=true) starts with a
//     synthetic ADDED for every current object; sendInitialEvents ends that
//     with a BOOKMARK annotated k8s.io/initial-events-end;
//   - a resourceVersion older than the compacted history yields one ERROR
//     event holding a 410 Expired Status, then the stream ends (as the watch
//     cache does; LIST answers 410 as an HTTP status instead);
//   - label and field selectors filter events; an object that stops (starts)
//     matching is sent as DELETED (ADDED);
//   - BOOKMARKs (allowWatchBookmarks) every bookmark_interval and on request;
//   - the stream ends after timeoutSeconds, and is cut abruptly by DropWatches
//     or when the client hangs up.
//
// Threading: one session belongs to the one thread serving its request.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "tests/apiserver/api_operations.h"

namespace atrium::testing {

struct WatchOptions {
  bool allow_bookmarks = false;
  bool send_initial_events = false;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};
  std::chrono::milliseconds bookmark_interval{std::chrono::seconds(1)};
  // transform, when set, renders the object of every ADDED, MODIFIED and
  // DELETED event (a Table for `kubectl get -w`).
  std::function<nlohmann::json(const nlohmann::json& object)> transform;
  // client_gone, when set, is polled every liveness_interval while the
  // stream is idle; true ends the session (the client hung up), so that a
  // dead watch does not hold its thread until the next event or timeout.
  std::function<bool()> client_gone;
  std::chrono::milliseconds liveness_interval{std::chrono::seconds(1)};
};

class WatchSession {
 public:
  enum class State {
    kOpen,     // more may follow
    kEnded,    // end the stream cleanly (timeout, resource removed, after ERROR)
    kDropped,  // cut the connection without ending the stream
  };

  // Open starts a watch, or returns null with the HTTP error in *error
  // (bad selectors, bad resourceVersion).
  static std::unique_ptr<WatchSession> Open(ApiOperations* operations, const RequestScope& scope,
                                            const ListOptions& list, const WatchOptions& options,
                                            ApiResult* error);
  ~WatchSession();

  WatchSession(const WatchSession&) = delete;
  WatchSession& operator=(const WatchSession&) = delete;

  // Next blocks until there is something to send or the stream ends; it
  // appends the lines to send (each ending in '\n') to *out.
  State Next(std::string* out);

 private:
  WatchSession(ApiOperations* operations, RequestScope scope, ParsedSelectors selectors,
               WatchOptions options);
  void AppendEvent(const char* type, const nlohmann::json& object, std::string* out) const;
  void AppendObjectEvent(const char* type, const nlohmann::json& stored, std::string* out) const;
  void AppendBookmark(std::string* out, bool initial_events_end) const;
  void AppendStoreEvent(const StoreEvent& event, std::string* out) const;
  bool InScope(const std::string& key) const;

  ObjectStore* const store_;
  const RequestScope scope_;
  const ParsedSelectors selectors_;
  const WatchOptions options_;
  const std::string key_prefix_;
  WatchCursor cursor_;
  std::string pending_;  // initial events or an error, sent by the first Next
  bool end_after_pending_ = false;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::time_point next_bookmark_;
};

}  // namespace atrium::testing

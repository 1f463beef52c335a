#include "tests/apiserver/watch_session.h"

#include <algorithm>
#include <utility>

namespace atrium::testing {
using nlohmann::json;

WatchSession::WatchSession(ApiOperations* operations, RequestScope scope, ParsedSelectors selectors,
                           WatchOptions options)
    : store_(operations->store()),
      scope_(std::move(scope)),
      selectors_(std::move(selectors)),
      options_(options),
      key_prefix_(ApiOperations::KeyPrefix(scope_)) {
  auto now = std::chrono::steady_clock::now();
  deadline_ = now + options_.timeout;
  next_bookmark_ = now + options_.bookmark_interval;
}

WatchSession::~WatchSession() { store_->EndWatch(); }

std::unique_ptr<WatchSession> WatchSession::Open(ApiOperations* operations,
                                                 const RequestScope& scope, const ListOptions& list,
                                                 const WatchOptions& options, ApiResult* error) {
  std::optional<ParsedSelectors> selectors = ApiOperations::ParseSelectors(list, error);
  if (!selectors) return nullptr;
  const std::string& rv_text = list.resource_version;
  std::optional<int64_t> from;
  if (!rv_text.empty() && rv_text != "0") {
    from = ParseResourceVersion(rv_text);
    if (!from) {
      *error = BadRequest("invalid resource version: " + rv_text);
      return nullptr;
    }
  }
  ObjectStore* store = operations->store();
  const std::string resource = scope.type->Key();
  std::unique_ptr<WatchSession> session(
      new WatchSession(operations, scope, std::move(*selectors), options));
  if (!from || options.send_initial_events) {
    // Start from "now": the current objects first, as synthetic ADDED events.
    Snapshot snapshot = store->List(resource, session->key_prefix_);
    session->cursor_ = store->StartWatch(resource, snapshot.rv);
    for (const auto& [key, object] : snapshot.objects) {
      if (session->selectors_.Matches(*object)) {
        session->AppendObjectEvent("ADDED", *object, &session->pending_);
      }
    }
    if (options.send_initial_events && options.allow_bookmarks) {
      session->AppendBookmark(&session->pending_, true);
    }
    return session;
  }
  session->cursor_ = store->StartWatch(resource, *from);
  if (*from < store->compacted_rv()) {
    ApiResult gone = Gone("too old resource version: " + rv_text + " (" +
                          std::to_string(store->compacted_rv() + 1) + ")");
    session->AppendEvent("ERROR", gone.body, &session->pending_);
    session->end_after_pending_ = true;
  }
  return session;
}

void WatchSession::AppendEvent(const char* type, const json& object, std::string* out) const {
  out->append("{\"type\":\"");
  out->append(type);
  out->append("\",\"object\":");
  out->append(object.dump());
  out->append("}\n");
}

void WatchSession::AppendObjectEvent(const char* type, const json& stored, std::string* out) const {
  json object = ApiOperations::Output(scope_, stored);
  AppendEvent(type, options_.transform ? options_.transform(object) : object, out);
}

void WatchSession::AppendBookmark(std::string* out, bool initial_events_end) const {
  json metadata = {{"resourceVersion", std::to_string(cursor_.rv)}};
  if (initial_events_end) metadata["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  AppendEvent("BOOKMARK",
              {{"kind", scope_.type->kind},
               {"apiVersion", scope_.type->ApiVersion(scope_.version)},
               {"metadata", metadata}},
              out);
}

bool WatchSession::InScope(const std::string& key) const {
  return key.compare(0, key_prefix_.size(), key_prefix_) == 0;
}

void WatchSession::AppendStoreEvent(const StoreEvent& event, std::string* out) const {
  if (!InScope(event.key)) return;
  bool now_matches = event.type != EventType::kDeleted && selectors_.Matches(*event.object);
  bool was_matching = event.previous && selectors_.Matches(*event.previous);
  const char* type = nullptr;
  if (now_matches && was_matching) {
    type = "MODIFIED";
  } else if (now_matches) {
    type = "ADDED";
  } else if (was_matching) {
    type = "DELETED";
  }
  if (type != nullptr) AppendObjectEvent(type, *event.object, out);
}

WatchSession::State WatchSession::Next(std::string* out) {
  if (!pending_.empty()) {
    out->append(pending_);
    pending_.clear();
    return end_after_pending_ ? State::kEnded : State::kOpen;
  }
  if (end_after_pending_) return State::kEnded;
  const std::string resource = scope_.type->Key();
  while (true) {
    auto wake = deadline_;
    if (options_.allow_bookmarks) wake = std::min(wake, next_bookmark_);
    if (options_.client_gone) {
      wake = std::min(wake, std::chrono::steady_clock::now() + options_.liveness_interval);
    }
    std::vector<StoreEvent> events;
    WaitResult result = store_->WaitForEvents(resource, &cursor_, wake, &events);
    auto now = std::chrono::steady_clock::now();
    switch (result) {
      case WaitResult::kEvents: {
        size_t before = out->size();
        for (const StoreEvent& event : events) AppendStoreEvent(event, out);
        if (out->size() > before) return State::kOpen;
        break;
      }
      case WaitResult::kTimeout:
        if (now >= deadline_) return State::kEnded;
        if (options_.client_gone && options_.client_gone()) return State::kDropped;
        if (options_.allow_bookmarks && now >= next_bookmark_) {
          AppendBookmark(out, false);
          next_bookmark_ = now + options_.bookmark_interval;
          return State::kOpen;
        }
        break;
      case WaitResult::kBookmark:
        if (options_.allow_bookmarks) {
          AppendBookmark(out, false);
          next_bookmark_ = now + options_.bookmark_interval;
          return State::kOpen;
        }
        break;
      case WaitResult::kDropped:
        return State::kDropped;
      case WaitResult::kGone:
        return State::kEnded;
      case WaitResult::kCompacted: {
        ApiResult gone = Gone("too old resource version: " + std::to_string(cursor_.rv) + " (" +
                              std::to_string(store_->compacted_rv() + 1) + ")");
        AppendEvent("ERROR", gone.body, out);
        end_after_pending_ = true;
        return State::kEnded;
      }
    }
  }
}

}  // namespace atrium::testing

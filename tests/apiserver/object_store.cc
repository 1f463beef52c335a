#include "tests/apiserver/object_store.h"

#include <algorithm>
#include <utility>

namespace atrium::testing {

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kAdded:
      return "ADDED";
    case EventType::kModified:
      return "MODIFIED";
    case EventType::kDeleted:
      return "DELETED";
  }
  return "ERROR";
}

ObjectStore::ObjectStore(size_t history_limit)
    : history_limit_(std::max<size_t>(history_limit, 1)) {}

ObjectPtr ObjectStore::Stamp(nlohmann::json object, int64_t rv) {
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  return std::make_shared<const nlohmann::json>(std::move(object));
}

int64_t ObjectStore::NextRvLocked() { return ++rv_; }

void ObjectStore::RecordLocked(StoreEvent event) {
  history_.push_back(std::move(event));
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  changed_.notify_all();
}

ObjectPtr ObjectStore::Write(const std::string& resource, const std::string& key,
                             const std::function<WriteDecision(const ObjectPtr& current)>& decide) {
  std::lock_guard lock(mutex_);
  ObjectMap& objects = resources_[resource];
  auto it = objects.find(key);
  ObjectPtr current = it == objects.end() ? nullptr : it->second;
  WriteDecision decision = decide(current);
  switch (decision.action) {
    case WriteDecision::Action::kAbort:
      return nullptr;
    case WriteDecision::Action::kPut: {
      int64_t rv = NextRvLocked();
      ObjectPtr stored = Stamp(std::move(decision.object), rv);
      objects[key] = stored;
      RecordLocked(
          {rv, current ? EventType::kModified : EventType::kAdded, resource, key, stored, current});
      return stored;
    }
    case WriteDecision::Action::kDelete: {
      if (!current) return nullptr;
      int64_t rv = NextRvLocked();
      ObjectPtr last = Stamp(*current, rv);
      objects.erase(it);
      RecordLocked({rv, EventType::kDeleted, resource, key, last, current});
      return last;
    }
  }
  return nullptr;
}

ObjectPtr ObjectStore::Get(const std::string& resource, const std::string& key) const {
  std::lock_guard lock(mutex_);
  auto r = resources_.find(resource);
  if (r == resources_.end()) return nullptr;
  auto it = r->second.find(key);
  return it == r->second.end() ? nullptr : it->second;
}

Snapshot ObjectStore::FilterLocked(const ObjectMap& objects, int64_t rv,
                                   const std::string& prefix) const {
  Snapshot snapshot;
  snapshot.rv = rv;
  for (auto it = objects.lower_bound(prefix);
       it != objects.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    snapshot.objects.emplace_back(it->first, it->second);
  }
  return snapshot;
}

Snapshot ObjectStore::List(const std::string& resource, const std::string& key_prefix) const {
  std::lock_guard lock(mutex_);
  auto r = resources_.find(resource);
  if (r == resources_.end()) return Snapshot{rv_, {}};
  return FilterLocked(r->second, rv_, key_prefix);
}

std::optional<Snapshot> ObjectStore::ListAt(const std::string& resource, int64_t rv,
                                            const std::string& key_prefix) const {
  std::lock_guard lock(mutex_);
  if (rv < compacted_rv_) return std::nullopt;
  ObjectMap objects;
  if (auto r = resources_.find(resource); r != resources_.end()) objects = r->second;
  // Undo, newest first, every change made after rv.
  for (auto it = history_.rbegin(); it != history_.rend() && it->rv > rv; ++it) {
    if (it->resource != resource) continue;
    if (it->type == EventType::kAdded) {
      objects.erase(it->key);
    } else {
      objects[it->key] = it->previous;
    }
  }
  return FilterLocked(objects, rv, key_prefix);
}

std::vector<std::string> ObjectStore::Resources() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> keys;
  for (const auto& [key, objects] : resources_) {
    if (!objects.empty()) keys.push_back(key);
  }
  return keys;
}

int64_t ObjectStore::rv() const {
  std::lock_guard lock(mutex_);
  return rv_;
}

int64_t ObjectStore::compacted_rv() const {
  std::lock_guard lock(mutex_);
  return compacted_rv_;
}

void ObjectStore::Compact() {
  std::lock_guard lock(mutex_);
  ++rv_;
  compacted_rv_ = rv_;
  history_.clear();
  changed_.notify_all();
}

WatchCursor ObjectStore::StartWatch(const std::string& resource, int64_t rv) {
  std::lock_guard lock(mutex_);
  ++open_watches_;
  changed_.notify_all();
  return WatchCursor{rv, drop_epoch_, resource_epochs_[resource], bookmark_epoch_};
}

void ObjectStore::EndWatch() {
  std::lock_guard lock(mutex_);
  --open_watches_;
  changed_.notify_all();
}

size_t ObjectStore::open_watches() const {
  std::lock_guard lock(mutex_);
  return open_watches_;
}

bool ObjectStore::WaitForOpenWatches(const std::function<bool(size_t)>& pred,
                                     std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return pred(open_watches_); });
}

WaitResult ObjectStore::WaitForEvents(const std::string& resource, WatchCursor* cursor,
                                      std::chrono::steady_clock::time_point deadline,
                                      std::vector<StoreEvent>* out) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (cursor->drop_epoch != drop_epoch_) return WaitResult::kDropped;
    if (cursor->rv < compacted_rv_) return WaitResult::kCompacted;
    auto first = std::upper_bound(history_.begin(), history_.end(), cursor->rv,
                                  [](int64_t rv, const StoreEvent& e) { return rv < e.rv; });
    bool any = false;
    for (auto it = first; it != history_.end(); ++it) {
      if (it->resource != resource) continue;
      out->push_back(*it);
      any = true;
    }
    // Every change up to rv_ has now been seen (those of other resources
    // too), so the cursor may stand at rv_: that is what bookmarks carry.
    cursor->rv = std::max(cursor->rv, rv_);
    if (any) return WaitResult::kEvents;
    // Pending events are delivered before the stream ends for a removed resource.
    if (cursor->resource_epoch != resource_epochs_[resource]) return WaitResult::kGone;
    if (cursor->bookmark_epoch != bookmark_epoch_) {
      cursor->bookmark_epoch = bookmark_epoch_;
      return WaitResult::kBookmark;
    }
    if (std::chrono::steady_clock::now() >= deadline) return WaitResult::kTimeout;
    changed_.wait_until(lock, deadline);
  }
}

void ObjectStore::DropWatches() {
  std::lock_guard lock(mutex_);
  ++drop_epoch_;
  changed_.notify_all();
}

void ObjectStore::DropResource(const std::string& resource) {
  std::lock_guard lock(mutex_);
  auto r = resources_.find(resource);
  if (r != resources_.end()) {
    for (auto& [key, object] : r->second) {
      int64_t rv = NextRvLocked();
      RecordLocked({rv, EventType::kDeleted, resource, key, Stamp(*object, rv), object});
    }
    resources_.erase(r);
  }
  ++resource_epochs_[resource];
  changed_.notify_all();
}

void ObjectStore::RequestBookmarks() {
  std::lock_guard lock(mutex_);
  ++bookmark_epoch_;
  changed_.notify_all();
}

bool ObjectStore::WaitForChange(int64_t rv, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return rv_ > rv; });
}

}  // namespace atrium::testing

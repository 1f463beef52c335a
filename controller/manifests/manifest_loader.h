#pragma once

// The --manifests DIR source. LoadManifests is pure: it turns file contents
// into a ClusterState plus the problems it found, so it is tested with data
// alone. ReadManifestDir does the I/O, and ManifestWatcher polls the folder
// and reloads it when any file changes, appears or vanishes.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "controller/state/cluster_state.h"

namespace atrium::manifests {

// ManifestProblem is one malformed file or object. It becomes a log line and
// shows in /admin/status; every other object keeps serving.
struct ManifestProblem {
  std::string file;
  std::string object;  // "Kind namespace/name", or "document N" when unknown
  std::string reason;
  bool operator==(const ManifestProblem&) const = default;
};

struct LoadResult {
  state::ClusterState state;
  std::vector<ManifestProblem> problems;
  size_t objects = 0;  // objects accepted into state
  size_t ignored = 0;  // well-formed objects of kinds Atrium does not read
};

// LoadManifests parses files (path -> content, walked in path order). Objects
// get the defaults the API server would have given them: namespace "default"
// for namespaced kinds, generation 1. The first definition of an object wins;
// a later duplicate is a problem.
LoadResult LoadManifests(const std::map<std::string, std::string>& files);

// IsManifestFile tells whether a path is read (.yaml, .yml, .json).
bool IsManifestFile(const std::string& path);

// ReadManifestDir reads every manifest file below dir (recursively, hidden
// files and folders skipped). An unreadable dir yields a problem.
std::map<std::string, std::string> ReadManifestDir(const std::string& dir,
                                                   std::vector<ManifestProblem>* problems);

// ManifestWatcher polls dir and calls on_change with a fresh LoadResult at
// start and whenever any manifest file's name, size or modification time
// changes. Polling (rather than inotify) also follows the symlink swaps that
// Kubernetes uses to update a mounted ConfigMap.
//
// Threading: on_change runs on the watcher's own thread; Stop joins it.
class ManifestWatcher {
 public:
  using Callback = std::function<void(LoadResult)>;
  ManifestWatcher(std::string dir, std::chrono::milliseconds interval, Callback on_change);
  ~ManifestWatcher();
  ManifestWatcher(const ManifestWatcher&) = delete;
  ManifestWatcher& operator=(const ManifestWatcher&) = delete;

  void Start();
  void Stop();

 private:
  std::string Signature() const;
  void Loop();

  std::string dir_;
  std::chrono::milliseconds interval_;
  Callback on_change_;
  // Stop wakes the loop at once instead of waiting out the poll interval.
  std::mutex mutex_;
  std::condition_variable stop_requested_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace atrium::manifests

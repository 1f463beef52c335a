#include "controller/manifests/manifest_loader.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/str_cat.h"
#include "controller/manifests/yaml_json.h"

namespace atrium::manifests {
namespace {

namespace fs = std::filesystem;

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Documents returns the objects in one file: YAML (multi-document) or JSON;
// a JSON or YAML "List" (kind: List, items: [...]) is unpacked.
std::vector<YamlDocument> Documents(const std::string& path, const std::string& content,
                                    std::string* error) {
  std::vector<YamlDocument> documents;
  if (EndsWith(path, ".json")) {
    nlohmann::json parsed = nlohmann::json::parse(content, nullptr, false);
    if (parsed.is_discarded()) {
      *error = "not valid JSON";
      return {};
    }
    documents.push_back({parsed, 1});
  } else {
    YamlParseResult parsed = ParseYamlDocuments(content);
    if (!parsed.error.empty()) {
      *error = "not valid YAML: " + parsed.error;
      return {};
    }
    documents = std::move(parsed.documents);
  }
  std::vector<YamlDocument> flat;
  for (YamlDocument& document : documents) {
    if (document.object.is_object() && document.object.value("kind", "") == "List" &&
        document.object.contains("items") && document.object["items"].is_array()) {
      for (auto& item : document.object["items"]) flat.push_back({item, document.line});
    } else {
      flat.push_back(std::move(document));
    }
  }
  return flat;
}

// CheckObject returns why object cannot be used, or "".
std::string CheckObject(const nlohmann::json& object) {
  if (!object.is_object()) return "document is not an object";
  if (!object.contains("apiVersion") || !object["apiVersion"].is_string()) {
    return "missing apiVersion";
  }
  if (!object.contains("kind") || !object["kind"].is_string()) return "missing kind";
  if (!object.contains("metadata") || !object["metadata"].is_object()) return "missing metadata";
  const nlohmann::json& metadata = object["metadata"];
  if (!metadata.contains("name") || !metadata["name"].is_string() ||
      metadata["name"].get<std::string>().empty()) {
    return "missing metadata.name";
  }
  if (metadata.contains("namespace") && !metadata["namespace"].is_string()) {
    return "metadata.namespace is not a string";
  }
  return "";
}

std::string Describe(const nlohmann::json& object, size_t index) {
  if (!object.is_object()) return "document " + std::to_string(index + 1);
  std::string kind = object.value("kind", "");
  std::string key =
      object.contains("metadata") && object["metadata"].is_object() ? state::ObjectKey(object) : "";
  if (kind.empty() || key.empty()) return "document " + std::to_string(index + 1);
  return kind + " " + key;
}

}  // namespace

bool IsManifestFile(const std::string& path) {
  return EndsWith(path, ".yaml") || EndsWith(path, ".yml") || EndsWith(path, ".json");
}

LoadResult LoadManifests(const std::map<std::string, std::string>& files) {
  LoadResult result;
  for (const auto& [path, content] : files) {
    std::string error;
    std::vector<YamlDocument> documents = Documents(path, content, &error);
    if (!error.empty()) {
      result.problems.push_back({path, "", error});
      continue;
    }
    for (size_t i = 0; i < documents.size(); ++i) {
      nlohmann::json& object = documents[i].object;
      if (object.is_null()) continue;  // empty document ("---" at the end)
      if (std::string reason = CheckObject(object); !reason.empty()) {
        result.problems.push_back({path, Describe(object, i), reason});
        continue;
      }
      const std::string kind = object["kind"].get<std::string>();
      if (!state::ClusterState::Holds(kind)) {
        ++result.ignored;
        continue;
      }
      nlohmann::json& metadata = object["metadata"];
      if (state::IsNamespacedKind(kind)) {
        if (!metadata.contains("namespace")) metadata["namespace"] = "default";
      } else {
        metadata.erase("namespace");
      }
      if (!metadata.contains("generation")) metadata["generation"] = 1;
      std::string key = state::ObjectKey(object);
      if (result.state.Contains(kind, key)) {
        result.problems.push_back(
            {path, StrCat(kind, " ", key), "duplicate object: the first definition is kept"});
        continue;
      }
      result.state.Put(kind, std::move(object));
      ++result.objects;
    }
  }
  return result;
}

std::map<std::string, std::string> ReadManifestDir(const std::string& dir,
                                                   std::vector<ManifestProblem>* problems) {
  std::map<std::string, std::string> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (problems != nullptr) problems->push_back({dir, "", "not a readable directory"});
    return files;
  }
  fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    const std::string name = path.filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !IsManifestFile(name)) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in) {
      if (problems != nullptr) problems->push_back({path.string(), "", "cannot read file"});
      continue;
    }
    files[path.string()] = buffer.str();
  }
  if (ec && problems != nullptr) problems->push_back({dir, "", "cannot list: " + ec.message()});
  return files;
}

ManifestWatcher::ManifestWatcher(std::string dir, std::chrono::milliseconds interval,
                                 Callback on_change)
    : dir_(std::move(dir)), interval_(interval), on_change_(std::move(on_change)) {}

ManifestWatcher::~ManifestWatcher() { Stop(); }

void ManifestWatcher::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void ManifestWatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  stop_requested_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string ManifestWatcher::Signature() const {
  std::string signature;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::follow_directory_symlink, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(ec) || !IsManifestFile(name)) continue;
    auto size = it->file_size(ec);
    auto mtime = it->last_write_time(ec).time_since_epoch().count();
    signature +=
        it->path().string() + '\0' + std::to_string(size) + '\0' + std::to_string(mtime) + '\n';
  }
  if (ec) signature += "error:" + ec.message();
  return signature;
}

void ManifestWatcher::Loop() {
  std::string last;
  bool first = true;
  while (true) {
    std::string signature = Signature();
    if (first || signature != last) {
      first = false;
      last = signature;
      std::vector<ManifestProblem> problems;
      auto files = ReadManifestDir(dir_, &problems);
      LoadResult result = LoadManifests(files);
      result.problems.insert(result.problems.begin(), problems.begin(), problems.end());
      on_change_(std::move(result));
    }
    // The poll interval; Stop ends the wait at once.
    std::unique_lock lock(mutex_);
    if (stop_requested_.wait_for(lock, interval_, [this] { return stop_; })) return;
  }
}

}  // namespace atrium::manifests

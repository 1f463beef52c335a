#pragma once

// Test helpers for translation: building a ClusterState from Kubernetes YAML
// and a reference matcher that applies the IR's documented semantics
// (route_config.h) to a RouteConfig, so tests can ask "which route serves this
// request" without the data plane.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "controller/ir/route_config.h"
#include "controller/state/cluster_state.h"
#include "controller/translate/translate.h"

namespace atrium::translate::testing {

// LoadYaml parses multi-document YAML into a ClusterState. A document of kind
// "TranslateOptions" (test only) sets options: portOffset, publishAddresses.
// Fails the current test (ADD_FAILURE) on YAML errors or unknown kinds.
state::ClusterState LoadYaml(std::string_view yaml, Options* options = nullptr);

// YamlObjectsOf returns the objects of kind in multi-document YAML, as JSON
// by ClusterState key (ClusterState holds HTTPRoutes decoded: tests that
// edit a route's JSON start from here).
std::map<std::string, nlohmann::json> YamlObjectsOf(std::string_view yaml, std::string_view kind);

// GoldenDir is tests/controller/translate/testdata; GoldenCaseNames lists
// its cases (<case>.in.yaml, sorted); ReadFile reads a whole file.
std::filesystem::path GoldenDir();
std::vector<std::string> GoldenCaseNames();
std::string ReadFile(const std::filesystem::path& path);

// Re2Error is the production-like regex validator (RE2 syntax).
std::string Re2Error(const std::string& pattern);

struct Request {
  uint16_t bind_port = 8080;
  std::string address;  // "" = the all-addresses socket
  std::string host;
  std::string path = "/";
  std::string query;  // "a=b&c=d"
  std::string method = "GET";
  std::map<std::string, std::string> headers;  // lowercase names
};

// Served returns the route that serves request (nullptr for 404), following
// route_config.h: the listener bound at (address, bind_port); the most
// specific VirtualHost for the host (exact, then longest wildcard suffix,
// then kAny; never falling back); the first route whose match holds.
const ir::Route* Served(const ir::RouteConfig& config, const Request& request);

// ServedName is Served(...)->name, or "404".
std::string ServedName(const ir::RouteConfig& config, const Request& request);

// PathMatches applies an ir::PathMatch to a path.
bool PathMatches(const ir::PathMatch& match, std::string_view path);

// FindStatus returns the status of kind ns/name in result, or null.
const nlohmann::json* FindStatus(const Result& result, std::string_view kind, std::string_view ns,
                                 std::string_view name);

// Condition returns the condition of type in a conditions array, or null.
const nlohmann::json* FindCondition(const nlohmann::json& conditions, std::string_view type);

}  // namespace atrium::translate::testing

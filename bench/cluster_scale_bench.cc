// cluster_scale_bench: Atrium in cluster mode at scale, against the test API
// server (in-process here, so objects are created "at once" without a
// client's round trips) and the real atrium binary as a child process.
//
//   build/DIR/bench/cluster_scale_bench [--routes 5000] [--namespaces 50]
//                                       [--changes 50] [--endpoints 10000]
//                                       [--churn 10] [--backend-endpoints 1]
//                                       [--json]
//
// It seeds a GatewayClass, a Gateway (one HTTP listener, routes from All
// namespaces) and one backend Service with an EndpointSlice pointing at an
// in-process backend (--backend-endpoints endpoints, all that backend, as a
// Service of many pods that every route uses), starts atrium --kubeconfig, waits for it to be
// ready, then creates every HTTPRoute at once (namespaces x routes/namespace, each with its own
// hostname) and measures:
//   - served:        creation start -> the last-created route answers through
//                    the proxy (one watch stream per kind delivers events in
//                    order, so the last route served means all were published;
//                    every host is checked afterwards);
//   - attached:      creation start -> Gateway listener attachedRoutes = N;
//   - accepted:      creation start -> every route has Accepted=True;
//   - status writes: Gateway status writes and all status writes on the way
//                    (counted by the API server);
//   - propagation:   one route edit at a time, API write -> first request
//                    through the proxy that sees it (p50/p99), while other
//                    routes keep changing (--churn edits per second);
//   - reconcile pass: translate + compile per pass, from atrium's own
//                    histograms (sum/count deltas over the propagation
//                    phase); passes reuse what did not change (translate's
//                    memo, the compile cache);
//   - full rebuild:  translate + compile of the whole world from nothing
//                    (no memo, no compile cache), in this process, on the
//                    objects as the API server holds them at the end (the
//                    median of 5), and the same pass with the memo and the
//                    compile cache after one route changed;
//   - peak RSS of the atrium process (VmHWM).
// --endpoints N adds N endpoints (EndpointSlices of 100) to Services in the
// route namespaces, as a real cluster has; routes use infra/echo.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "controller/state/cluster_state.h"
#include "controller/state/object_strip.h"
#include "controller/translate/httproute_spec.h"
#include "controller/translate/route_memo.h"
#include "controller/translate/translate.h"
#include "proxy/table/regex_check.h"
#include "proxy/table/route_table.h"
#include "proxy/tls/server_certificate.h"
#include "tests/apiserver/api_server.h"
#include "tests/e2e/cluster_harness.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using atrium::e2e::WaitUntil;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string ProcStatus(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::string value = line.substr(field.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "";
}

// RebuildTimes is translate + compile of one world, measured in-process.
struct RebuildTimes {
  double full_ms = 0;         // no memo, no compile cache
  double incremental_ms = 0;  // memo and compile cache warm, one route changed
  // Memo and compile cache warm, one endpoint of the Service every route
  // uses changed (a pod of a rolling deployment).
  double endpoint_change_ms = 0;
  double decode_ms = 0;  // DecodeHttpRoute of every route, once each
};

double MedianMs(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// MeasureRebuild loads every object atrium reads from api into a
// ClusterState (stripped as atrium strips them) and times translate +
// compile the way the reconciler runs them, with the production options.
RebuildTimes MeasureRebuild(const atrium::testing::ApiServer& api) {
  namespace state = atrium::state;
  namespace translate = atrium::translate;
  namespace table = atrium::table;
  const std::vector<std::pair<std::string_view, const char*>> kinds = {
      {state::kGatewayClass, "gatewayclasses"},    {state::kGateway, "gateways"},
      {state::kHttpRoute, "httproutes"},           {state::kService, "services"},
      {state::kEndpointSlice, "endpointslices"},   {state::kNamespace, "namespaces"},
      {state::kReferenceGrant, "referencegrants"}, {state::kIngress, "ingresses"},
      {state::kIngressClass, "ingressclasses"},    {state::kSecret, "secrets"}};
  state::ClusterState world;
  std::map<std::string, json> route_objects;  // HTTPRoutes as written: world holds them decoded
  for (const auto& [kind, resource] : kinds) {
    for (json object : api.List(resource)) {
      state::StripObject(kind, object);
      if (kind == state::kHttpRoute) route_objects.emplace(state::ObjectKey(object), object);
      world.Put(kind, std::move(object));
    }
  }
  RebuildTimes times;
  {
    // Decoding happens once per route, as it arrives (on the informer's
    // thread), not in a rebuild: timed apart.
    const Clock::time_point start = Clock::now();
    for (const auto& [key, object] : route_objects) {
      translate::HttpRouteSpec decoded = translate::DecodeHttpRoute(object, key);
      if (decoded.malformed) std::cerr << "malformed: " << key << "\n";
    }
    times.decode_ms = MsSince(start);
  }
  translate::Options options;
  options.regex_error = [](const std::string& pattern) { return table::RegexError(pattern); };
  options.certificate_error = atrium::tls::CertificateError;
  auto pass = [&](translate::TranslateMemo* memo, table::CompileCache* cache, uint64_t generation) {
    const Clock::time_point start = Clock::now();
    translate::Result result = translate::Translate(world, options, memo);
    auto config = std::make_shared<const atrium::ir::RouteConfig>(std::move(result.config));
    std::vector<std::string> errors;
    auto compiled = table::RouteTable::Compile(config, generation, &errors, cache);
    return MsSince(start);
  };
  std::vector<double> full;
  for (int i = 0; i < 5; ++i) full.push_back(pass(nullptr, nullptr, 1));
  times.full_ms = MedianMs(full);

  translate::TranslateMemo memo;
  table::CompileCache cache;
  pass(&memo, &cache, 1);
  std::vector<double> incremental;
  for (int i = 0; i < 5 && !world.http_routes.empty(); ++i) {
    auto it = std::next(world.http_routes.begin(),
                        static_cast<std::ptrdiff_t>((i * 7919) % world.http_routes.size()));
    json& object = route_objects.at(it->first);
    object["spec"]["rules"][0]["matches"][0]["path"]["value"] = "/rebuild" + std::to_string(i);
    it->second = translate::DecodeHttpRoute(object, it->first);
    memo.Changed(state::kHttpRoute, it->first, nullptr, nullptr);
    incremental.push_back(pass(&memo, &cache, static_cast<uint64_t>(i) + 2));
  }
  if (!incremental.empty()) times.incremental_ms = MedianMs(incremental);

  // Stripped, the slice holds its ready addresses as one endpoint.
  auto echo = world.endpoint_slices.find("infra/echo-1");
  if (echo == world.endpoint_slices.end() || echo->second.value("endpoints", json()).empty()) {
    return times;
  }
  std::vector<double> endpoint_changes;
  for (int i = 0; i < 5; ++i) {
    const json before = echo->second;
    json& endpoints = echo->second["endpoints"];
    // Alternately one more and one fewer address, as pods come and go.
    json& addresses = endpoints.at(0)["addresses"];
    if (i % 2 == 0) {
      addresses.push_back("127.0.0." + std::to_string(2 + i));
    } else {
      addresses.erase(addresses.size() - 1);
    }
    memo.Changed(state::kEndpointSlice, echo->first, &before, &echo->second);
    endpoint_changes.push_back(pass(&memo, &cache, static_cast<uint64_t>(i) + 10));
  }
  times.endpoint_change_ms = MedianMs(endpoint_changes);
  return times;
}

json Route(const std::string& ns, int index, const std::string& path) {
  return {{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "HTTPRoute"},
          {"metadata", {{"name", "r" + std::to_string(index)}, {"namespace", ns}}},
          {"spec",
           {{"parentRefs", {{{"name", "gw"}, {"namespace", "infra"}}}},
            {"hostnames", {"r" + std::to_string(index) + "." + ns + ".example.com"}},
            {"rules",
             {{{"matches", {{{"path", {{"type", "PathPrefix"}, {"value", path}}}}}},
               {"backendRefs", {{{"name", "echo"}, {"namespace", "infra"}, {"port", 80}}}}}}}}}};
}

int AttachedRoutes(const std::optional<json>& gateway) {
  if (!gateway || !gateway->contains("status")) return -1;
  const json& listeners = (*gateway)["status"].value("listeners", json::array());
  return listeners.empty() ? -1 : listeners[0].value("attachedRoutes", -1);
}

bool Accepted(const json& route) {
  const json& parents = route.value("status", json::object()).value("parents", json::array());
  for (const json& parent : parents) {
    for (const json& condition : parent.value("conditions", json::array())) {
      if (condition.value("type", "") == "Accepted" && condition.value("status", "") == "True") {
        return true;
      }
    }
  }
  return false;
}

// Stage holds a histogram's sum and count, read from atrium's /metrics.
struct Stage {
  double sum = 0;
  double count = 0;
};

Stage ReadStage(atrium::e2e::AtriumProcess& atrium, const std::string& name) {
  return {atrium.Metric(name + "_sum"), atrium.Metric(name + "_count")};
}

// PropagationShares is how many of atrium's publishes came within 2.5, 5
// and 10 ms of their watch event (cumulative buckets of its histogram), and
// how many there were: the part of a propagation that is Atrium's own.
struct PropagationShares {
  std::array<double, 3> within{};
  double count = 0;
};

PropagationShares ReadPropagationShares(atrium::e2e::AtriumProcess& atrium) {
  // One scrape, so that the buckets and the count agree.
  const std::string text = atrium.Metrics();
  auto value = [&text](const std::string& series) { return atrium::e2e::MetricIn(text, series); };
  PropagationShares shares;
  const std::array<const char*, 3> bounds = {"0.0025", "0.005", "0.01"};
  for (size_t i = 0; i < bounds.size(); ++i) {
    shares.within[i] =
        value(std::string("atrium_config_propagation_seconds_bucket{le=\"") + bounds[i] + "\"}");
  }
  shares.count = value("atrium_config_propagation_seconds_count");
  return shares;
}

// PercentWithin is the share (%) of the publishes between before and after
// that came within bound i, or -1 when there were none.
double PercentWithin(const PropagationShares& before, const PropagationShares& after, size_t i) {
  const double count = after.count - before.count;
  return count > 0 ? (after.within[i] - before.within[i]) * 100.0 / count : -1.0;
}

double MeanMs(const Stage& before, const Stage& after) {
  const double passes = after.count - before.count;
  return passes > 0 ? (after.sum - before.sum) / passes * 1000.0 : -1.0;
}

json EndpointSlice(const std::string& ns, const std::string& service, int slice, int size) {
  json endpoints = json::array();
  for (int i = 0; i < size; ++i) {
    const int n = slice * size + i;
    endpoints.push_back({{"addresses",
                          {"10." + std::to_string((n >> 16) & 255) + "." +
                           std::to_string((n >> 8) & 255) + "." + std::to_string(n & 255)}},
                         {"conditions", {{"ready", true}}}});
  }
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata",
           {{"name", service + "-" + std::to_string(slice)},
            {"namespace", ns},
            {"labels", {{"kubernetes.io/service-name", service}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}},
          {"endpoints", endpoints}};
}

}  // namespace

int main(int argc, char** argv) {
  int routes = 5000;
  int namespaces = 50;
  int changes = 200;  // p99 of fewer samples is little more than their maximum
  int endpoints = 10000;
  int churn = 10;
  int backend_endpoints = 1;
  bool as_json = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--routes" && i + 1 < argc) {
      routes = std::atoi(argv[++i]);
    } else if (arg == "--namespaces" && i + 1 < argc) {
      namespaces = std::atoi(argv[++i]);
    } else if (arg == "--changes" && i + 1 < argc) {
      changes = std::atoi(argv[++i]);
    } else if (arg == "--endpoints" && i + 1 < argc) {
      endpoints = std::atoi(argv[++i]);
    } else if (arg == "--churn" && i + 1 < argc) {
      churn = std::atoi(argv[++i]);
    } else if (arg == "--backend-endpoints" && i + 1 < argc) {
      backend_endpoints = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--json") {
      as_json = true;
    } else {
      std::cerr << "usage: cluster_scale_bench [--routes N] [--namespaces N] [--changes N]\n"
                   "                           [--endpoints N] [--churn PER_SECOND]\n"
                   "                           [--backend-endpoints N] [--json]\n";
      return 2;
    }
  }
  namespaces = std::max(1, std::min(namespaces, routes));
  const int per_namespace = (routes + namespaces - 1) / namespaces;

  atrium::e2e::TempDir dir;
  atrium::testing::ApiServerOptions api_options;
  atrium::testing::ApiServer api(api_options);
  if (!api.Start()) {
    std::cerr << "API server: " << api.error() << "\n";
    return 1;
  }
  const std::string kubeconfig = dir.path() + "/kubeconfig";
  api.WriteKubeconfig(kubeconfig);
  atrium::e2e::Backend backend("echo");

  // Seed: the class, a Gateway that takes routes from every namespace, the
  // backend Service and its endpoints, and the route namespaces.
  std::vector<std::string> seed_errors;
  auto create = [&](json object) {
    atrium::testing::ApiResult result = api.Create(std::move(object));
    if (!result.ok()) seed_errors.push_back(result.message());
  };
  create({{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "infra"}}}});
  for (int n = 0; n < namespaces; ++n) {
    create({{"apiVersion", "v1"},
            {"kind", "Namespace"},
            {"metadata", {{"name", "ns" + std::to_string(n)}}}});
  }
  create({{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "GatewayClass"},
          {"metadata", {{"name", "atrium"}}},
          {"spec", {{"controllerName", "atrium.dev/gateway-controller"}}}});
  create({{"apiVersion", "gateway.networking.k8s.io/v1"},
          {"kind", "Gateway"},
          {"metadata", {{"name", "gw"}, {"namespace", "infra"}}},
          {"spec",
           {{"gatewayClassName", "atrium"},
            {"listeners",
             {{{"name", "http"},
               {"protocol", "HTTP"},
               {"port", 80},
               {"allowedRoutes", {{"namespaces", {{"from", "All"}}}}}}}}}}});
  create(
      {{"apiVersion", "v1"},
       {"kind", "Service"},
       {"metadata", {{"name", "echo"}, {"namespace", "infra"}}},
       {"spec", {{"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", backend.port()}}}}}}});
  // The Service every route uses: --backend-endpoints endpoints, all the
  // one live backend (a Service of many pods behind thousands of routes).
  json echo_endpoints = json::array();
  for (int i = 0; i < backend_endpoints; ++i) {
    echo_endpoints.push_back({{"addresses", {"127.0.0.1"}}, {"conditions", {{"ready", true}}}});
  }
  create({{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata",
           {{"name", "echo-1"},
            {"namespace", "infra"},
            {"labels", {{"kubernetes.io/service-name", "echo"}}}}},
          {"addressType", "IPv4"},
          {"ports", {{{"name", "http"}, {"port", backend.port()}, {"protocol", "TCP"}}}},
          {"endpoints", echo_endpoints}});
  // Endpoints of Services in the route namespaces (100 per slice, one
  // Service per slice), loaded like any cluster's.
  const int slices = (std::max(0, endpoints) + 99) / 100;
  for (int k = 0; k < slices; ++k) {
    const std::string ns = "ns" + std::to_string(k % namespaces);
    const std::string service = "svc" + std::to_string(k);
    create({{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", service}, {"namespace", ns}}},
            {"spec", {{"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}}}}}});
    create(EndpointSlice(ns, service, k, std::min(100, endpoints - k * 100)));
  }
  // ReferenceGrant: routes in the route namespaces may use infra/echo.
  json grant_from = json::array();
  for (int n = 0; n < namespaces; ++n) {
    grant_from.push_back({{"group", "gateway.networking.k8s.io"},
                          {"kind", "HTTPRoute"},
                          {"namespace", "ns" + std::to_string(n)}});
  }
  create({{"apiVersion", "gateway.networking.k8s.io/v1beta1"},
          {"kind", "ReferenceGrant"},
          {"metadata", {{"name", "routes-to-echo"}, {"namespace", "infra"}}},
          {"spec", {{"from", grant_from}, {"to", {{{"group", ""}, {"kind", "Service"}}}}}}});
  if (!seed_errors.empty()) {
    std::cerr << "seeding: " << seed_errors.front() << "\n";
    return 1;
  }

  atrium::e2e::AtriumProcess atrium(
      {kubeconfig, {"--log-level", "warn"}, dir.path() + "/atrium.log"});
  const Clock::time_point launched = Clock::now();
  atrium.Start();
  const pid_t pid = atrium.process().pid();
  if (!WaitUntil([&] { return AttachedRoutes(api.Get("gateways", "infra", "gw")) == 0; },
                 std::chrono::seconds(120))) {
    std::cerr << "atrium did not write the Gateway's status:\n" << atrium.process().Log();
    return 1;
  }
  const double first_ready_ms = MsSince(launched);
  const std::string rss_before = ProcStatus(pid, "VmRSS");
  const double heap_before_mb = atrium.Metric("atrium_memory_allocated_bytes") / 1e6;
  api.ResetRequestCounts();

  // Every route at once, from a few threads (in-process: no client latency).
  std::vector<std::pair<std::string, int>> names;
  for (int i = 0; i < routes; ++i) names.emplace_back("ns" + std::to_string(i / per_namespace), i);
  const Clock::time_point start = Clock::now();
  {
    std::atomic<size_t> next{0};
    std::vector<std::thread> creators;
    for (int t = 0; t < 4; ++t) {
      creators.emplace_back([&] {
        for (size_t i = next++; i < names.size(); i = next++) {
          api.Create(Route(names[i].first, names[i].second, "/"));
        }
      });
    }
    for (std::thread& creator : creators) creator.join();
  }
  const double created_ms = MsSince(start);
  const auto& last = names.back();
  const std::string last_host =
      "r" + std::to_string(last.second) + "." + last.first + ".example.com";

  double served_ms = -1;
  double attached_ms = -1;
  double accepted_ms = -1;
  const auto deadline = start + std::chrono::seconds(300);
  while (Clock::now() < deadline && (served_ms < 0 || attached_ms < 0)) {
    if (served_ms < 0 && atrium::e2e::Get(atrium.proxy_port(), last_host, "/").status == 200) {
      served_ms = MsSince(start);
    }
    if (attached_ms < 0 && AttachedRoutes(api.Get("gateways", "infra", "gw")) == routes) {
      attached_ms = MsSince(start);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  while (Clock::now() < deadline && accepted_ms < 0) {
    std::vector<json> listed = api.List("httproutes");
    if (std::all_of(listed.begin(), listed.end(), Accepted)) accepted_ms = MsSince(start);
    // Listing every route is not free for the in-process API server, which
    // shares the machine with atrium: look every 50 ms.
    if (accepted_ms < 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const uint64_t gateway_writes =
      api.RequestCount("patch", "gateway.networking.k8s.io/gateways/status") +
      api.RequestCount("update", "gateway.networking.k8s.io/gateways/status");
  const uint64_t route_writes =
      api.RequestCount("patch", "gateway.networking.k8s.io/httproutes/status") +
      api.RequestCount("update", "gateway.networking.k8s.io/httproutes/status");
  const uint64_t route_reads =
      api.RequestCount("get", "gateway.networking.k8s.io/httproutes") +
      api.RequestCount("get", "gateway.networking.k8s.io/httproutes/status");
  const double atrium_writes = atrium.Metric("atrium_status_writes_total");
  // Memory once every route is accepted, before any request went through
  // the proxy (request stats) and before the churn.
  const std::string rss_accepted = ProcStatus(pid, "VmRSS");
  const double heap_accepted_mb = atrium.Metric("atrium_memory_allocated_bytes") / 1e6;
  const json memory_accepted =
      json::parse(atrium::e2e::Get(atrium.admin_port(), "127.0.0.1", "/admin/stats").body, nullptr,
                  false)
          .value("memory", json::object());

  // Every route answers.
  int answering = 0;
  for (const auto& [ns, index] : names) {
    const std::string host = "r" + std::to_string(index) + "." + ns + ".example.com";
    if (atrium::e2e::Get(atrium.proxy_port(), host, "/").status == 200) ++answering;
  }

  // Background churn: other routes change --churn times a second while the
  // probed edits propagate (their path becomes /cN; the probes never touch
  // them).
  std::vector<bool> probed(names.size(), false);
  for (int k = 0; k < changes; ++k) probed[(k * 7919) % names.size()] = true;
  std::atomic<bool> churning{churn > 0};
  std::atomic<int> churned{0};
  std::thread churner([&] {
    if (churn <= 0) return;
    const auto period = std::chrono::microseconds(1000000 / churn);
    size_t next = 1;
    auto due = Clock::now();
    while (churning.load()) {
      due += period;
      std::this_thread::sleep_until(due);
      next = (next * 104729 + 1) % names.size();
      if (probed[next]) continue;
      const auto& [ns, index] = names[next];
      // Appended, not "r" + to_string(): GCC 12 misreports that form (-Wrestrict).
      std::string name = "r";
      name += std::to_string(index);
      std::optional<json> current = api.Get("httproutes", ns, name);
      if (!current) continue;
      (*current)["spec"]["rules"][0]["matches"][0]["path"]["value"] =
          "/c" + std::to_string(churned.load());
      if (api.Update(*current).ok()) ++churned;
    }
  });

  // Propagation: edit one route's path at a time (/ -> /vK); measure from
  // the API write to the first request through the proxy that sees it.
  const Stage translate_before = ReadStage(atrium, "atrium_translate_duration_seconds");
  const Stage compile_before = ReadStage(atrium, "atrium_compile_duration_seconds");
  const Stage inside_before = ReadStage(atrium, "atrium_config_propagation_seconds");
  const PropagationShares shares_before = ReadPropagationShares(atrium);
  std::vector<double> propagation_ms;
  for (int k = 0; k < changes; ++k) {
    const auto& target = names[(k * 7919) % names.size()];
    const std::string host =
        "r" + std::to_string(target.second) + "." + target.first + ".example.com";
    const std::string path = "/v" + std::to_string(k + 1);
    std::optional<json> current =
        api.Get("httproutes", target.first, "r" + std::to_string(target.second));
    if (!current) continue;
    json updated = *current;
    updated["spec"]["rules"][0]["matches"][0]["path"]["value"] = path;
    const Clock::time_point written = Clock::now();
    if (!api.Update(updated).ok()) continue;
    // The old path "/" stops matching "/" once the change is live.
    // Polled every millisecond (WaitUntil's 10 ms would dominate a 10 ms
    // target).
    const auto give_up = written + std::chrono::seconds(30);
    while (Clock::now() < give_up) {
      if (atrium::e2e::Get(atrium.proxy_port(), host, "/").status == 404) {
        propagation_ms.push_back(MsSince(written));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  churning = false;
  churner.join();
  const double translate_ms =
      MeanMs(translate_before, ReadStage(atrium, "atrium_translate_duration_seconds"));
  const double compile_ms =
      MeanMs(compile_before, ReadStage(atrium, "atrium_compile_duration_seconds"));
  const double inside_ms =
      MeanMs(inside_before, ReadStage(atrium, "atrium_config_propagation_seconds"));
  const PropagationShares shares_after = ReadPropagationShares(atrium);
  std::array<double, 3> inside_within{};
  for (size_t i = 0; i < inside_within.size(); ++i) {
    inside_within[i] = PercentWithin(shares_before, shares_after, i);
  }
  std::sort(propagation_ms.begin(), propagation_ms.end());
  auto percentile = [&](double p) {
    if (propagation_ms.empty()) return -1.0;
    // Nearest rank: the smallest sample with at least p of them at or below it.
    const auto rank =
        static_cast<size_t>(std::ceil(p * static_cast<double>(propagation_ms.size())));
    const size_t index = std::clamp<size_t>(rank, 1, propagation_ms.size()) - 1;
    return propagation_ms[index];
  };

  const std::string peak_rss = ProcStatus(pid, "VmHWM");
  // /proc's "kB" are KiB.
  const double peak_rss_mib = std::strtod(peak_rss.c_str(), nullptr) / 1024.0;
  const std::string rss_after = ProcStatus(pid, "VmRSS");
  const double heap_allocated_mb = atrium.Metric("atrium_memory_allocated_bytes") / 1e6;
  const double heap_mapped_mb = atrium.Metric("atrium_memory_heap_bytes") / 1e6;
  const json memory =
      json::parse(atrium::e2e::Get(atrium.admin_port(), "127.0.0.1", "/admin/stats").body, nullptr,
                  false)
          .value("memory", json::object());
  const std::string rss_anon = ProcStatus(pid, "RssAnon");
  const std::string rss_file = ProcStatus(pid, "RssFile");
  json figures = {{"routes", routes},
                  {"namespaces", namespaces},
                  {"endpoints", endpoints},
                  {"churn_per_second", churn},
                  {"churn_edits", churned.load()},
                  {"pass_ms", translate_ms + compile_ms},
                  {"translate_ms_per_pass", translate_ms},
                  {"compile_ms_per_pass", compile_ms},
                  {"first_ready_ms", first_ready_ms},
                  {"create_all_ms", created_ms},
                  {"all_served_ms", served_ms},
                  {"attached_routes_ms", attached_ms},
                  {"all_accepted_ms", accepted_ms},
                  {"routes_answering", answering},
                  {"gateway_status_writes", gateway_writes},
                  {"httproute_status_writes", route_writes},
                  {"httproute_reads", route_reads},
                  {"atrium_status_writes_total", atrium_writes},
                  {"propagation_p50_ms", percentile(0.50)},
                  {"propagation_p99_ms", percentile(0.99)},
                  {"propagation_samples", propagation_ms.size()},
                  {"propagation_in_atrium_mean_ms", inside_ms},
                  {"propagation_in_atrium_within_2_5_ms_percent", inside_within[0]},
                  {"propagation_in_atrium_within_5_ms_percent", inside_within[1]},
                  {"propagation_in_atrium_within_10_ms_percent", inside_within[2]},
                  {"rss_before_routes", rss_before},
                  {"heap_before_routes_mb", heap_before_mb},
                  {"rss_accepted", rss_accepted},
                  {"heap_accepted_mb", heap_accepted_mb},
                  {"rss_after", rss_after},
                  {"peak_rss", peak_rss},
                  {"peak_rss_mib", peak_rss_mib},
                  {"rss_anon_after", rss_anon},
                  {"rss_file_after", rss_file},
                  {"heap_allocated_mb", heap_allocated_mb},
                  {"heap_mapped_mb", heap_mapped_mb},
                  {"memory", memory}};
  atrium.process().Stop();
  const RebuildTimes rebuild = MeasureRebuild(api);
  figures["full_rebuild_ms"] = rebuild.full_ms;
  figures["incremental_rebuild_ms"] = rebuild.incremental_ms;
  figures["endpoint_change_rebuild_ms"] = rebuild.endpoint_change_ms;
  figures["decode_all_routes_ms"] = rebuild.decode_ms;
  if (as_json) {
    std::cout << figures.dump() << "\n";
  } else {
    std::printf("cluster_scale_bench: %d HTTPRoutes in %d namespaces, one Gateway, %d endpoints\n",
                routes, namespaces, endpoints);
    std::printf("  first ready (atrium start -> Gateway status)   %8.1f ms\n", first_ready_ms);
    std::printf("  create all routes in the API server            %8.1f ms\n", created_ms);
    std::printf("  all routes served through the proxy            %8.1f ms\n", served_ms);
    std::printf("  Gateway attachedRoutes = %-5d                 %8.1f ms\n", routes, attached_ms);
    std::printf("  every route Accepted=True                      %8.1f ms\n", accepted_ms);
    std::printf("  routes answering afterwards                    %8d\n", answering);
    std::printf("  Gateway status writes                          %8llu\n",
                static_cast<unsigned long long>(gateway_writes));
    std::printf("  HTTPRoute status writes                        %8llu\n",
                static_cast<unsigned long long>(route_writes));
    std::printf("  HTTPRoute reads by atrium (GET)                %8llu\n",
                static_cast<unsigned long long>(route_reads));
    std::printf("  propagation of one edit p50 / p99 (%zu samples) %6.1f / %.1f ms\n",
                propagation_ms.size(), percentile(0.50), percentile(0.99));
    std::printf("  (%d other routes edited meanwhile, %d per second)\n", churned.load(), churn);
    std::printf("  reconcile pass in atrium (translate + compile)  %7.1f ms  (%.1f + %.1f)\n",
                translate_ms + compile_ms, translate_ms, compile_ms);
    std::printf("  in atrium, watch event -> publish (mean)        %7.1f ms\n", inside_ms);
    std::printf("  ... within 2.5 / 5 / 10 ms                      %.0f%% / %.0f%% / %.0f%%\n",
                inside_within[0], inside_within[1], inside_within[2]);
    std::printf("  full rebuild from nothing / after one change    %7.1f / %.1f ms\n",
                rebuild.full_ms, rebuild.incremental_ms);
    std::printf("  rebuild after an endpoint of the shared Service %7.1f ms\n",
                rebuild.endpoint_change_ms);
    std::printf("  decode every HTTPRoute once (as each arrives)   %7.1f ms\n", rebuild.decode_ms);
    std::printf("  atrium RSS before routes / after / peak        %s / %s / %s\n",
                rss_before.c_str(), rss_after.c_str(), peak_rss.c_str());
    std::printf("  atrium peak RSS (target: 40 MiB at 5,000 routes) %6.1f MiB\n", peak_rss_mib);
    std::printf("  atrium heap in use before routes               %.1f MB\n", heap_before_mb);
    std::printf("  atrium when all accepted: RSS / heap in use    %s / %.1f MB\n",
                rss_accepted.c_str(), heap_accepted_mb);
    std::printf("  allocator's free memory then (bytes)           %s\n",
                memory_accepted.value("free_bytes", json::object()).dump().c_str());
    std::printf("  atrium RSS after: anonymous / file-backed      %s / %s\n", rss_anon.c_str(),
                rss_file.c_str());
    std::printf("  atrium heap after: in use / held by allocator  %.1f / %.1f MB\n",
                heap_allocated_mb, heap_mapped_mb);
    std::printf("  allocator's free memory (bytes)                %s\n",
                memory.value("free_bytes", json::object()).dump().c_str());
  }
  return (served_ms >= 0 && attached_ms >= 0 && answering == routes) ? 0 : 1;
}

// Differential test: the optimized RouteTable must answer every request as
// the first, straightforward implementation did. ReferenceTable below is
// that implementation (unordered_map indexes over the same RouteMatcher),
// kept here as the definition of the expected behaviour.

#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

#include "proxy/table/route_matcher.h"
#include "proxy/table/route_table.h"

namespace atrium::table {
namespace {

constexpr uint32_t kNoRoute = ~uint32_t{0};

// ReferenceNormalizeHost is the first implementation's NormalizeHost.
std::string ReferenceNormalizeHost(std::string_view host) {
  std::string out;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else {
    size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  for (char c : host) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

class ReferenceTable {
 public:
  explicit ReferenceTable(const ir::RouteConfig& config) {
    for (const ir::Listener& listener : config.listeners) {
      Listener& compiled = listeners_.emplace_back();
      compiled.address = listener.address;
      compiled.bind_port = listener.bind_port;
      for (const ir::VirtualHost& vhost : listener.virtual_hosts) {
        const uint32_t host_index = static_cast<uint32_t>(compiled.hosts.size());
        Host& host = compiled.hosts.emplace_back();
        for (const ir::Route& route : vhost.routes) {
          std::string error;
          auto matcher = RouteMatcher::Create(route.match, &error);
          if (matcher == nullptr) continue;
          const uint32_t index = static_cast<uint32_t>(host.matchers.size());
          if (matcher->IsPathOnly() && matcher->path_kind() == ir::PathMatchKind::kExact) {
            host.exact_paths.try_emplace(matcher->path_key(), index);
          } else if (matcher->IsPathOnly()) {
            host.prefix_paths.try_emplace(matcher->path_key(), index);
          } else {
            host.others.push_back(index);
          }
          host.names.push_back(route.name);
          host.matchers.push_back(std::move(matcher));
        }
        switch (vhost.kind) {
          case ir::HostnameKind::kAny:
            if (compiled.any_host == kNoRoute) compiled.any_host = host_index;
            break;
          case ir::HostnameKind::kExact:
            compiled.exact_hosts.try_emplace(ReferenceNormalizeHost(vhost.hostname), host_index);
            break;
          case ir::HostnameKind::kWildcardOneLabel:
          case ir::HostnameKind::kWildcardAnyLabels: {
            std::string suffix = ReferenceNormalizeHost(vhost.hostname);
            if (!suffix.empty() && suffix.front() == '*') suffix.erase(0, 1);
            (vhost.kind == ir::HostnameKind::kWildcardOneLabel ? compiled.one_label
                                                               : compiled.any_labels)
                .try_emplace(suffix, host_index);
            break;
          }
        }
      }
    }
  }

  // Lookup returns the matched route's name, or "404".
  std::string Lookup(const RequestView& request) const {
    const Listener* listener = nullptr;
    for (const Listener& candidate : listeners_) {
      if (candidate.bind_port != request.bind_port) continue;
      if (candidate.address == request.address) {
        listener = &candidate;
        break;
      }
      if (candidate.address.empty() && listener == nullptr) listener = &candidate;
    }
    if (listener == nullptr) return "404";
    std::string host_name = ReferenceNormalizeHost(request.host);
    if (host_name.size() > 255) host_name.clear();
    const Host* host = listener->FindHost(host_name);
    if (host == nullptr) return "404";
    const uint32_t index = host->Match(request);
    return index == kNoRoute ? "404" : host->names[index];
  }

 private:
  using Index = std::unordered_map<std::string, uint32_t>;
  static uint32_t Find(const Index& index, std::string_view key) {
    auto it = index.find(std::string(key));
    return it == index.end() ? kNoRoute : it->second;
  }

  struct Host {
    std::vector<std::unique_ptr<RouteMatcher>> matchers;
    std::vector<std::string> names;
    Index exact_paths;
    Index prefix_paths;
    std::vector<uint32_t> others;

    uint32_t Match(const RequestView& request) const {
      uint32_t best = Find(exact_paths, request.path);
      if (!prefix_paths.empty()) {
        const std::string_view path = request.path;
        auto consider = [&](std::string_view prefix) {
          best = std::min(best, Find(prefix_paths, prefix));
        };
        consider(std::string_view());
        for (size_t i = 1; i < path.size(); ++i) {
          if (path[i] == '/') consider(path.substr(0, i));
        }
        if (path.size() > 1 && path.back() != '/') consider(path);
      }
      for (uint32_t index : others) {
        if (index >= best) break;
        if (matchers[index]->Matches(request)) return index;
      }
      return best;
    }
  };

  struct Listener {
    std::string address;
    uint16_t bind_port = 0;
    std::vector<Host> hosts;
    Index exact_hosts;
    Index one_label;
    Index any_labels;
    uint32_t any_host = kNoRoute;

    const Host* FindHost(std::string_view host) const {
      uint32_t index = Find(exact_hosts, host);
      if (index != kNoRoute) return &hosts[index];
      size_t dot = host.find('.');
      bool first = true;
      while (dot != std::string_view::npos && dot + 1 < host.size()) {
        std::string_view suffix = host.substr(dot);
        if (first) {
          index = Find(one_label, suffix);
          if (index != kNoRoute) return &hosts[index];
          first = false;
        }
        index = Find(any_labels, suffix);
        if (index != kNoRoute) return &hosts[index];
        dot = host.find('.', dot + 1);
      }
      return any_host == kNoRoute ? nullptr : &hosts[any_host];
    }
  };

  std::vector<Listener> listeners_;
};

class MapHeaders : public HeaderSource {
 public:
  std::map<std::string, std::string> values;  // lowercase names
  std::optional<std::string_view> Find(std::string_view name) const override {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = values.find(lower);
    if (it == values.end()) return std::nullopt;
    return std::string_view(it->second);
  }
};

// Generator draws configurations and requests from small alphabets, so that
// hosts, wildcards, prefixes and conditions collide often.
class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  ir::RouteConfig Config() {
    ir::RouteConfig config;
    const int listeners = 1 + Pick(2);
    for (int l = 0; l < listeners; ++l) {
      ir::Listener listener;
      listener.address = l == 1 && Pick(2) == 0 ? "127.0.0.2" : "";
      listener.port = 80;
      listener.bind_port = static_cast<uint16_t>(8080 + (l == 1 ? Pick(2) : 0));
      const int hosts = Pick(7);
      for (int h = 0; h < hosts; ++h) {
        ir::VirtualHost vhost;
        vhost.kind = static_cast<ir::HostnameKind>(Pick(4));
        const std::string name = OneOf({"a.example.com", "b.example.com", "x.a.example.com",
                                        "example.com", "A.Example.Com.", "deep.b.example.com"});
        vhost.hostname = vhost.kind == ir::HostnameKind::kAny ? ""
                         : vhost.kind == ir::HostnameKind::kExact
                             ? name
                             : "*." + name.substr(name.find('.') + 1);
        const int routes = Pick(8);
        for (int r = 0; r < routes; ++r) {
          vhost.routes.push_back(
              Route("l" + std::to_string(l) + "/h" + std::to_string(h) + "/r" + std::to_string(r)));
        }
        listener.virtual_hosts.push_back(std::move(vhost));
      }
      config.listeners.push_back(std::move(listener));
    }
    return config;
  }

  struct Request {
    std::string address;
    uint16_t bind_port;
    std::string host;
    std::string path;
    std::string query;
    std::string method;
    MapHeaders headers;
  };

  Request NextRequest() {
    Request request;
    request.address = Pick(3) == 0 ? "127.0.0.2" : "127.0.0.1";
    request.bind_port = static_cast<uint16_t>(8080 + Pick(2));
    request.host =
        OneOf({"a.example.com", "B.EXAMPLE.COM", "x.a.example.com", "y.x.a.example.com",
               "example.com", "a.example.com:8080", "a.example.com.", "other.org",
               "deep.b.example.com", "z.deep.b.example.com", "", "[::1]:80", ".example.com"});
    request.path = Path();
    request.query = OneOf({"", "v=1", "v=2&debug=1", "debug"});
    request.method = OneOf({"GET", "POST"});
    if (Pick(2) == 0) request.headers.values["x-env"] = OneOf({"prod", "dev"});
    return request;
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  std::string OneOf(std::initializer_list<const char*> options) {
    return *(options.begin() + Pick(static_cast<int>(options.size())));
  }

  std::string Path() {
    std::string path;
    const int segments = Pick(5);
    for (int i = 0; i < segments; ++i)
      path += "/" + OneOf({"api", "v1", "a", "ab", "", "long-segment"});
    if (path.empty() || Pick(4) == 0) path += "/";
    if (Pick(20) == 0) path = OneOf({"", "*", "api", "api/v1"});
    return path;
  }

  ir::Route Route(std::string name) {
    ir::Route route;
    route.name = std::move(name);
    switch (Pick(6)) {
      case 0:
      case 1:
        route.match.path = {ir::PathMatchKind::kPrefix, Path()};
        break;
      case 2:
      case 3:
        route.match.path = {ir::PathMatchKind::kExact, Path()};
        break;
      case 4:
        route.match.path = {ir::PathMatchKind::kRegularExpression,
                            OneOf({"/api/.*", "/v[0-9]+", "/a(b)?/?", "(unclosed"})};
        break;
      default:
        route.match.path = {ir::PathMatchKind::kPrefix, "/"};
        route.match.method = "POST";
        break;
    }
    if (Pick(5) == 0) route.match.headers.push_back({ir::ValueMatchKind::kExact, "X-Env", "prod"});
    if (Pick(6) == 0) route.match.query_params.push_back({ir::ValueMatchKind::kExact, "v", "1"});
    route.backends.push_back({"ns/svc:80", 1, true, {{"10.0.0.1", 80, true}}, {}, {}});
    return route;
  }

  std::mt19937 rng_;
};

TEST(RouteTableEquivalenceTest, AnswersAsTheFirstImplementationDid) {
  Generator generator(1234);
  int matched = 0;
  int total = 0;
  CompileCache cache;
  for (int round = 0; round < 400; ++round) {
    const ir::RouteConfig config = generator.Config();
    const ReferenceTable reference(config);
    const auto table = RouteTable::Compile(config, 1);
    const auto cached = RouteTable::Compile(config, 1, nullptr, &cache);
    for (int r = 0; r < 60; ++r) {
      const Generator::Request request = generator.NextRequest();
      RequestView view;
      view.address = request.address;
      view.bind_port = request.bind_port;
      view.host = request.host;
      view.path = request.path;
      view.query = request.query;
      view.method = request.method;
      view.headers = &request.headers;
      const std::string expected = reference.Lookup(view);
      for (const RouteTable* candidate : {table.get(), cached.get()}) {
        const LookupResult result = candidate->Lookup(view);
        const std::string got =
            result.status == 0 ? result.action->name() : std::to_string(result.status);
        ASSERT_EQ(got, expected) << "round " << round << " host \"" << request.host << "\" path \""
                                 << request.path << "\" port " << request.bind_port;
      }
      matched += expected != "404";
      ++total;
    }
  }
  // The generator must exercise both outcomes to prove anything.
  EXPECT_GT(matched, total / 10);
  EXPECT_LT(matched, total - total / 10);
}

}  // namespace
}  // namespace atrium::table

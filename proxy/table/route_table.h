#pragma once

// RouteTable is the immutable, lookup-optimized form of an ir::RouteConfig.
// It is built once by the reconciler thread (Compile), published with RCU
// (TablePublisher) and then only read, concurrently and without locks, by
// every worker thread. Nothing in it is ever mutated after Compile returns.
//
// Lookup returns a reference-counted RouteAction: everything a request needs
// after matching, so the caller can leave the RCU read-side section before
// doing any I/O.
//
// Layout, for lookup speed on a table that was just published (and so is
// not yet in the reader's cache): per listener a HostIndex (host_index.h)
// maps the Host header, normalized and hashed in one pass, to a
// CompiledHost (compiled_host.h), whose first cache line holds a PathIndex
// (path_index.h) that finds the first path-only route by probing only the
// prefix depths that exist, with hashes computed incrementally along the
// path. Routes with regular expressions, headers, query parameters or a
// method are tested in precedence order, only while they could still win.
// A Compile with a CompileCache shares every unchanged CompiledHost and
// hostname index with the previous table.
//
// After a publish the readers' first lookups find all of this in the
// writer's caches. So that they do not fetch it line after line: a host's
// pointer sits next to a prefetch hint (the lines its lookup will read), a
// host's actions share one reference count (one line for all its routes),
// and the writer moves the new table to the shared cache before publishing
// (DemoteToSharedCache).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/ir/route_config.h"
#include "proxy/tls/certificate_set.h"
#include "proxy/tls/server_certificate.h"

namespace atrium::table {

// EndpointSet is the ready endpoints of one backend, sorted and shared by
// every RouteAction that uses that backend in one table.
struct EndpointSet {
  std::vector<ir::Endpoint> endpoints;  // ready only
};

// BackendTarget is one weighted share of a route's traffic: the backend as
// translate wrote it, in its action's route (name, weight, filters...), and
// its endpoints in this table.
struct BackendTarget {
  const ir::Backend* backend = nullptr;  // owned by the action's route
  std::shared_ptr<const EndpointSet> endpoints;

  const std::string& name() const { return backend->name; }  // "namespace/service:port"
  uint32_t weight() const { return backend->weight; }
  bool valid() const { return backend->valid; }  // false: this share is answered with 500
  const ir::Filters& filters() const { return backend->filters; }
  const std::string& app_protocol() const { return backend->app_protocol; }
};

// What a route that sets no timeouts or retries has (ir::Route leaves them
// unset).
inline constexpr ir::Timeouts kNoTimeouts{};
inline constexpr ir::Retry kNoRetry{};

// RouteAction is what a matched request needs: immutable, shared, and kept
// alive by the request (not by the table) once Lookup returns. The route is
// translate's object itself, shared with the configuration rather than
// copied: at thousands of routes a copy per action was a third of the
// table's memory.
struct RouteAction {
  std::shared_ptr<const ir::Route> route;
  std::vector<BackendTarget> backends;  // route->backends, with their endpoints
  uint64_t total_weight = 0;            // sum of backends[].weight()
  uint16_t listener_port = 0;           // the spec port (80/443) of the listener
  bool listener_tls = false;

  const std::string& name() const { return route->name; }  // metrics label
  const ir::Filters& filters() const { return route->filters; }
  // != 0: answer with this status, do not forward.
  int direct_status() const { return route->direct_status; }
  const ir::Timeouts& timeouts() const { return route->timeouts ? *route->timeouts : kNoTimeouts; }
  const ir::Retry& retry() const { return route->retry ? *route->retry : kNoRetry; }
  // The match that selected this action (rewrites).
  const ir::PathMatch& path_match() const { return route->match.path; }
};

// HeaderSource lets Lookup read request headers without knowing the parser.
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // Find returns the value of the first header named name (case-insensitive),
  // or nullopt when absent.
  virtual std::optional<std::string_view> Find(std::string_view name) const = 0;
};

// RequestView is what Lookup needs of a request; it borrows, never owns.
struct RequestView {
  std::string_view address;  // local address of the accepting socket ("" = any)
  uint16_t bind_port = 0;    // local port of the accepting socket
  std::string_view host;     // Host header as received (port and case allowed)
  std::string_view path;     // path of the target, without the query
  std::string_view query;    // query string without '?', may be empty
  std::string_view method;
  const HeaderSource* headers = nullptr;
  // The SNI of a TLS connection ("" without TLS or SNI): on a host with an
  // sni_scope it must select a host of the same scope (ir::VirtualHost).
  std::string_view server_name;
};

struct LookupResult {
  // 0 when a route matched; otherwise the status to answer (404).
  int status = 0;
  std::shared_ptr<const RouteAction> action;
  uint64_t generation = 0;
};

// ListenerKey names one socket the data plane must have bound.
struct ListenerKey {
  std::string address;
  uint16_t bind_port = 0;
  uint16_t port = 0;
  bool tls = false;
  bool operator==(const ListenerKey&) const = default;
};

// CompileCache lets one Compile reuse what the previous Compile built: every
// virtual host that is equal (operator==) to the one of the same listener
// and hostname last time, with its routes' actions and matchers; a
// listener's hostname index when its hostnames did not change; and every
// unchanged EndpointSet. A table compiled with a cache is identical in
// behaviour to one compiled without; it is cheaper for the writer, and it
// leaves the readers' caches warm for everything that did not change (an
// EndpointSlice update rebuilds one host, not the table). The reconciler
// should keep one for its whole life.
//
// Threading: use one CompileCache from one thread at a time (the
// reconciler's). It holds shared references to the immutable parts and the
// configuration of its last Compile only, never a pointer into a published
// table, so tables may be published and freed in any order.
class CompileCache {
 public:
  CompileCache();
  ~CompileCache();
  CompileCache(const CompileCache&) = delete;
  CompileCache& operator=(const CompileCache&) = delete;

  // Counts from the last Compile that used this cache: virtual hosts reused
  // and built, listeners whose hostname index was reused.
  size_t reused_hosts() const;
  size_t built_hosts() const;
  size_t reused_host_indexes() const;
  // Listeners whose parsed certificates were reused (their PEMs unchanged).
  size_t reused_certificate_sets() const;

 private:
  friend class RouteTable;
  struct State;
  std::unique_ptr<State> state_;
};

class RouteTable {
 public:
  // Compile builds a table. Routes whose regular expressions RE2 rejects are
  // left out and reported in errors (translate normally rejects them first).
  // Certificates of TLS listeners are parsed here (OpenSSL); an unusable one
  // is left out and reported in errors without key material (translate
  // normally rejects it first, with the listener's status).
  static std::unique_ptr<RouteTable> Compile(const ir::RouteConfig& config, uint64_t generation,
                                             std::vector<std::string>* errors = nullptr);
  // The same, reusing what cache kept from the previous Compile and keeping
  // this one's parts for the next (cache may be nullptr).
  static std::unique_ptr<RouteTable> Compile(const ir::RouteConfig& config, uint64_t generation,
                                             std::vector<std::string>* errors, CompileCache* cache);
  // The same without copying the configuration: the table (and the cache)
  // keep config itself, which must not be changed afterwards.
  static std::unique_ptr<RouteTable> Compile(std::shared_ptr<const ir::RouteConfig> config,
                                             uint64_t generation,
                                             std::vector<std::string>* errors = nullptr,
                                             CompileCache* cache = nullptr);
  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // Lookup matches a request. Thread-safe (the table is immutable); never
  // locks or allocates: the only write is the reference count of the
  // returned action.
  LookupResult Lookup(const RequestView& request) const;

  // SelectCertificate picks the certificate for a TLS handshake on the
  // socket (address, bind_port) by SNI (see tls::CertificateSet); nullptr
  // when that socket is not a TLS listener of this table. Thread-safe; never
  // locks; the only write is the reference count of the result.
  std::shared_ptr<const tls::ServerCertificate> SelectCertificate(
      std::string_view address, uint16_t bind_port, std::string_view server_name) const;

  // DemoteToSharedCache moves what lookups read of this table out of the
  // calling core's private caches into the cache every core shares
  // (cache_demote.h), so that the first lookups on other cores do not each
  // wait for lines held by the writer's core: the table, its listeners,
  // their hostname indexes and host arrays. (Compile hands over each host
  // it builds as soon as it is built.) A hint: it changes nothing
  // observable. TablePublisher::Publish calls it; writer thread.
  void DemoteToSharedCache() const;

  uint64_t generation() const { return generation_; }
  const ir::RouteConfig& config() const { return *config_; }
  std::vector<ListenerKey> Listeners() const;
  size_t route_count() const { return route_count_; }
  size_t host_count() const { return host_count_; }
  size_t endpoint_count() const { return endpoint_count_; }

  // LiveCount is the number of RouteTables alive in the process: tests use
  // it to prove that every replaced table is freed exactly once.
  static int64_t LiveCount();

  struct CompiledListener;  // defined in route_table.cc

 private:
  RouteTable();
  const CompiledListener* FindListener(std::string_view address, uint16_t bind_port) const;
  uint64_t generation_ = 0;
  std::shared_ptr<const ir::RouteConfig> config_;  // shared with a CompileCache
  std::vector<CompiledListener> listeners_;
  size_t route_count_ = 0;
  size_t host_count_ = 0;
  size_t endpoint_count_ = 0;
};

// NormalizeHost lowercases host and strips a port and a trailing dot
// ("Foo.Example.com:8080" -> "foo.example.com", "[::1]:80" -> "[::1]").
std::string NormalizeHost(std::string_view host);

}  // namespace atrium::table

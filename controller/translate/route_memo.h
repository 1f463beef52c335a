#pragma once

// HttpRouteMemo remembers what translating each HTTPRoute produced, so that a
// pass after one route changed translates that route alone and replays the
// thousands of others. It is what keeps a reconcile pass, and so the
// propagation of a change, short at scale (issue 3: 5,000 routes).
//
// An outcome is replayed only while everything it was computed from is
// unchanged. The caller reports every change of the stored world through
// Changed, and the memo forgets exactly the outcomes that change can touch:
//   - an HTTPRoute: that route;
//   - a Service, or an EndpointSlice of a Service: the routes that looked
//     that Service up (backends carry its ports and endpoints);
//   - an Ingress, IngressClass or Secret: nothing (HTTPRoutes never read
//     them; a Secret matters only to a listener, which CheckGateways sees);
//   - a Gateway, GatewayClass, ReferenceGrant or Namespace: every route
//     (attachment, listener hostnames, grants, namespace labels).
// Translation options must not change while the memo is in use.
//
// Pure data, no I/O; not thread-safe (the reconciler thread owns it).

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <nlohmann/json.hpp>

#include "controller/translate/config_draft.h"
#include "controller/translate/gateway_translator.h"
#include "controller/translate/namespace_index.h"
#include "controller/translate/service_index.h"
#include "controller/translate/status_documents.h"
#include "controller/translate/translate.h"

namespace atrium::translate {

// ListenerRef names a listener of a GatewayModel by its Gateway's key and
// its position in the Gateway's listeners (stable while no Gateway changes).
struct ListenerRef {
  std::string gateway;
  size_t listener = 0;
  bool operator==(const ListenerRef&) const = default;
};

// HttpRouteOutcome is everything translating one HTTPRoute contributed.
// Nearly every route has one entry and counts on one listener: those are
// held in the outcome itself, so replaying it reads no other allocation.
struct HttpRouteOutcome {
  boost::container::small_vector<std::shared_ptr<const RouteEntry>, 1> entries;
  std::optional<SharedStatus> status;
  std::vector<Problem> problems;
  boost::container::small_vector<ListenerRef, 1> attached;  // listeners it counts on
  std::vector<std::string> services;  // "namespace/name" of every Service it looked up
};

class HttpRouteMemo {
 public:
  // Changed reports that the object of kind at key was created, updated or
  // deleted; before and after are its old and new content (null when
  // absent).
  void Changed(std::string_view kind, const std::string& key, const nlohmann::json* before,
               const nlohmann::json* after);
  // Clear forgets every outcome (the whole world was replaced).
  void Clear();

  // CheckGateways forgets every outcome when the Gateways that routes attach
  // to differ, in anything attachment reads, from those the outcomes were
  // computed against. Changed reports Gateway-level objects, but a
  // Gateway's translation also depends on time (a certificate that expires
  // takes its listener out of service) and on whatever else no event
  // reports: this is the safety net. Called at the start of every pass.
  void CheckGateways(const GatewayModels& gateways);

  const HttpRouteOutcome* Find(const std::string& route_key) const;
  void Store(const std::string& route_key, HttpRouteOutcome outcome);

  // Cursor finds outcomes for route keys asked for in ascending order (a
  // walk over ClusterState's routes) with one string comparison per step.
  // Stores between lookups are allowed.
  class Cursor {
   public:
    explicit Cursor(const HttpRouteMemo& memo)
        : it_(memo.outcomes_.begin()), end_(memo.outcomes_.end()) {}
    const HttpRouteOutcome* Find(const std::string& route_key);

   private:
    std::map<std::string, HttpRouteOutcome>::const_iterator it_;
    std::map<std::string, HttpRouteOutcome>::const_iterator end_;
  };

  size_t size() const { return outcomes_.size(); }

  // The status documents the outcomes hold, shared between every route with
  // the same status (see status_documents.h).
  StatusDocuments& documents() { return documents_; }

 private:
  // GatewayShape is what route attachment reads from one GatewayModel.
  struct ListenerShape {
    std::string name;
    int64_t port = 0;
    Host hostname;
    bool tls = false;
    FromNamespaces from = FromNamespaces::kSame;
    std::optional<LabelSelector> selector;
    bool allows_http_route = true;
    bool programmed = false;
    std::vector<SocketKey> sockets;
    bool operator==(const ListenerShape&) const = default;
  };
  struct GatewayShape {
    std::string key;
    size_t rank = 0;
    bool accepted = false;
    std::vector<ListenerShape> listeners;
    bool operator==(const GatewayShape&) const = default;
  };

  void Forget(const std::string& route_key);
  void ForgetDependents(const std::string& service_key);

  std::vector<GatewayShape> gateways_;                // as the outcomes saw them
  std::map<std::string, HttpRouteOutcome> outcomes_;  // by route key, as ClusterState sorts
  StatusDocuments documents_;

  // Service "namespace/name" -> keys of the routes whose outcome looked it
  // up, as pointers to the keys of outcomes_ (nodes do not move; an outcome
  // leaves these sets before it is erased): 16 bytes a route, not a copy of
  // its key in a tree node.
  using RouteKeys = std::unordered_set<const std::string*>;
  std::unordered_map<std::string, RouteKeys> dependents_;
};

// TranslateMemo is what one Translate caller keeps between passes: the
// HTTPRoute outcomes, the parsed Services and EndpointSlices, and the
// virtual hosts built from the outcomes.
struct TranslateMemo {
  HttpRouteMemo http_routes;
  ServiceIndexMemo services;
  NamespaceIndexMemo namespaces;
  VirtualHostCache virtual_hosts;

  void Changed(std::string_view kind, const std::string& key, const nlohmann::json* before,
               const nlohmann::json* after) {
    http_routes.Changed(kind, key, before, after);
    services.Changed(kind, key);
    namespaces.Changed(kind);
  }
  void Clear() {
    http_routes.Clear();
    services.Clear();
    namespaces.Clear();
    virtual_hosts.Clear();
  }
};

}  // namespace atrium::translate

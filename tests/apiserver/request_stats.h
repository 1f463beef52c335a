#pragma once

// RequestStats counts the API requests the server answered, by verb (get,
// list, watch, create, update, patch, delete, deletecollection) and resource
// ("gateway.networking.k8s.io/gateways/status", "/services"). Tests use it
// to assert what a client did: how many status writes, whether it relisted.
//
// Threading: safe from any thread.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace atrium::testing {

class RequestStats {
 public:
  void Record(std::string_view verb, std::string_view resource);
  uint64_t Count(std::string_view verb, std::string_view resource) const;
  // Snapshot returns every counter, keyed "verb resource".
  std::map<std::string, uint64_t> Snapshot() const;
  void Reset();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, uint64_t> counts_;
};

}  // namespace atrium::testing

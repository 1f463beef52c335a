#pragma once

// StripObject removes from an object what no part of the control plane reads
// once the object is stored, so that a stored world of thousands of routes
// holds routing data and not the API server's bookkeeping:
//   - apiVersion and kind: the map an object is stored in names its kind,
//     and Atrium reads each kind in one version;
//   - metadata.managedFields (server-side apply bookkeeping, often larger
//     than the object itself);
//   - the kubectl.kubernetes.io/last-applied-configuration annotation (a
//     second copy of the spec that client-side apply leaves behind);
//   - status, for every kind: translate computes status and never reads it
//     (the status writer observes status before an object is stored);
//   - Secret data other than tls.crt, tls.key and ca.crt;
//   - of EndpointSlice endpoints, all but their addresses and ready
//     condition (targetRef, nodeName, zone, hints...); when every endpoint
//     is well typed, the slice keeps a single endpoint holding the addresses
//     of its ready endpoints, in order (what translate reads of it).
// Dropping status also means that our own status writes, echoed back by the
// watch, differ from the stored object only in metadata.resourceVersion
// (see SameContent), so they cause no rebuild.
//
// Pure: no I/O, safe from any thread on an object the caller owns.

#include <string_view>

#include <nlohmann/json.hpp>

namespace atrium::state {

inline constexpr std::string_view kLastAppliedAnnotation =
    "kubectl.kubernetes.io/last-applied-configuration";

void StripObject(std::string_view kind, nlohmann::json& object);

// SameContent tells whether two objects are equal apart from
// metadata.resourceVersion, which changes on every write (status writes
// included) but means nothing to translate.
bool SameContent(const nlohmann::json& a, const nlohmann::json& b);

}  // namespace atrium::state

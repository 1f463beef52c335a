#pragma once

// RunClusterCase runs one reproduced conformance case against the test API
// server (tests/apiserver): the base and the case's objects are applied to
// the server, Atrium runs in cluster mode (list/watch over HTTPS with a
// kubeconfig), the status it writes back to the server must hold the
// case's conditions, and the same requests must get the same answers as
// in --manifests mode. Then the case's changes (ObjectChange) are made one
// by one through the server, each waited on with a deadline.

#include "tests/conformance/conformance_case.h"

namespace atrium::conformance {

void RunClusterCase(const ConformanceCase& test);

}  // namespace atrium::conformance

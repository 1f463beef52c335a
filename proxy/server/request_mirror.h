#pragma once

// Request mirroring (Gateway API RequestMirror): a copy of a bodiless request
// goes to one endpoint of the mirror backend; the mirror's response is read
// and discarded. It runs as its own coroutine: the request being served never
// waits for it, and its failures are only counted.
//
// Threading: worker thread only. Lifetime: the mirror coroutine owns copies of
// everything it uses, so it may outlive the request and the session.

#include "controller/ir/route_config.h"
#include "proxy/http/http_types.h"
#include "proxy/server/asio_types.h"
#include "proxy/server/fast_random.h"

namespace atrium::server {

// StartMirror sends request (as prepared for the upstream) to mirror, for
// mirror.numerator out of mirror.denominator requests.
void StartMirror(const Executor& executor, FastRandom& random, const ir::RequestMirror& mirror,
                 const http::RequestHeader& request, Clock::duration timeout);

}  // namespace atrium::server

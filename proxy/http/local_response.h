#pragma once

// Responses the proxy generates itself (errors, 404, direct statuses).

#include <string_view>

#include "proxy/http/http_types.h"

namespace atrium::http {

// MakeLocalResponse fills response with status, a short text/plain body
// ("404 Not Found\n"), Date and Connection (close unless keep_alive; an
// HTTP/1.0 client that may keep the connection gets "keep-alive").
void MakeLocalResponse(LocalResponse& response, int status, unsigned client_version,
                       bool keep_alive, std::string_view date);

}  // namespace atrium::http

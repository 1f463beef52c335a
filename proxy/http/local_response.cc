#include "proxy/http/local_response.h"

#include <string>

namespace atrium::http {

void MakeLocalResponse(LocalResponse& response, int status, unsigned client_version,
                       bool keep_alive, std::string_view date) {
  response = LocalResponse{};
  response.version(11);
  response.result(static_cast<unsigned>(status));
  if (!date.empty()) response.set(bhttp::field::date, date);
  response.set(bhttp::field::server, "atrium");
  std::string& body = response.body();
  if (status >= 200 && status != 204 && status != 304) {
    response.set(bhttp::field::content_type, "text/plain; charset=utf-8");
    body = std::to_string(status);
    body.push_back(' ');
    body.append(bhttp::obsolete_reason(static_cast<bhttp::status>(status)));
    body.push_back('\n');
  }
  response.prepare_payload();
  if (!keep_alive) {
    response.set(bhttp::field::connection, "close");
  } else if (client_version == 10) {
    response.set(bhttp::field::connection, "keep-alive");
  }
}

}  // namespace atrium::http

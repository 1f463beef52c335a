#pragma once

// CertificateSet is the certificates of one TLS listener, indexed for SNI:
// an exact server name first, then the wildcard one label up
// ("a.example.com" -> "*.example.com", then "*.com" style suffixes further
// up, which Gateway API wildcard listeners may cover), then the listener's
// default (its first certificate). A client without SNI gets the default.
//
// Built on the writer thread when a table is compiled; immutable afterwards
// and read concurrently by every handshake without locks.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controller/ir/route_config.h"
#include "proxy/tls/server_certificate.h"

namespace atrium::tls {

class CertificateSet {
 public:
  // Build parses every certificate; an unusable one is left out and
  // described in errors() (never with key material). A certificate's names
  // are its ir hostnames, or the DNS names in the certificate when it lists
  // none (a Gateway listener without a hostname).
  static std::shared_ptr<const CertificateSet> Build(
      const std::vector<ir::TlsCertificate>& certificates, int64_t now_seconds);

  // Select returns the certificate for server_name ("" when the client sent
  // no SNI), or nullptr when the set is empty. Any thread; never locks.
  const std::shared_ptr<const ServerCertificate>* Select(std::string_view server_name) const;

  size_t size() const { return certificates_.size(); }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::vector<std::shared_ptr<const ServerCertificate>> certificates_;  // [0] is the default
  std::map<std::string, uint32_t, std::less<>> by_name_;  // "a.example.com", "*.example.com"
  std::vector<std::string> errors_;
};

}  // namespace atrium::tls

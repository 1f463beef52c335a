#include "proxy/tls/certificate_set.h"

#include <algorithm>
#include <cctype>

namespace atrium::tls {
namespace {

constexpr size_t kMaxServerName = 255;

}  // namespace

std::shared_ptr<const CertificateSet> CertificateSet::Build(
    const std::vector<ir::TlsCertificate>& certificates, int64_t now_seconds) {
  auto set = std::make_shared<CertificateSet>();
  for (size_t i = 0; i < certificates.size(); ++i) {
    const ir::TlsCertificate& source = certificates[i];
    ParsedCertificate parsed =
        ParseCertificate(source.certificate_pem, source.private_key_pem, now_seconds);
    if (!parsed.certificate) {
      std::string names;
      for (const std::string& name : source.hostnames) names += (names.empty() ? "" : ",") + name;
      set->errors_.push_back("certificate " + std::to_string(i) +
                             (names.empty() ? "" : " (" + names + ")") + ": " + parsed.error);
      continue;
    }
    const uint32_t index = static_cast<uint32_t>(set->certificates_.size());
    const std::vector<std::string>& names =
        source.hostnames.empty() ? parsed.certificate->names() : source.hostnames;
    for (const std::string& name : names) {
      std::string key = name;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      set->by_name_.emplace(std::move(key), index);  // the first certificate keeps a name
    }
    set->certificates_.push_back(std::move(parsed.certificate));
  }
  return set;
}

const std::shared_ptr<const ServerCertificate>* CertificateSet::Select(
    std::string_view server_name) const {
  if (certificates_.empty()) return nullptr;
  if (!server_name.empty() && server_name.back() == '.') server_name.remove_suffix(1);
  if (!server_name.empty() && server_name.size() <= kMaxServerName && !by_name_.empty()) {
    char buffer[kMaxServerName + 2];
    buffer[0] = '*';
    char* name = buffer + 1;
    for (size_t i = 0; i < server_name.size(); ++i) {
      name[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(server_name[i])));
    }
    std::string_view lowered(name, server_name.size());
    auto it = by_name_.find(lowered);
    if (it != by_name_.end()) return &certificates_[it->second];
    // Wildcards: "*.example.com" for "a.example.com", then further up.
    for (size_t dot = lowered.find('.'); dot != std::string_view::npos;
         dot = lowered.find('.', dot + 1)) {
      // "*" followed by the suffix that starts at this dot.
      char* star = name + dot - 1;
      char saved = *star;
      *star = '*';
      it = by_name_.find(std::string_view(star, lowered.size() - dot + 1));
      *star = saved;
      if (it != by_name_.end()) return &certificates_[it->second];
    }
  }
  return &certificates_[0];
}

}  // namespace atrium::tls

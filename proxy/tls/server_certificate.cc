#include "proxy/tls/server_certificate.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace atrium::tls {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

// OpenSslError drains the thread's OpenSSL error queue into one line. The
// queue only ever names the failing function and reason, never key bytes.
std::string OpenSslError(const std::string& what) {
  unsigned long code = ERR_get_error();
  std::string message = what;
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    message += " (";
    message += buffer;
    message += ")";
  }
  ERR_clear_error();
  return message;
}

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::vector<std::string> DnsNames(X509* leaf) {
  std::vector<std::string> names;
  auto* sans =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type != GEN_DNS) continue;
      const ASN1_IA5STRING* dns = name->d.dNSName;
      names.push_back(Lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                        static_cast<size_t>(ASN1_STRING_length(dns)))));
    }
    GENERAL_NAMES_free(sans);
  }
  if (names.empty()) {
    char common_name[256];
    int length = X509_NAME_get_text_by_NID(X509_get_subject_name(leaf), NID_commonName, common_name,
                                           sizeof(common_name));
    if (length > 0) names.push_back(Lower(std::string(common_name, static_cast<size_t>(length))));
  }
  return names;
}

int64_t AsSeconds(const ASN1_TIME* time) {
  struct tm parts = {};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return 0;
  return static_cast<int64_t>(timegm(&parts));
}

}  // namespace

// CertificateParser builds ServerCertificates (a friend, so the class keeps
// its raw OpenSSL pointers private).
struct CertificateParser {
  static ParsedCertificate Parse(const std::string& certificate_pem, const std::string& key_pem,
                                 int64_t now_seconds) {
    ParsedCertificate result;
    ERR_clear_error();
    std::shared_ptr<ServerCertificate> certificate(new ServerCertificate());
    BioPtr chain_bio = MemoryBio(certificate_pem);
    if (!chain_bio) {
      result.error = OpenSslError("out of memory");
      return result;
    }
    certificate->leaf_ = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr);
    if (certificate->leaf_ == nullptr) {
      result.error = OpenSslError("tls.crt holds no parsable PEM certificate");
      return result;
    }
    certificate->chain_ = sk_X509_new_null();
    while (X509* next = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr)) {
      sk_X509_push(certificate->chain_, next);
    }
    // The loop ends on "no start line" at the end of the input: expected.
    ERR_clear_error();

    BioPtr key_bio = MemoryBio(key_pem);
    // A null password callback with an empty password: an encrypted key
    // fails instead of prompting on the terminal.
    certificate->key_ =
        PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, const_cast<char*>(""));
    if (certificate->key_ == nullptr) {
      // Deliberately no OpenSSL detail: it could only ever say why the key
      // did not parse, but the key is the one thing never to describe.
      ERR_clear_error();
      result.error = "tls.key holds no parsable, unencrypted PEM private key";
      return result;
    }
    if (X509_check_private_key(certificate->leaf_, certificate->key_) != 1) {
      ERR_clear_error();
      result.error = "tls.key does not match the certificate in tls.crt";
      return result;
    }
    certificate->not_after_ = AsSeconds(X509_get0_notAfter(certificate->leaf_));
    int64_t not_before = AsSeconds(X509_get0_notBefore(certificate->leaf_));
    char subject[512];
    X509_NAME_oneline(X509_get_subject_name(certificate->leaf_), subject, sizeof(subject));
    certificate->subject_ = subject;
    if (now_seconds >= certificate->not_after_) {
      result.error = "certificate " + certificate->subject_ + " has expired";
      return result;
    }
    if (now_seconds < not_before) {
      result.error = "certificate " + certificate->subject_ + " is not valid yet";
      return result;
    }
    certificate->names_ = DnsNames(certificate->leaf_);
    result.certificate = std::move(certificate);
    return result;
  }
};

ServerCertificate::~ServerCertificate() {
  X509_free(leaf_);
  EVP_PKEY_free(key_);
  if (chain_ != nullptr) sk_X509_pop_free(chain_, X509_free);
}

bool ServerCertificate::Apply(SSL* ssl) const {
  // override = 1 replaces whatever the connection held; the SSL takes its
  // own references on the leaf, key and chain.
  return SSL_use_cert_and_key(ssl, leaf_, key_, chain_, 1) == 1;
}

ParsedCertificate ParseCertificate(const std::string& certificate_pem, const std::string& key_pem,
                                   int64_t now_seconds) {
  return CertificateParser::Parse(certificate_pem, key_pem, now_seconds);
}

std::string CertificateError(const std::string& certificate_pem, const std::string& key_pem) {
  return ParseCertificate(certificate_pem, key_pem, static_cast<int64_t>(std::time(nullptr))).error;
}

}  // namespace atrium::tls

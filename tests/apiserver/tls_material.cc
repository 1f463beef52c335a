#include "tests/apiserver/tls_material.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <functional>

namespace atrium::testing {
namespace {

std::string OpenSslError(const std::string& what) {
  char buf[256];
  ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
  return what + ": " + buf;
}

std::shared_ptr<EVP_PKEY> NewKey() {
  return std::shared_ptr<EVP_PKEY>(EVP_EC_gen("P-256"), EVP_PKEY_free);
}

bool AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// NewCertificate builds a certificate for key, signed by issuer_key; a null
// issuer makes it self-signed.
std::shared_ptr<X509> NewCertificate(EVP_PKEY* key, const char* common_name, X509* issuer,
                                     EVP_PKEY* issuer_key, bool is_ca) {
  std::shared_ptr<X509> cert(X509_new(), X509_free);
  if (!cert) return nullptr;
  X509* c = cert.get();
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof(serial));
  bool ok = X509_set_version(c, 2) == 1 &&
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(c), serial >> 1) == 1 &&
            X509_gmtime_adj(X509_getm_notBefore(c), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(c), 365L * 24 * 3600) != nullptr &&
            X509_set_pubkey(c, key) == 1;
  X509_NAME* name = X509_get_subject_name(c);
  ok = ok && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                        reinterpret_cast<const unsigned char*>(common_name), -1, -1,
                                        0) == 1;
  X509* signer = issuer != nullptr ? issuer : c;
  ok = ok && X509_set_issuer_name(c, X509_get_subject_name(signer)) == 1;
  if (is_ca) {
    ok = ok && AddExtension(c, signer, NID_basic_constraints, "critical,CA:TRUE") &&
         AddExtension(c, signer, NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature") &&
         AddExtension(c, signer, NID_subject_key_identifier, "hash");
  } else {
    ok = ok && AddExtension(c, signer, NID_basic_constraints, "critical,CA:FALSE") &&
         AddExtension(c, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         AddExtension(c, signer, NID_ext_key_usage, "serverAuth") &&
         AddExtension(c, signer, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") &&
         AddExtension(c, signer, NID_authority_key_identifier, "keyid:always");
  }
  ok = ok && X509_sign(c, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0;
  return ok ? cert : nullptr;
}

std::string ToPem(const std::function<int(BIO*)>& write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || write(bio.get()) != 1) return "";
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size);
}

}  // namespace

std::optional<TlsMaterial> GenerateTlsMaterial(std::string* error) {
  std::shared_ptr<EVP_PKEY> ca_key = NewKey();
  std::shared_ptr<EVP_PKEY> server_key = NewKey();
  if (!ca_key || !server_key) {
    *error = OpenSslError("generating EC keys");
    return std::nullopt;
  }
  std::shared_ptr<X509> ca =
      NewCertificate(ca_key.get(), "atrium-test-apiserver-ca", nullptr, nullptr, true);
  if (!ca) {
    *error = OpenSslError("creating the CA certificate");
    return std::nullopt;
  }
  std::shared_ptr<X509> cert =
      NewCertificate(server_key.get(), "atrium-test-apiserver", ca.get(), ca_key.get(), false);
  if (!cert) {
    *error = OpenSslError("creating the server certificate");
    return std::nullopt;
  }
  TlsMaterial material;
  material.ca_pem = ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, ca.get()); });
  material.cert_pem = ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  material.key_pem = ToPem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, server_key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  material.cert = cert;
  material.key = server_key;
  return material;
}

}  // namespace atrium::testing

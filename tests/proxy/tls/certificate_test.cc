// Certificate parsing and SNI selection, without sockets.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "proxy/table/route_table.h"
#include "proxy/tls/certificate_set.h"
#include "proxy/tls/server_certificate.h"
#include "proxy/tls/server_context.h"
#include "tls_test_support.h"

namespace atrium::testing {
namespace {

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

TEST(ServerCertificateTest, ParsesAPairAndReadsItsNames) {
  TestCertificate cert = MakeCertificate({"a.example.com", {"a.example.com", "*.b.example.com"}});
  tls::ParsedCertificate parsed = tls::ParseCertificate(cert.certificate_pem, cert.key_pem, Now());
  ASSERT_NE(parsed.certificate, nullptr) << parsed.error;
  EXPECT_EQ(parsed.certificate->names(),
            (std::vector<std::string>{"a.example.com", "*.b.example.com"}));
  EXPECT_GT(parsed.certificate->not_after(), Now());
  EXPECT_EQ(tls::CertificateError(cert.certificate_pem, cert.key_pem), "");
}

TEST(ServerCertificateTest, CommonNameWhenNoSubjectAltName) {
  TestCertificate cert = MakeCertificate({"Only.Example.com", {}});
  tls::ParsedCertificate parsed = tls::ParseCertificate(cert.certificate_pem, cert.key_pem, Now());
  ASSERT_NE(parsed.certificate, nullptr) << parsed.error;
  EXPECT_EQ(parsed.certificate->names(), std::vector<std::string>{"only.example.com"});
}

TEST(ServerCertificateTest, RsaAndChains) {
  TestCertificate leaf = MakeCertificate({"rsa.example.com", {"rsa.example.com"}, -60, 3600, true});
  TestCertificate other = MakeCertificate({"intermediate", {}});
  // A chain: leaf first, then another certificate standing in for an
  // intermediate.
  tls::ParsedCertificate parsed =
      tls::ParseCertificate(leaf.certificate_pem + other.certificate_pem, leaf.key_pem, Now());
  EXPECT_NE(parsed.certificate, nullptr) << parsed.error;
}

// BadPairs: every unusable Secret content is refused with a reason that
// never quotes the key.
TEST(ServerCertificateTest, RefusesBadPairsWithoutQuotingTheKey) {
  TestCertificate good = MakeCertificate({"good.example.com", {"good.example.com"}});
  TestCertificate other = MakeCertificate({"other.example.com", {"other.example.com"}});
  TestCertificate expired = MakeCertificate({"old.example.com", {}, -7200, -3600});
  TestCertificate future = MakeCertificate({"new.example.com", {}, 3600, 7200});
  struct Case {
    std::string name;
    std::string cert;
    std::string key;
    std::string want;
  };
  std::vector<Case> cases = {
      {"mismatched key", good.certificate_pem, other.key_pem, "does not match"},
      {"expired", expired.certificate_pem, expired.key_pem, "has expired"},
      {"not yet valid", future.certificate_pem, future.key_pem, "not valid yet"},
      {"garbage certificate", "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n",
       good.key_pem, "no parsable PEM certificate"},
      {"garbage key", good.certificate_pem,
       "-----BEGIN PRIVATE KEY-----\nMIIEfake\n-----END PRIVATE KEY-----\n", "private key"},
      {"empty key", good.certificate_pem, "", "private key"},
      {"key in place of the certificate", good.key_pem, good.key_pem,
       "no parsable PEM certificate"},
  };
  for (const Case& c : cases) {
    std::string error = tls::CertificateError(c.cert, c.key);
    EXPECT_NE(error.find(c.want), std::string::npos) << c.name << ": " << error;
    // No line of any key ever shows up in an error.
    for (const std::string* key : {&good.key_pem, &other.key_pem, &expired.key_pem}) {
      std::string body = key->substr(key->find('\n') + 1, 40);
      EXPECT_EQ(error.find(body), std::string::npos) << c.name;
    }
  }
}

TEST(CertificateSetTest, SelectsExactThenWildcardThenDefault) {
  TestCertificate first = MakeCertificate({"first", {}});
  TestCertificate exact = MakeCertificate({"exact", {}});
  TestCertificate wildcard = MakeCertificate({"wildcard", {}});
  TestCertificate from_san = MakeCertificate({"san", {"san.example.org"}});
  auto set = tls::CertificateSet::Build(
      {IrCertificate(first, {"first.example.com"}), IrCertificate(exact, {"a.example.com"}),
       IrCertificate(wildcard, {"*.example.com"}), IrCertificate(from_san, {})},
      Now());
  ASSERT_EQ(set->size(), 4u);
  auto subject_of = [&](std::string_view name) {
    const auto* selected = set->Select(name);
    return selected == nullptr ? std::string("none") : (*selected)->subject();
  };
  EXPECT_EQ(subject_of("a.example.com"), "/CN=exact");
  EXPECT_EQ(subject_of("A.Example.COM."), "/CN=exact");
  EXPECT_EQ(subject_of("b.example.com"), "/CN=wildcard");
  EXPECT_EQ(subject_of("x.y.example.com"), "/CN=wildcard");  // Gateway wildcards
  EXPECT_EQ(subject_of("first.example.com"), "/CN=first");
  EXPECT_EQ(subject_of("san.example.org"), "/CN=san");
  EXPECT_EQ(subject_of("example.com"), "/CN=first");  // a wildcard needs a label
  EXPECT_EQ(subject_of("unknown.test"), "/CN=first");
  EXPECT_EQ(subject_of(""), "/CN=first");  // no SNI
}

TEST(CertificateSetTest, LeavesOutBadCertificatesAndKeepsTheRest) {
  TestCertificate good = MakeCertificate({"good", {}});
  TestCertificate other = MakeCertificate({"other", {}});
  ir::TlsCertificate mismatched = IrCertificate(good, {"bad.example.com"});
  mismatched.private_key_pem = other.key_pem;
  auto set =
      tls::CertificateSet::Build({mismatched, IrCertificate(good, {"good.example.com"})}, Now());
  ASSERT_EQ(set->size(), 1u);
  ASSERT_EQ(set->errors().size(), 1u);
  EXPECT_NE(set->errors()[0].find("bad.example.com"), std::string::npos);
  EXPECT_EQ((*set->Select("bad.example.com"))->subject(), "/CN=good");  // the default now
  EXPECT_EQ(tls::CertificateSet::Build({}, Now())->Select("x"), nullptr);
}

TEST(ServerContextTest, ParsesServerNameExtension) {
  // list length 14, host_name, length 11, "example.com"
  const unsigned char ok[] = {0,   14,  0,   0,   11,  'e', 'x', 'a',
                              'm', 'p', 'l', 'e', '.', 'c', 'o', 'm'};
  EXPECT_EQ(tls::ServerContext::ServerName(ok, sizeof(ok)), "example.com");
  EXPECT_EQ(tls::ServerContext::ServerName(ok, 5), "");  // truncated
  const unsigned char bad_length[] = {0, 40, 0, 0, 11, 'e'};
  EXPECT_EQ(tls::ServerContext::ServerName(bad_length, sizeof(bad_length)), "");
  const unsigned char nul[] = {0, 6, 0, 0, 3, 'a', 0, 'b'};
  EXPECT_EQ(tls::ServerContext::ServerName(nul, sizeof(nul)), "");
  EXPECT_EQ(tls::ServerContext::ServerName(nullptr, 0), "");
}

TEST(RouteTableTlsTest, SelectsByListenerAndReusesParsedCertificates) {
  TestCertificate a = MakeCertificate({"a", {}});
  TestCertificate b = MakeCertificate({"b", {}});
  ir::RouteConfig config;
  config.listeners.push_back(TlsListener("", {IrCertificate(a, {"a.example.com"})}, {}));
  config.listeners.back().bind_port = 8443;
  config.listeners.push_back(TlsListener("10.0.0.1", {IrCertificate(b, {"b.example.com"})}, {}));
  config.listeners.back().bind_port = 8443;
  ir::Listener plain;
  plain.bind_port = 8080;
  plain.port = 80;
  config.listeners.push_back(plain);
  table::CompileCache cache;
  std::vector<std::string> errors;
  auto table = table::RouteTable::Compile(config, 1, &errors, &cache);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(table->SelectCertificate("127.0.0.1", 8443, "")->subject(), "/CN=a");
  EXPECT_EQ(table->SelectCertificate("10.0.0.1", 8443, "")->subject(), "/CN=b");
  EXPECT_EQ(table->SelectCertificate("", 8080, "a.example.com"), nullptr);
  EXPECT_EQ(table->SelectCertificate("", 9999, "a.example.com"), nullptr);

  // Unchanged PEMs: the next table shares the parsed certificates.
  auto next = table::RouteTable::Compile(config, 2, &errors, &cache);
  EXPECT_EQ(cache.reused_certificate_sets(), 2u);
  EXPECT_EQ(next->SelectCertificate("127.0.0.1", 8443, ""),
            table->SelectCertificate("127.0.0.1", 8443, ""));
  // A rotated Secret is parsed again.
  config.listeners[0].certificates[0] = IrCertificate(b, {"a.example.com"});
  auto rotated = table::RouteTable::Compile(config, 3, &errors, &cache);
  EXPECT_EQ(cache.reused_certificate_sets(), 1u);
  EXPECT_EQ(rotated->SelectCertificate("127.0.0.1", 8443, "a.example.com")->subject(), "/CN=b");
}

TEST(RouteTableTlsTest, AdminJsonNeverShowsPrivateKeys) {
  TestCertificate a = MakeCertificate({"a", {}});
  ir::RouteConfig config;
  config.listeners.push_back(TlsListener("", {IrCertificate(a, {"a.example.com"})}, {}));
  std::string dump = ir::ToJson(config).dump();
  EXPECT_EQ(dump.find("PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(dump.find(a.key_pem.substr(a.key_pem.find('\n') + 1, 30)), std::string::npos);
  EXPECT_NE(dump.find("a.example.com"), std::string::npos);
}

}  // namespace
}  // namespace atrium::testing

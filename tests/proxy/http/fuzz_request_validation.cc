// Fuzz target for request parsing and validation: bytes go through Beast's
// request parser (as they do on the socket), then through ValidateRequest and
// PrepareUpstreamRequest, and the properties the proxy relies on are checked.
//
// Built with clang's -fsanitize=fuzzer (ATRIUM_FUZZ=ON, ATRIUM_LIBFUZZER
// defined) it is a libFuzzer binary; otherwise it is a GoogleTest that
// replays the checked-in corpus plus deterministic mutations of it, so it
// runs in ctest under the sanitizers.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "proxy/http/forwarding.h"
#include "proxy/http/hop_by_hop.h"
#include "proxy/http/request_validation.h"

namespace {

namespace bhttp = atrium::http::bhttp;

void Require(bool condition) {
  if (!condition) std::abort();
}

bool HasForbiddenByte(std::string_view value) {
  return value.find('\0') != value.npos || value.find('\r') != value.npos ||
         value.find('\n') != value.npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bhttp::request_parser<bhttp::empty_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(1024 * 1024);
  boost::system::error_code ec;
  size_t used = 0;
  while (used < input.size() && !parser.is_header_done()) {
    size_t n = parser.put(boost::asio::buffer(input.data() + used, input.size() - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  if (!parser.is_header_done()) {
    if (ec && ec != bhttp::error::need_more) {
      int status = atrium::http::StatusForParseError(ec, input);
      Require(status == 400 || status == 413 || status == 431 || status == 505);
    }
    return 0;
  }

  auto& header = parser.get();
  atrium::http::RequestFacts facts;
  atrium::http::Verdict verdict = atrium::http::ValidateRequest(header, &facts);
  if (!verdict.ok()) {
    Require(verdict.status >= 400 && verdict.status <= 505 && !verdict.reason.empty());
    return 0;
  }
  // A valid request has exactly the properties the proxy relies on.
  Require(header.version() == 10 || header.version() == 11);
  Require(header.count(bhttp::field::host) <= 1);
  Require(header.version() == 10 || header.count(bhttp::field::host) == 1);
  Require(atrium::http::IsValidHostValue(facts.host));
  Require(!(facts.chunked && header.count(bhttp::field::content_length) > 0));
  Require(facts.chunked == parser.chunked());
  for (const auto& field : header) Require(!HasForbiddenByte(field.value()));
  if (facts.target.form == atrium::http::TargetForm::kOrigin) {
    Require(!facts.target.path.empty() && facts.target.path.front() == '/');
  }
  if (facts.upgrade) {
    Require(!atrium::http::ConnectionHasToken(header, "h2c"));
  }

  std::optional<uint64_t> length;
  if (parser.content_length()) length = *parser.content_length();
  atrium::http::UpstreamRequestContext context{"192.0.2.1", "http", "atrium",
                                               "00000000-0000-4000-8000-000000000000"};
  bhttp::request_header<> upstream = header;
  atrium::http::PrepareUpstreamRequest(upstream, facts, length, context);
  // What goes upstream is HTTP/1.1 with one Host, no hop-by-hop leftovers and
  // unambiguous framing.
  Require(upstream.version() == 11);
  Require(upstream.count(bhttp::field::host) == 1);
  Require(upstream.count(bhttp::field::keep_alive) == 0);
  Require(upstream.count(bhttp::field::te) == 0);
  Require(upstream.count(bhttp::field::proxy_connection) == 0);
  Require(upstream.count(bhttp::field::content_length) == 0 ||
          upstream.count(bhttp::field::transfer_encoding) == 0);
  Require(upstream.count(bhttp::field::upgrade) == (facts.upgrade ? 1u : 0u));
  Require(!upstream.target().empty());
  return 0;
}

#if !defined(ATRIUM_LIBFUZZER)

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

std::vector<std::string> LoadCorpus() {
  std::vector<std::string> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(ATRIUM_FUZZ_CORPUS_DIR)) {
    std::ifstream file(entry.path(), std::ios::binary);
    std::stringstream content;
    content << file.rdbuf();
    inputs.push_back(content.str());
  }
  return inputs;
}

int RunOne(const std::string& input) {
  return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

TEST(FuzzRequestValidationTest, ReplaysCorpus) {
  auto corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), 10u);
  for (const auto& input : corpus) EXPECT_EQ(RunOne(input), 0);
}

TEST(FuzzRequestValidationTest, SurvivesDeterministicMutations) {
  // A cheap stand-in for the fuzzer when it is not available: flip, insert
  // and delete bytes of every corpus entry with a fixed seed.
  auto corpus = LoadCorpus();
  ASSERT_FALSE(corpus.empty());
  uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  static constexpr char kInteresting[] = {'\0', '\r',   '\n',   ' ', ':', ',', '\t', '0',
                                          'a',  '\x7f', '\x80', '/', '?', '#', '@',  '['};
  int runs = 0;
  for (const auto& seed : corpus) {
    for (int round = 0; round < 200; ++round) {
      std::string input = seed;
      int edits = 1 + static_cast<int>(next() % 4);
      for (int e = 0; e < edits && !input.empty(); ++e) {
        size_t at = next() % input.size();
        char c = kInteresting[next() % sizeof(kInteresting)];
        switch (next() % 3) {
          case 0:
            input[at] = c;
            break;
          case 1:
            input.insert(input.begin() + static_cast<long>(at), c);
            break;
          default:
            input.erase(at, 1);
            break;
        }
      }
      EXPECT_EQ(RunOne(input), 0);
      ++runs;
    }
  }
  EXPECT_EQ(runs, static_cast<int>(corpus.size()) * 200);
}

}  // namespace

#endif  // !ATRIUM_LIBFUZZER

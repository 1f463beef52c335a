#include "proxy/http/header_writer.h"

namespace atrium::http {
namespace {

void AppendVersion(unsigned version, std::string* out) {
  const char text[] = {'H', 'T',
                       'T', 'P',
                       '/', static_cast<char>('0' + version / 10),
                       '.', static_cast<char>('0' + version % 10)};
  out->append(text, sizeof(text));
}

// AppendFields: each field as Beast stores it, "Name: value\r\n", then the
// blank line that ends the header section.
void AppendFields(const Fields& fields, std::string* out) {
  for (const auto& field : fields) {
    out->append(field.name_string());
    out->append(": ", 2);
    out->append(field.value());
    out->append("\r\n", 2);
  }
  out->append("\r\n", 2);
}

}  // namespace

void AppendHeader(const RequestHeader& header, std::string* out) {
  out->append(header.method_string());
  out->push_back(' ');
  out->append(header.target());
  out->push_back(' ');
  AppendVersion(header.version(), out);
  out->append("\r\n", 2);
  AppendFields(header, out);
}

void AppendHeader(const ResponseHeader& header, std::string* out) {
  AppendVersion(header.version(), out);
  const unsigned code = header.result_int();
  const char status[] = {' ', static_cast<char>('0' + code / 100 % 10),
                         static_cast<char>('0' + code / 10 % 10),
                         static_cast<char>('0' + code % 10), ' '};
  out->append(status, sizeof(status));
  out->append(header.reason());
  out->append("\r\n", 2);
  AppendFields(header, out);
}

}  // namespace atrium::http

#pragma once

// Conversion of Kubernetes YAML into the JSON objects the rest of Atrium
// reads. YAML 1.2 core-schema rules decide the type of a plain scalar (int,
// float, bool, null); quoted scalars are always strings, so `port: "80"`
// stays a string as the API server would keep it.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace atrium::manifests {

struct YamlDocument {
  nlohmann::json object;  // null for an empty document
  int line = 0;           // 1-based line where the document starts
};

struct YamlParseResult {
  std::vector<YamlDocument> documents;
  std::string error;  // non-empty: the text is not valid YAML ("line 3: ...")
};

// ParseYamlDocuments parses a (multi-document) YAML stream. It never throws.
YamlParseResult ParseYamlDocuments(std::string_view text);

}  // namespace atrium::manifests

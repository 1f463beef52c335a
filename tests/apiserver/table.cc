#include "tests/apiserver/table.h"

#include "tests/apiserver/json_path.h"
#include "tests/apiserver/time_format.h"

namespace atrium::testing {
namespace {

using nlohmann::json;

std::string Text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

json DateCell(const json& value, std::chrono::system_clock::time_point now) {
  if (!value.is_string()) return nullptr;
  auto t = ParseTime(value.get<std::string>());
  if (!t) return value;
  return HumanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *t));
}

json Cell(const PrinterColumn& column, const json& object,
          std::chrono::system_clock::time_point now) {
  json value;
  if (column.cell) {
    value = column.cell(object);
  } else {
    std::vector<json> results = EvaluateJsonPath(object, column.json_path);
    if (results.empty()) return nullptr;
    if (results.size() == 1) {
      value = results.front();
      if (value.is_object() || value.is_array()) value = value.dump();
    } else {
      // Several results print space-separated, as kubectl's JSONPath printer does.
      std::string joined;
      for (const json& r : results) joined += (joined.empty() ? "" : " ") + Text(r);
      value = joined;
    }
  }
  if (column.type == "date") return DateCell(value, now);
  if (column.type == "integer" && value.is_number()) return value;
  if (column.type == "number" && value.is_number()) return value;
  if (column.type == "boolean" && value.is_boolean()) return value;
  if (value.is_null()) return nullptr;
  return Text(value);
}

}  // namespace

std::string TableVersion(std::string_view accept) {
  // Accept lists alternatives separated by commas, parameters by semicolons.
  size_t start = 0;
  while (start <= accept.size()) {
    size_t end = accept.find(',', start);
    std::string_view part = accept.substr(start, end == std::string_view::npos ? end : end - start);
    if (part.find("as=Table") != std::string_view::npos &&
        part.find("g=meta.k8s.io") != std::string_view::npos) {
      if (part.find("v=v1beta1") != std::string_view::npos) return "v1beta1";
      return "v1";
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return "";
}

json ToTable(const ResourceType& type, const std::vector<json>& objects, const json& list_metadata,
             std::string_view table_version, std::string_view include_object,
             std::chrono::system_clock::time_point now) {
  json columns = json::array();
  for (const PrinterColumn& c : type.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type == "date" ? "string" : c.type},
                       {"format", c.format},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  json rows = json::array();
  for (const json& object : objects) {
    json cells = json::array();
    for (const PrinterColumn& c : type.columns) cells.push_back(Cell(c, object, now));
    json row = {{"cells", cells}};
    if (include_object == "Object") {
      row["object"] = object;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/" + std::string(table_version)},
                       {"metadata", object.value("metadata", json::object())}};
    }
    rows.push_back(std::move(row));
  }
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/" + std::string(table_version)},
          {"metadata", list_metadata},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace atrium::testing

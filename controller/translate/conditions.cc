#include "controller/translate/conditions.h"

namespace atrium::translate {

nlohmann::json Condition(std::string_view type, bool status, std::string_view reason,
                         std::string_view message, int64_t observed_generation) {
  return nlohmann::json{{"type", type},
                        {"status", status ? "True" : "False"},
                        {"reason", reason},
                        {"message", message},
                        {"observedGeneration", observed_generation}};
}

}  // namespace atrium::translate

#include "store/json_text.h"

namespace capstan::store {

std::string DumpJson(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

model::Result<nlohmann::json> ParseJson(std::string_view text) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    return model::Status::Error(model::ErrorCode::kParseError, e.what());
  }
}

}  // namespace capstan::store

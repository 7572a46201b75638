#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "model/status.h"

namespace capstan::store {

// Text <-> nlohmann::json without exceptions, for everything the store keeps as JSON text
// (and for the lead's TaskHandle codec in targets/, which store/ must not know about).

// Compact JSON. Never throws: invalid UTF-8 in a string is replaced by U+FFFD (binary payloads
// must be base64-encoded by the caller, as model_codec does for Secret and binaryData values).
std::string DumpJson(const nlohmann::json& value);

// Parses `text`; malformed JSON is a kParseError naming the byte offset, never an exception.
model::Result<nlohmann::json> ParseJson(std::string_view text);

}  // namespace capstan::store

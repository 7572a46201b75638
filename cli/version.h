#pragma once

namespace capstan::cli {

inline constexpr const char* kVersion = CAPSTAN_VERSION_STRING;

}  // namespace capstan::cli

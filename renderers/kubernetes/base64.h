#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capstan::renderers::kubernetes {

// Decodes standard (RFC 4648, padded) base64 as Kubernetes reads Secret `data` and ConfigMap
// `binaryData`. Line breaks are skipped (Go's decoder ignores \r and \n); anything else that is
// not in the alphabet, bad padding or a truncated group yields nullopt. Pure, thread-safe.
std::optional<std::string> DecodeBase64(std::string_view text);

}  // namespace capstan::renderers::kubernetes

#pragma once

#include <map>
#include <string>

namespace capstan::model {

struct ConfigMapSpec {
  std::map<std::string, std::string> data;
  std::map<std::string, std::string> binary_data;  // decoded bytes
  friend bool operator==(const ConfigMapSpec&, const ConfigMapSpec&) = default;
};

// Values are decoded (base64 `data` and plain `stringData` merged). They are sensitive: Flatten()
// marks them so that diffs, logs, events and the API print a digest, never the value.
struct SecretSpec {
  std::string type = "Opaque";
  std::map<std::string, std::string> data;
  friend bool operator==(const SecretSpec&, const SecretSpec&) = default;
};

}  // namespace capstan::model

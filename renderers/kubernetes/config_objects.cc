// v1 ConfigMap -> model::ConfigMapSpec, v1 Secret -> model::SecretSpec.
#include <fmt/format.h>

#include "renderers/kubernetes/base64.h"
#include "renderers/kubernetes/converters.h"
#include "renderers/kubernetes/names.h"

namespace capstan::renderers::kubernetes {
namespace {

// Reads a map of keys to values; with `Encoding::kBase64` values are decoded, and a value that is
// not base64 is an error naming the key (never the value: it may be a secret).
enum class Encoding { kPlain, kBase64 };

std::map<std::string, std::string> ReadData(Fields& doc, std::string_view key, Encoding encoding) {
  std::map<std::string, std::string> out;
  auto raw = doc.StringMap(key);
  if (!raw) return out;
  Findings& f = doc.findings();
  const YAML::Node map = doc.Get(key);  // const: operator[] must not insert
  for (auto& [k, v] : *raw) {
    std::string path = fmt::format("{}[{}]", key, k);  // keys may contain dots: index form
    YAML::Node at = map[k];
    if (std::string why = CheckConfigKey(k); !why.empty()) {
      f.Error(at, path, why);
      continue;
    }
    if (encoding == Encoding::kPlain) {
      out[k] = std::move(v);
      continue;
    }
    auto decoded = DecodeBase64(v);
    if (!decoded) {
      f.Error(at, path,
              fmt::format("value of key \"{}\" is not valid base64 (use stringData for plain "
                          "text)",
                          k));
      continue;
    }
    out[k] = std::move(*decoded);
  }
  return out;
}

}  // namespace

void ConvertConfigMap(Fields& doc, const DocumentInfo& /*info*/, Rendered& out) {
  model::ConfigMapSpec cm;
  cm.data = ReadData(doc, "data", Encoding::kPlain);
  cm.binary_data = ReadData(doc, "binaryData", Encoding::kBase64);
  for (const auto& [key, value] : cm.binary_data) {
    if (cm.data.count(key) > 0) {
      const YAML::Node binary = doc.Get("binaryData");
      doc.findings().Error(binary[key], fmt::format("binaryData[{}]", key),
                           fmt::format("duplicate key \"{}\": also in data", key));
    }
  }
  out.resource.spec = std::move(cm);
}

void ConvertSecret(Fields& doc, const DocumentInfo& /*info*/, Rendered& out) {
  model::SecretSpec secret;
  secret.type = doc.String("type").value_or("Opaque");
  if (secret.type.empty()) secret.type = "Opaque";
  secret.data = ReadData(doc, "data", Encoding::kBase64);
  // stringData is a write-only convenience: merged over data, as the API server does.
  for (auto& [key, value] : ReadData(doc, "stringData", Encoding::kPlain)) {
    secret.data[key] = std::move(value);
  }
  out.resource.spec = std::move(secret);
}

}  // namespace capstan::renderers::kubernetes

#include "orchestrator/container/registry_auth.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace capstan::orchestrator::container {

namespace {

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64UrlEncode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(in[k]); };
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += kBase64Url[v & 63];
  }
  if (i + 1 == in.size()) {
    std::uint32_t v = byte(i) << 16;
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kBase64Url[(v >> 18) & 63];
    out += kBase64Url[(v >> 12) & 63];
    out += kBase64Url[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// Standard or URL-safe alphabet, padding optional. Returns false on any other character.
bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '+' || c == '-') {
      v = 62;
    } else if (c == '/' || c == '_') {
      v = 63;
    } else if (c == '=') {
      break;
    } else if (c == '\n' || c == '\r') {
      continue;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

std::string JsonString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

model::Result<RegistryCredentials> RegistryCredentials::Load(const std::string& path) {
  if (path.empty()) return RegistryCredentials();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    if (err == ENOENT || err == ENOTDIR) return RegistryCredentials();
    return model::Status::Error(
        model::ErrorCode::kIoError,
        fmt::format("read registry credentials {}: {}", path, std::strerror(err)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return model::Status::Error(model::ErrorCode::kIoError,
                                fmt::format("read registry credentials {}: read error", path));
  }
  return Parse(text.str(), path);
}

model::Result<RegistryCredentials> RegistryCredentials::Parse(const std::string& json_text,
                                                              const std::string& path_for_errors) {
  auto error = [&](const std::string& why) {
    return model::Status::Error(model::ErrorCode::kParseError,
                                fmt::format("registry credentials {}: {}", path_for_errors, why));
  };
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return error("not valid JSON");
  if (!doc.is_object()) return error("not a JSON object");
  RegistryCredentials creds;
  auto auths = doc.find("auths");
  if (auths == doc.end() || auths->is_null()) return creds;
  if (!auths->is_object()) return error("\"auths\" is not an object");
  for (const auto& [key, entry] : auths->items()) {
    if (!entry.is_object()) return error(fmt::format("auths[\"{}\"] is not an object", key));
    RegistryAuth auth;
    auth.server_address = key;
    std::string encoded = JsonString(entry, "auth");
    if (!encoded.empty()) {
      std::string decoded;
      if (!Base64Decode(encoded, &decoded)) {
        return error(fmt::format("auths[\"{}\"].auth is not base64", key));
      }
      std::size_t colon = decoded.find(':');
      if (colon == std::string::npos) {
        return error(fmt::format("auths[\"{}\"].auth is not base64(user:password)", key));
      }
      auth.username = decoded.substr(0, colon);
      auth.password = decoded.substr(colon + 1);
    }
    if (std::string user = JsonString(entry, "username"); !user.empty()) auth.username = user;
    if (std::string pass = JsonString(entry, "password"); !pass.empty()) auth.password = pass;
    auth.identity_token = JsonString(entry, "identitytoken");
    // An empty entry is what `docker login` leaves when a credsStore holds the secret.
    if (auth.username.empty() && auth.password.empty() && auth.identity_token.empty()) continue;
    creds.auths_[model::NormaliseRegistry(key)] = std::move(auth);
  }
  return creds;
}

std::optional<RegistryAuth> RegistryCredentials::For(const std::string& registry) const {
  auto it = auths_.find(model::NormaliseRegistry(registry));
  if (it == auths_.end()) return std::nullopt;
  return it->second;
}

std::string EncodeRegistryAuthHeader(const RegistryAuth& auth) {
  nlohmann::json j = nlohmann::json::object();
  if (!auth.identity_token.empty()) {
    j["identitytoken"] = auth.identity_token;
  } else {
    j["username"] = auth.username;
    j["password"] = auth.password;
  }
  if (!auth.server_address.empty()) j["serveraddress"] = auth.server_address;
  return Base64UrlEncode(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string DefaultDockerConfigPath(const std::map<std::string, std::string>& environment) {
  auto get = [&](const char* name) -> std::string {
    auto it = environment.find(name);
    return it == environment.end() ? "" : it->second;
  };
  if (std::string dir = get("DOCKER_CONFIG"); !dir.empty()) return dir + "/config.json";
  if (std::string home = get("HOME"); !home.empty()) return home + "/.docker/config.json";
  return "";
}

}  // namespace capstan::orchestrator::container

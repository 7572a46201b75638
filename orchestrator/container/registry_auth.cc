#include "orchestrator/container/registry_auth.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace capstan::orchestrator::container {

namespace {

constexpr std::string_view kDockerHub = "docker.io";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// One path component of a repository: lower-case alphanumerics separated by '.', '_', "__" or
// runs of '-' (the distribution spec's grammar, slightly relaxed on separator runs).
bool ValidPathComponent(std::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  for (char ch : c) {
    if (!IsLowerAlnum(ch) && ch != '.' && ch != '_' && ch != '-') return false;
  }
  return true;
}

bool ValidTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(tag.front())) return false;
  for (char c : tag) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool ValidDigest(std::string_view digest) {
  std::size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= digest.size()) return false;
  for (char c : digest.substr(colon + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  for (char c : digest.substr(0, colon)) {
    if (!IsLowerAlnum(c) && c != '+' && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

bool ValidRegistry(std::string_view host) {
  if (host.empty()) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

// "https://index.docker.io/v1/" -> "docker.io"; "HTTP://Reg:5000/x" -> "reg:5000".
std::string NormaliseRegistry(std::string_view key) {
  std::string host(key);
  if (std::size_t scheme = host.find("://"); scheme != std::string::npos) {
    host = host.substr(scheme + 3);
  }
  if (std::size_t slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host == "index.docker.io" || host == "registry-1.docker.io" ||
      host == "registry.hub.docker.com") {
    return std::string(kDockerHub);
  }
  return host;
}

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

model::Result<ImageReference> ParseImageReference(std::string_view image) {
  auto invalid = [&](std::string_view why) {
    return model::Status::Error(model::ErrorCode::kInvalidArgument,
                                fmt::format("invalid image reference \"{}\": {}", image, why));
  };
  if (image.empty()) return invalid("empty");
  for (char c : image) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return invalid("contains whitespace");
  }
  ImageReference ref;
  std::string_view rest = image;
  if (std::size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!ValidDigest(ref.digest)) return invalid("bad digest \"" + ref.digest + "\"");
  }
  std::size_t last_slash = rest.rfind('/');
  std::size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (last_slash == std::string_view::npos || colon > last_slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!ValidTag(ref.tag)) return invalid("bad tag \"" + ref.tag + "\"");
  }
  if (rest.empty()) return invalid("no repository");

  std::size_t first_slash = rest.find('/');
  std::string_view first = rest.substr(0, first_slash);
  bool has_registry = first_slash != std::string_view::npos &&
                      (first.find('.') != std::string_view::npos ||
                       first.find(':') != std::string_view::npos || first == "localhost");
  std::string_view path = rest;
  if (has_registry) {
    if (!ValidRegistry(first)) return invalid("bad registry \"" + std::string(first) + "\"");
    ref.registry = NormaliseRegistry(first);
    path = rest.substr(first_slash + 1);
  } else {
    ref.registry = std::string(kDockerHub);
  }
  // Validate each component of the repository path.
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view component = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!ValidPathComponent(component)) {
      bool upper = false;
      for (char c : component) upper = upper || (c >= 'A' && c <= 'Z');
      return invalid(upper ? "repository name must be lowercase"
                           : "bad repository component \"" + std::string(component) + "\"");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  ref.repository = std::string(path);
  if (ref.registry == kDockerHub && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.tag.empty() && ref.digest.empty()) {
    ref.tag = "latest";
    ref.tag_implied = true;
  }
  return ref;
}

bool DefaultPullAlways(const ImageReference& ref) {
  if (!ref.digest.empty()) return false;
  return ref.tag_implied || ref.tag == "latest";
}

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
    creds.auths_[NormaliseRegistry(key)] = std::move(auth);
  }
  return creds;
}

std::optional<RegistryAuth> RegistryCredentials::For(const std::string& registry) const {
  auto it = auths_.find(NormaliseRegistry(registry));
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

#include "model/image_reference.h"

#include <fmt/format.h>

#include <cctype>

namespace capstan::model {

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

}  // namespace

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

Result<ImageReference> ParseImageReference(std::string_view image) {
  auto invalid = [&](std::string_view why) {
    return Status::Error(ErrorCode::kInvalidArgument,
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

}  // namespace capstan::model

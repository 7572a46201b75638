#include "renderers/ecs/ecs_secrets.h"

#include <fmt/format.h>

#include <cctype>
#include <vector>

namespace capstan::renderers::ecs {
namespace {

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? at : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// "DB_creds-AbC123" -> "DB_creds": the suffix Secrets Manager appends to every secret's ARN.
std::string_view StripRandomSuffix(std::string_view name) {
  if (name.size() <= 7 || name[name.size() - 7] != '-') return name;
  for (char c : name.substr(name.size() - 6)) {
    if (!IsAlnum(c)) return name;
  }
  return name.substr(0, name.size() - 7);
}

// Lower case, [a-z0-9.-] kept, everything else '-', no leading '/', no leading or trailing '-'
// or '.'. Empty when nothing usable is left.
std::string SecretName(std::string_view name) {
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  std::string out;
  for (char c : name) {
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += (IsAlnum(lower) || lower == '.') ? lower : '-';
  }
  while (!out.empty() && (out.front() == '-' || out.front() == '.')) out.erase(0, 1);
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out;
}

bool ValidSsmName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!IsAlnum(c) && c != '_' && c != '.' && c != '-' && c != '/') return false;
  }
  return true;
}

std::optional<SecretSource> Finish(std::string name, std::string key, bool version_ignored,
                                   std::string_view value_from, std::string& error) {
  if (name.empty() || name.size() > 253) {
    error =
        fmt::format("\"{}\" does not name a secret Capstan can map to a Secret name", value_from);
    return std::nullopt;
  }
  return SecretSource{std::move(name), std::move(key), version_ignored};
}

}  // namespace

std::optional<SecretSource> ParseSecretValueFrom(std::string_view value_from, std::string& error) {
  if (value_from.empty()) {
    error = "must not be empty";
    return std::nullopt;
  }
  if (value_from.rfind("arn:", 0) != 0) {
    if (!ValidSsmName(value_from)) {
      error = fmt::format(
          "\"{}\" is neither an ARN nor an SSM parameter name (letters, digits, '_', '.', '-', "
          "'/')",
          value_from);
      return std::nullopt;
    }
    return Finish(SecretName(value_from), "value", false, value_from, error);
  }
  // arn:<partition>:<service>:<region>:<account>:<resource...>
  const std::vector<std::string_view> parts = Split(value_from, ':');
  if (parts.size() >= 6 && parts[2] == "ssm" && parts[5].rfind("parameter/", 0) == 0 &&
      parts.size() == 6) {
    const std::string_view name = parts[5].substr(std::string_view("parameter/").size());
    if (!ValidSsmName(name)) {
      error =
          fmt::format("\"{}\": the parameter name after \"parameter/\" is not valid", value_from);
      return std::nullopt;
    }
    return Finish(SecretName(name), "value", false, value_from, error);
  }
  if (parts.size() >= 7 && parts[2] == "secretsmanager" && parts[5] == "secret" &&
      (parts.size() == 7 || parts.size() == 10)) {
    // Secret names: letters, digits and /_+=.@- (CreateSecret).
    for (char c : parts[6]) {
      if (!IsAlnum(c) && std::string_view("/_+=.@-").find(c) == std::string_view::npos) {
        error = fmt::format(
            "\"{}\": the secret name may contain only letters, digits and "
            "/_+=.@-",
            value_from);
        return std::nullopt;
      }
    }
    std::string key = "value";
    bool version_ignored = false;
    if (parts.size() == 10) {
      if (!parts[7].empty()) key = std::string(parts[7]);
      version_ignored = !parts[8].empty() || !parts[9].empty();
    }
    return Finish(SecretName(StripRandomSuffix(parts[6])), std::move(key), version_ignored,
                  value_from, error);
  }
  error = fmt::format(
      "\"{}\" is not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:secret:"
      "<name>[:<json-key>:<version-stage>:<version-id>]) nor an SSM parameter ARN "
      "(arn:aws:ssm:<region>:<account>:parameter/<name>)",
      value_from);
  return std::nullopt;
}

}  // namespace capstan::renderers::ecs

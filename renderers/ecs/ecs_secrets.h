#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capstan::renderers::ecs {

// Where an ECS `secrets[].valueFrom` points, translated to a Kubernetes Secret of the same
// application folder (Capstan does not call AWS: the value lives in the repository).
//
//   Secrets Manager  arn:aws:secretsmanager:<region>:<account>:secret:<name>[-XXXXXX]
//                        [:<json-key>:<version-stage>:<version-id>]
//   SSM parameter    arn:aws:ssm:<region>:<account>:parameter/<name>   (name may hold '/')
//   SSM parameter    <name> or /<path>/<name>                           (same region and account)
//
// Secret name: the secret's or parameter's name, with Secrets Manager's random "-XXXXXX" suffix
// (a hyphen and six letters or digits, which AWS appends and recommends names never end with)
// removed, a leading '/' dropped, lower-cased, and every character outside [a-z0-9.-] ('/', '_',
// '+', '=', '@') turned into '-' — a DNS-1123 subdomain. Key: the json-key when given (the value
// of that JSON field, which is how ECS reads it), otherwise "value".
//   arn:aws:secretsmanager:us-east-1:1:secret:prod/DB_creds-AbC123:password::  -> prod-db-creds,
//   key password;  arn:aws:ssm:us-east-1:1:parameter/prod/api_key -> prod-api-key, key value.
struct SecretSource {
  std::string secret;  // Kubernetes Secret name
  std::string key;     // key within it
  // A version-stage or version-id was given: the Secret in the repository has one version only.
  bool version_ignored = false;
};

// Returns nullopt and sets `error` (a sentence for a diagnostic) when `value_from` is not one of
// the forms above or yields no valid Secret name. Pure, thread-safe.
std::optional<SecretSource> ParseSecretValueFrom(std::string_view value_from, std::string& error);

}  // namespace capstan::renderers::ecs

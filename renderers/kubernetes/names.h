#pragma once

#include <string>
#include <string_view>

namespace capstan::renderers::kubernetes {

// Kubernetes name rules (k8s.io/apimachinery/pkg/util/validation). Each returns an empty string
// when `name` is valid, else a sentence saying why, fit for a diagnostic. Pure, thread-safe.

// RFC 1123 label: at most 63 characters, lower-case alphanumerics and '-', starting and ending
// with an alphanumeric. Service, container, port-less volume names.
std::string CheckDns1123Label(std::string_view name);
// RFC 1123 subdomain: at most 253 characters, dot-separated labels. Most object names.
std::string CheckDns1123Subdomain(std::string_view name);
// IANA service name (RFC 6335): at most 15 characters, lower-case alphanumerics and '-', at least
// one letter, no leading/trailing/double '-'. Container port names and named target ports.
std::string CheckIanaSvcName(std::string_view name);
// IPv4 address in dotted-decimal form, as Kubernetes validates it since 1.30
// (k8s.io/utils/net ParseIPSloppy is no longer accepted for new objects): four decimal octets
// 0-255 without leading zeros ("10.0.0.010" is refused).
std::string CheckIpv4(std::string_view address);
// ConfigMap/Secret data key: [-._a-zA-Z0-9]+, at most 253 characters, not "." or "..".
std::string CheckConfigKey(std::string_view key);

}  // namespace capstan::renderers::kubernetes

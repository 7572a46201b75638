#pragma once

#include <string>
#include <string_view>

#include "model/status.h"

namespace capstan::orchestrator {

// The two messages of grpc.health.v1.Health/Check (grpc/src/proto/grpc/health/v1/health.proto),
// in gRPC's length-prefixed framing (doc/PROTOCOL-HTTP2.md: a 1-byte compressed flag, a 4-byte
// big-endian length, the message). The HTTP/2 exchange itself is libcurl's (nghttp2); only these
// two tiny protobuf messages are encoded by hand, to spare a protobuf dependency for one string
// and one enum. Pure.

// HealthCheckResponse.ServingStatus.
enum class ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };
const char* ServingStatusName(ServingStatus status);  // "SERVING", as the enum spells it

// A framed, uncompressed HealthCheckRequest { string service = 1; } (an empty service is an
// empty message, as protobuf omits default values).
std::string EncodeHealthCheckRequest(std::string_view service);

// Reads the first framed HealthCheckResponse { ServingStatus status = 1; } of a response body.
// Unknown fields are skipped, a missing status is UNKNOWN (0); a status value outside the enum
// is kept as its number. kInvalidArgument for a truncated frame or message, or a compressed one
// (none is asked for: no grpc-accept-encoding is sent).
model::Result<int> DecodeHealthCheckResponse(std::string_view body);

}  // namespace capstan::orchestrator

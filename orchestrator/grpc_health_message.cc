#include "orchestrator/grpc_health_message.h"

#include <cstdint>

namespace capstan::orchestrator {
namespace {

using model::ErrorCode;
using model::Status;

// Protobuf wire types (protobuf.dev/programming-guides/encoding).
enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void PutVarint(std::uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view in, std::size_t* pos, std::uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in[(*pos)++]);
    *v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

Status Malformed(const char* what) {
  return Status::Error(ErrorCode::kInvalidArgument,
                       std::string("malformed grpc.health.v1.HealthCheckResponse: ") + what);
}

}  // namespace

const char* ServingStatusName(ServingStatus status) {
  switch (status) {
    case ServingStatus::kUnknown:
      return "UNKNOWN";
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
  }
  return "UNKNOWN";
}

std::string EncodeHealthCheckRequest(std::string_view service) {
  std::string message;
  if (!service.empty()) {
    PutVarint((1 << 3) | kLengthDelimited, &message);  // field 1, string
    PutVarint(service.size(), &message);
    message.append(service);
  }
  std::string frame(5, '\0');  // byte 0: not compressed
  const auto n = static_cast<std::uint32_t>(message.size());
  frame[1] = static_cast<char>(n >> 24);
  frame[2] = static_cast<char>(n >> 16);
  frame[3] = static_cast<char>(n >> 8);
  frame[4] = static_cast<char>(n);
  return frame + message;
}

model::Result<int> DecodeHealthCheckResponse(std::string_view body) {
  if (body.size() < 5) return Malformed("no complete frame");
  if (body[0] != 0) return Malformed("compressed frame");
  const std::uint32_t n = (static_cast<std::uint32_t>(static_cast<unsigned char>(body[1])) << 24) |
                          (static_cast<std::uint32_t>(static_cast<unsigned char>(body[2])) << 16) |
                          (static_cast<std::uint32_t>(static_cast<unsigned char>(body[3])) << 8) |
                          static_cast<std::uint32_t>(static_cast<unsigned char>(body[4]));
  if (body.size() - 5 < n) return Malformed("truncated frame");
  std::string_view msg = body.substr(5, n);
  int status = 0;
  std::size_t pos = 0;
  while (pos < msg.size()) {
    std::uint64_t key = 0;
    if (!GetVarint(msg, &pos, &key)) return Malformed("truncated field key");
    std::uint64_t value = 0;
    switch (key & 7) {
      case kVarint:
        if (!GetVarint(msg, &pos, &value)) return Malformed("truncated varint");
        if ((key >> 3) == 1) status = static_cast<int>(static_cast<std::int32_t>(value));
        break;
      case kFixed64:
        if (msg.size() - pos < 8) return Malformed("truncated fixed64");
        pos += 8;
        break;
      case kLengthDelimited:
        if (!GetVarint(msg, &pos, &value) || msg.size() - pos < value) {
          return Malformed("truncated length-delimited field");
        }
        pos += value;
        break;
      case kFixed32:
        if (msg.size() - pos < 4) return Malformed("truncated fixed32");
        pos += 4;
        break;
      default:
        return Malformed("unsupported wire type");
    }
  }
  return status;
}

}  // namespace capstan::orchestrator

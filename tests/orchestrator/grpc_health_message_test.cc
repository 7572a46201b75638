#include "orchestrator/grpc_health_message.h"

#include <gtest/gtest.h>

namespace capstan::orchestrator {
namespace {

using namespace std::string_literals;

TEST(GrpcHealthMessage, RequestIsFramedProtobuf) {
  // 5-byte prefix (uncompressed, big-endian length), then field 1 (tag 0x0a), length, bytes.
  EXPECT_EQ(EncodeHealthCheckRequest(""), "\0\0\0\0\0"s);  // proto3 omits the empty string
  EXPECT_EQ(EncodeHealthCheckRequest("web"), "\0\0\0\0\x05\x0a\x03web"s);
  const std::string long_name(200, 'x');  // a two-byte varint length
  const std::string framed = EncodeHealthCheckRequest(long_name);
  ASSERT_EQ(framed.size(), 5u + 3u + 200u);
  EXPECT_EQ(framed.substr(0, 8), "\0\0\0\0\xcb\x0a\xc8\x01"s);
}

TEST(GrpcHealthMessage, ResponseStatusIsFieldOne) {
  struct Case {
    std::string body;
    int want;
  };
  const Case cases[] = {
      {"\0\0\0\0\x02\x08\x01"s, 1},  // SERVING
      {"\0\0\0\0\x02\x08\x02"s, 2},  // NOT_SERVING
      {"\0\0\0\0\0"s, 0},            // empty message: UNKNOWN
      {"\0\0\0\0\x07\x12\x03"
       "abc\x08\x01"s,
       1},                                   // an unknown string field first
      {"\0\0\0\0\x02\x08\x07"s, 7},          // outside the enum: kept as a number
      {"\0\0\0\0\x02\x08\x01trailing"s, 1},  // bytes after the first frame are ignored
  };
  for (const auto& c : cases) {
    auto v = DecodeHealthCheckResponse(c.body);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, c.want);
  }
  auto fixed32 = DecodeHealthCheckResponse("\0\0\0\0\x07\x1d\x01\x02\x03\x04\x08\x02"s);
  ASSERT_TRUE(fixed32.ok());
  EXPECT_EQ(*fixed32, 2);
}

TEST(GrpcHealthMessage, MalformedResponsesAreErrors) {
  for (const std::string& bad :
       {""s, "\0\0\0"s, "\0\0\0\0\x05\x08"s, "\x01\0\0\0\x02\x08\x01"s, "\0\0\0\0\x01\x08"s,
        "\0\0\0\0\x03\x12\x05x"s, "\0\0\0\0\x01\x0b"s}) {
    EXPECT_FALSE(DecodeHealthCheckResponse(bad).ok()) << testing::PrintToString(bad);
  }
}

TEST(GrpcHealthMessage, StatusNames) {
  EXPECT_STREQ(ServingStatusName(ServingStatus::kServing), "SERVING");
  EXPECT_STREQ(ServingStatusName(ServingStatus::kNotServing), "NOT_SERVING");
}

}  // namespace
}  // namespace capstan::orchestrator

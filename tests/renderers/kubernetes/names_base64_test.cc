#include <gtest/gtest.h>

#include <string>

#include "renderers/kubernetes/base64.h"
#include "renderers/kubernetes/names.h"

namespace capstan::renderers::kubernetes {
namespace {

TEST(Base64, DecodesPaddedText) {
  EXPECT_EQ(DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(DecodeBase64("aGVsbG8hIQ=="), "hello!!");
  EXPECT_EQ(DecodeBase64("YWJj"), "abc");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_EQ(DecodeBase64("YW\nJj\r\n"), "abc");  // line breaks are skipped, as Go does
  EXPECT_EQ(DecodeBase64("AP8="), std::string("\x00\xff", 2));
}

TEST(Base64, RejectsMalformedText) {
  EXPECT_FALSE(DecodeBase64("aGVsbG8"));   // truncated group
  EXPECT_FALSE(DecodeBase64("aGV$bG8="));  // not in the alphabet
  EXPECT_FALSE(DecodeBase64("a==="));      // too much padding
  EXPECT_FALSE(DecodeBase64("YQ==YWJj"));  // padding before the end
  EXPECT_FALSE(DecodeBase64("Y=Jj"));      // padding then data
  EXPECT_FALSE(DecodeBase64("plain text"));
}

TEST(Names, Dns1123Label) {
  EXPECT_EQ(CheckDns1123Label("web-1"), "");
  EXPECT_EQ(CheckDns1123Label(std::string(63, 'a')), "");
  EXPECT_NE(CheckDns1123Label(std::string(64, 'a')), "");
  EXPECT_NE(CheckDns1123Label("Web"), "");
  EXPECT_NE(CheckDns1123Label("web.api"), "");
  EXPECT_NE(CheckDns1123Label("-web"), "");
  EXPECT_NE(CheckDns1123Label("web-"), "");
  EXPECT_NE(CheckDns1123Label(""), "");
}

TEST(Names, Dns1123Subdomain) {
  EXPECT_EQ(CheckDns1123Subdomain("shirts.stable.example.com"), "");
  EXPECT_EQ(CheckDns1123Subdomain("web"), "");
  EXPECT_NE(CheckDns1123Subdomain("web..api"), "");
  EXPECT_NE(CheckDns1123Subdomain("web_api"), "");
  EXPECT_NE(CheckDns1123Subdomain(".web"), "");
  EXPECT_NE(CheckDns1123Subdomain(std::string(254, 'a')), "");
}

TEST(Names, IanaServiceName) {
  EXPECT_EQ(CheckIanaSvcName("http"), "");
  EXPECT_EQ(CheckIanaSvcName("http-metrics"), "");
  EXPECT_EQ(CheckIanaSvcName("h2c"), "");
  EXPECT_NE(CheckIanaSvcName("a-very-long-port-name"), "");  // 21 > 15
  EXPECT_NE(CheckIanaSvcName("8080"), "");                   // needs a letter
  EXPECT_NE(CheckIanaSvcName("http--alt"), "");
  EXPECT_NE(CheckIanaSvcName("-http"), "");
  EXPECT_NE(CheckIanaSvcName("HTTP"), "");
}

TEST(Names, ConfigKey) {
  EXPECT_EQ(CheckConfigKey(".secret-file"), "");
  EXPECT_EQ(CheckConfigKey("primary.cnf"), "");
  EXPECT_EQ(CheckConfigKey("APP_MODE"), "");
  EXPECT_NE(CheckConfigKey("a/b"), "");
  EXPECT_NE(CheckConfigKey(".."), "");
  EXPECT_NE(CheckConfigKey(""), "");
}

}  // namespace
}  // namespace capstan::renderers::kubernetes

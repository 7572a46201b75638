// ParseSecretValueFrom: ECS secrets[].valueFrom -> (Secret name, key), table-driven.
#include "renderers/ecs/ecs_secrets.h"

#include <gtest/gtest.h>

namespace capstan::renderers::ecs {
namespace {

struct Mapped {
  const char* value_from;
  const char* secret;
  const char* key;
  bool version_ignored;
};

TEST(EcsSecretValueFrom, MapsEveryFormToASecretAndKey) {
  const Mapped cases[] = {
      {"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/DB_creds-AbC123", "prod-db-creds",
       "value", false},
      {"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/DB_creds-AbC123:password::",
       "prod-db-creds", "password", false},
      {"arn:aws:secretsmanager:us-east-1:1:secret:api:token:AWSCURRENT:", "api", "token", true},
      {"arn:aws:secretsmanager:us-east-1:1:secret:api:::v-1", "api", "value", true},
      // Without the random suffix (a partial ARN) the name is kept whole.
      {"arn:aws:secretsmanager:eu-west-1:1:secret:web.tls", "web.tls", "value", false},
      {"arn:aws:ssm:us-east-1:123456789012:parameter/prod/api_key", "prod-api-key", "value", false},
      {"arn:aws-cn:ssm:cn-north-1:1:parameter/Db.Password", "db.password", "value", false},
      {"/ecspresso-test/foo", "ecspresso-test-foo", "value", false},
      {"DB_PASSWORD", "db-password", "value", false},
      // A template in the account is harmless: only the name is used.
      {"arn:aws:ssm:ap-northeast-1:{{must_env `AWS_ACCOUNT_ID`}}:parameter/ecspresso-test/bar",
       "ecspresso-test-bar", "value", false},
  };
  for (const auto& c : cases) {
    std::string error;
    auto source = ParseSecretValueFrom(c.value_from, error);
    ASSERT_TRUE(source.has_value()) << c.value_from << ": " << error;
    EXPECT_EQ(source->secret, c.secret) << c.value_from;
    EXPECT_EQ(source->key, c.key) << c.value_from;
    EXPECT_EQ(source->version_ignored, c.version_ignored) << c.value_from;
  }
}

TEST(EcsSecretValueFrom, RejectsWhatIsNeitherAnArnNorAParameterName) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "must not be empty"},
      {"arn:aws:ssm:x", "is not a Secrets Manager ARN"},
      {"arn:aws:s3:::bucket/key", "is not a Secrets Manager ARN"},
      {"arn:aws:secretsmanager:us-east-1:1:secret:a:b", "is not a Secrets Manager ARN"},
      {"arn:aws:ssm:us-east-1:1:parameter/", "parameter name after \"parameter/\""},
      {"arn:aws:secretsmanager:us-east-1:1:secret:{{ env `X` }}", "may contain only letters"},
      {"my secret", "neither an ARN nor an SSM parameter name"},
      {"///", "does not name a secret"},
  };
  for (const auto& [value_from, why] : cases) {
    std::string error;
    EXPECT_FALSE(ParseSecretValueFrom(value_from, error).has_value()) << value_from;
    EXPECT_NE(error.find(why), std::string::npos) << value_from << ": " << error;
  }
}

}  // namespace
}  // namespace capstan::renderers::ecs

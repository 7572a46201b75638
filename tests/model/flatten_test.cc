#include "model/flatten.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace capstan::model {
namespace {

const FlatField* FindField(const std::vector<FlatField>& fields, const std::string& path) {
  auto it = std::find_if(fields.begin(), fields.end(),
                         [&](const FlatField& f) { return f.path == path; });
  return it == fields.end() ? nullptr : &*it;
}

TEST(Flatten, KeysContainersAndEnvByName) {
  WorkloadSpec w;
  ContainerSpec c;
  c.name = "web";
  c.image = "nginx:1.27";
  c.env.push_back({"LOG", EnvSource::kLiteral, "debug"});
  w.task.containers.push_back(c);
  auto fields = Flatten(w);
  const FlatField* image = FindField(fields, "spec.template.containers[web].image");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->value, "nginx:1.27");
  const FlatField* env = FindField(fields, "spec.template.containers[web].env[LOG]");
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(env->value, "debug");
}

TEST(Flatten, MarksSecretDataSensitive) {
  SecretSpec s;
  s.data["password"] = "hunter2";
  auto fields = Flatten(s);
  const FlatField* f = FindField(fields, "data[password]");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->sensitive);
  const FlatField* type = FindField(fields, "type");
  ASSERT_NE(type, nullptr);
  EXPECT_FALSE(type->sensitive);
}

}  // namespace
}  // namespace capstan::model

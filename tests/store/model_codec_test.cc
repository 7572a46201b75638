#include "store/model_codec.h"

#include <gtest/gtest.h>

#include <string>

#include "store/json_text.h"
#include "tests/store/model_fixtures.h"

namespace capstan::store {
namespace {

using model::Result;
using nlohmann::json;
using testing::RichApplication;
using testing::SameApplication;

// Encodes to text and back, as the store does.
template <typename T, typename Decode>
T RoundTrip(const T& value, Decode decode) {
  std::string text = DumpJson(ToJson(value));
  Result<json> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok());
  auto decoded = decode(*parsed);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? std::move(decoded).value() : T{};
}

TEST(ModelCodec, TaskTemplateRoundTripsEveryField) {
  model::TaskTemplate task = testing::RichTaskTemplate(3);
  ASSERT_NE(task, model::TaskTemplate{});
  EXPECT_EQ(RoundTrip(task, TaskTemplateFromJson), task);
  Result<model::TaskTemplate> via_text = DecodeTaskTemplate(EncodeTaskTemplate(task));
  ASSERT_TRUE(via_text.ok()) << via_text.status().ToString();
  EXPECT_EQ(*via_text, task);
}

TEST(ModelCodec, EverySpecKindRoundTrips) {
  model::WorkloadSpec workload = testing::RichWorkload(1);
  EXPECT_EQ(RoundTrip(workload, WorkloadSpecFromJson), workload);
  model::WorkloadSpec defaults;  // nullopt ecs, percentages
  EXPECT_EQ(RoundTrip(defaults, WorkloadSpecFromJson), defaults);
  model::JobSpec job = testing::RichJob();
  EXPECT_EQ(RoundTrip(job, JobSpecFromJson), job);
  model::ServiceSpec service = testing::RichService();
  EXPECT_EQ(RoundTrip(service, ServiceSpecFromJson), service);
  model::ConfigMapSpec config_map = testing::RichConfigMap();
  EXPECT_EQ(RoundTrip(config_map, ConfigMapSpecFromJson), config_map);
  model::SecretSpec secret = testing::RichSecret();
  EXPECT_EQ(RoundTrip(secret, SecretSpecFromJson), secret);
  model::AutoscalerSpec autoscaler = testing::RichAutoscaler();
  EXPECT_EQ(RoundTrip(autoscaler, AutoscalerSpecFromJson), autoscaler);
}

TEST(ModelCodec, ResourceRoundTripKeepsOriginDialectAndSourceKind) {
  model::Application app = RichApplication();
  for (const auto& [id, resource] : app.resources) {
    model::Resource decoded = RoundTrip(resource, ResourceFromJson);
    EXPECT_TRUE(testing::SameResource(decoded, resource)) << id.ToString();
    EXPECT_EQ(decoded.spec.index(), resource.spec.index()) << id.ToString();
  }
}

TEST(ModelCodec, ApplicationRoundTripsThroughText) {
  model::Application app = RichApplication("shop");
  ASSERT_EQ(app.resources.size(), 7u);
  std::string text = EncodeApplication(app);
  Result<model::Application> decoded = DecodeApplication(text);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(SameApplication(*decoded, app));
  // Encoding is deterministic, so the stored text of an unchanged app does not churn.
  EXPECT_EQ(EncodeApplication(*decoded), text);
}

TEST(ModelCodec, ComparisonHelperNoticesADifference) {
  // Guards the round-trip tests above against a helper that always says "same".
  model::Application a = RichApplication();
  model::Application b = a;
  b.resources.begin()->second.origin.line += 1;
  EXPECT_FALSE(SameApplication(a, b));
}

TEST(ModelCodec, WritesEnumsAsNamesAndIntOrPercentLikeKubernetes) {
  json workload = ToJson(testing::RichWorkload());
  EXPECT_EQ(workload["strategy"], "Recreate");
  EXPECT_EQ(workload["maxSurge"], 3);
  EXPECT_EQ(workload["maxUnavailable"], "40%");
  EXPECT_EQ(workload["task"]["driver"], "Container");
  EXPECT_EQ(workload["task"]["restartPolicy"], "OnFailure");
  EXPECT_EQ(workload["task"]["containers"][0]["env"][2]["source"], "SecretKey");
  EXPECT_EQ(workload["task"]["containers"][0]["readiness"]["action"], "TcpSocket");
  EXPECT_EQ(workload["task"]["containers"][0]["ports"][0]["containerPort"], 8080);
  EXPECT_FALSE(workload["task"]["containers"][1].contains("liveness"));
  json resource = ToJson(RichApplication().resources.begin()->second);
  EXPECT_EQ(resource["id"]["kind"], "ConfigMap");
}

TEST(ModelCodec, MissingFieldsTakeTheModelDefaults) {
  Result<model::TaskTemplate> task = TaskTemplateFromJson(json::object());
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(*task, model::TaskTemplate{});
  Result<model::WorkloadSpec> workload = WorkloadSpecFromJson(json{{"replicas", 3}});
  ASSERT_TRUE(workload.ok());
  model::WorkloadSpec expected;
  expected.replicas = 3;
  EXPECT_EQ(*workload, expected);
}

void ExpectParseError(const model::Status& status, const std::string& fragment) {
  EXPECT_EQ(status.code(), model::ErrorCode::kParseError) << status.ToString();
  EXPECT_NE(status.message().find(fragment), std::string::npos)
      << "'" << status.message() << "' lacks '" << fragment << "'";
}

TEST(ModelCodec, WrongTypesAreErrorsNamingThePath) {
  json task = ToJson(testing::RichTaskTemplate());
  task["containers"][1]["ports"][0]["containerPort"] = "8080";
  Result<model::TaskTemplate> decoded = TaskTemplateFromJson(task);
  ASSERT_FALSE(decoded.ok());
  ExpectParseError(decoded.status(), "containers[1].ports[0].containerPort: expected an integer");

  json probe = ToJson(testing::RichTaskTemplate());
  probe["containers"][0]["liveness"]["httpHeaders"][1] = "X-Probe: yes";
  ASSERT_FALSE(TaskTemplateFromJson(probe).ok());
  ExpectParseError(TaskTemplateFromJson(probe).status(),
                   "containers[0].liveness.httpHeaders[1]: expected an object");

  json labels = ToJson(testing::RichTaskTemplate());
  labels["labels"]["app"] = 7;
  ExpectParseError(TaskTemplateFromJson(labels).status(), "labels.app: expected a string");

  ExpectParseError(TaskTemplateFromJson(json::array()).status(), "expected an object");
  ExpectParseError(TaskTemplateFromJson(json{{"containers", json::object()}}).status(),
                   "containers: expected an array");
  ExpectParseError(WorkloadSpecFromJson(json{{"paused", "yes"}}).status(),
                   "paused: expected a boolean");
}

TEST(ModelCodec, BadValuesAreErrors) {
  ExpectParseError(TaskTemplateFromJson(json{{"driver", "VirtualMachine"}}).status(),
                   "driver: unknown value \"VirtualMachine\"");
  ExpectParseError(WorkloadSpecFromJson(json{{"replicas", 10000000000LL}}).status(),
                   "replicas: integer out of range");
  ExpectParseError(TaskTemplateFromJson(json{{"memoryBytes", 18446744073709551615ULL}}).status(),
                   "memoryBytes: integer out of range");
  ExpectParseError(WorkloadSpecFromJson(json{{"maxSurge", "25"}}).status(), "maxSurge");
  ExpectParseError(WorkloadSpecFromJson(json{{"maxSurge", "x%"}}).status(), "maxSurge");
  ExpectParseError(WorkloadSpecFromJson(json{{"maxSurge", 2.5}}).status(), "maxSurge");
  ExpectParseError(SecretSpecFromJson(json{{"data", {{"k", "not base64!"}}}}).status(),
                   "data.k: not valid base64");
  ExpectParseError(ConfigMapSpecFromJson(json{{"binaryData", {{"k", "QUJD="}}}}).status(),
                   "binaryData.k: not valid base64");
}

TEST(ModelCodec, ResourceNeedsKindAndSpec) {
  json resource = ToJson(RichApplication().resources.begin()->second);
  json no_kind = resource;
  no_kind["id"].erase("kind");
  ExpectParseError(ResourceFromJson(no_kind).status(), "id.kind: missing");
  json no_spec = resource;
  no_spec.erase("spec");
  ExpectParseError(ResourceFromJson(no_spec).status(), "spec: missing");
  // A spec that does not fit the kind it claims.
  json mismatched = resource;
  mismatched["id"]["kind"] = "Service";
  mismatched["spec"] = {{"ports", "80"}};
  ExpectParseError(ResourceFromJson(mismatched).status(), "spec.ports: expected an array");
}

TEST(ModelCodec, DecodeApplicationRejectsBadTextAndDuplicates) {
  ExpectParseError(DecodeApplication("{\"name\": ").status(), "decode application");
  ExpectParseError(DecodeApplication("[1, 2]").status(), "expected an object");
  json app = ToJson(RichApplication());
  app["resources"].push_back(app["resources"][0]);
  Result<model::Application> duplicate = ApplicationFromJson(app);
  ASSERT_FALSE(duplicate.ok());
  ExpectParseError(duplicate.status(), "resources[7]: duplicate resource web/ConfigMap/settings");
}

TEST(ModelCodec, RedactedOutputHidesSecretValuesOnly) {
  model::Application app = RichApplication();
  std::string plain = DumpJson(ToJson(app));
  std::string redacted = DumpJson(ToJsonRedacted(app));
  // The value (base64 in the plain form) is present unredacted, absent redacted.
  const std::string canary = "canary-s3cret-value";
  std::string canary_b64 = ToJson(testing::RichSecret())["data"]["password"];
  EXPECT_NE(plain.find(canary_b64), std::string::npos);
  EXPECT_EQ(redacted.find(canary_b64), std::string::npos);
  EXPECT_EQ(redacted.find(canary), std::string::npos);

  json secret = ToJsonRedacted(testing::RichSecret());
  EXPECT_EQ(secret["data"]["password"], std::string(kRedacted));
  EXPECT_EQ(secret["data"]["tls.key"], std::string(kRedacted));
  EXPECT_EQ(secret["type"], "kubernetes.io/tls");

  // References to secrets and ConfigMap contents stay visible.
  EXPECT_NE(redacted.find("db-credentials"), std::string::npos);
  EXPECT_NE(redacted.find("key: value"), std::string::npos);
  // A redacted document cannot be decoded (and so cannot be stored by mistake).
  EXPECT_FALSE(DecodeApplication(redacted).ok());
}

TEST(JsonText, ParseErrorsAreValuesAndDumpNeverThrows) {
  Result<json> bad = ParseJson("{\"a\": [1, 2,, 3]}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), model::ErrorCode::kParseError);
  // Invalid UTF-8 in a text field would make nlohmann throw; DumpJson replaces it.
  std::string dumped = DumpJson(json{{"label", std::string("ok\xff\xfe")}});
  Result<json> reparsed = ParseJson(dumped);
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ((*reparsed)["label"].get<std::string>().substr(0, 2), "ok");
}

}  // namespace
}  // namespace capstan::store

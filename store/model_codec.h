#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "model/autoscaler.h"
#include "model/config.h"
#include "model/desired_state.h"
#include "model/job.h"
#include "model/resource.h"
#include "model/service.h"
#include "model/status.h"
#include "model/task_template.h"
#include "model/workload.h"

namespace capstan::store {

// JSON for the model types the store persists and the API serves.
//
// Format: one JSON object per struct, camelCase keys named after the C++ fields
// (container_port -> "containerPort"), every field always written, enums as their names without
// the k ("RollingUpdate", "SecretKey"), IntOrPercent as 3 or "25%", optional values omitted when
// empty, ProbeSpec headers as [{"name", "value"}], a Resource's spec chosen by id.kind, an
// Application's resources as an array (their ids are the map keys). ConfigMap binaryData and
// Secret data values are arbitrary bytes, so they are base64 (RFC 4648, padded).
//
// Round trip: decode(encode(x)) == x for every field, including the ones Resource's operator==
// ignores (dialect, sourceKind, origin). Text fields that are not valid UTF-8 are the exception:
// DumpJson replaces their bad bytes.
//
// Decoding: a missing or null key leaves the field's default (so that records written by an
// older build still load); unknown keys are ignored; a value of the wrong type, an unknown enum
// name, bad base64 or an out-of-range integer is a kParseError naming the path
// ("resources[0].spec.task.containers[1].ports[0].containerPort: expected an integer, got
// string"). Nothing throws.
//
// Secrets: ToJson/EncodeApplication write Secret data (the store needs it, see sqlite_store.h
// for the file's protection). Anything shown to people or served by the API must use
// ToJsonRedacted, which writes "(sensitive)" for every Secret value. A redacted document does not
// decode (the marker is not base64), so it cannot be persisted by mistake. Secret *references*
// (env secretKeyRef, envFrom, secret volumes) are names, not values, and are kept.
//
// All functions are pure and thread-safe.

nlohmann::json ToJson(const model::TaskTemplate& task);
nlohmann::json ToJson(const model::WorkloadSpec& workload);
nlohmann::json ToJson(const model::JobSpec& job);
nlohmann::json ToJson(const model::ServiceSpec& service);
nlohmann::json ToJson(const model::ConfigMapSpec& config_map);
nlohmann::json ToJson(const model::SecretSpec& secret);
nlohmann::json ToJson(const model::AutoscalerSpec& autoscaler);
nlohmann::json ToJson(const model::Resource& resource);
nlohmann::json ToJson(const model::Application& app);

nlohmann::json ToJsonRedacted(const model::SecretSpec& secret);
nlohmann::json ToJsonRedacted(const model::Resource& resource);
nlohmann::json ToJsonRedacted(const model::Application& app);

// The value that replaces every Secret value in redacted output.
inline constexpr std::string_view kRedacted = "(sensitive)";

model::Result<model::TaskTemplate> TaskTemplateFromJson(const nlohmann::json& json);
model::Result<model::WorkloadSpec> WorkloadSpecFromJson(const nlohmann::json& json);
model::Result<model::JobSpec> JobSpecFromJson(const nlohmann::json& json);
model::Result<model::ServiceSpec> ServiceSpecFromJson(const nlohmann::json& json);
model::Result<model::ConfigMapSpec> ConfigMapSpecFromJson(const nlohmann::json& json);
model::Result<model::SecretSpec> SecretSpecFromJson(const nlohmann::json& json);
model::Result<model::AutoscalerSpec> AutoscalerSpecFromJson(const nlohmann::json& json);
model::Result<model::Resource> ResourceFromJson(const nlohmann::json& json);
model::Result<model::Application> ApplicationFromJson(const nlohmann::json& json);

// Text forms, for AppRecord::desired_json and RevisionRecord::template_json.
std::string EncodeApplication(const model::Application& app);
model::Result<model::Application> DecodeApplication(std::string_view text);
std::string EncodeTaskTemplate(const model::TaskTemplate& task);
model::Result<model::TaskTemplate> DecodeTaskTemplate(std::string_view text);

}  // namespace capstan::store

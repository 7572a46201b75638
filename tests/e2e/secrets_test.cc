// Secret values never leak: canary values planted in a Secret (data and stringData) must not
// appear in the daemon's logs (text and JSON), the API, the metrics, `capstan plan` or the CLI.
#include <random>
#include <sstream>

#include "tests/e2e/e2e_env.h"

namespace capstan::e2e {
namespace {

std::string Base64(const std::string& in) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63],
            kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kAlphabet[(v >> 18) & 63], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

struct Canaries {
  std::string string_data, data;  // the plain values
};

Canaries MakeCanaries(const std::string& tag) {
  std::random_device rd;
  const unsigned salt = rd();
  std::ostringstream a, b;
  a << "CanaryStringData" << tag << "x" << std::hex << salt;
  b << "CanaryData" << tag << "y" << std::hex << (salt ^ 0x5a5a5a5au);
  return {a.str(), b.str()};
}

std::string SecretYaml(const Canaries& c) {
  return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-secret\ntype: Opaque\n"
         "stringData:\n  API_TOKEN: \"" +
         c.string_data + "\"\ndata:\n  DB_PASSWORD: " + Base64(c.data) + "\n";
}

const char* const kSecretEnv = R"(            - name: API_TOKEN
              valueFrom:
                secretKeyRef:
                  name: web-secret
                  key: API_TOKEN
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: web-secret
                  key: DB_PASSWORD
)";

class SecretsTest : public E2eTest {
 protected:
  // Every output a person or a scraper can see, labelled.
  std::vector<std::pair<std::string, std::string>> Outputs() {
    std::vector<std::pair<std::string, std::string>> out;
    const int port = daemon().port();
    for (const std::string path : {"/api/v1/apps", "/api/v1/apps/web", "/api/v1/apps/web/history",
                                   "/api/v1/events?limit=10000", "/metrics"}) {
      HttpResponse r = HttpGet(port, path);
      EXPECT_EQ(r.status, 200) << path;
      out.emplace_back("GET " + path, r.body);
    }
    const std::string server = daemon().url();
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"status"},
                                               {"status", "web"},
                                               {"status", "-o", "json"},
                                               {"status", "web", "-o", "json"},
                                               {"history", "web"},
                                               {"history", "web", "-o", "json"},
                                               {"events", "--limit", "10000"},
                                               {"events", "--limit", "10000", "-o", "json"}}) {
      std::vector<std::string> full = args;
      full.insert(full.end(), {"--server", server});
      CommandResult r = Cli(full);
      std::string label = "capstan";
      for (const auto& a : args) label += " " + a;
      EXPECT_EQ(r.exit_code, 0) << label << ": " << r.err;
      out.emplace_back(label, r.out + r.err);
    }
    return out;
  }

  void ExpectNoCanary(const std::vector<std::pair<std::string, std::string>>& outputs,
                      const std::vector<Canaries>& canaries) {
    for (const auto& [label, text] : outputs) {
      for (const auto& c : canaries) {
        for (const std::string& needle :
             {c.string_data, c.data, Base64(c.data), Base64(c.string_data)}) {
          EXPECT_EQ(text.find(needle), std::string::npos)
              << "secret value " << needle << " leaked into " << label << ":\n"
              << text.substr(text.find(needle) > 300 ? text.find(needle) - 300 : 0, 700);
        }
      }
    }
  }
};

TEST_F(SecretsTest, CanaryValuesAppearInNoOutput) {
  const std::vector<Canaries> canaries = {MakeCanaries("One"), MakeCanaries("Two"),
                                          MakeCanaries("Three")};
  WebApp app;
  app.replicas = 1;
  app.extra_env_yaml = kSecretEnv;
  repo().Write("apps/web/web.yaml", WebAppYaml(app));
  repo().Write("apps/web/secret.yaml", SecretYaml(canaries[0]));
  const std::string c1 = repo().Commit("v1 with a secret");

  // Run 1: text logs at debug level; a secret change rolls out.
  Daemon::Options options = DefaultOptions();
  options.log_level = "debug";
  ASSERT_NE(StartDaemon(options), nullptr);
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", c1));
  // The canary reached the workload (so the daemon did handle it).
  auto processes = TaskProcesses(tmp("state/"));
  ASSERT_EQ(processes.size(), 1u);
  const std::string environ_text =
      ReadFile("/proc/" + std::to_string(processes.begin()->first) + "/environ");
  EXPECT_NE(environ_text.find("API_TOKEN=" + canaries[0].string_data), std::string::npos);
  EXPECT_NE(environ_text.find("DB_PASSWORD=" + canaries[0].data), std::string::npos);

  repo().Write("apps/web/secret.yaml", SecretYaml(canaries[1]));
  const std::string c2 = repo().Commit("rotate the secret");
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", c2));
  std::vector<std::pair<std::string, std::string>> outputs = Outputs();

  // `capstan plan`: the secret change (text and JSON) and the first commit (everything added).
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--rev", "HEAD"},
                                             {"--rev", "HEAD", "--output", "json"},
                                             {"--rev", c1},
                                             {"--rev", c1, "--output", "json"}}) {
    std::vector<std::string> full = {"plan", "--repo", repo().dir()};
    full.insert(full.end(), args.begin(), args.end());
    CommandResult r = Cli(full);
    std::string label = "capstan plan";
    for (const auto& a : args) label += " " + a;
    EXPECT_EQ(r.exit_code, 2) << label << ": " << r.out << r.err;  // 2: changes
    EXPECT_NE(r.out.find("web-secret"), std::string::npos) << label << ":\n" << r.out;
    outputs.emplace_back(label, r.out + r.err);
  }
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"validate", repo().dir() + "/apps"}, {"validate", "--json", repo().dir() + "/apps"}}) {
    CommandResult r = Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    outputs.emplace_back("capstan " + args[1], r.out + r.err);
  }

  // Run 2: JSON logs; the restart re-adopts, another secret change rolls out.
  ASSERT_EQ(daemon().Terminate(), 0);
  const std::string text_logs = daemon().Logs();
  EXPECT_NE(text_logs.find("serving on"), std::string::npos);
  outputs.emplace_back("daemon log (text)", text_logs);
  options.log_format = "json";
  ASSERT_NE(StartDaemon(options), nullptr);
  repo().Write("apps/web/secret.yaml", SecretYaml(canaries[2]));
  const std::string c3 = repo().Commit("rotate the secret again");
  ASSERT_TRUE(WaitForApp("web", "Synced", "Healthy", c3));
  for (auto& o : Outputs()) outputs.push_back(std::move(o));
  ASSERT_EQ(daemon().Terminate(), 0);
  const std::string json_logs = daemon().Logs();
  EXPECT_NE(json_logs.find("\"level\""), std::string::npos) << json_logs.substr(0, 500);
  outputs.emplace_back("daemon log (json)", json_logs);

  ExpectNoCanary(outputs, canaries);
}

}  // namespace
}  // namespace capstan::e2e

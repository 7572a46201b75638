#include "notify/commit_status_reporter.h"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>

namespace capstan::notify {

namespace {

// Enough of an error response to explain it in a log line.
constexpr std::size_t kMaxResponseSnippet = 200;

std::string Key(const CommitStatus& status) { return status.commit + '\0' + status.context; }

size_t CollectBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * nmemb;
  if (body->size() < kMaxResponseSnippet) {
    body->append(data, std::min(n, kMaxResponseSnippet - body->size()));
  }
  return n;
}

std::string ShortCommit(const std::string& commit) { return commit.substr(0, 12); }

}  // namespace

CommitStatusReporter::CommitStatusReporter(StatusTarget target, const model::Clock& clock,
                                           Options options)
    : target_(std::move(target)), clock_(clock), options_(options) {
  // Reference-counted and thread-safe since libcurl 7.84.
  curl_global_init(CURL_GLOBAL_DEFAULT);
  curl_ = curl_easy_init();
  worker_ = std::thread([this] { Run(); });
}

CommitStatusReporter::~CommitStatusReporter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (!queue_.empty()) {
      spdlog::warn("commit status ({}): {} status(es) not sent at shutdown",
                   ProviderName(target_.provider), queue_.size());
    }
  }
  cv_.notify_all();
  worker_.join();
  curl_easy_cleanup(static_cast<CURL*>(curl_));
  curl_global_cleanup();
}

void CommitStatusReporter::Report(CommitStatus status) {
  {
    std::lock_guard lock(mu_);
    const std::string key = Key(status);
    auto same = std::find_if(queue_.begin(), queue_.end(),
                             [&](const CommitStatus& queued) { return Key(queued) == key; });
    if (same != queue_.end()) {
      *same = std::move(status);
      ++stats_.coalesced;
    } else {
      if (queue_.size() >= std::max<std::size_t>(options_.max_queue, 1)) {
        queue_.pop_front();
        ++stats_.dropped;
      }
      queue_.push_back(std::move(status));
    }
  }
  cv_.notify_all();
}

bool CommitStatusReporter::Flush(std::chrono::milliseconds max_wait) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, max_wait, [&] { return queue_.empty() && !busy_; });
}

CommitStatusReporter::Stats CommitStatusReporter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void CommitStatusReporter::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    CommitStatus status = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    in_flight_key_ = Key(status);
    lock.unlock();
    Deliver(status);
    lock.lock();
    busy_ = false;
    in_flight_key_.clear();
    cv_.notify_all();  // Flush() waiters
  }
}

bool CommitStatusReporter::SupersededLocked() const {
  return std::any_of(queue_.begin(), queue_.end(),
                     [&](const CommitStatus& queued) { return Key(queued) == in_flight_key_; });
}

void CommitStatusReporter::Deliver(const CommitStatus& status) {
  const std::string what = std::string("commit status ") + ProviderName(target_.provider) + " " +
                           status.context + "@" + ShortCommit(status.commit) + " " +
                           CommitStateName(status.state);
  auto fail = [&](const std::string& error) {
    std::string message = Redact(what + ": " + error, target_.token);
    spdlog::warn("{}", message);
    std::lock_guard lock(mu_);
    ++stats_.failed;
    stats_.last_error = std::move(message);
  };

  auto request = BuildRequest(target_, status);
  if (!request.ok()) {
    fail(request.status().ToString());
    return;
  }
  const int max_attempts = std::max(options_.max_attempts, 1);
  std::chrono::milliseconds backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    long http_status = 0;
    std::string error;
    bool transport_ok = Attempt(*request, &http_status, &error);
    switch (ClassifyAttempt(transport_ok, http_status)) {
      case AttemptOutcome::kDelivered: {
        std::lock_guard lock(mu_);
        ++stats_.delivered;
        stats_.last_delivered = clock_.WallNow();
        return;
      }
      case AttemptOutcome::kGiveUp:
        fail(error + " (not retried)");
        return;
      case AttemptOutcome::kRetry:
        break;
    }
    if (attempt >= max_attempts) {
      fail(error + " (gave up after " + std::to_string(attempt) + " attempts)");
      return;
    }
    spdlog::debug("{}", Redact(what + ": " + error + ", retrying in " +
                                   std::to_string(backoff.count()) + "ms",
                               target_.token));
    std::unique_lock lock(mu_);
    // Real time on purpose: the wait ends early for shutdown or for a newer status.
    cv_.wait_for(lock, backoff, [&] { return stopping_ || SupersededLocked(); });
    if (stopping_) return;
    if (SupersededLocked()) {
      ++stats_.coalesced;
      return;
    }
    ++stats_.retries;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

bool CommitStatusReporter::Attempt(const HttpRequest& request, long* http_status,
                                   std::string* error) {
  CURL* easy = static_cast<CURL*>(curl_);
  *http_status = 0;
  if (easy == nullptr) {
    *error = "libcurl unavailable";
    return false;
  }
  curl_easy_reset(easy);
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
  }
  std::string response;
  std::array<char, CURL_ERROR_SIZE> curl_error{};
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  // Never follow a redirect: it would carry the token to another host.
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_error.data());
  CURLcode rc = curl_easy_perform(easy);
  curl_slist_free_all(headers);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  std::string target = request.method + " " + request.url;
  if (rc != CURLE_OK) {
    *error = target + ": " + (curl_error[0] != '\0' ? curl_error.data() : curl_easy_strerror(rc));
    return false;
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, http_status);
  *error = target + ": HTTP " + std::to_string(*http_status);
  if (!response.empty()) *error += ": " + response;
  return true;
}

}  // namespace capstan::notify

#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "store/model_codec.h"
#include "store/sqlite_schema.h"
#include "tests/store/model_fixtures.h"
#include "tests/store/store_test_util.h"

namespace capstan::store {
namespace {

using model::ErrorCode;
using testing::QueryText;
using testing::TempDir;

std::unique_ptr<SqliteStore> MustOpen(const std::string& path, SqliteStore::Options options = {}) {
  auto store = SqliteStore::Open(path, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

AppRecord App(const std::string& name, const std::string& commit) {
  AppRecord r;
  r.app = name;
  r.repo = "https://git.example/" + name + ".git";
  r.last_applied_commit = commit;
  r.last_seen_commit = commit + "-seen";
  r.sync_status = "Synced";
  r.health = "Healthy";
  r.message = "applied " + commit;
  r.desired_json = "{\"name\":\"" + name + "\"}";
  r.updated_at = 1700000000;
  return r;
}

RevisionRecord Revision(const std::string& workload, const std::string& rev, std::int64_t at,
                        bool failed = false) {
  RevisionRecord r;
  r.app = "web";
  r.workload = workload;
  r.revision = rev;
  r.commit = "commit-" + rev;
  r.template_json = "{\"rev\":\"" + rev + "\"}";
  r.created_at = at;
  r.failed = failed;
  r.failure_reason = failed ? "readiness probe failed" : "";
  return r;
}

TaskRecord Task(const std::string& id, std::vector<int> ports = {31000, 31001}) {
  TaskRecord r;
  r.task_id = id;
  r.app = "web";
  r.owner_kind = "Workload";
  r.owner = "frontend";
  r.revision = "rev1";
  r.node_id = 0;
  r.host_ports = std::move(ports);
  r.handle_json = "{\"pid\":1234,\"start_time\":99}";
  r.phase = "Running";
  r.updated_at = 1700000001;
  return r;
}

RolloutRecord Rollout(const std::string& workload, const std::string& phase) {
  RolloutRecord r;
  r.app = "web";
  r.workload = workload;
  r.from_revision = "rev1";
  r.to_revision = "rev2";
  r.phase = phase;
  r.message = "2 of 3 updated";
  r.started_at = 1700000002;
  r.updated_at = 1700000003;
  return r;
}

EventRecord Event(const std::string& message, std::int64_t time = 1700000000000) {
  EventRecord r;
  r.time = time;
  r.object = "web/Workload/frontend";
  r.type = "Normal";
  r.reason = "ScalingUp";
  r.message = message;
  return r;
}

std::vector<std::string> RevisionNames(Store& store, const std::string& workload) {
  auto revisions = store.ListRevisions("web", workload);
  EXPECT_TRUE(revisions.ok()) << revisions.status().ToString();
  std::vector<std::string> out;
  if (revisions.ok()) {
    for (const auto& r : *revisions) out.push_back(r.revision);
  }
  return out;
}

TEST(SqliteStore, AppsPutGetListUpsertDelete) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  batch.Put(App("web", "c1"));
  batch.Put(App("api", "c1"));
  ASSERT_TRUE(store->Write(batch).ok());

  auto apps = store->ListApps();
  ASSERT_TRUE(apps.ok());
  ASSERT_EQ(apps->size(), 2u);
  EXPECT_EQ((*apps)[0], App("api", "c1"));  // ordered by name
  EXPECT_EQ((*apps)[1], App("web", "c1"));

  batch.Clear();
  batch.Put(App("web", "c2"));
  ASSERT_TRUE(store->Write(batch).ok());
  auto web = store->GetApp("web");
  ASSERT_TRUE(web.ok());
  ASSERT_TRUE(web->has_value());
  EXPECT_EQ(**web, App("web", "c2"));
  EXPECT_EQ(store->ListApps()->size(), 2u);

  batch.Clear();
  batch.Delete(WriteBatch::DeleteApp{"web"});
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_FALSE(store->GetApp("web")->has_value());
  EXPECT_FALSE(store->GetApp("never-existed")->has_value());
  ASSERT_EQ(store->ListApps()->size(), 1u);
}

TEST(SqliteStore, RevisionsNewestFirstAndUpsertKeepsPosition) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  batch.Put(Revision("frontend", "r1", 100));
  batch.Put(Revision("frontend", "r2", 200));
  batch.Put(Revision("frontend", "r3", 200));  // same second: insertion order breaks the tie
  batch.Put(Revision("backend", "b1", 150));
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_EQ(RevisionNames(*store, "frontend"), (std::vector<std::string>{"r3", "r2", "r1"}));
  EXPECT_EQ(RevisionNames(*store, "backend"), (std::vector<std::string>{"b1"}));

  // Marking r2 failed is an upsert: same identity, fields replaced, order unchanged.
  batch.Clear();
  batch.Put(Revision("frontend", "r2", 200, /*failed=*/true));
  ASSERT_TRUE(store->Write(batch).ok());
  auto revisions = store->ListRevisions("web", "frontend");
  ASSERT_TRUE(revisions.ok());
  ASSERT_EQ(revisions->size(), 3u);
  EXPECT_EQ((*revisions)[1], Revision("frontend", "r2", 200, true));
  EXPECT_EQ((*revisions)[0], Revision("frontend", "r3", 200));
}

TEST(SqliteStore, TasksPutListUpsertDelete) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  TaskRecord intent = Task("t2", {});
  intent.handle_json = "";
  intent.phase = "Pending";
  batch.Put(Task("t1"));
  batch.Put(intent);
  ASSERT_TRUE(store->Write(batch).ok());
  auto tasks = store->ListTasks();
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ((*tasks)[0], Task("t1"));
  EXPECT_EQ((*tasks)[1], intent);

  batch.Clear();
  TaskRecord started = Task("t2", {32000});
  started.node_id = 3;
  batch.Put(started);
  batch.Delete(WriteBatch::DeleteTask{"t1"});
  ASSERT_TRUE(store->Write(batch).ok());
  tasks = store->ListTasks();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_EQ((*tasks)[0], started);
}

TEST(SqliteStore, RolloutsPutListUpsertDelete) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  batch.Put(Rollout("frontend", "Progressing"));
  batch.Put(Rollout("backend", "Complete"));
  ASSERT_TRUE(store->Write(batch).ok());
  batch.Clear();
  batch.Put(Rollout("frontend", "Failed"));
  ASSERT_TRUE(store->Write(batch).ok());
  auto rollouts = store->ListRollouts();
  ASSERT_TRUE(rollouts.ok());
  ASSERT_EQ(rollouts->size(), 2u);
  EXPECT_EQ((*rollouts)[0], Rollout("backend", "Complete"));
  EXPECT_EQ((*rollouts)[1], Rollout("frontend", "Failed"));

  batch.Clear();
  batch.Delete(WriteBatch::DeleteRollout{"web", "backend"});
  ASSERT_TRUE(store->Write(batch).ok());
  rollouts = store->ListRollouts();
  ASSERT_EQ(rollouts->size(), 1u);
  EXPECT_EQ((*rollouts)[0].workload, "frontend");
}

TEST(SqliteStore, EventsGetIncreasingSeqAndPage) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  for (int i = 0; i < 5; ++i) {
    EventRecord e = Event("e" + std::to_string(i), 1000 + i);
    e.seq = 999;  // ignored: the store assigns it
    batch.Append(e);
  }
  ASSERT_TRUE(store->Write(batch).ok());
  auto all = store->ListEvents(0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].message, "e" + std::to_string(i));
    EXPECT_EQ((*all)[i].time, 1000 + static_cast<std::int64_t>(i));
    if (i > 0) {
      EXPECT_GT((*all)[i].seq, (*all)[i - 1].seq);
    }
  }
  auto page = store->ListEvents((*all)[1].seq, 2);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].message, "e2");
  EXPECT_EQ((*page)[1].message, "e3");
  EXPECT_TRUE(store->ListEvents((*all)[4].seq, 10)->empty());
  EXPECT_TRUE(store->ListEvents(0, 0)->empty());
}

TEST(SqliteStore, FailingOpRollsBackTheWholeBatch) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch setup;
  setup.Put(App("web", "c1"));
  setup.Put(Task("t1"));
  ASSERT_TRUE(store->Write(setup).ok());

  // The third op violates a CHECK in SQLite itself, after two ops were already executed.
  WriteBatch batch;
  batch.Put(App("web", "c2"));
  batch.Append(Event("should vanish"));
  batch.Put(App("", "c2"));
  batch.Delete(WriteBatch::DeleteTask{"t1"});
  model::Status status = store->Write(batch);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.message().find("op 2"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("CHECK constraint failed"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("INSERT OR REPLACE INTO apps"), std::string::npos)
      << status.message();

  EXPECT_EQ(**store->GetApp("web"), App("web", "c1"));
  EXPECT_TRUE(store->ListEvents(0, 10)->empty());
  EXPECT_EQ(store->ListTasks()->size(), 1u);

  // A failure detected by the store's own validation rolls back as well.
  WriteBatch trim;
  trim.Delete(WriteBatch::DeleteApp{"web"});
  trim.Put(Task("t9"));
  trim.Trim(WriteBatch::TrimRevisions{"web", "frontend", -1});
  status = store->Write(trim);
  EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store->GetApp("web")->has_value());
  EXPECT_EQ(store->ListTasks()->size(), 1u);

  // And the store stays usable after a rollback.
  WriteBatch after;
  after.Put(App("web", "c3"));
  ASSERT_TRUE(store->Write(after).ok());
  EXPECT_EQ((**store->GetApp("web")).last_applied_commit, "c3");
}

TEST(SqliteStore, EverythingSurvivesReopen) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  model::Application desired = testing::RichApplication();
  AppRecord app = App("web", "c7");
  app.desired_json = EncodeApplication(desired);
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    WriteBatch batch;
    batch.Put(app);
    batch.Put(Revision("frontend", "r1", 10));
    batch.Put(Revision("frontend", "r2", 20, true));
    batch.Put(Task("t1"));
    batch.Put(Rollout("frontend", "Progressing"));
    batch.Append(Event("before restart"));
    ASSERT_TRUE(store->Write(batch).ok());
  }
  auto store = MustOpen(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(**store->GetApp("web"), app);
  auto decoded = DecodeApplication((**store->GetApp("web")).desired_json);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_TRUE(testing::SameApplication(*decoded, desired));
  EXPECT_EQ(RevisionNames(*store, "frontend"), (std::vector<std::string>{"r2", "r1"}));
  EXPECT_EQ(*store->ListTasks(), std::vector<TaskRecord>{Task("t1")});
  EXPECT_EQ(*store->ListRollouts(), std::vector<RolloutRecord>{Rollout("frontend", "Progressing")});
  ASSERT_EQ(store->ListEvents(0, 10)->size(), 1u);
  EXPECT_EQ((*store->ListEvents(0, 10))[0].message, "before restart");
}

TEST(SqliteStore, EventLogIsBoundedAndSeqNeverRepeats) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  SqliteStore::Options options;
  options.max_events = 5;
  std::int64_t last_seq = 0;
  {
    auto store = MustOpen(path, options);
    ASSERT_TRUE(store);
    for (int b = 0; b < 4; ++b) {
      WriteBatch batch;
      for (int i = 0; i < 3; ++i) batch.Append(Event("e" + std::to_string(b * 3 + i)));
      ASSERT_TRUE(store->Write(batch).ok());
    }
    auto events = store->ListEvents(0, 100);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), 5u);
    EXPECT_EQ(events->front().message, "e7");  // the 12 - 5 oldest were dropped
    EXPECT_EQ(events->back().message, "e11");
    last_seq = events->back().seq;
  }
  // A smaller bound applies at open; a new event after restart gets a larger seq than any before,
  // even though the events that held the largest seqs could have been trimmed.
  options.max_events = 2;
  auto store = MustOpen(path, options);
  ASSERT_TRUE(store);
  auto events = store->ListEvents(0, 100);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->front().message, "e10");
  WriteBatch batch;
  batch.Append(Event("after restart"));
  ASSERT_TRUE(store->Write(batch).ok());
  events = store->ListEvents(0, 100);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->back().message, "after restart");
  EXPECT_EQ(events->back().seq, last_seq + 1);

  // Even when every event is gone, seqs are not reused.
  store.reset();
  options.max_events = 0;
  store = MustOpen(path, options);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->ListEvents(0, 100)->empty());
  store.reset();
  options.max_events = 10;
  store = MustOpen(path, options);
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_EQ((*store->ListEvents(0, 100))[0].seq, last_seq + 2);
}

TEST(SqliteStore, TrimRevisionsKeepsNewestAndAllFailed) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  batch.Put(Revision("frontend", "r1", 10, /*failed=*/true));  // old and failed: kept
  batch.Put(Revision("frontend", "r2", 20));
  batch.Put(Revision("frontend", "r3", 30));
  batch.Put(Revision("frontend", "r4", 40, /*failed=*/true));
  batch.Put(Revision("frontend", "r5", 50));
  batch.Put(Revision("frontend", "r6", 60));
  batch.Put(Revision("backend", "b1", 10));
  batch.Put(Revision("backend", "b2", 20));
  batch.Trim(WriteBatch::TrimRevisions{"web", "frontend", 2});
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_EQ(RevisionNames(*store, "frontend"), (std::vector<std::string>{"r6", "r5", "r4", "r1"}));
  EXPECT_EQ(RevisionNames(*store, "backend"), (std::vector<std::string>{"b2", "b1"}));

  batch.Clear();
  batch.Trim(WriteBatch::TrimRevisions{"web", "frontend", 0});
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_EQ(RevisionNames(*store, "frontend"), (std::vector<std::string>{"r4", "r1"}));
}

TEST(SqliteStore, DeleteAppDropsHistoryButNotTasks) {
  TempDir dir;
  auto store = MustOpen(dir.Sub("state.db"));
  ASSERT_TRUE(store);
  WriteBatch batch;
  batch.Put(App("web", "c1"));
  batch.Put(Revision("frontend", "r1", 10));
  batch.Put(Rollout("frontend", "Complete"));
  batch.Put(Task("t1"));
  AppRecord other = App("api", "c1");
  batch.Put(other);
  RevisionRecord other_revision = Revision("server", "a1", 10);
  other_revision.app = "api";
  batch.Put(other_revision);
  ASSERT_TRUE(store->Write(batch).ok());

  batch.Clear();
  batch.Delete(WriteBatch::DeleteApp{"web"});
  ASSERT_TRUE(store->Write(batch).ok());
  EXPECT_TRUE(RevisionNames(*store, "frontend").empty());
  EXPECT_TRUE(store->ListRollouts()->empty());
  EXPECT_EQ(store->ListTasks()->size(), 1u);  // still running somewhere: deleted once gone
  EXPECT_EQ(store->ListRevisions("api", "server")->size(), 1u);
  EXPECT_TRUE(store->GetApp("api")->has_value());
}

TEST(SqliteStore, ConcurrentWritersNeverSeeBusy) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  auto shared = MustOpen(path);
  auto second = MustOpen(path);  // another connection to the same file: a real lock contender
  ASSERT_TRUE(shared && second);
  constexpr int kThreads = 4;
  constexpr int kBatches = 40;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex failure_mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 == 0 ? static_cast<Store&>(*shared) : *second;
      for (int b = 0; b < kBatches; ++b) {
        std::string id = std::to_string(t) + "-" + std::to_string(b);
        WriteBatch batch;
        batch.Put(Task("task-" + id));
        batch.Append(Event(id));
        batch.Put(App("app-" + std::to_string(t), id));
        model::Status status = store.Write(batch);
        if (status.ok()) status = store.ListTasks().ok() ? status : store.ListTasks().status();
        if (!status.ok()) {
          std::lock_guard lock(failure_mu);
          if (failures++ == 0) first_failure = status.ToString();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_EQ(shared->ListTasks()->size(), static_cast<std::size_t>(kThreads * kBatches));
  auto events = second->ListEvents(0, 1000);
  ASSERT_EQ(events->size(), static_cast<std::size_t>(kThreads * kBatches));
  std::set<std::int64_t> seqs;
  for (const auto& e : *events) seqs.insert(e.seq);
  EXPECT_EQ(seqs.size(), events->size());
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ((**shared->GetApp("app-" + std::to_string(t))).last_applied_commit,
              std::to_string(t) + "-" + std::to_string(kBatches - 1));
  }
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

TEST(SqliteStore, FileIsPrivateWhateverTheUmask) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  mode_t old_umask = ::umask(0);  // the most permissive umask must not leak secrets
  auto store = SqliteStore::Open(path);
  ::umask(old_umask);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  WriteBatch batch;
  batch.Put(App("web", "c1"));
  ASSERT_TRUE((*store)->Write(batch).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(ModeOf(path + "-wal"), 0600u);
  EXPECT_EQ(ModeOf(path + "-shm"), 0600u);

  // An existing, world-readable (empty) file is tightened.
  const std::string loose = dir.Sub("loose.db");
  { std::ofstream create(loose); }
  ASSERT_EQ(::chmod(loose.c_str(), 0644), 0);
  ASSERT_TRUE(MustOpen(loose));
  EXPECT_EQ(ModeOf(loose), 0600u);
}

TEST(SqliteStore, NotADatabaseIsAClearErrorAndLeftAlone) {
  TempDir dir;
  const std::string path = dir.Sub("notes.txt");
  const std::string content = "this is not an SQLite database, it is a text file of some length\n";
  { std::ofstream(path) << content; }
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kIoError);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("not a database"), std::string::npos)
      << store.status().message();
  std::ifstream in(path);
  std::string read((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(read, content);
}

TEST(SqliteStore, CorruptDatabaseIsAClearError) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  {
    auto store = MustOpen(path);
    ASSERT_TRUE(store);
    WriteBatch batch;
    for (int i = 0; i < 200; ++i) batch.Put(Task("task-" + std::to_string(i)));
    ASSERT_TRUE(store->Write(batch).ok());
  }
  ASSERT_GT(std::filesystem::file_size(path), 3u * 4096);
  {
    // Scribble over the second and third pages (b-tree pages after the header page).
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(4096);
    std::string garbage(2 * 4096, '\xa5');
    file.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kIoError);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
}

TEST(SqliteStore, SchemaVersionAndWalAreSet) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  auto store = MustOpen(path, {.synchronous = SqliteSync::kFull});
  ASSERT_TRUE(store);
  EXPECT_EQ(QueryText(path, "PRAGMA user_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(QueryText(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(path, "PRAGMA integrity_check"), "ok");
}

TEST(SqliteStore, NewerSchemaIsRefused) {
  TempDir dir;
  const std::string path = dir.Sub("state.db");
  ASSERT_TRUE(MustOpen(path));
  ASSERT_EQ(QueryText(path, "PRAGMA user_version = 99"), "");
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version 99"), std::string::npos)
      << store.status().message();
}

TEST(SqliteStore, UnwritableLocationIsAnErrorNamingThePath) {
  TempDir dir;
  const std::string path = dir.Sub("missing-dir/state.db");
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kIoError);
  EXPECT_NE(store.status().message().find(path), std::string::npos);
}

}  // namespace
}  // namespace capstan::store

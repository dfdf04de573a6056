// The durability promise under SIGKILL: a client posts batches while the server is killed at a random
// moment; after a restart every event whose request got a 200 is readable exactly once, with the same
// content, and no torn record is returned. Repeated several times with different kill points.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

const char* kStreams = R"(streams:
  orders:
    partitions: 3
    key: user
    time_field: ts
    schema: {ts: int64, id: string, user: string, amount: float64, note: string}
)";

constexpr int kRounds = 5;
constexpr int kClients = 3;
constexpr int kEventsPerRequest = 200;

std::string make_event(int round, int client, int request, int i) {
  std::string id = std::to_string(round) + "-" + std::to_string(client) + "-" + std::to_string(request) +
                   "-" + std::to_string(i);
  return R"({"ts":)" + std::to_string(1700000000000LL + request * 1000 + i) + R"(,"id":")" + id +
         R"(","user":"u)" + std::to_string((request * 7 + i) % 31) + R"(","amount":)" + std::to_string(i) +
         R"(.25,"note":"round )" + std::to_string(round) + R"( payload )" + std::string(64, 'p') + R"("})";
}

TEST(Crash, AcknowledgedEventsSurviveSigkill) {
  TempDir dir;
  DeltaProcess delta(dir.path(), kStreams);
  std::mt19937 rng(20261127);
  std::map<std::string, std::string> acknowledged;  // id -> exact JSON sent

  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(delta.start()) << delta.read_stdout();
    // Kill after a random number of acknowledged requests, while the clients keep posting.
    int kill_after = std::uniform_int_distribution<int>(3, 40)(rng);
    std::atomic<int> acks{0};
    std::atomic<bool> stop{false};
    std::vector<std::map<std::string, std::string>> per_client(kClients);
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        for (int req = 0; !stop.load(); ++req) {
          std::string body;
          std::vector<std::pair<std::string, std::string>> sent;
          for (int i = 0; i < kEventsPerRequest; ++i) {
            std::string e = make_event(round, c, req, i);
            body += e + "\n";
            sent.emplace_back(json_string_field(e, "id"), e);
          }
          HttpResult r = http_post(delta.url("/v1/streams/orders/events"), body, "application/x-ndjson");
          if (r.status != 200) return;  // the server died under us: not acknowledged
          for (auto& [id, e] : sent) per_client[c][id] = e;
          acks.fetch_add(1);
        }
      });
    }
    while (acks.load() < kill_after) std::this_thread::yield();
    delta.kill9();
    stop.store(true);
    for (auto& t : clients) t.join();
    for (auto& m : per_client) acknowledged.insert(m.begin(), m.end());

    ASSERT_TRUE(delta.start()) << delta.read_stdout();
    auto stored = read_all_events(delta, "orders", 3);
    std::map<std::string, int> seen;
    std::set<std::pair<int, int64_t>> offsets;
    for (const auto& e : stored) {
      std::string id = json_string_field(e.json, "id");
      ASSERT_FALSE(id.empty()) << "torn or unparsable record at partition " << e.partition << " offset "
                               << e.offset << ": " << e.json;
      EXPECT_TRUE(offsets.insert({e.partition, e.offset}).second) << "offset returned twice";
      ++seen[id];
      auto it = acknowledged.find(id);
      if (it != acknowledged.end()) {
        EXPECT_EQ(e.json, it->second) << "content changed for " << id;
      }
    }
    for (const auto& [id, json] : acknowledged) {
      ASSERT_EQ(seen[id], 1) << "acknowledged event " << id << " seen " << seen[id] << " times (round "
                             << round << ")";
    }
    delta.kill9();
  }
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(kRounds * 3 * kEventsPerRequest));
}

}  // namespace
}  // namespace delta::testing

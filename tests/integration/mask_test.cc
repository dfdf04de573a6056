// Masking end to end: events with distinctive secrets go into the real binary, and the secrets must
// come back masked from the read API and appear in no byte of any file under the data directory
// (log segments, indexes, offsets, the config) nor in the server's stdout/stderr (written there too).
// An unmasked control value must be found by the same scan, so the scan itself can fail.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace delta::testing {
namespace {

const char* kStreams = R"(masking: {key: "${DELTA_MASK_KEY}"}
streams:
  users:
    time_field: ts
    key: user_id
    partitions: 2
    schema: {ts: timestamp, user_id: string, email: string, card: string, ip: string, note: string, secret: "string?", visible: string}
    mask: {email: hash, card: partial, ip: truncate_ip, note: detect, secret: drop}
)";

const std::string kEmail = "zebra.secret.7781@example.org";
const std::string kCard = "4929123456781234";
const std::string kIp = "203.0.113.77";
const std::string kNoteEmail = "kiwi.private.5521@mail.example.net";
const std::string kNotePhone = "+49 30 5557781";
const std::string kNoteCard = "4012 8888 8888 1881";  // a Luhn-valid Visa test number
const std::string kDropped = "drop-me-QX81Z";
const std::string kControl = "visible-control-JK22";

std::string event(int i) {
  return R"({"ts":"2026-11-27T10:00:0)" + std::to_string(i) + R"(Z","user_id":"u)" + std::to_string(i) +
         R"(","email":")" + kEmail + R"(","card":")" + kCard + R"(","ip":")" + kIp +
         R"(","note":"reach me at )" + kNoteEmail + " or " + kNotePhone + ", card " + kNoteCard +
         R"(","secret":")" + kDropped + R"(","visible":")" + kControl + R"("})";
}

std::string hmac_hex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) out += {kHex[digest[i] >> 4], kHex[digest[i] & 0xF]};
  return out;
}

// Every byte of every regular file below `dir`, concatenated, with the files' paths.
std::string all_bytes_below(const std::string& dir, std::vector<std::string>* paths) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream f(entry.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    paths->push_back(entry.path().string());
  }
  return all;
}

class MaskEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = "integration-mask-key-" + std::to_string(getpid());
    setenv("DELTA_MASK_KEY", key_.c_str(), 1);  // inherited by the child
    delta_ = std::make_unique<DeltaProcess>(dir_.path(), kStreams);
    ASSERT_TRUE(delta_->start()) << delta_->read_stdout();
  }

  TempDir dir_;
  std::string key_;
  std::unique_ptr<DeltaProcess> delta_;
};

TEST_F(MaskEndToEnd, SecretsAreMaskedInTheApiAndAbsentFromEveryFile) {
  std::string url = delta_->url("/v1/streams/users/events");
  HttpResult r = http_post(url, event(1) + "\n" + event(2) + "\n", "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("\"accepted\":2"), std::string::npos) << r.body;
  // A rejected event with the same secrets: its error must not quote them either.
  std::string bad = event(3);
  bad.replace(bad.find("\"u3\""), 4, "42");
  r = http_post(url, bad + "\n", "application/x-ndjson");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body.find(kEmail), std::string::npos) << r.body;

  std::vector<StoredEvent> events = read_all_events(*delta_, "users", 2);
  ASSERT_EQ(events.size(), 2u);
  std::string expected_hash = hmac_hex(key_, kEmail);
  for (const StoredEvent& e : events) {
    EXPECT_EQ(json_string_field(e.json, "email"), expected_hash) << e.json;  // (c) stable and equal to HMAC
    EXPECT_EQ(json_string_field(e.json, "card"), "************1234");
    EXPECT_EQ(json_string_field(e.json, "ip"), "203.0.113.0");
    EXPECT_EQ(json_string_field(e.json, "note"), "reach me at [EMAIL] or [PHONE], card [CARD]");
    EXPECT_EQ(e.json.find("\"secret\""), std::string::npos) << e.json;
    EXPECT_EQ(json_string_field(e.json, "visible"), kControl);
  }

  ASSERT_EQ(delta_->terminate(), 0);  // stdout/stderr complete, files closed
  std::vector<std::string> paths;
  std::string bytes = all_bytes_below(dir_.path(), &paths);
  ASSERT_NE(bytes.find(kControl), std::string::npos) << "the scan must see stored values";
  ASSERT_NE(bytes.find(expected_hash), std::string::npos);
  EXPECT_NE(bytes.find("listening"), std::string::npos) << "the scan must cover the server's output";
  for (const std::string& secret : {kEmail, kCard, kIp, kNoteEmail, kNotePhone, kNoteCard, kDropped, key_}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "\"" << secret << "\" found under " << dir_.path();
  }
  EXPECT_GE(paths.size(), 3u);  // config, server output, at least one segment
}

}  // namespace
}  // namespace delta::testing

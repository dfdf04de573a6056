// The archive's naming (Hive layout from the first row's event time, offsets in the name) and its
// idempotent rewrite: a retry rewrites the same file, a replay cut differently replaces the
// objects it overlaps, also after a restart (the index is rebuilt from the directory).
#include "sink/local_archive.h"

#include <gtest/gtest.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "sink/archive_layout.h"

namespace delta::sink {
namespace {

namespace fsys = std::filesystem;

constexpr int64_t kT = 1'764'248'400'000;  // 2025-11-27T13:00:00Z

std::vector<std::string> files_below(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fsys::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(fsys::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string decompress(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::string in((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string out(ZSTD_getFrameContentSize(in.data(), in.size()), '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = (fsys::temp_directory_path() / ("delta-archive-" + std::to_string(::getpid()) + "-" +
                                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
              .string();
    fsys::remove_all(dir);
    config.name = "archive";
    config.kind = "local";
    config.options.push_back({"dir", dir, "test.yaml:1:1: sinks.archive.dir"});
    table.name = "clicks";
    for (int i = 0; i < 20; ++i) events.push_back("{\"id\":\"e" + std::to_string(i) + "\"}");
  }
  void TearDown() override { fsys::remove_all(dir); }

  std::unique_ptr<Sink> open() {
    auto s = LocalArchive::create(config);
    EXPECT_TRUE(s.is_ok()) << s.status().to_string();
    EXPECT_TRUE((*s)->prepare(table).is_ok());
    return std::move(*s);
  }
  Status write(Sink& s, int64_t first, int64_t last) {
    rows.clear();
    for (int64_t o = first; o <= last; ++o) {
      Row r;
      r.json = events[static_cast<size_t>(o)];
      r.time_ms = kT + o;
      r.offset = o;
      rows.push_back(r);
    }
    std::vector<RowError> rejected;
    return s.write(Batch{&table, 2, rows}, &rejected);
  }

  std::string dir;
  config::SinkConfig config;
  TableSpec table;
  std::vector<std::string> events;
  std::vector<Row> rows;
};

TEST(ArchiveLayout, NamesObjectsByEventTimeAndOffsets) {
  EXPECT_EQ(archive_events_key("clicks", kT + 59 * 60'000, 3, 100, 199),
            "stream=clicks/date=2025-11-27/hour=13/part-3-100-199.ndjson.zst");
  EXPECT_EQ(utc_date(0), "1970-01-01");
  EXPECT_EQ(utc_date(-1), "1969-12-31");
  EXPECT_EQ(utc_hour(-1), 23);
  EXPECT_EQ(utc_date(951'782'400'000), "2000-02-29");
  auto part = parse_archive_part("part-3-100-199.ndjson.zst");
  ASSERT_TRUE(part.has_value());
  EXPECT_EQ(part->partition, 3);
  EXPECT_EQ(part->first, 100);
  EXPECT_EQ(part->last, 199);
  EXPECT_FALSE(parse_archive_part("part-3-199-100.ndjson.zst").has_value());
  EXPECT_FALSE(parse_archive_part("part-3-100.ndjson.zst").has_value());
  EXPECT_FALSE(parse_archive_part("part-3-100-199.ndjson.zst.tmp").has_value());
}

TEST_F(ArchiveTest, WritesOneCompressedNdjsonFilePerBatch) {
  auto s = open();
  ASSERT_TRUE(write(*s, 0, 4).is_ok());
  std::vector<std::string> files = files_below(dir);
  ASSERT_EQ(files, (std::vector<std::string>{"stream=clicks/date=2025-11-27/hour=13/part-2-0-4.ndjson.zst"}));
  std::string body = decompress(dir + "/" + files[0]);
  EXPECT_EQ(body,
            events[0] + "\n" + events[1] + "\n" + events[2] + "\n" + events[3] + "\n" + events[4] + "\n");
}

TEST_F(ArchiveTest, ARetryRewritesTheSameObject) {
  auto s = open();
  ASSERT_TRUE(write(*s, 0, 4).is_ok());
  ASSERT_TRUE(write(*s, 0, 4).is_ok());
  EXPECT_EQ(files_below(dir).size(), 1u);
}

TEST_F(ArchiveTest, AReplayCutDifferentlyReplacesWhatItOverlaps) {
  auto s = open();
  ASSERT_TRUE(write(*s, 0, 4).is_ok());
  ASSERT_TRUE(write(*s, 5, 6).is_ok());  // a tail that linger cut short
  s->close();
  // After a restart the replay starts at 5 and this time reaches 9.
  auto again = open();
  ASSERT_TRUE(write(*again, 5, 9).is_ok());
  std::vector<std::string> files = files_below(dir);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_TRUE(files[0].ends_with("part-2-0-4.ndjson.zst"));
  EXPECT_TRUE(files[1].ends_with("part-2-5-9.ndjson.zst"));
  std::string all = decompress(dir + "/" + files[0]) + decompress(dir + "/" + files[1]);
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 10) << "every offset exactly once";
}

TEST_F(ArchiveTest, LeftoverTempFilesAreRemovedAtPrepare) {
  fsys::create_directories(dir + "/stream=clicks/date=2025-11-27/hour=13");
  std::ofstream(dir + "/stream=clicks/date=2025-11-27/hour=13/part-2-0-4.ndjson.zst.tmp") << "half";
  open();
  EXPECT_TRUE(files_below(dir).empty());
}

TEST_F(ArchiveTest, UnknownOptionIsAnErrorAtItsPlace) {
  config.options.push_back({"compresion", "9", "test.yaml:3:5: sinks.archive.compresion"});
  Status st = LocalArchive::check_options(config);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("test.yaml:3:5"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace delta::sink

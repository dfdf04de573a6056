#include <gtest/gtest.h>

#include "obs/metrics.h"

namespace delta::obs {
namespace {

TEST(Metrics, ExposesCountersGaugesAndHistogramsInPrometheusText) {
  Registry r;
  r.counter("reqs_total", "Requests", {{"route", "ingest"}, {"status", "200"}}).inc(3);
  r.gauge("open", "Open things").set(-2);
  Histogram& h = r.histogram("lat_seconds", "Latency", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  std::string text = r.expose();
  EXPECT_NE(text.find("# TYPE reqs_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reqs_total{route=\"ingest\",status=\"200\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("open -2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_sum 5.55\n"), std::string::npos) << text;
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
  Registry r;
  Counter& a = r.counter("c", "C", {{"k", "v"}});
  Counter& b = r.counter("c", "C", {{"k", "v"}});
  Counter& other = r.counter("c", "C", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
}

TEST(Metrics, LabelValuesAreEscaped) {
  Registry r;
  r.counter("c", "C", {{"k", "a\"b\\c\nd"}}).inc();
  EXPECT_NE(r.expose().find(R"(c{k="a\"b\\c\nd"} 1)"), std::string::npos) << r.expose();
}

}  // namespace
}  // namespace delta::obs

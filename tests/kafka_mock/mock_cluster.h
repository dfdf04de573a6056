// MockKafkaCluster: librdkafka's mock cluster (rdkafka_mock.h) on loopback, for tests and the
// delta_kafka_mock helper program. Not a real broker: no replication, no CreateTopics admin API (in
// librdkafka 2.0), topics are created with create_topic(); see tests/kafka_mock/README.md.
//
// Lifecycle: create() starts the brokers (each on its own 127.0.0.1 port, served by librdkafka's
// mock threads); the destructor stops them. Threads: every method may be called from any thread
// (librdkafka serialises the mock operations onto the cluster's thread).
#pragma once

#include <memory>
#include <string>

#include "base/status.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace delta::testing {

class MockKafkaCluster {
 public:
  ~MockKafkaCluster();
  MockKafkaCluster(const MockKafkaCluster&) = delete;
  MockKafkaCluster& operator=(const MockKafkaCluster&) = delete;

  static Result<std::unique_ptr<MockKafkaCluster>> create(int brokers);

  // "127.0.0.1:port,127.0.0.1:port,...", what clients take as bootstrap.servers.
  const std::string& bootstraps() const { return bootstraps_; }

  Status create_topic(const std::string& topic, int partitions);
  // Every broker (broker -1) or one broker id (1-based) refuses connections / accepts them again.
  Status set_down(int broker = -1);
  Status set_up(int broker = -1);

 private:
  MockKafkaCluster() = default;

  rd_kafka_s* handle_ = nullptr;  // the client instance that owns the cluster
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstraps_;
};

}  // namespace delta::testing

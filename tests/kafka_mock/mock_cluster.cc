#include "tests/kafka_mock/mock_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace delta::testing {
namespace {

Status from_kafka(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok();
  return Status::io_error(what + ": " + rd_kafka_err2str(err));
}

}  // namespace

MockKafkaCluster::~MockKafkaCluster() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Result<std::unique_ptr<MockKafkaCluster>> MockKafkaCluster::create(int brokers) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owning handle never connects anywhere; it only hosts the mock cluster's thread.
  if (rd_kafka_conf_set(conf, "bootstrap.servers", "", err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::internal(std::string("mock kafka config: ") + err);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::internal(std::string("mock kafka handle: ") + err);
  }
  std::unique_ptr<MockKafkaCluster> c(new MockKafkaCluster());
  c->handle_ = rk;
  c->cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (c->cluster_ == nullptr) return Status::io_error("could not start the mock kafka cluster");
  c->bootstraps_ = rd_kafka_mock_cluster_bootstraps(c->cluster_);
  return c;
}

Status MockKafkaCluster::create_topic(const std::string& topic, int partitions) {
  return from_kafka(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, 1),
                    "create topic " + topic);
}

Status MockKafkaCluster::set_down(int broker) {
  return from_kafka(rd_kafka_mock_broker_set_down(cluster_, broker), "broker down");
}

Status MockKafkaCluster::set_up(int broker) {
  return from_kafka(rd_kafka_mock_broker_set_up(cluster_, broker), "broker up");
}

}  // namespace delta::testing

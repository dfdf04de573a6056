// Internal to the Kafka log: librdkafka configuration, error mapping and small RAII helpers.
// Stateless functions, callable from any thread.
#pragma once

#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace delta::log::kafka {

using Properties = std::vector<std::pair<std::string, std::string>>;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Sets each property in order (a later one wins); the first bad one is kInvalidArgument naming the
// key only (values may be secrets).
Status set_properties(rd_kafka_conf_t* conf, const Properties& properties);

// Routes librdkafka's log lines to obs (logger "kafka") for clients built with `conf`.
void route_logs(rd_kafka_conf_t* conf);

// What a librdkafka error means to the edge: kResourceExhausted when retrying later can succeed
// (503 + Retry-After), kNotFound for unknown topics/partitions, kInvalidArgument for a message the
// brokers refuse by size, kUnavailable after close, kIoError otherwise.
Status status_of(rd_kafka_resp_err_t err, std::string_view what);

// A list holding one (topic, partition) with `offset`.
PartitionListPtr one_partition(const std::string& topic, int32_t partition, int64_t offset);

// The partition count of `topic`, from a metadata listing of every topic (a request naming the
// topic would auto-create it on brokers that allow that); kNotFound when it does not exist.
Result<int32_t> topic_partitions(rd_kafka_t* rk, const std::string& topic, int timeout_ms);

// Creates `topic` (CreateTopics, the cluster's default replication factor); one that already
// exists is ok. Needs a cluster with the admin API (librdkafka's mock has none: it times out).
Status create_topic(rd_kafka_t* rk, const std::string& topic, int32_t partitions, int timeout_ms);

}  // namespace delta::log::kafka

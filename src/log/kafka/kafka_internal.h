// Internal to the Kafka log: the state behind KafkaLog's private types, shared by kafka_log.cc,
// kafka_produce.cc and kafka_read.cc. Thread rules are those of kafka_log.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "log/kafka/kafka_client.h"
#include "log/kafka/kafka_log.h"
#include "model/record_batch.h"

namespace delta::log {

// A stream's topic, known once ensure_stream() saw it with the right partition count.
struct KafkaLog::Topic {
  std::string name;
  int32_t partitions = 0;
  std::string key_field;  // empty: messages without a key
  rd_kafka_topic_t* handle = nullptr;
};

// One consumer assigned to one partition; `mu` serialises its reads.
struct KafkaLog::Reader {
  std::mutex mu;
  rd_kafka_t* consumer = nullptr;
  int64_t position = -1;  // offset of the next message the assignment delivers; -1: unassigned
  model::RecordBatchBuilder builder;
};

// One append(): owns the batch (messages point into it, produced without a copy) until every
// message has a delivery report. Delivery reports run on the poll thread only; `remaining` hands
// the last word to whichever thread brings it to zero.
struct KafkaLog::Pending {
  std::string batch;
  AppendCallback done;
  int64_t enqueued_ns = 0;
  int32_t count = 0;
  std::atomic<int32_t> remaining{0};
  int64_t base_offset = INT64_MAX;                         // poll thread: lowest delivered offset
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;  // poll thread: first delivery error
  Status refusal;                                          // caller thread: why produce() stopped
};

}  // namespace delta::log

// Test helpers for Kafka mode: the delta_kafka_mock program (tests/kafka_mock) in a child process,
// driven over its stdin, and kcat as the independent client. One test thread uses each object.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace delta::testing {

class KafkaMockProcess {
 public:
  // `topics` are "NAME:PARTITIONS" (the mock has no CreateTopics API).
  explicit KafkaMockProcess(std::vector<std::string> topics, int brokers = 3);
  ~KafkaMockProcess();  // closes stdin, SIGTERM by pid, waits
  KafkaMockProcess(const KafkaMockProcess&) = delete;
  KafkaMockProcess& operator=(const KafkaMockProcess&) = delete;

  // Starts the program and reads its bootstrap line (bounded). False on failure.
  bool start();
  const std::string& bootstraps() const { return bootstraps_; }
  // Sends one command ("down", "up", "topic t 3") and waits (bounded) for its "ok" answer.
  bool command(const std::string& line);

 private:
  std::string read_line(int timeout_ms);

  std::vector<std::string> topics_;
  int brokers_;
  pid_t pid_ = -1;
  int in_ = -1;   // the child's stdin
  int out_ = -1;  // the child's stdout
  std::string buffered_;
  std::string bootstraps_;
};

// Runs a program to completion (bounded by `timeout_ms`, then SIGKILLed by pid) and returns its
// stdout; `exit_code` gets the exit status (-1 when it was killed or did not start).
std::string run_capture(const std::vector<std::string>& argv, int timeout_ms, int* exit_code);

// One message as kcat prints it with -f '%p\t%o\t%k\t%s\n'.
struct KafkaMessage {
  int partition = -1;
  long long offset = -1;
  std::string key;
  std::string value;
};
// Every message of one partition, from the beginning, read by kcat (-e: stop at the end).
std::vector<KafkaMessage> kcat_consume(const std::string& bootstraps, const std::string& topic,
                                       int partition);

}  // namespace delta::testing

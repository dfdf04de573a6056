// The clickstream the benchmarks share: the demo stream's schema and random hex for ids and
// emails, so bodies compress about as badly as real traffic. Header-only; benchmarks only.
#pragma once

#include <random>
#include <string>

#include "model/schema.h"

namespace delta::bench {

inline model::StreamSchema clickstream_schema() {
  using model::FieldType;
  model::StreamSchema s;
  s.name = "clicks";
  s.fields = {{"ts", FieldType::kTimestamp, true},    {"event_id", FieldType::kString, true},
              {"user_id", FieldType::kString, true},  {"email", FieldType::kString, false},
              {"type", FieldType::kString, true},     {"amount", FieldType::kFloat64, false},
              {"country", FieldType::kString, false}, {"device", FieldType::kString, false}};
  s.time_field = "ts";
  s.key_field = "user_id";
  s.partitions = 4;
  return s;
}

inline std::string random_hex(std::mt19937_64& rng, int n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[rng() % 16];
  return out;
}

}  // namespace delta::bench

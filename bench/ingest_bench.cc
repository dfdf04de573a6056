// Ingest decoding cost per event: 1000-event bodies of ~220-byte clickstream events, as in DESIGN.md
// "Where the time goes". Prints events/s (items_per_second) and MB/s (bytes_per_second, decoded
// body bytes). Run: build/bench/ingest_bench [--benchmark_min_time=2]
#include <benchmark/benchmark.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <random>
#include <string>

#include "clickstream.h"
#include "edge/ingest.h"
#include "process/mask.h"

namespace delta::edge {
namespace {

constexpr int kEvents = 1000;
constexpr int64_t kNow = 1795787172123;

model::StreamSchema clickstream() { return bench::clickstream_schema(); }

using bench::random_hex;

std::string ndjson_body(bool as_array, bool spaced = false) {
  static constexpr const char* kTypes[] = {"page_view", "click", "add_to_cart", "purchase"};
  static constexpr const char* kCountries[] = {"DE", "FR", "US", "GB", "JP", "BR"};
  static constexpr const char* kDevices[] = {"mobile", "desktop", "tablet"};
  std::mt19937_64 rng(42);
  std::string body = as_array ? "[" : "";
  char line[512];
  for (int i = 0; i < kEvents; ++i) {
    int n = std::snprintf(
        line, sizeof line,
        "{\"ts\":\"2026-11-27T13:%02d:%02d.%03dZ\",\"event_id\":\"%s-%s-%s-%s-%s\",\"user_id\":\"user-%07d\","
        "\"email\":\"%s@example.com\",\"type\":\"%s\",\"amount\":%d.%02d,\"country\":\"%s\",\"device\":\"%"
        "s\"}",
        static_cast<int>(rng() % 60), static_cast<int>(rng() % 60), static_cast<int>(rng() % 1000),
        random_hex(rng, 8).c_str(), random_hex(rng, 4).c_str(), random_hex(rng, 4).c_str(),
        random_hex(rng, 4).c_str(), random_hex(rng, 12).c_str(), static_cast<int>(rng() % 10000000),
        random_hex(rng, 20).c_str(), kTypes[rng() % 4], static_cast<int>(rng() % 1000),
        static_cast<int>(rng() % 100), kCountries[rng() % 6], kDevices[rng() % 3]);
    if (as_array && i > 0) body += ",";
    for (int k = 0; k < n; ++k) {
      body += line[k];
      if (spaced && (line[k] == ',' || line[k] == ':') && line[k + 1] == '"')
        body += ' ';  // like Python's json.dumps
    }
    if (!as_array) body += "\n";
  }
  if (as_array) body += "]";
  return body;
}

std::string padded(const std::string& body) {
  std::string out;
  if (!decode_body("", body, 1 << 30, &out).is_ok()) std::abort();
  return out;
}

void report(benchmark::State& state, size_t body_bytes) {
  state.SetItemsProcessed(state.iterations() * kEvents);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body_bytes));
}

void BM_DecodeNdjson(benchmark::State& state) {
  std::string body = padded(ndjson_body(false));
  IngestDecoder decoder(clickstream(), {});
  for (auto _ : state) {
    IngestResult r = decoder.decode(BodyFormat::kNdjson, body, kNow);
    if (r.accepted != kEvents) state.SkipWithError("events rejected");
    benchmark::DoNotOptimize(decoder.batches().data());
  }
  state.counters["bytes_per_event"] = static_cast<double>(body.size()) / kEvents;
  report(state, body.size());
}
BENCHMARK(BM_DecodeNdjson);

// Producers that put a space after ',' and ':' (Python's json.dumps default): values are minified.
void BM_DecodeNdjsonSpaced(benchmark::State& state) {
  std::string body = padded(ndjson_body(false, true));
  IngestDecoder decoder(clickstream(), {});
  for (auto _ : state) {
    IngestResult r = decoder.decode(BodyFormat::kNdjson, body, kNow);
    if (r.accepted != kEvents) state.SkipWithError("events rejected");
    benchmark::DoNotOptimize(decoder.batches().data());
  }
  report(state, body.size());
}
BENCHMARK(BM_DecodeNdjsonSpaced);

void BM_DecodeJsonArray(benchmark::State& state) {
  std::string body = padded(ndjson_body(true));
  IngestDecoder decoder(clickstream(), {});
  for (auto _ : state) {
    IngestResult r = decoder.decode(BodyFormat::kJson, body, kNow);
    if (r.accepted != kEvents) state.SkipWithError("events rejected");
    benchmark::DoNotOptimize(decoder.batches().data());
  }
  report(state, body.size());
}
BENCHMARK(BM_DecodeJsonArray);

// The copy of an identity body into the padded buffer, alone.
void BM_DecodeBodyIdentity(benchmark::State& state) {
  std::string body = ndjson_body(false);
  std::string out;
  for (auto _ : state) {
    if (!decode_body("", body, 64 << 20, &out).is_ok()) state.SkipWithError("decode failed");
  }
  report(state, body.size());
}
BENCHMARK(BM_DecodeBodyIdentity);

std::string gzip(const std::string& data) {
  uLongf n = compressBound(data.size()) + 32;
  std::string out(n, '\0');
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3));
  return out;
}

// Decompression plus decoding, per compressed request; bytes_per_second counts decoded bytes.
void decode_compressed(benchmark::State& state, const char* encoding, const std::string& compressed,
                       size_t decoded_size) {
  IngestDecoder decoder(clickstream(), {});
  std::string out;
  for (auto _ : state) {
    if (!decode_body(encoding, compressed, 64 << 20, &out).is_ok()) state.SkipWithError("decode failed");
    if (decoder.decode(BodyFormat::kNdjson, out, kNow).accepted != kEvents) state.SkipWithError("rejected");
  }
  state.counters["ratio"] = static_cast<double>(decoded_size) / static_cast<double>(compressed.size());
  report(state, decoded_size);
}

void BM_GzipNdjson(benchmark::State& state) {
  std::string body = ndjson_body(false);
  decode_compressed(state, "gzip", gzip(body), body.size());
}
BENCHMARK(BM_GzipNdjson);

void BM_ZstdNdjson(benchmark::State& state) {
  std::string body = ndjson_body(false);
  decode_compressed(state, "zstd", zstd(body), body.size());
}
BENCHMARK(BM_ZstdNdjson);

// BM_DecodeNdjson with the stream masking fields: arg 0 hashes email (HMAC-SHA256), arg 1 also
// hashes user_id (the routing key), and drops device, so each event is rewritten.
void BM_DecodeNdjsonMasked(benchmark::State& state) {
  std::string body = padded(ndjson_body(false));
  model::StreamSchema schema = clickstream();
  schema.mask = {{"email", model::MaskPolicy::kHash}};
  if (state.range(0) == 1) {
    schema.mask.push_back({"user_id", model::MaskPolicy::kHash});
    schema.mask.push_back({"device", model::MaskPolicy::kDrop});
  }
  process::Masker masker(schema.mask, "bench-mask-key-0123456789");
  IngestDecoder decoder(schema, {}, &masker);
  for (auto _ : state) {
    IngestResult r = decoder.decode(BodyFormat::kNdjson, body, kNow);
    if (r.accepted != kEvents) state.SkipWithError("events rejected");
    benchmark::DoNotOptimize(decoder.batches().data());
  }
  report(state, body.size());
}
BENCHMARK(BM_DecodeNdjsonMasked)->Arg(0)->Arg(1);

}  // namespace
}  // namespace delta::edge

BENCHMARK_MAIN();

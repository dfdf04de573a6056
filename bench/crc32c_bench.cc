// CRC-32C throughput on one core: the byte table, the serial crc32-instruction loop Delta used before
// (one dependency chain) and crc32c::extend now (three interleaved streams from 768 bytes on), on
// buffers of 1 KiB, 16 KiB and 150 KiB (about one stored batch of 1000 Nexmark events), hot in cache
// as a batch just read is. Each repeat times every implementation once, in turn; the table shows the
// median GB/s over the repeats and the median of the per-repeat ratios new/serial, which is the
// figure to compare on a shared, noisy machine.
// Run: build/bench/crc32c_bench [--repeats N] [bytes ...]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "base/crc32c.h"
#include "base/crc32c_internal.h"

namespace {

using Extend = uint32_t (*)(uint32_t, const void*, size_t);

struct Impl {
  const char* name;
  Extend fn;
  double bytes_per_repeat;  // the table path is ~20x slower: give it less work per repeat
};

volatile uint32_t g_sink;

// GB/s of `fn` over `buf`, repeated until about `total` bytes have been checksummed.
double time_once(Extend fn, const std::vector<uint8_t>& buf, double total) {
  size_t iterations = std::max<size_t>(1, static_cast<size_t>(total / static_cast<double>(buf.size())));
  uint32_t crc = 0;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < iterations; ++i) crc ^= fn(static_cast<uint32_t>(i), buf.data(), buf.size());
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  g_sink = crc;
  return static_cast<double>(iterations * buf.size()) / seconds / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void run_size(size_t bytes, int repeats, const std::vector<Impl>& impls) {
  std::vector<uint8_t> buf(bytes);
  std::mt19937_64 rng(bytes);
  for (auto& b : buf) b = static_cast<uint8_t>(rng());
  for (const Impl& impl : impls) {  // the three must agree before their speed means anything
    if (impl.fn(0, buf.data(), bytes) != delta::crc32c::internal::extend_portable(0, buf.data(), bytes)) {
      std::fprintf(stderr, "%s disagrees with the table at %zu bytes\n", impl.name, bytes);
      std::exit(1);
    }
  }
  std::vector<std::vector<double>> gbps(impls.size());
  std::vector<double> ratio;
  for (int r = 0; r < repeats; ++r) {
    for (size_t i = 0; i < impls.size(); ++i)
      gbps[i].push_back(time_once(impls[i].fn, buf, impls[i].bytes_per_repeat));
    ratio.push_back(gbps[2].back() / gbps[1].back());
  }
  std::printf("%9zu", bytes);
  for (auto& g : gbps) std::printf(" %10.2f", median(g));
  std::printf(" %9.2fx\n", median(ratio));
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 9;
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) {
      repeats = std::max(1, std::atoi(argv[++i]));
    } else {
      sizes.push_back(std::strtoull(argv[i], nullptr, 10));
    }
  }
  if (sizes.empty()) sizes = {1024, 16 * 1024, 150 * 1024};
  if (!delta::crc32c::internal::hardware_available()) {
    std::fprintf(stderr, "no SSE4.2 crc32 instruction on this CPU: nothing to compare\n");
    return 1;
  }
  const std::vector<Impl> impls = {
      {"table", delta::crc32c::internal::extend_portable, 16e6},
      {"serial", delta::crc32c::internal::extend_hardware_serial, 256e6},
      {"new", delta::crc32c::extend, 256e6},
  };
  std::printf("GB/s, median of %d repeats; new/serial = median of the per-repeat ratios\n", repeats);
  std::printf("%9s %10s %10s %10s %10s\n", "bytes", "table", "serial", "new", "new/serial");
  for (size_t bytes : sizes) run_size(bytes, repeats, impls);
  return 0;
}

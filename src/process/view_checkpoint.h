// ViewCheckpoint: what a view worker needs to resume (ADR 0006), and its text form:
//   delta-view-checkpoint 2
//   <view watermark> <open start>
//   <offset> <largest accepted event time before it> <read through>     (one line per partition)
// Pure functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace delta::process {

struct ViewCheckpoint {
  struct Partition {
    int64_t offset = 0;        // replay from here
    int64_t prefix_max = 0;    // the largest accepted event time before `offset`
    int64_t read_through = 0;  // events below it were handled when the checkpoint was taken
  };
  int64_t view_watermark = 0;
  int64_t open_start = 0;  // windows starting before it were final
  std::vector<Partition> partitions;
};

std::string format_view_checkpoint(const ViewCheckpoint& c);
// invalid_argument (saying what is wrong) for anything but a checkpoint of exactly `partitions`
// partitions whose offsets are non-negative and read_through >= offset.
Result<ViewCheckpoint> parse_view_checkpoint(std::string_view text, size_t partitions);

}  // namespace delta::process

#include "process/view_checkpoint.h"

#include <charconv>

namespace delta::process {
namespace {

constexpr std::string_view kMagic = "delta-view-checkpoint 2\n";

void append_number(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

std::string format_view_checkpoint(const ViewCheckpoint& c) {
  std::string text(kMagic);
  append_number(text, c.view_watermark);
  text += ' ';
  append_number(text, c.open_start);
  text += '\n';
  for (const ViewCheckpoint::Partition& p : c.partitions) {
    append_number(text, p.offset);
    text += ' ';
    append_number(text, p.prefix_max);
    text += ' ';
    append_number(text, p.read_through);
    text += '\n';
  }
  return text;
}

Result<ViewCheckpoint> parse_view_checkpoint(std::string_view text, size_t partitions) {
  if (!text.starts_with(kMagic)) return Status::invalid_argument("not a view checkpoint (no header line)");
  text.remove_prefix(kMagic.size());
  std::vector<int64_t> numbers;
  for (;;) {
    while (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
    if (text.empty()) break;
    if (numbers.size() > 2 + 3 * partitions) break;  // too many: reported below
    int64_t v = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc()) {
      return Status::invalid_argument("expected a number, got \"" + std::string(text.substr(0, 16)) + "\"");
    }
    numbers.push_back(v);
    text.remove_prefix(static_cast<size_t>(r.ptr - text.data()));
  }
  if (numbers.size() != 2 + 3 * partitions) {
    return Status::invalid_argument("the checkpoint does not have the stream's " +
                                    std::to_string(partitions) + " partitions");
  }
  ViewCheckpoint c;
  c.view_watermark = numbers[0];
  c.open_start = numbers[1];
  for (size_t p = 0; p < partitions; ++p) {
    ViewCheckpoint::Partition part{numbers[2 + 3 * p], numbers[3 + 3 * p], numbers[4 + 3 * p]};
    if (part.offset < 0 || part.read_through < part.offset) {
      return Status::invalid_argument("partition " + std::to_string(p) +
                                      " has a bad offset or read position");
    }
    c.partitions.push_back(part);
  }
  return c;
}

}  // namespace delta::process

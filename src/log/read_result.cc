#include <algorithm>
#include <cstring>

#include "log/log.h"

namespace delta::log {

void ReadResult::clear() {
  batches.clear();
  next_offset = 0;
  end_offset = 0;
  size_ = 0;
}

char* ReadResult::extend(size_t n) {
  if (size_ + n > capacity_) {
    size_t capacity = std::max(size_ + n, capacity_ * 2);
    std::unique_ptr<char[]> grown(new char[capacity]);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    for (std::string_view& b : batches)
      b = std::string_view(grown.get() + (b.data() - data_.get()), b.size());
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  char* at = data_.get() + size_;
  size_ += n;
  return at;
}

void ReadResult::append_batch(std::string_view batch) {
  size_t at = size_;
  std::memcpy(extend(batch.size()), batch.data(), batch.size());
  add_batch(at, batch.size());
}

}  // namespace delta::log

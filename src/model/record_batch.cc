#include "model/record_batch.h"

#include "base/crc32c.h"

namespace delta::model {
namespace {

template <typename T>
void store(char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}
template <typename T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

void put_varint(std::string& out, uint64_t v) {
  char tmp[10];
  int n = 0;
  while (v >= 0x80) {
    tmp[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = static_cast<char>(v);
  out.append(tmp, n);
}

bool get_varint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void seal(char* p, size_t length) {
  store<uint32_t>(p + batch_field::kLength, static_cast<uint32_t>(length));
  uint32_t crc = crc32c::value(p + batch_field::kMagic, length - batch_field::kMagic);
  store<uint32_t>(p + batch_field::kCrc, crc);
}

}  // namespace

void RecordBatchBuilder::clear() {
  buf_.assign(kBatchHeaderSize, '\0');
  count_ = 0;
  first_time_ = 0;
  max_time_ = 0;
}

void RecordBatchBuilder::add(int64_t time_ms, std::string_view value) {
  if (count_ == 0) {
    first_time_ = time_ms;
    max_time_ = time_ms;
  } else if (time_ms > max_time_) {
    max_time_ = time_ms;
  }
  put_varint(buf_, value.size());
  put_varint(buf_, zigzag(time_ms - first_time_));
  buf_.append(value);
  ++count_;
}

std::string_view RecordBatchBuilder::finish(int64_t base_offset) {
  char* p = buf_.data();
  store<uint32_t>(p + batch_field::kMagic, kBatchMagic);
  store<uint16_t>(p + batch_field::kVersion, 1);
  store<uint16_t>(p + batch_field::kFlags, 0);
  store<int64_t>(p + batch_field::kBaseOffset, base_offset);
  store<int32_t>(p + batch_field::kRecordCount, count_);
  store<int64_t>(p + batch_field::kFirstTime, first_time_);
  store<int64_t>(p + batch_field::kMaxTime, max_time_);
  seal(p, buf_.size());
  return buf_;
}

Status parse_batch_header(std::string_view bytes, BatchHeader* out) {
  if (bytes.size() < kBatchHeaderSize) return Status::corruption("batch header truncated");
  const char* p = bytes.data();
  if (load<uint32_t>(p + batch_field::kMagic) != kBatchMagic) return Status::corruption("bad batch magic");
  if (load<uint16_t>(p + batch_field::kVersion) != 1) return Status::corruption("unknown batch version");
  out->length = load<uint32_t>(p + batch_field::kLength);
  out->crc = load<uint32_t>(p + batch_field::kCrc);
  out->base_offset = load<int64_t>(p + batch_field::kBaseOffset);
  out->record_count = load<int32_t>(p + batch_field::kRecordCount);
  out->first_time_ms = load<int64_t>(p + batch_field::kFirstTime);
  out->max_time_ms = load<int64_t>(p + batch_field::kMaxTime);
  if (out->length < kBatchHeaderSize || out->record_count < 0) {
    return Status::corruption("bad batch length or count");
  }
  return Status::ok();
}

Status verify_batch_crc(std::string_view batch) {
  if (batch.size() < kBatchHeaderSize) return Status::corruption("batch truncated");
  uint32_t stored = load<uint32_t>(batch.data() + batch_field::kCrc);
  uint32_t actual = crc32c::value(batch.data() + batch_field::kMagic, batch.size() - batch_field::kMagic);
  if (stored != actual) return Status::corruption("batch CRC mismatch");
  return Status::ok();
}

void set_batch_base_offset(char* batch, size_t length, int64_t base_offset) {
  store<int64_t>(batch + batch_field::kBaseOffset, base_offset);
}

RecordIterator::RecordIterator(std::string_view batch) {
  status_ = parse_batch_header(batch, &header_);
  if (status_.is_ok() && header_.length != batch.size()) {
    status_ = Status::corruption("batch length does not match its bytes");
  }
  if (status_.is_ok()) rest_ = batch.substr(kBatchHeaderSize);
}

bool RecordIterator::next(Record* out) {
  if (!status_.is_ok() || index_ >= header_.record_count) return false;
  uint64_t len = 0, dt = 0;
  if (!get_varint(&rest_, &len) || !get_varint(&rest_, &dt) || len > rest_.size()) {
    status_ = Status::corruption("record framing broken");
    return false;
  }
  out->offset = header_.base_offset + index_;
  out->time_ms = header_.first_time_ms + unzigzag(dt);
  out->value = rest_.substr(0, len);
  rest_.remove_prefix(len);
  ++index_;
  return true;
}

}  // namespace delta::model

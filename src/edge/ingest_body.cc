// decode_body: Content-Encoding (identity, gzip, zstd) into a padded buffer, bounded by max_out.
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "edge/ingest.h"

namespace delta::edge {
namespace {

constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr size_t kMinInitialOut = 16 << 10;

enum class Encoding { kIdentity, kGzip, kZstd, kUnknown };

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Encoding parse_encoding(std::string_view name) {
  name = trim_ows(name);
  if (name.empty() || iequals(name, "identity")) return Encoding::kIdentity;
  if (iequals(name, "gzip") || iequals(name, "x-gzip")) return Encoding::kGzip;
  if (iequals(name, "zstd")) return Encoding::kZstd;
  return Encoding::kUnknown;
}

Status too_large(uint64_t max_out) {
  return Status::resource_exhausted(std::string(error_code::kBodyTooLarge) +
                                    ": decoded body exceeds the limit of " + std::to_string(max_out) +
                                    " bytes");
}

Status bad_encoding(std::string_view what) {
  return Status::invalid_argument(std::string(error_code::kBadEncoding) + ": " + std::string(what));
}

// Zeroes the padding after out->size() and makes sure it is there.
void pad_tail(std::string* out) {
  size_t n = out->size();
  out->append(kPadding, '\0');
  out->resize(n);
}

// The decoded size we allow, clamped so that limit + 1 + padding cannot overflow.
size_t clamp_limit(uint64_t max_out) {
  constexpr uint64_t kMax = (SIZE_MAX >> 1) - kPadding;
  return static_cast<size_t>(std::min<uint64_t>(max_out, kMax));
}

// Grows the output window of a streaming decoder: doubles, never past limit + 1 bytes (one byte
// more than allowed, so that producing it proves the body too large).
void grow(std::string* out, size_t limit) {
  size_t next = std::max(out->size() * 2, kMinInitialOut);
  out->resize(std::min(next, limit + 1));
}

// The first output window: a guess from the compressed size (or the frame's declared size). Not the
// capacity `out` already has: after one huge body that would zero-fill megabytes on every request.
void start_window(std::string* out, size_t body_size, size_t limit, size_t hint) {
  size_t guess = hint != 0 ? hint : std::max(body_size * 4, kMinInitialOut);
  out->resize(std::min(guess, limit + 1));
}

Status copy_identity(std::string_view body, size_t limit, std::string* out) {
  if (body.size() > limit) return too_large(limit);
  out->reserve(body.size() + kPadding);
  out->assign(body);
  pad_tail(out);
  return Status::ok();
}

struct InflateGuard {
  z_stream* zs;
  ~InflateGuard() { inflateEnd(zs); }
};

// One inflate() step over the whole remaining input and output window.
int inflate_step(z_stream* zs, std::string_view body, size_t* consumed, std::string* out, size_t* produced) {
  zs->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data() + *consumed));
  zs->avail_in = static_cast<uInt>(std::min<size_t>(body.size() - *consumed, UINT_MAX));
  zs->next_out = reinterpret_cast<Bytef*>(out->data() + *produced);
  zs->avail_out = static_cast<uInt>(std::min<size_t>(out->size() - *produced, UINT_MAX));
  uInt in_before = zs->avail_in, out_before = zs->avail_out;
  int rc = inflate(zs, Z_NO_FLUSH);
  *consumed += in_before - zs->avail_in;
  *produced += out_before - zs->avail_out;
  return rc;
}

Status inflate_gzip(std::string_view body, size_t limit, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Status::internal("zlib inflateInit2 failed");
  InflateGuard guard{&zs};
  start_window(out, body.size(), limit, 0);
  size_t consumed = 0, produced = 0;
  for (;;) {
    if (produced == out->size()) grow(out, limit);
    int rc = inflate_step(&zs, body, &consumed, out, &produced);
    if (produced > limit) return too_large(limit);
    if (rc == Z_STREAM_END) {
      if (consumed == body.size()) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc == Z_MEM_ERROR) return Status::resource_exhausted("zlib is out of memory");
    if (rc != Z_OK && rc != Z_BUF_ERROR) return bad_encoding("gzip data is corrupt");
    if (produced < out->size()) {  // it had room, so it wants input
      if (consumed == body.size()) return bad_encoding("gzip data is truncated");
      if (rc == Z_BUF_ERROR) return bad_encoding("gzip data is corrupt");
    }
  }
  out->resize(produced);
  pad_tail(out);
  return Status::ok();
}

struct ZstdGuard {
  ZSTD_DCtx* dctx;
  ~ZstdGuard() { ZSTD_freeDCtx(dctx); }
};

// Largest window a frame may ask for: enough for max_out, at least the 8 MiB every decoder should
// accept, at most zstd's own default cap (128 MiB).
int window_log_max(size_t limit) {
  int log = 23;
  while (log < 27 && (size_t{1} << log) < limit) ++log;
  return log;
}

Status zstd_error(size_t rc, size_t limit) {
  if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
    return Status::resource_exhausted(std::string(error_code::kBodyTooLarge) +
                                      ": zstd frame needs a window larger than the body limit of " +
                                      std::to_string(limit) + " bytes allows");
  }
  if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation) {
    return Status::resource_exhausted("zstd is out of memory");
  }
  return bad_encoding("zstd data is corrupt");
}

// The first frame's declared content size when it has one and is within reason, else 0.
size_t zstd_size_hint(std::string_view body, size_t limit) {
  unsigned long long size = ZSTD_getFrameContentSize(body.data(), body.size());
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) return 0;
  return static_cast<size_t>(std::min<unsigned long long>(size, limit + 1));
}

Status decompress_zstd(std::string_view body, size_t limit, std::string* out) {
  size_t hint = zstd_size_hint(body, limit);
  if (hint > limit) return too_large(limit);  // the frame says so itself: no need to inflate it
  ZstdGuard guard{ZSTD_createDCtx()};
  if (guard.dctx == nullptr) return Status::resource_exhausted("zstd is out of memory");
  ZSTD_DCtx_setParameter(guard.dctx, ZSTD_d_windowLogMax, window_log_max(limit));
  start_window(out, body.size(), limit, hint == 0 ? 0 : hint + 1);
  ZSTD_inBuffer in{body.data(), body.size(), 0};
  size_t produced = 0;
  for (;;) {
    if (produced == out->size()) grow(out, limit);
    ZSTD_outBuffer ob{out->data(), out->size(), produced};
    size_t in_before = in.pos;
    size_t rc = ZSTD_decompressStream(guard.dctx, &ob, &in);
    if (ZSTD_isError(rc)) return zstd_error(rc, limit);
    bool progressed = ob.pos != produced || in.pos != in_before;
    produced = ob.pos;
    if (produced > limit) return too_large(limit);
    if (rc == 0 && in.pos == in.size) break;  // last frame complete
    bool room = produced < out->size();
    if (in.pos == in.size && room) return bad_encoding("zstd data is truncated");
    if (!progressed && room) return bad_encoding("zstd data is corrupt");
  }
  out->resize(produced);
  pad_tail(out);
  return Status::ok();
}

}  // namespace

Status decode_body(std::string_view content_encoding, std::string_view body, uint64_t max_out,
                   std::string* out) {
  size_t limit = clamp_limit(max_out);
  switch (parse_encoding(content_encoding)) {
    case Encoding::kIdentity: return copy_identity(body, limit, out);
    case Encoding::kGzip: return inflate_gzip(body, limit, out);
    case Encoding::kZstd: return decompress_zstd(body, limit, out);
    case Encoding::kUnknown: break;
  }
  return Status::invalid_argument(std::string(error_code::kUnsupportedEncoding) +
                                  ": Content-Encoding must be identity, gzip or zstd");
}

Result<std::string_view> decode_body_view(std::string_view content_encoding, std::string_view body,
                                          size_t body_readable, uint64_t max_out, std::string* scratch) {
  bool identity = parse_encoding(content_encoding) == Encoding::kIdentity;
  if (identity && body_readable >= body.size() + kPadding) {
    if (body.size() > clamp_limit(max_out)) return too_large(clamp_limit(max_out));
    return body;
  }
  Status s = decode_body(content_encoding, body, max_out, scratch);
  if (!s.is_ok()) return s;
  return std::string_view(*scratch);
}

}  // namespace delta::edge

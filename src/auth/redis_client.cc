#include "auth/redis_client.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <chrono>

namespace delta::auth {
namespace {

constexpr size_t kMaxIdle = 8;
constexpr int64_t kMinBackoffMs = 100;
constexpr int64_t kMaxBackoffMs = 5000;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: break;  // nil
  }
  return out;
}

}  // namespace

struct RedisClient::Connection {
  redisContext* ctx = nullptr;
  ~Connection() {
    if (ctx != nullptr) redisFree(ctx);
  }
};

Result<std::unique_ptr<RedisClient>> RedisClient::create(const std::string& url) {
  std::string_view rest = url;
  Status bad = Status::invalid_argument("redis_url must be redis://host:port");
  if (!rest.starts_with("redis://")) return bad;
  rest.remove_prefix(8);
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  std::string host(rest.substr(0, colon));
  int port = 6379;
  if (colon != std::string_view::npos) {
    std::string_view p = rest.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port <= 0 || port > 65535) return bad;
  }
  if (host.empty()) return bad;
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(host), port));
}

RedisClient::RedisClient(std::string host, int port)
    : host_(std::move(host)), port_(port), address_(host_ + ":" + std::to_string(port_)) {}

RedisClient::~RedisClient() = default;

Result<std::unique_ptr<RedisClient::Connection>> RedisClient::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Connection> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (steady_ms() < retry_at_ms_) return Status::unavailable("redis " + address_ + " is down; backing off");
  }
  auto c = std::make_unique<Connection>();
  c->ctx = redisConnectWithTimeout(host_.c_str(), port_, timeval{0, 500'000});
  if (c->ctx == nullptr || c->ctx->err != 0) {
    std::string why = c->ctx != nullptr ? c->ctx->errstr : "out of memory";
    failed();
    return Status::unavailable("redis connect " + address_ + ": " + why);
  }
  redisSetTimeout(c->ctx, timeval{0, 200'000});
  return c;
}

void RedisClient::give_back(std::unique_ptr<Connection> c) {
  std::lock_guard lock(mu_);
  backoff_ms_ = 0;
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

void RedisClient::failed() {
  std::lock_guard lock(mu_);
  idle_.clear();
  backoff_ms_ = std::clamp(backoff_ms_ * 2, kMinBackoffMs, kMaxBackoffMs);
  retry_at_ms_ = steady_ms() + backoff_ms_;
}

Result<RedisReply> RedisClient::command(const std::vector<std::string>& args) {
  Result<std::unique_ptr<Connection>> c = take();
  if (!c.is_ok()) return c.status();
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(
      redisCommandArgv((*c)->ctx, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (r == nullptr) {
    std::string why = (*c)->ctx->err != 0 ? (*c)->ctx->errstr : "no reply";
    failed();
    return Status::unavailable("redis " + address_ + ": " + why);
  }
  RedisReply out = convert(r);
  freeReplyObject(r);
  give_back(std::move(*c));
  return out;
}

std::string RedisClient::sha_of(std::string_view script) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(script.data(), script.size(), digest, &len, EVP_sha1(),
             nullptr);  // Redis names scripts by SHA-1
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return hex;
}

Result<RedisReply> RedisClient::eval(std::string_view script, const std::vector<std::string>& keys,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"EVALSHA", sha_of(script), std::to_string(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Result<RedisReply> r = command(argv);
  if (!r.is_ok() || r->type != RedisReply::Type::kError || !r->str.starts_with("NOSCRIPT")) return r;
  Result<RedisReply> loaded = command({"SCRIPT", "LOAD", std::string(script)});
  if (!loaded.is_ok()) return loaded.status();
  if (loaded->type != RedisReply::Type::kString)
    return Status::unavailable("redis SCRIPT LOAD: " + loaded->str);
  return command(argv);
}

}  // namespace delta::auth

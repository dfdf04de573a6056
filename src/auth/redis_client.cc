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

timeval to_timeval(int64_t ms) { return timeval{ms / 1000, static_cast<suseconds_t>(ms % 1000 * 1000)}; }

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

void RedisPipeline::add(std::initializer_list<std::string_view> args) {
  for (std::string_view a : args) {
    argv_.push_back(a.data());
    lens_.push_back(a.size());
  }
  argc_.push_back(static_cast<int>(args.size()));
}

void RedisPipeline::add(std::span<const std::string_view> args) {
  for (std::string_view a : args) {
    argv_.push_back(a.data());
    lens_.push_back(a.size());
  }
  argc_.push_back(static_cast<int>(args.size()));
}

void RedisPipeline::clear() {
  argv_.clear();
  lens_.clear();
  argc_.clear();
}

Result<std::unique_ptr<RedisClient>> RedisClient::create(const std::string& url, RedisOptions options) {
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
  return std::unique_ptr<RedisClient>(new RedisClient(std::move(host), port, std::move(options)));
}

RedisClient::RedisClient(std::string host, int port, RedisOptions options)
    : host_(std::move(host)),
      port_(port),
      address_(host_ + ":" + std::to_string(port_)),
      options_(std::move(options)) {}

// AUTH and SELECT on a new connection, as the options ask.
Status RedisClient::setup(Connection& c) {
  std::vector<std::vector<std::string>> commands;
  if (!options_.password.empty()) commands.push_back({"AUTH", options_.password});
  if (options_.db != 0) commands.push_back({"SELECT", std::to_string(options_.db)});
  for (const std::vector<std::string>& args : commands) {
    const char* argv[2] = {args[0].c_str(), args[1].c_str()};
    size_t lens[2] = {args[0].size(), args[1].size()};
    auto* r = static_cast<redisReply*>(redisCommandArgv(c.ctx, 2, argv, lens));
    bool ok = r != nullptr && r->type != REDIS_REPLY_ERROR;
    std::string why = r == nullptr                   ? "no reply"
                      : r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len)
                                                     : "";
    if (r != nullptr) freeReplyObject(r);
    if (!ok) return Status::unavailable("redis " + address_ + " " + args[0] + ": " + why);
  }
  return Status::ok();
}

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
  c->ctx = redisConnectWithTimeout(host_.c_str(), port_, to_timeval(options_.connect_timeout_ms));
  if (c->ctx == nullptr || c->ctx->err != 0) {
    std::string why = c->ctx != nullptr ? c->ctx->errstr : "out of memory";
    failed();
    return Status::unavailable("redis connect " + address_ + ": " + why);
  }
  redisSetTimeout(c->ctx, to_timeval(options_.command_timeout_ms));
  if (Status s = setup(*c); !s.is_ok()) {
    failed();
    return s;
  }
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

Result<std::vector<RedisReply>> RedisClient::pipeline(const RedisPipeline& commands) {
  Result<std::unique_ptr<Connection>> c = take();
  if (!c.is_ok()) return c.status();
  redisContext* ctx = (*c)->ctx;
  size_t at = 0;
  for (int argc : commands.argc_) {
    redisAppendCommandArgv(ctx, argc,
                           const_cast<const char**>(commands.argv_.data() + at),  // hiredis takes non-const
                           commands.lens_.data() + at);
    at += static_cast<size_t>(argc);
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* reply = nullptr;
    if (redisGetReply(ctx, &reply) != REDIS_OK || reply == nullptr) {
      std::string why = ctx->err != 0 ? ctx->errstr : "no reply";
      failed();
      return Status::unavailable("redis " + address_ + ": " + why);
    }
    replies.push_back(convert(static_cast<redisReply*>(reply)));
    freeReplyObject(reply);
  }
  give_back(std::move(*c));
  return replies;
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

// RedisClient: the small hiredis wrapper the gateway's Redis users share (the shared rate limiter,
// the OAuth store). Commands are argv vectors (binary-safe); replies are copied into RedisReply
// values so no hiredis type leaks out.
//
// Connections: a pool of at most kMaxIdle idle connections, made on demand (connect timeout
// 500 ms, command timeout 200 ms by default; RedisOptions), authenticated (AUTH) and on the chosen
// database (SELECT) when the options say so. A command that fails on I/O drops its connection and starts a
// backoff (100 ms doubling to 5 s) during which every command fails at once with kUnavailable,
// so callers with a fallback lose no time while Redis is down. eval() runs a Lua script by
// EVALSHA and loads it (SCRIPT LOAD) on NOSCRIPT, e.g. after a Redis restart.
//
// Threads: every method is safe from any thread; a connection is taken from the pool under a
// mutex and used outside it (no I/O under the lock).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct redisContext;

namespace delta::auth {

struct RedisReply {
  enum class Type { kNil, kInteger, kString, kArray, kStatus, kError } type = Type::kNil;
  int64_t integer = 0;
  std::string str;  // kString, kStatus, kError
  std::vector<RedisReply> elements;
};

struct RedisOptions {
  int64_t connect_timeout_ms = 500;
  int64_t command_timeout_ms = 200;
  std::string password;  // "": no AUTH
  int db = 0;            // SELECTed when not 0
};

// Commands sent in one round trip by RedisClient::pipeline(). The arguments are views: the caller
// keeps the text alive until pipeline() returns.
class RedisPipeline {
 public:
  void add(std::initializer_list<std::string_view> args);
  void add(std::span<const std::string_view> args);
  void clear();
  size_t size() const { return argc_.size(); }

 private:
  friend class RedisClient;
  std::vector<const char*> argv_;
  std::vector<size_t> lens_;
  std::vector<int> argc_;
};

class RedisClient {
 public:
  // kInvalidArgument unless `url` is redis://host[:port][/...]. Does not connect yet.
  static Result<std::unique_ptr<RedisClient>> create(const std::string& url, RedisOptions options = {});
  ~RedisClient();

  // kUnavailable when Redis cannot be reached; an error reply is a kError RedisReply, not a Status.
  Result<RedisReply> command(const std::vector<std::string>& args);
  // EVALSHA `script` with KEYS and ARGV, loading it on NOSCRIPT.
  Result<RedisReply> eval(std::string_view script, const std::vector<std::string>& keys,
                          const std::vector<std::string>& args);
  // Sends every command of `commands` before reading the replies (one round trip); the replies in
  // order. kUnavailable when Redis cannot be reached or the connection fails midway (then nothing
  // can be assumed about which commands ran).
  Result<std::vector<RedisReply>> pipeline(const RedisPipeline& commands);

  const std::string& address() const { return address_; }

 private:
  struct Connection;
  RedisClient(std::string host, int port, RedisOptions options);
  Status setup(Connection& c);
  Result<std::unique_ptr<Connection>> take();
  void give_back(std::unique_ptr<Connection> c);
  void failed();
  std::string sha_of(std::string_view script);

  const std::string host_;
  const int port_;
  const std::string address_;
  const RedisOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int64_t backoff_ms_ = 0;                         // guarded by mu_
  int64_t retry_at_ms_ = 0;                        // guarded by mu_
};

}  // namespace delta::auth

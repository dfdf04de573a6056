// The `delta` subcommands. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace delta::app {

struct RunOptions {
  std::string config_path;  // empty: the built-in demo
};
int run_command(const RunOptions& options);

int validate_command(const std::string& config_path);

struct SendOptions {
  std::string stream;
  std::string input = "-";  // a file, or - for standard input
  std::string url = "http://127.0.0.1:8080";
  size_t batch_events = 1000;
  std::string content_type = "application/x-ndjson";
  // Credentials, first found wins: api_key (or $DELTA_API_KEY), token (or $DELTA_TOKEN), then the
  // access token `delta login` stored.
  std::string api_key;
  std::string token;
};
int send_command(const SendOptions& options);

// delta query: read-only SQL on a running Delta's analytical store (POST /v1/query).
struct QueryOptions {
  std::string sql;
  std::string url = "http://127.0.0.1:8080";
  bool json = false;  // print the JSON answer instead of a table
  int64_t limit = 10'000;
  std::string api_key;
  std::string token;
};
int query_command(const QueryOptions& options);

// The credential header (name, value) to send, first found wins: `api_key` (or $DELTA_API_KEY) as
// X-API-Key, `token` (or $DELTA_TOKEN, then delta login's) as a bearer token; empty when none.
std::pair<std::string, std::string> resolve_credential(const std::string& api_key, const std::string& token);

// delta tail: prints a stream's events (or a view's results) live, one JSON per line, over the
// WebSocket subscription; see tail_command.cc.
struct TailOptions {
  std::string name;  // a stream, else a view of that name
  std::string filter;
  bool from_beginning = false;
  std::string from;  // partition:offset list (resume); overrides from_beginning
  std::string url = "http://127.0.0.1:8080";
  std::string api_key;
  std::string token;
  std::string ca_file;  // https:// (wss://): PEM CAs to verify the server with, besides the system's
};
int tail_command(const TailOptions& options);

struct KeysOptions {
  std::string action;  // create, list or revoke
  std::string config_path;
  std::vector<std::string> roles;  // create
  std::string name;                // create; default: the first role
  std::string id;                  // revoke
};
int keys_command(const KeysOptions& options);

// delta login: authorization code + PKCE with a loopback redirect (RFC 8252); see login_command.cc.
struct LoginOptions {
  std::string url = "http://127.0.0.1:8080";  // Delta's base URL (its OAuth issuer)
  std::string client_id = "cli";              // a public client with redirect_uri http://127.0.0.1/callback
  std::string tokens_file;                    // empty: $XDG_CONFIG_HOME or ~/.config, /delta/tokens.json
  int timeout_s = 300;
};
int login_command(const LoginOptions& options);

// Where `delta login` keeps tokens: $XDG_CONFIG_HOME (or ~/.config) + /delta/tokens.json.
std::string default_tokens_path();
// The access token stored by `delta login` in `tokens_path`, or "" when there is none.
std::string stored_access_token(const std::string& tokens_path);

}  // namespace delta::app

// delta: one binary for the pipeline and its tools (DESIGN.md, "External interface").
#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/commands.h"

#ifndef DELTA_VERSION
#define DELTA_VERSION "0.0.0"
#endif

int main(int argc, char** argv) try {
  CLI::App app{"Delta: a real-time event pipeline in one program"};
  app.require_subcommand(1);

  delta::app::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run the pipeline (the built-in demo when no config is given)");
  run_cmd->add_option("-c,--config", run.config_path, "Pipeline configuration (YAML)");

  std::string validate_path;
  auto* validate_cmd = app.add_subcommand("validate", "Check a configuration file without starting anything");
  validate_cmd->add_option("-c,--config", validate_path, "Pipeline configuration (YAML)")->required();

  delta::app::SendOptions send;
  auto* send_cmd = app.add_subcommand("send", "Post NDJSON events to a running Delta");
  send_cmd->add_option("stream", send.stream, "Stream name")->required();
  send_cmd->add_option("input", send.input, "NDJSON file, or - for standard input");
  send_cmd->add_option("--url", send.url, "Delta's base URL")->capture_default_str();
  send_cmd->add_option("--batch", send.batch_events, "Events per request")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  send_cmd->add_option("--api-key", send.api_key, "API key (default: $DELTA_API_KEY)");
  send_cmd->add_option("--token", send.token, "Bearer token (default: $DELTA_TOKEN, then delta login's)");

  delta::app::TailOptions tail;
  auto* tail_cmd = app.add_subcommand("tail", "Print a stream's events or a view's results live (WebSocket)");
  tail_cmd->add_option("name", tail.name, "Stream or view name")->required();
  tail_cmd->add_option("--filter", tail.filter, "Condition in the processing language, e.g. \"amount > 10\"");
  tail_cmd->add_flag("--from-beginning", tail.from_beginning, "Start at the oldest event still in the log");
  tail_cmd->add_option("--from", tail.from, "Resume at partition:offset pairs, e.g. 0:120,1:7");
  tail_cmd->add_option("--url", tail.url, "Delta's base URL")->capture_default_str();
  tail_cmd->add_option("--api-key", tail.api_key, "API key (default: $DELTA_API_KEY)");
  tail_cmd->add_option("--token", tail.token, "Bearer token (default: $DELTA_TOKEN, then delta login's)");
  tail_cmd->add_option("--ca-file", tail.ca_file, "PEM CA file to verify an https:// server with");

  delta::app::QueryOptions query;
  auto* query_cmd = app.add_subcommand("query", "Run read-only SQL on a running Delta's analytical store");
  query_cmd->add_option("sql", query.sql, "SQL, e.g. \"select count(*) from events\"")->required();
  query_cmd->add_option("--url", query.url, "Delta's base URL")->capture_default_str();
  query_cmd->add_flag("--json", query.json, "Print the JSON answer instead of a table");
  query_cmd->add_option("--limit", query.limit, "At most this many rows")->capture_default_str();
  query_cmd->add_option("--api-key", query.api_key, "API key (default: $DELTA_API_KEY)");
  query_cmd->add_option("--token", query.token, "Bearer token (default: $DELTA_TOKEN, then delta login's)");

  delta::app::KeysOptions keys;
  auto* keys_cmd = app.add_subcommand("keys", "Create, list and revoke API keys (auth.api_keys_file)");
  keys_cmd->require_subcommand(1);
  auto* keys_create = keys_cmd->add_subcommand("create", "Create a key and print it once");
  keys_create->add_option("-c,--config", keys.config_path, "Pipeline configuration (YAML)")->required();
  keys_create->add_option("--role", keys.roles, "Role of the key (repeatable)")->required();
  keys_create->add_option("--name", keys.name, "A name to recognise the key by");
  auto* keys_list = keys_cmd->add_subcommand("list", "List keys (never the keys themselves)");
  keys_list->add_option("-c,--config", keys.config_path, "Pipeline configuration (YAML)")->required();
  auto* keys_revoke = keys_cmd->add_subcommand("revoke", "Revoke a key by its id");
  keys_revoke->add_option("-c,--config", keys.config_path, "Pipeline configuration (YAML)")->required();
  keys_revoke->add_option("id", keys.id, "Key id (key_...)")->required();

  delta::app::LoginOptions login;
  auto* login_cmd =
      app.add_subcommand("login", "Sign in through Delta's OAuth server (PKCE, loopback redirect)");
  login_cmd->add_option("--url", login.url, "Delta's base URL (the OAuth issuer)")->capture_default_str();
  login_cmd->add_option("--client-id", login.client_id, "Public OAuth client")->capture_default_str();
  login_cmd->add_option("--tokens", login.tokens_file,
                        "Where to store the tokens (default ~/.config/delta/tokens.json)");
  login_cmd->add_option("--timeout", login.timeout_s, "Seconds to wait for the browser")
      ->capture_default_str();

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (*run_cmd) return delta::app::run_command(run);
  if (*validate_cmd) return delta::app::validate_command(validate_path);
  if (*send_cmd) return delta::app::send_command(send);
  if (*query_cmd) return delta::app::query_command(query);
  if (*tail_cmd) return delta::app::tail_command(tail);
  if (*keys_cmd) {
    keys.action = *keys_create ? "create" : *keys_revoke ? "revoke" : "list";
    return delta::app::keys_command(keys);
  }
  if (*login_cmd) return delta::app::login_command(login);
  if (*version_cmd) {
    std::printf("delta %s\n", DELTA_VERSION);
    return 0;
  }
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "delta: %s\n", e.what());
  return 1;
}

// `delta keys create|list|revoke`: API keys in the config's api_keys_file. A running server picks
// changes up within seconds (it watches the file's mtime).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/commands.h"
#include "app/gateway_setup.h"
#include "auth/api_keys.h"
#include "auth/audit.h"
#include "base/clock.h"

namespace delta::app {
namespace {

std::string operator_name() {
  const char* user = std::getenv("USER");
  return std::string("cli:") + (user != nullptr ? user : "unknown");
}

int fail(const std::string& what) {
  std::fprintf(stderr, "delta keys: %s\n", what.c_str());
  return 1;
}

Status save(const auth::ApiKeyStore& store, const std::string& path) {
  std::error_code ec;
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  return store.save(path);
}

// Log lines (JSON, stdout by default) go to stderr, so stdout carries only the key or the table.
FILE* detach_stdout() {
  int fd = ::dup(STDOUT_FILENO);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  return ::fdopen(fd, "w");
}

int create(auth::ApiKeyStore& store, const KeysOptions& o, const std::string& path, FILE* out) {
  std::string name = o.name.empty() ? o.roles.front() : o.name;
  Result<auth::CreatedApiKey> key = store.create(o.roles, name);
  if (!key.is_ok()) return fail(key.status().message());
  if (Status s = save(store, path); !s.is_ok()) return fail(s.message());
  auth::audit("apikey.create", operator_name(), "", "success", "id " + key->id);
  std::fprintf(stderr, "created %s (%s); the key is shown once, store it now:\n", key->id.c_str(),
               name.c_str());
  std::fprintf(out, "%s\n", key->key.c_str());
  return 0;
}

int list(const auth::ApiKeyStore& store, FILE* out) {
  std::fprintf(out, "%-18s %-20s %-24s %s\n", "ID", "NAME", "ROLES", "STATE");
  for (const auth::ApiKeyInfo& k : store.list()) {
    std::string roles;
    for (const std::string& r : k.roles) roles += (roles.empty() ? "" : ",") + r;
    std::fprintf(out, "%-18s %-20s %-24s %s\n", k.id.c_str(), k.name.c_str(), roles.c_str(),
                 k.revoked ? "revoked" : "active");
  }
  return 0;
}

int revoke(auth::ApiKeyStore& store, const std::string& id, const std::string& path) {
  if (Status s = store.revoke(id); !s.is_ok()) return fail(s.message());
  if (Status s = save(store, path); !s.is_ok()) return fail(s.message());
  auth::audit("apikey.revoke", operator_name(), "", "success", "id " + id);
  std::fprintf(stderr, "revoked %s\n", id.c_str());
  return 0;
}

int keys_run(const KeysOptions& options, FILE* out) {
  Result<config::PipelineConfig> cfg = config::load_file(options.config_path);
  if (!cfg.is_ok()) return fail(cfg.status().message());
  std::string path = api_keys_path(*cfg);
  auth::ApiKeyStore store(SystemClock::instance());
  Status loaded = store.load(path);
  if (!loaded.is_ok() && loaded.code() != StatusCode::kNotFound) return fail(loaded.message());
  if (options.action == "create") return create(store, options, path, out);
  if (options.action == "revoke") return revoke(store, options.id, path);
  return list(store, out);
}

}  // namespace

int keys_command(const KeysOptions& options) {
  FILE* out = detach_stdout();
  if (out == nullptr) return fail("cannot duplicate stdout");
  int rc = keys_run(options, out);
  std::fclose(out);
  return rc;
}

}  // namespace delta::app

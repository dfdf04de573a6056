// ApiKeyStore: API keys for producers and services. A key is shown once, when created, and only
// its SHA-256 digest is kept in memory and on disk.
//
// Format: "dk_" followed by 32 characters of [0-9A-Za-z] from libsodium's CSPRNG (about 190
// bits). Each key also has a public id ("key_" + 12 random characters) used to list and revoke
// it; the id is not derived from the key.
//
// Why SHA-256 and not Argon2id: a slow hash protects guessable secrets. A 190-bit random key
// cannot be guessed from its digest however fast the hash is, and a fast hash lets every request
// be checked in well under a microsecond. Passwords and client secrets, which people choose, use
// Argon2id (password.h).
//
// Lookup indexes entries by the first 8 bytes of the digest and then compares the full 32-byte
// digest in constant time, so timing tells an attacker nothing about how close a guess came.
//
// Persistence: save() writes a JSON file atomically (temporary file in the same directory, fsync,
// rename, fsync of the directory); load() reads one back. The file holds digests, names, roles
// and revocation, never a key. The caller chooses the path and when to save.
//
// Threads: every method is safe from any thread. A mutex guards the entries; save() serialises
// under it and writes the file outside it (another mutex orders concurrent saves).
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "base/clock.h"
#include "base/status.h"

namespace delta::auth {

struct ApiKeyInfo {
  std::string id;
  std::string name;
  std::vector<std::string> roles;
  int64_t created_at_ms = 0;
  bool revoked = false;
  std::string digest;  // SHA-256 of the key (32 bytes); not a secret, but not for display either
};

struct CreatedApiKey {
  std::string id;
  std::string key;  // the plaintext: give it to the user once, never log or store it
};

class ApiKeyStore {
 public:
  static constexpr std::string_view kIssuer = "delta-apikey";

  // `clock` must outlive the store.
  explicit ApiKeyStore(const Clock& clock) : clock_(clock) {}

  // kInvalidArgument for no roles, or an empty or over-long name.
  Result<CreatedApiKey> create(std::vector<std::string> roles, std::string name);
  // The principal of a valid, unrevoked key: subject "apikey:<id>", issuer "delta-apikey",
  // client_id the id, the key's roles. kInvalidArgument otherwise (the reason never has the key).
  Result<Principal> lookup(std::string_view key) const;
  // kNotFound for an unknown id. Revoking twice is ok.
  Status revoke(std::string_view id);
  std::vector<ApiKeyInfo> list() const;

  Status save(const std::string& path) const;
  // Replaces the store's entries with the file's. kNotFound when the file does not exist,
  // kCorruption when it is not a key file.
  Status load(const std::string& path);

 private:
  static std::string index_of(std::string_view digest) { return std::string(digest.substr(0, 8)); }

  const Clock& clock_;
  mutable std::mutex mu_;
  std::multimap<std::string, ApiKeyInfo> by_prefix_;  // guarded by mu_; digest prefix -> entry
  mutable std::mutex save_mu_;  // orders snapshots with their file writes; taken before mu_, never after
};

// The key file format, exposed for tests: JSON {"version":1,"keys":[...]}.
std::string serialize_api_keys(const std::vector<ApiKeyInfo>& keys);
Result<std::vector<ApiKeyInfo>> parse_api_keys(std::string_view json);
// Writes `data` to `path` atomically and durably (temp, fsync, rename, fsync of the directory).
Status write_file_atomic(const std::string& path, std::string_view data);

}  // namespace delta::auth

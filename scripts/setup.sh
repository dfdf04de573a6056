#!/usr/bin/env bash
# Installs everything Delta needs to build, run and test on Debian 12. Idempotent: packages already
# present are left alone, so a second run costs one dpkg query.
# Usage: scripts/setup.sh          (as root, or through sudo)
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  clang libclang-rt-14-dev clang-format clang-tidy
  # libraries (DESIGN.md, Dependencies)
  libboost-dev libssl-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev libcurl4-openssl-dev
  libzstd-dev zlib1g-dev libxxhash-dev libsodium-dev libre2-dev libhiredis-dev libsqlite3-dev
  librdkafka-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev slowhttptest procps openssl redis-server
  clickhouse-server clickhouse-client kcat
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Node.js runs the independent npm clients of the tests. Debian's nodejs and npm, unless a Node.js
# with npm is already installed (then it is left alone).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all Debian packages present"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm packages for the tests, pinned by tests/node/package-lock.json; reinstalled only when the
# lock file changed since the last install.
here=$(cd "$(dirname "$0")/.." && pwd)
node_dir="$here/tests/node"
if ! cmp -s "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.json.installed" 2>/dev/null; then
  echo "setup: installing npm packages in tests/node"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$node_dir/package-lock.json" "$node_dir/node_modules/.package-lock.json.installed"
fi

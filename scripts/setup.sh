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
  libzstd-dev zlib1g-dev libxxhash-dev libsodium-dev libre2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev slowhttptest procps
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Runs ingest_fuzz over a copy of the seed corpus for SECONDS; exits non-zero on a crash, a leak,
# a timeout or an out-of-memory. Crash inputs are kept in BUILD_DIR/fuzz-artifacts/ so that they
# can become seeds (tests/fuzz/corpus/ingest/) and regression tests.
#
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS
#   BUILD_DIR configured with: CC=clang CXX=clang++ cmake -S . -B BUILD_DIR -G Ninja -DDELTA_FUZZ=ON
#   and built with: cmake --build BUILD_DIR --target ingest_fuzz
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build_dir=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
fuzzer="$build_dir/tests/fuzz/ingest_fuzz"
if [[ ! -x $fuzzer ]]; then
  echo "$fuzzer is not built: cmake --build $build_dir --target ingest_fuzz" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/corpus/ingest" "$work/corpus"
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"

"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  -dict="$here/ingest.dict" -print_final_stats=1 -artifact_prefix="$artifacts/" "$work/corpus"

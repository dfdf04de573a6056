#!/usr/bin/env bash
# Runs FUZZER (default ingest_fuzz) over a copy of its seed corpus for SECONDS; exits non-zero on a
# crash, a leak, a timeout or an out-of-memory. Crash inputs are kept in BUILD_DIR/fuzz-artifacts/
# so that they can become seeds (tests/fuzz/corpus/<name>/) and regression tests.
#
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [FUZZER [CORPUS]]
#   FUZZER is ingest_fuzz (default) or expr_fuzz; CORPUS names its seeds, tests/fuzz/corpus/CORPUS/,
#   and its dictionary, tests/fuzz/CORPUS.dict when there is one (default: FUZZER without _fuzz).
#   BUILD_DIR configured with: CC=clang CXX=clang++ cmake -S . -B BUILD_DIR -G Ninja -DDELTA_FUZZ=ON
#   and built with: cmake --build BUILD_DIR --target FUZZER
set -euo pipefail

if [[ $# -lt 2 || $# -gt 4 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS [FUZZER [CORPUS]]" >&2
  exit 2
fi
build_dir=$1
seconds=$2
name=${3:-ingest_fuzz}
corpus_name=${4:-${name%_fuzz}}
here=$(cd "$(dirname "$0")" && pwd)
fuzzer="$build_dir/tests/fuzz/$name"
if [[ ! -x $fuzzer ]]; then
  echo "$fuzzer is not built: cmake --build $build_dir --target $name" >&2
  exit 2
fi
dict=()
if [[ -f $here/$corpus_name.dict ]]; then dict=(-dict="$here/$corpus_name.dict"); fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/corpus/$corpus_name" "$work/corpus"
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"

"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
  "${dict[@]}" -print_final_stats=1 -artifact_prefix="$artifacts/" "$work/corpus"

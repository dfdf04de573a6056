#!/usr/bin/env bash
# Ingest benchmark: starts `delta run` with fsync durability in a temp dir, drives it with http_load
# on loopback for a bounded time, and prints events/s, MB/s, p50/p99 latency and the server's peak RSS.
# MODE=tls puts a TLS 1.3 listener in front (a throwaway self-signed certificate made with the
# openssl tool) and drives it with http_load --tls, one TLS session per connection.
# MODE=kafka keeps the log in Kafka (log.kind kafka) on librdkafka's mock cluster, started here
# (tests/kafka_mock, built with the tests): a mock is not a real broker, see BENCHMARKS.md.
# Usage: bench/run.sh BUILD_DIR [SECONDS=20] [CONNECTIONS=16] [DURABILITY=fsync] [MODE=plain|tls|kafka]
set -euo pipefail
build=${1:-build}
seconds=${2:-20}
connections=${3:-16}
durability=${4:-fsync}
mode=${5:-plain}
dir=$(mktemp -d /var/tmp/delta-bench-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)
tls_yaml=""
load_flags=()
curl_flags=()
scheme=http
if [[ $mode == tls ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=delta-bench \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
  tls_yaml=", tls: {cert: \"$dir/cert.pem\", key: \"$dir/key.pem\"}"
  load_flags=(--tls --ca "$dir/cert.pem")
  curl_flags=(--cacert "$dir/cert.pem")
  scheme=https
elif [[ $mode != plain && $mode != kafka ]]; then
  echo "MODE must be plain, tls or kafka" >&2
  exit 2
fi
log_yaml="dir: \"$dir/log\", durability: $durability"
mock_pid=""
if [[ $mode == kafka ]]; then
  mkfifo "$dir/mock.in"
  "$build/tests/kafka_mock/delta_kafka_mock" --topic delta.events:4 --topic delta._dlq:1 <"$dir/mock.in" >"$dir/mock.out" &
  mock_pid=$!
  exec 7>"$dir/mock.in"  # the mock serves while its stdin is open
  for _ in $(seq 1 100); do [[ -s $dir/mock.out ]] && break; sleep 0.05; done
  log_yaml="kind: kafka, brokers: \"$(head -1 "$dir/mock.out")\""
fi
cat >"$dir/pipeline.yaml" <<YAML
server: {listen: "127.0.0.1:$port"$tls_yaml}
log: {$log_yaml}
YAML
cat "$(dirname "$0")/clickstream_streams.yaml" >>"$dir/pipeline.yaml"
"$build/src/app/delta" run -c "$dir/pipeline.yaml" >"$dir/delta.out" 2>&1 &
pid=$!
trap 'kill $pid $mock_pid 2>/dev/null; wait $pid $mock_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 300); do
  curl -sf "${curl_flags[@]}" "$scheme://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.05
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo); durability=$durability mode=$mode"
"$build/bench/http_load" "$port" --connections "$connections" --batch 1000 --seconds "$seconds" "${load_flags[@]}"
echo "server peak RSS: $(awk '/VmHWM/{printf "%.1f MB", $2/1024}' /proc/$pid/status)"
[[ $mode == kafka ]] || echo "log on disk: $(du -sh "$dir/log" | cut -f1)"

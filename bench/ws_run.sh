#!/usr/bin/env bash
# WebSocket ingest benchmark matrix in one run (ratios within a run are what to compare on a shared
# machine): for each durability (os, fsync) starts `delta run` in a temp dir with
# bench/clickstream_streams.yaml, then runs bench/ws_latency unpaced with 1, 4 and 16 producer
# connections, without and with permessage-deflate, and HTTP ingest (http_load) with 100- and
# 1000-event bodies.
# VIEW_RATES=100000,500000 adds a view `per_country` (tumbling 1s, count and sum by country) and
# measures, per rate, the watermark-passes-window-end -> final-row-at-subscriber latency
# (ws_latency --view; the view worker polls the log every 10 ms).
# HTTP_BATCHES="" skips the HTTP comparison. REPEATS=3 runs the WebSocket steps three times (take the median). RATES=500000 paces the WebSocket steps (events/s in total) instead of running them unpaced.
# Usage: bench/ws_run.sh BUILD_DIR [SECONDS=4] [DURABILITIES="os fsync"] [PRODUCERS="1 4 16"]
#                        [DEFLATE="0 1"] [EXTRA ws_latency flags...]
set -euo pipefail
build=${1:-build}
seconds=${2:-4}
durabilities=${3:-"os fsync"}
producer_counts=${4:-"1 4 16"}
deflates=${5:-"0 1"}
shift $(( $# < 5 ? $# : 5 ))
extra=("$@")
echo "machine: $(nproc) cores; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for durability in $durabilities; do
  dir=$(mktemp -d /var/tmp/delta-wsbench-XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/pipeline.yaml" <<YAML
server: {listen: "127.0.0.1:$port", ws_subscriber_queue_events: 10000000}
log: {dir: "$dir/log", durability: $durability}
YAML
  cat "$(dirname "$0")/clickstream_streams.yaml" >>"$dir/pipeline.yaml"
  if [[ -n ${VIEW_RATES:-} ]]; then
    cat >>"$dir/pipeline.yaml" <<'YAML'
views:
  per_country:
    from: events
    window: {tumbling: 1s}
    group_by: [country]
    select: {events: count(), total: sum(amount)}
YAML
  fi
  "$build/src/app/delta" run -c "$dir/pipeline.yaml" >"$dir/delta.out" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.05
  done
  for repeat in $(seq 1 "${REPEATS:-1}"); do
    for deflate in $deflates; do
      for producers in $producer_counts; do
        echo "repeat $repeat; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
        "$build/bench/ws_latency" --port "$port" --rates "${RATES:-0}" --seconds "$seconds" --producers "$producers" \
          --deflate "$deflate" "${extra[@]}" | grep target | sed "s/^/durability=$durability /"
      done
    done
  done
  if [[ -n ${VIEW_RATES:-} ]]; then
    "$build/bench/ws_latency" --port "$port" --view per_country --rates "$VIEW_RATES" --seconds 6 \
      --producers 4 "${extra[@]}" | grep view | sed "s/^/durability=$durability /"
  fi
  for batch in ${HTTP_BATCHES-100 1000}; do
    line=$("$build/bench/http_load" "$port" --connections 16 --batch $batch --seconds "$seconds" | grep events/s)
    echo "durability=$durability http batch=$batch connections=16 $line"
  done
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
  trap - EXIT
done

#!/usr/bin/env bash
# Ingest with authentication off vs a JWT bearer token on every request (issue 8): starts `delta run`
# with auth on (the built-in OAuth server as issuer, one client_credentials client with the producer
# role) or off, and drives it with http_load, RUNS times each; prints each run and the medians.
# The JWT is an ES256 access token from Delta's own /oauth2/token; each request verifies it (signature,
# claims) and checks RBAC and (no) rate limits.
# Usage: bench/auth_bench.sh BUILD_DIR [SECONDS=10] [CONNECTIONS=16] [RUNS=3] [DURABILITY=os]
set -euo pipefail
build=${1:-build}
seconds=${2:-10}
connections=${3:-16}
runs=${4:-3}
durability=${5:-os}
export BENCH_CLIENT_SECRET="bench-client-secret-$RANDOM$RANDOM"

one_run() {  # $1: off|jwt; prints events/s
  local mode=$1 dir port pid auth_yaml="" token="" rate
  dir=$(mktemp -d /var/tmp/delta-authbench-XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  if [[ $mode == jwt ]]; then
    auth_yaml="auth:
  issuer: \"http://127.0.0.1:$port\"
  clients:
    bench: {secret: \"\${BENCH_CLIENT_SECRET}\", grants: [client_credentials], roles: [producer]}"
  fi
  cat >"$dir/pipeline.yaml" <<YAML
server: {listen: "127.0.0.1:$port"}
log: {dir: "$dir/log", durability: $durability}
$auth_yaml
YAML
  cat "$(dirname "$0")/clickstream_streams.yaml" >>"$dir/pipeline.yaml"
  "$build/src/app/delta" run -c "$dir/pipeline.yaml" >"$dir/delta.out" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
  local flags=()
  if [[ $mode == jwt ]]; then
    token=$(curl -sf -u "bench:$BENCH_CLIENT_SECRET" -d grant_type=client_credentials \
      "http://127.0.0.1:$port/oauth2/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
    flags=(--header "Authorization: Bearer $token")
  fi
  rate=$("$build/bench/http_load" "$port" --connections "$connections" --batch 1000 --seconds "$seconds" "${flags[@]}" \
    | tee "$dir/load.out" | sed -n 's/^events\/s=\([0-9.]*\).*/\1/p')
  grep -q '^statuses: 200=[0-9]*$' "$dir/load.out" || echo "auth=$mode: non-200 answers: $(grep statuses "$dir/load.out")" >&2
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
  echo "$rate"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "machine: $(nproc) cores; durability=$durability connections=$connections seconds=$seconds runs=$runs"
# Interleaved (off, jwt, off, jwt, ...) so that drift in the machine's load hits both alike.
declare -A results=([off]="" [jwt]="")
# The order alternates: a run starts while the kernel still writes back the previous run's pages,
# which would otherwise always penalise the same mode.
for i in $(seq 1 "$runs"); do
  order="off jwt"
  if (( i % 2 == 0 )); then order="jwt off"; fi
  for mode in $order; do
    r=$(one_run "$mode")
    echo "auth=$mode run $i: $r events/s"
    results[$mode]+="$r"$'\n'
  done
done
off=$(printf '%s' "${results[off]}" | median)
jwt=$(printf '%s' "${results[jwt]}" | median)
echo "median auth=off: $off events/s"
echo "median auth=jwt: $jwt events/s"
awk -v a="$jwt" -v b="$off" 'BEGIN {printf "jwt/off: %.3f\n", a / b}'

#!/usr/bin/env bash
# Runs the small-object and listing benchmarks (cmd/ops; see README.md):
#
#   bash bench/run-ops.sh                 # from the repository root, or from bench/
#   TLS=1 REPS=3 bash bench/run-ops.sh
#
# Starts MinIO and the discarding server (cmd/discard) on 127.0.0.1 and runs,
# one process per measurement, PUT/GET/HEAD/DELETE of 4 KiB and 64 KiB at
# concurrency 1 and 32 with every client at its default integrity and the two
# floors (cmd/ops/floor.go: the request alone, and through net/http), then
# listings of 10,000 and 100,000 keys (the discard server's made-up listings).
# Result lines go to $OUT/ops.txt, the table of medians to $OUT/ops.md
# (cmd/report -ops).
#
# Environment: REPS=3, OUT=/tmp/polystore-bench-ops, WORK=/tmp/polystore-bench-ops-work,
# TLS=1 (both servers over HTTPS with a generated CA the clients trust), SERVERS="discard minio",
# N1=800 and N32=3200 (requests per measurement at concurrency 1 and 32), MINIO=path,
# POLYSTORE_CACHE, BENCH_LIBRARY as in run.sh.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPS=${REPS:-3}
OUT=${OUT:-/tmp/polystore-bench-ops}
WORK=${WORK:-/tmp/polystore-bench-ops-work}
TLS=${TLS:-0}
SERVERS=${SERVERS:-discard minio}
N1=${N1:-800}
N32=${N32:-3200}
minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
cache=${POLYSTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polystore}
MINIO=${MINIO:-$cache/minio-$minio_version/minio}
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi
[ -x "$MINIO" ] || { echo "no MinIO binary at $MINIO (run scripts/tools.sh, or set MINIO)" >&2; exit 1; }
mkdir -p "$OUT" "$WORK/bin"
results=$OUT/ops.txt
: >"$results"
log=$OUT/run.log
: >"$log"
say() { printf '%s %s\n' "$(date +%T)" "$*" | tee -a "$log" >&2; }

(
  cd "$bench"
  modflag=()
  if [ -n "${BENCH_LIBRARY:-}" ]; then
    sed "s#=> \.\./#=> $BENCH_LIBRARY#" go.mod >"$WORK/bench.mod"
    cp go.sum "$WORK/bench.sum"
    modflag=(-modfile="$WORK/bench.mod")
  fi
  go build "${modflag[@]}" -o "$WORK/bin/" ./cmd/ops ./cmd/xfer ./cmd/report
  # The servers and the certificate tool are the run's own, built against this
  # tree whatever BENCH_LIBRARY measures (they use its internal/tlscert, which
  # older snapshots do not have).
  go build -o "$WORK/bin/" ./cmd/discard ./cmd/tlscert
)
scheme=http
tlsflags=()
curlflags=()
discardflags=()
if [ "$TLS" = 1 ]; then
  "$WORK/bin/tlscert" -dir "$WORK/certs"
  scheme=https
  tlsflags=(-ca "$WORK/certs/ca.crt")
  curlflags=(--cacert "$WORK/certs/ca.crt")
  discardflags=(-certs "$WORK/certs")
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK/minio"
}
trap cleanup EXIT
free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

rm -rf "$WORK/minio"
mkdir -p "$WORK/minio/data" "$WORK/minio/config" "$WORK/minio/certs"
[ "$TLS" = 1 ] && cp "$WORK/certs/public.crt" "$WORK/certs/private.key" "$WORK/minio/certs/"
mport=$(free_port 19100)
cport=$(free_port $((mport + 1)))
MINIO_ROOT_USER=polystore-test MINIO_ROOT_PASSWORD=polystore-test-secret-key MINIO_SITE_REGION=us-east-1 \
  MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off MINIO_CI_CD=1 \
  "$MINIO" server --address "127.0.0.1:$mport" --console-address "127.0.0.1:$cport" \
  --config-dir "$WORK/minio/config" --certs-dir "$WORK/minio/certs" --quiet "$WORK/minio/data" \
  >"$OUT/minio.log" 2>&1 &
pids+=($!)
minio_url=$scheme://127.0.0.1:$mport
for _ in $(seq 300); do
  curl -fs "${curlflags[@]}" -o /dev/null "$minio_url/minio/health/cluster" && break
  sleep 0.2
done
"$WORK/bin/discard" -addr 127.0.0.1:0 "${discardflags[@]}" >"$OUT/discard.out" 2>"$OUT/discard.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -q listening "$OUT/discard.out" 2>/dev/null && break
  sleep 0.1
done
discard_url=$(sed -n 's/^listening on //p' "$OUT/discard.out")
"$WORK/bin/xfer" "${tlsflags[@]}" -op setup -endpoint "$minio_url" -size 4KiB -source gen -dir "$WORK" >>"$log" 2>&1
say "MinIO at $minio_url, discard at $discard_url; load: $(cut -d' ' -f1-3 /proc/loadavg)"
endpoint() { if [ "$1" = minio ]; then echo "$minio_url"; else echo "$discard_url"; fi; }
measure() {
  local server=$1 line
  shift
  if line=$("$WORK/bin/ops" "${tlsflags[@]}" -endpoint "$(endpoint "$server")" -label "$server" "$@" 2>>"$log"); then
    echo "$line" >>"$results"
    say "$line"
  else
    say "FAILED: ops -label $server $*"
  fi
}

start=$SECONDS
for rep in $(seq "$REPS"); do
  for server in $SERVERS; do
    for size in 4KiB 64KiB; do
      for conc in 1 32; do
        n=$N1
        [ "$conc" = 32 ] && n=$N32
        for op in put get head delete; do
          # floor and nethttp: the least a request costs, without and with net/http (cmd/ops/floor.go)
          for client in polystore aws minio floor nethttp; do # innermost: load drift hits the clients alike
            measure "$server" -client "$client" -op "$op" -size "$size" -conc "$conc" -n "$n"
          done
        done
      done
    done
  done
  for keys in 10000 100000; do
    for client in polystore aws minio; do
      measure discard -client "$client" -op list -keys "$keys" -n 1
    done
  done
done
say "done in $((SECONDS - start)) s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$WORK/bin/report" -ops "$results" >"$OUT/ops.md"
say "results: $OUT/ops.md"

#!/usr/bin/env bash
# Runs polystore's transfer benchmarks (see README.md):
#
#   bash bench/run.sh            # from the repository root, or from bench/
#
# Starts a MinIO server and the discarding server (cmd/discard) on 127.0.0.1,
# runs the measurement matrix with cmd/xfer, one process per measurement, and
# writes every result line to $OUT/results.txt and the table of medians with the
# targets' verdicts to $OUT/results.md.
#
# Environment:
#   REPS=3          repetitions of the 1 GiB and 100 MiB rows (medians are reported)
#   BUDGET=1500     seconds after which the remaining phases are skipped
#   PHASES="main integrity small stream profile"   which phases to run, in that order
#                   (also: downloads, the download rows of main and small alone;
#                   streamdl, streamed downloads into io.Discard, -op stream;
#                   peers, the best-configured peers' upload modes at both settings;
#                   floor, the least any client can do (xfer -client floor) beside the
#                   others, 1 GiB on the discarding server;
#                   t1, polystore's default upload beside the peers at equal integrity,
#                   interleaved per repetition, both settings and servers;
#                   dlfile, 1 GiB downloads into a file, every client)
#   OUT=/tmp/polystore-bench-results       where results go
#   WORK=/tmp/polystore-bench              source files, cached ETags, MinIO's data
#   POLYSTORE_CACHE  cache holding minio-<version>/minio (default ~/.cache/polystore)
#   MINIO=path       the MinIO binary, overriding the cache
#   BENCH_LIBRARY=dir  build against this polystore tree instead of ../ (e.g. a
#                    `git archive` snapshot, to measure a given commit)
#   TLS=1           serve MinIO and the discard server over HTTPS with a certificate
#                   generated for the run (cmd/tlscert: a throwaway CA in $WORK/certs);
#                   every client trusts that CA through SSL_CERT_FILE (xfer -ca) and
#                   verifies the server: nothing skips verification
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPS=${REPS:-3}
BUDGET=${BUDGET:-1500}
PHASES=${PHASES:-main integrity small stream profile}
TLS=${TLS:-0}
OUT=${OUT:-/tmp/polystore-bench-results}
WORK=${WORK:-/tmp/polystore-bench}
minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
cache=${POLYSTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polystore}
MINIO=${MINIO:-$cache/minio-$minio_version/minio}

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi
[ -x "$MINIO" ] || { echo "no MinIO binary at $MINIO (run scripts/tools.sh, or set MINIO)" >&2; exit 1; }

mkdir -p "$OUT" "$WORK/src" "$WORK/bin"
results=$OUT/results.txt
: >"$results"
log=$OUT/run.log
: >"$log"
say() { printf '%s %s\n' "$(date +%T)" "$*" | tee -a "$log" >&2; }

# Build the three programs, against BENCH_LIBRARY if set.
(
  cd "$bench"
  modflag=()
  if [ -n "${BENCH_LIBRARY:-}" ]; then
    sed "s#=> \.\./#=> $BENCH_LIBRARY#" go.mod >"$WORK/bench.mod"
    cp go.sum "$WORK/bench.sum"
    modflag=(-modfile="$WORK/bench.mod")
  fi
  go build "${modflag[@]}" -o "$WORK/bin/" ./cmd/xfer ./cmd/report
  # The servers and the certificate tool are the run's own, built against this
  # tree whatever BENCH_LIBRARY measures (they use its internal/tlscert, which
  # older snapshots do not have).
  go build -o "$WORK/bin/" ./cmd/discard ./cmd/tlscert
)
xfer=$WORK/bin/xfer
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

free_port() { # free_port START: the first port from START nobody listens on
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

# MinIO, as internal/miniotest starts it: 127.0.0.1, a fresh data directory.
rm -rf "$WORK/minio"
mkdir -p "$WORK/minio/data" "$WORK/minio/config" "$WORK/minio/certs"
if [ "$TLS" = 1 ]; then
  cp "$WORK/certs/public.crt" "$WORK/certs/private.key" "$WORK/minio/certs/"
fi
mport=$(free_port 19000)
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
curl -fs "${curlflags[@]}" -o /dev/null "$minio_url/minio/health/cluster" || { echo "MinIO did not start; see $OUT/minio.log" >&2; exit 1; }

# The discarding server, on a port it picks.
"$WORK/bin/discard" -addr 127.0.0.1:0 "${discardflags[@]}" >"$OUT/discard.out" 2>"$OUT/discard.log" &
pids+=($!)
for _ in $(seq 100); do
  grep -q listening "$OUT/discard.out" 2>/dev/null && break
  sleep 0.1
done
discard_url=$(sed -n 's/^listening on //p' "$OUT/discard.out")
[ -n "$discard_url" ] || { echo "the discard server did not start" >&2; exit 1; }
say "MinIO at $minio_url, discard at $discard_url; load: $(cut -d' ' -f1-3 /proc/loadavg)"

endpoint() { if [ "$1" = minio ]; then echo "$minio_url"; else echo "$discard_url"; fi; }

start=$SECONDS
over_budget() { [ $((SECONDS - start)) -ge "$BUDGET" ]; }
skipped=()

# measure SERVER ARGS...: one xfer process; its result line goes to results.txt.
measure() {
  local server=$1
  shift
  local line
  if line=$("$xfer" "${tlsflags[@]}" -endpoint "$(endpoint "$server")" -label "$server" -dir "$WORK/src" "$@" 2>>"$log"); then
    echo "$line" >>"$results"
    say "$line"
  else
    say "FAILED: xfer -label $server $*"
  fi
}

# seed SIZE: store the object downloads read (key seed-SIZE) on MinIO, uploaded
# by polystore in 8 MiB parts, outside any measurement.
seed() {
  "$xfer" "${tlsflags[@]}" -client polystore -op upload -size "$1" -part 8MiB -par 4 -source gen -key "seed-$(size_bytes "$1")" \
    -endpoint "$minio_url" -label seed -dir "$WORK/src" >>"$log" 2>&1
}
size_bytes() {
  case $1 in
  *GiB) echo $((${1%GiB} << 30)) ;;
  *MiB) echo $((${1%MiB} << 20)) ;;
  *) echo "$1" ;;
  esac
}

"$xfer" "${tlsflags[@]}" -op setup -endpoint "$minio_url" -source file -size 1GiB -dir "$WORK/src"
"$xfer" -op setup -source file -size 100MiB -dir "$WORK/src"

# updown SIZE REPS "PART/PAR ..." ["OPS"]: every client, op and server, default
# integrity. The innermost loop is over clients, so load drift hits them alike.
updown() {
  local size=$1 reps=$2 settings=$3 ops=${4:-upload download}
  local rep s part par server op client
  for rep in $(seq "$reps"); do
    for s in $settings; do
      part=${s%/*} par=${s#*/}
      for server in minio discard; do
        for op in $ops; do
          for client in polystore aws minio; do
            if over_budget; then
              skipped+=("$size $s rep $rep and after")
              return
            fi
            if [ "$op" = upload ]; then
              measure "$server" -client "$client" -op upload -size "$size" -part "$part" -par "$par" -source file
            else
              measure "$server" -client "$client" -op download -size "$size" -part "$part" -par "$par" -key "seed-$(size_bytes "$size")"
            fi
          done
        done
      done
    done
  done
}

for phase in $PHASES; do
  if over_budget; then
    skipped+=("phase $phase")
    continue
  fi
  say "phase $phase"
  case $phase in
  main) # 1 GiB up and down, both settings, every client, both servers.
    seed 1GiB
    updown 1GiB "$REPS" "8MiB/4 16MiB/8"
    ;;
  downloads) # only the download rows of main and small (to re-measure them)
    seed 1GiB
    seed 100MiB
    updown 1GiB "$REPS" "8MiB/4 16MiB/8" download
    updown 100MiB "$REPS" "8MiB/4" download
    ;;
  integrity) # the other integrity modes, 1 GiB upload at 8 MiB/4.
    for rep in $(seq "$REPS"); do
      for server in minio discard; do
        for ci in polystore:crc32c-trailer polystore:crc32c-header polystore:md5 polystore:off aws:crc32 aws:off minio:crc32c minio:off; do
          over_budget && { skipped+=("integrity rep $rep"); break 3; }
          measure "$server" -client "${ci%%:*}" -integrity "${ci#*:}" -op upload -size 1GiB -part 8MiB -par 4 -source file
        done
      done
    done
    ;;
  peers) # the peers' best-configured upload modes (UNSIGNED-PAYLOAD + a CRC), 1 GiB at both settings.
    for rep in $(seq "$REPS"); do
      for s in 8MiB/4 16MiB/8; do
        for server in minio discard; do
          for ci in aws:crc32 minio:crc32c; do
            over_budget && { skipped+=("peers rep $rep"); break 4; }
            measure "$server" -client "${ci%%:*}" -integrity "${ci#*:}" -op upload -size 1GiB -part "${s%/*}" -par "${s#*/}" -source file
          done
        done
      done
    done
    ;;
  t1) # T1 at equal integrity, interleaved: polystore's default, aws's default, minio-go crc32c and polystore's header mode, one after the other per repetition, 1 GiB, both settings, both servers.
    seed 1GiB
    for rep in $(seq "$REPS"); do
      for server in minio discard; do
        for s in 8MiB/4 16MiB/8; do
          for ci in polystore:crc32c aws:sha256+crc32 minio:crc32c polystore:crc32c-header; do
            over_budget && { skipped+=("t1 rep $rep"); break 4; }
            sync # the last upload's GiB on MinIO's disk is not written back on this one's time
            measure "$server" -client "${ci%%:*}" -integrity "${ci#*:}" -op upload -size 1GiB -part "${s%/*}" -par "${s#*/}" -source file
          done
        done
      done
    done
    ;;
  dlfile) # 1 GiB downloads into a file (xfer -to file), every client and the floor, both settings, both servers, interleaved.
    seed 1GiB
    for rep in $(seq "$REPS"); do
      for server in minio discard; do
        for s in 8MiB/4 16MiB/8; do
          for ci in polystore:auto aws:auto minio:none floor:crc32c; do
            [ "${ci%%:*}" = floor ] && [ "$server" != discard ] && continue # the floor reads the discarding server only
            over_budget && { skipped+=("dlfile rep $rep"); break 4; }
            sync # each client starts with no dirty pages to write back (MinIO's writes, the last download's)
            measure "$server" -client "${ci%%:*}" -integrity "${ci#*:}" -op download -size 1GiB -part "${s%/*}" -par "${s#*/}" -key seed-1073741824 -to file
          done
        done
      done
    done
    ;;
  floor) # the floor (xfer -client floor) beside polystore, aws and minio-go, 1 GiB on the discarding server, both settings.
    seed 1GiB
    for rep in $(seq "$REPS"); do
      for s in 8MiB/4 16MiB/8; do
        for ci in floor:crc32c floor:off polystore:crc32c polystore:crc32c-header aws:sha256+crc32 minio:crc32c; do
          over_budget && { skipped+=("floor rep $rep"); break 3; }
          measure discard -client "${ci%%:*}" -integrity "${ci#*:}" -op upload -size 1GiB -part "${s%/*}" -par "${s#*/}" -source file
        done
        for ci in floor:none floor:crc32c polystore:auto aws:auto minio:none; do
          over_budget && { skipped+=("floor rep $rep"); break 3; }
          measure discard -client "${ci%%:*}" -integrity "${ci#*:}" -op download -size 1GiB -part "${s%/*}" -par "${s#*/}" -key seed-1073741824
        done
      done
    done
    ;;
  small) # 100 MiB at one setting.
    seed 100MiB
    updown 100MiB "$REPS" "8MiB/4"
    ;;
  stream) # peak RSS of streamed uploads: polystore at 100 MiB and 10 GiB, the others at 1 GiB.
    for s in 8MiB/4 16MiB/8; do
      for size in 100MiB 10GiB; do
        over_budget && { skipped+=("stream $size $s"); continue; }
        measure discard -client polystore -op upload -size "$size" -part "${s%/*}" -par "${s#*/}" -source stream
      done
    done
    for client in polystore aws minio; do
      over_budget && { skipped+=("stream 1GiB $client"); continue; }
      measure discard -client "$client" -op upload -size 1GiB -part 8MiB -par 4 -source stream
    done
    ;;
  streamdl) # streamed downloads of 1 GiB into io.Discard: polystore's Writer and Open reader, aws transfermanager's GetObject reader.
    seed 1GiB
    for rep in $(seq "$REPS"); do
      for s in 8MiB/4 16MiB/8; do
        for server in minio discard; do
          for client in polystore polystore-open aws-tm; do
            over_budget && { skipped+=("streamdl rep $rep"); break 4; }
            measure "$server" -client "$client" -op stream -size 1GiB -part "${s%/*}" -par "${s#*/}" -key seed-1073741824
          done
        done
      done
    done
    ;;
  profile) # CPU profiles of 1 GiB uploads to the discard server, into $OUT/*.prof
    # (read them with: go tool pprof -top $WORK/bin/xfer $OUT/NAME.prof).
    for ci in polystore:crc32c polystore:md5 polystore:off aws:sha256+crc32 minio:sha256-chunked; do
      "$xfer" "${tlsflags[@]}" -endpoint "$discard_url" -label discard -dir "$WORK/src" -client "${ci%%:*}" -integrity "${ci#*:}" \
        -op upload -size 1GiB -part 8MiB -par 4 -source file -cpuprofile "$OUT/upload-${ci%%:*}-${ci#*:}.prof" >>"$log" 2>&1
    done
    "$xfer" "${tlsflags[@]}" -endpoint "$discard_url" -label discard -client polystore -op download -size 1GiB -part 8MiB -par 4 \
      -key seed-1073741824 -cpuprofile "$OUT/download-polystore.prof" >>"$log" 2>&1
    ;;
  *) echo "unknown phase $phase" >&2 ;;
  esac
done

say "done in $((SECONDS - start)) s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "<!-- $(date -u +%FT%TZ), $(nproc) CPUs, REPS=$REPS, $((SECONDS - start)) s -->"
  if [ "${#skipped[@]}" -gt 0 ]; then
    echo "Skipped (over the ${BUDGET} s budget): ${skipped[*]}"
    echo
  fi
  "$WORK/bin/report" "$results"
} >"$OUT/results.md"
say "results: $OUT/results.md"

#!/usr/bin/env bash
# Runs the directory-upload and copy benchmarks (see README.md, "Directory
# uploads and copies"):
#
#   bash bench/dir.sh            # from the repository root, or from bench/
#
# Starts MinIO (127.0.0.1, a fresh data directory, as run.sh does), a
# QingStor storagetest server (examples/storageserver, another process) and
# the discard server (cmd/discard -any-key), builds cmd/xferdir and runs, one
# process per measurement, REPS times each:
#   directory upload of 10,000 files of 4–64 KiB (to MinIO and to the discard
#   server) and of 100 files of 8 MiB (to MinIO), polystore UploadDir vs
#   aws-sdk-go-v2 transfermanager UploadDirectory (and, small set, the floor:
#   xferdir -client floor, one minimal signed PUT per file);
#   server-side copy of a COPY_SIZE object, polystore Copy vs minio-go ComposeObject;
#   cross-dialect copy of XCOPY_SIZE, storagetest(QingStor) → MinIO, polystore Copy.
# Result lines go to $OUT/dir-results.txt.
#
# Environment: REPS=3 (COPY_REPS=$REPS for the copies; 0 skips them), SETS="small large", PAR=4, COPY_SIZE=6GiB, XCOPY_SIZE=1GiB, PART=8MiB,
#   OUT=/tmp/polystore-bench-results, WORK=/tmp/polystore-bench-dir, MINIO=path.
set -euo pipefail

bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPS=${REPS:-3}
COPY_REPS=${COPY_REPS:-$REPS}
SETS=${SETS:-small large}
PAR=${PAR:-4}
PART=${PART:-8MiB}
COPY_SIZE=${COPY_SIZE:-6GiB}
XCOPY_SIZE=${XCOPY_SIZE:-1GiB}
OUT=${OUT:-/tmp/polystore-bench-results}
WORK=${WORK:-/tmp/polystore-bench-dir}
minio_version=v0.0.0-20260212201848-7aac2a2c5b7c
cache=${POLYSTORE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/polystore}
MINIO=${MINIO:-$cache/minio-$minio_version/minio}
[ -x "$MINIO" ] || { echo "no MinIO binary at $MINIO (run scripts/tools.sh, or set MINIO)" >&2; exit 1; }

mkdir -p "$OUT" "$WORK/bin"
results=$OUT/dir-results.txt
: >"$results"
log=$OUT/dir-run.log
: >"$log"
say() { printf '%s %s\n' "$(date +%T)" "$*" | tee -a "$log" >&2; }

(cd "$bench" && go build -o "$WORK/bin/" ./cmd/xferdir ./cmd/discard && cd .. && go build -o "$WORK/bin/" ./examples/storageserver)
x=$WORK/bin/xferdir

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
mport=$(free_port 19100)
cport=$(free_port $((mport + 1)))
MINIO_ROOT_USER=polystore-test MINIO_ROOT_PASSWORD=polystore-test-secret-key MINIO_SITE_REGION=us-east-1 \
  MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off MINIO_CI_CD=1 \
  "$MINIO" server --address "127.0.0.1:$mport" --console-address "127.0.0.1:$cport" \
  --config-dir "$WORK/minio/config" --certs-dir "$WORK/minio/certs" --quiet "$WORK/minio/data" \
  >"$OUT/dir-minio.log" 2>&1 &
pids+=($!)
minio_pid=$!
minio=http://127.0.0.1:$mport
for _ in $(seq 300); do
  curl -fs -o /dev/null "$minio/minio/health/cluster" && break
  sleep 0.2
done
curl -fs -o /dev/null "$minio/minio/health/cluster" || { echo "MinIO did not start" >&2; exit 1; }

qport=$(free_port $((cport + 1)))
"$WORK/bin/storageserver" -dialect qingstor -addr "127.0.0.1:$qport" >"$OUT/dir-qingstor.log" 2>&1 &
pids+=($!)
qs=http://127.0.0.1:$qport
for _ in $(seq 100); do
  grep -q serving "$OUT/dir-qingstor.log" 2>/dev/null && break
  sleep 0.1
done
dport=$(free_port $((qport + 1)))
"$WORK/bin/discard" -addr "127.0.0.1:$dport" -any-key -verify=false >"$OUT/dir-discard.log" 2>&1 &
pids+=($!)
discard_pid=$!
discard=http://127.0.0.1:$dport
for _ in $(seq 100); do
  grep -q listening "$OUT/dir-discard.log" 2>/dev/null && break
  sleep 0.1
done
say "MinIO at $minio, QingStor storagetest at $qs, discard at $discard; load: $(cut -d' ' -f1-3 /proc/loadavg)"

measure() {
  local line endpoint=$minio server=minio pid=$minio_pid
  if [ "$1" = discard ]; then endpoint=$discard server=discard pid=$discard_pid; fi
  shift
  # -server-pid: the server's own CPU over the measurement, beside the client's.
  if line=$("$x" -endpoint "$endpoint" -server "$server" -server-pid "$pid" -src-endpoint "$qs" -par "$PAR" -part "$PART" "$@" 2>>"$log"); then
    echo "$line" >>"$results"
    say "$line"
  else
    say "FAILED: xferdir $*"
  fi
}

for set in $SETS; do
  [ -d "$WORK/$set" ] || "$x" -op setup-tree -set "$set" -dir "$WORK/$set"
  servers=minio
  # The discard server takes single PUTs of any key, not multipart
  # uploads of them: only the small files go there.
  [ "$set" = small ] && servers="minio discard"
  for server in $servers; do
    clients="polystore aws"
    # floor: the least a client can do for the small set (cmd/xferdir/floor.go: one signed PUT per file).
    [ "$set" = small ] && clients="$clients floor"
    for rep in $(seq "$REPS"); do
      for cl in $clients; do
        measure "$server" -op upload-dir -client "$cl" -set "$set" -dir "$WORK/$set" -prefix "$set-$cl-$rep/"
      done
    done
  done
done

[ "$COPY_REPS" -gt 0 ] && "$x" -op setup-copy -size "$COPY_SIZE" -endpoint "$minio" -part "$PART"
for rep in $(seq "$COPY_REPS"); do
  for cl in polystore minio; do
    measure minio -op copy -client "$cl" -size "$COPY_SIZE"
  done
done

[ "$COPY_REPS" -gt 0 ] && "$x" -op setup-xcopy -size "$XCOPY_SIZE" -src-endpoint "$qs"
for rep in $(seq "$COPY_REPS"); do
  measure minio -op xcopy -size "$XCOPY_SIZE"
done
say "done; results in $results"

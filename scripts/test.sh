#!/usr/bin/env bash
# The project's test command (CI runs it through .ci/run):
#
#   bash scripts/test.sh
#
# Installs the pinned tools (scripts/tools.sh), then checks formatting, runs go vet and
# staticcheck, and runs every test with the race detector against a real MinIO server
# (started by the tests themselves on 127.0.0.1; see internal/miniotest).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi

section() { printf '\n==> %s\n' "$*"; }

section "tools (scripts/tools.sh)"
tools=$(bash scripts/tools.sh)
echo "$tools"
staticcheck=$(sed -n 's/^STATICCHECK=//p' <<<"$tools")
minio=$(sed -n 's/^MINIO=//p' <<<"$tools")
# Point the tests at the very cache tools.sh filled, as an absolute path.
POLYSTORE_CACHE=$(dirname "$(dirname "$minio")")
export POLYSTORE_CACHE

section "gofmt"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.go')
else
  mapfile -t files < <(find . -name '*.go' -not -path './.git/*')
fi
existing=()
for f in "${files[@]}"; do
  # Skip deleted-but-tracked files and testdata, which may hold deliberately odd Go.
  case "/$f" in */testdata/*) continue ;; esac
  [ -f "$f" ] && existing+=("$f")
done
if [ "${#existing[@]}" -gt 0 ]; then
  unformatted=$(gofmt -l "${existing[@]}")
  if [ -n "$unformatted" ]; then
    echo "These files are not gofmt-formatted (run gofmt -w on them):"
    echo "$unformatted"
    exit 1
  fi
fi
echo "ok (${#existing[@]} files)"

section "go vet ./..."
go vet ./...
echo ok

section "staticcheck ./..."
"$staticcheck" ./...
echo ok

section "go test ./..."
race=(-race)
if [ "$(go env CGO_ENABLED)" != 1 ]; then
  # The race detector needs cgo and a C compiler; without them run the tests anyway.
  echo "WARNING: cgo is unavailable (no C compiler?), running tests WITHOUT -race" >&2
  race=()
fi
# -v so the log shows every test and subtest that passed or was skipped, the
# vector counts and the MinIO tests; the RUN/PAUSE/CONT chatter is dropped.
go test "${race[@]}" -count=1 -timeout 20m -v ./... 2>&1 | grep -vE '^[[:space:]]*=== (RUN|PAUSE|CONT|NAME)'

#!/usr/bin/env bash
# The project's test command (CI runs it through .ci/run):
#
#   bash scripts/test.sh
#
# Installs the pinned tools (scripts/tools.sh), then checks formatting, runs go vet and
# staticcheck, and runs every test with the race detector against a real MinIO server
# (started by the tests themselves on 127.0.0.1; see internal/miniotest).
#
# It covers the root module and every nested module (a directory below the root with its
# own go.mod, such as interop/): `./...` in the root stops at module boundaries, so each
# step runs once in every module directory, the root first.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi

section() { printf '\n==> %s\n' "$*"; }

# Tests bind only to 127.0.0.1. The default credential chains end with the cloud metadata
# services (EC2 IMDS, Tencent CVM); tests that build a client without credentials must never
# reach them, so the suite turns both off (tests of those providers point them at fakes).
export AWS_EC2_METADATA_DISABLED=true POLYSTORE_CVM_METADATA_DISABLED=true

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

section "modules"
# The modules to check: the root, then every nested module in path order. Listed like the
# Go files above (tracked or new, not ignored), skipping testdata, whose go.mod files are
# fixtures rather than modules of this project.
modules=(.)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t gomods < <(git ls-files --cached --others --exclude-standard -- '*/go.mod' | sort)
else
  mapfile -t gomods < <(find . -mindepth 2 -name go.mod -not -path './.git/*' | sed 's|^\./||' | sort)
fi
for f in "${gomods[@]}"; do
  case "/$f" in */testdata/*) continue ;; esac
  [ -f "$f" ] && modules+=("$(dirname "$f")")
done
printf '%s\n' "${modules[@]}"

# in_modules TITLE CMD...: runs CMD inside each module directory (in a subshell, with
# set -e) under its own section header; the first failure stops the script.
in_modules() {
  local title=$1 m
  shift
  for m in "${modules[@]}"; do
    if [ "$m" = . ]; then
      section "$title"
    else
      section "$title  (module $m/)"
    fi
    (
      cd "$root/$m"
      "$@"
    )
  done
}

go_vet() { go vet ./... && echo ok; }
run_staticcheck() { "$staticcheck" ./... && echo ok; }

race=(-race)
if [ "$(go env CGO_ENABLED)" != 1 ]; then
  # The race detector needs cgo and a C compiler; without them run the tests anyway.
  echo "WARNING: cgo is unavailable (no C compiler?), running tests WITHOUT -race" >&2
  race=()
fi

# go_test runs the current module's tests. -v so the log shows every test and subtest that
# passed or was skipped, the vector counts and the MinIO tests; the RUN/PAUSE/CONT chatter
# is dropped. pipefail makes a go test failure the pipeline's status.
go_test() {
  go test "${race[@]}" -count=1 -timeout 20m -v ./... 2>&1 | grep -vE '^[[:space:]]*=== (RUN|PAUSE|CONT|NAME)'
}

# Quick checks in every module first, so a vet or lint error fails before the long tests.
in_modules "go vet ./..." go_vet
in_modules "staticcheck ./..." run_staticcheck
# POLYSTORE_CACHE is exported above, so every module's tests find the same MinIO binary.
in_modules "go test ./..." go_test

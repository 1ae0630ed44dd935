#!/usr/bin/env bash
# Time-boxed fuzzing for developers (not part of scripts/test.sh, which runs every fuzz
# target's seed corpus as ordinary tests):
#
#   bash scripts/fuzz.sh                                # every Fuzz target, 30 s each
#   FUZZTIME=5m bash scripts/fuzz.sh ./bucket           # the bucket targets, 5 min each
#   bash scripts/fuzz.sh ./client '^FuzzDecodeResult$'  # one target
#
# FUZZTIME is go test's -fuzztime (a duration, or a count such as 10000x; default 30s);
# FUZZPARALLEL, if set, is -parallel (fuzzing workers; the default is GOMAXPROCS).
#
# An input that fails is written by go test to <package>/testdata/fuzz/<Target>/ and
# becomes a seed: rerun it with `go test -run '<Target>/<file>' <package>`, fix the bug,
# and commit the file (renamed to say what it holds) so the regression stays covered.
# The script runs every target even after a failure and exits 1 if any failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH=/usr/local/go/bin:$PATH
fi

fuzztime=${FUZZTIME:-30s}
pattern=${2:-^Fuzz}
parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
  parallel=(-parallel "$FUZZPARALLEL")
fi

mapfile -t pkgs < <(go list "${1:-./...}")
failed=()
ran=0
for pkg in "${pkgs[@]}"; do
  mapfile -t targets < <(go test -list "$pattern" "$pkg" | grep '^Fuzz' || true)
  for target in "${targets[@]}"; do
    [ -n "$target" ] || continue
    printf '\n==> %s %s (%s)\n' "$pkg" "$target" "$fuzztime"
    ran=$((ran + 1))
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "${parallel[@]}" "$pkg"; then
      failed+=("$pkg $target")
    fi
  done
done

printf '\n%d fuzz targets run for %s each\n' "$ran" "$fuzztime"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo ok

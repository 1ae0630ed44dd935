#!/usr/bin/env bash
# Installs the project's pinned tools into the polystore cache, once:
#
#   staticcheck  -> <cache>/bin/staticcheck-<version>
#   MinIO        -> <cache>/minio-<version>/minio   (the layout internal/miniotest uses)
#   versitygw    -> <cache>/versitygw-<version>/versitygw   (internal/versitygwtest)
#
# <cache> is $POLYSTORE_CACHE, else the user cache dir (as Go's os.UserCacheDir) + /polystore.
# Both installs are idempotent: a pinned version already in the cache is reused. Installs go
# to a temporary directory and are renamed into place, under the same flock(2) lock file that
# internal/miniotest (versitygw: internal/versitygwtest) uses, so a concurrent test run never
# sees a half-written binary.
#
# Progress goes to stderr. On stdout it prints one KEY=PATH line per tool:
#   STATICCHECK=/path/to/staticcheck
#   MINIO=/path/to/minio
#   VERSITYGW=/path/to/versitygw
#
# Cold build times on 2 CPUs (empty Go build and module caches): MinIO about six minutes,
# versitygw about two (4 minutes wall on a machine shared with other builds; 170 s user +
# 56 s system CPU). CI keeps <cache> between runs, so only the first run pays them.
set -euo pipefail

# staticcheck 2026.1 series; the newest stable honnef.co/go/tools release, built for Go 1.26.
STATICCHECK_VERSION=v0.8.2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The MinIO version has one source of truth: the constant in internal/miniotest.
MINIO_VERSION=$(sed -n 's/^[[:space:]]*Version = "\(v[^"]*\)".*/\1/p' "$root/internal/miniotest/miniotest.go")
if [ -z "$MINIO_VERSION" ]; then
  echo "tools.sh: cannot read the MinIO Version constant from internal/miniotest/miniotest.go" >&2
  exit 1
fi
# Likewise versitygw's, in internal/versitygwtest.
VERSITYGW_VERSION=$(sed -n 's/^[[:space:]]*Version = "\(v[^"]*\)".*/\1/p' "$root/internal/versitygwtest/versitygwtest.go")
if [ -z "$VERSITYGW_VERSION" ]; then
  echo "tools.sh: cannot read the versitygw Version constant from internal/versitygwtest/versitygwtest.go" >&2
  exit 1
fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  PATH=/usr/local/go/bin:$PATH
fi
command -v go >/dev/null 2>&1 || { echo "tools.sh: the go command is not on PATH" >&2; exit 1; }

cache_root() {
  local dir
  if [ -n "${POLYSTORE_CACHE:-}" ]; then
    dir=$POLYSTORE_CACHE
  elif [ "$(uname -s)" = Darwin ]; then
    dir=$HOME/Library/Caches/polystore
  elif [ -n "${XDG_CACHE_HOME:-}" ] && [ "${XDG_CACHE_HOME#/}" != "$XDG_CACHE_HOME" ]; then
    dir=$XDG_CACHE_HOME/polystore
  else
    dir=$HOME/.cache/polystore
  fi
  mkdir -p "$dir"
  (cd "$dir" && pwd)
}

cache=$(cache_root)

# go_install PKG@VERSION BINNAME DEST: builds PKG into a temporary GOBIN inside the cache
# (same filesystem) and renames BINNAME to DEST. Runs outside any module, so this
# repository's go.mod is neither consulted nor modified.
go_install() {
  local pkg=$1 name=$2 dest=$3 tmpbin workdir
  mkdir -p "$(dirname "$dest")"
  tmpbin=$(mktemp -d "$cache/.install-XXXXXX")
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/polystore-tools-XXXXXX")
  if ! (cd "$workdir" && GOBIN=$tmpbin GOWORK=off go install "$pkg") >&2; then
    rm -rf "$tmpbin" "$workdir"
    echo "tools.sh: go install $pkg failed" >&2
    return 1
  fi
  mv -f "$tmpbin/$name" "$dest"
  rm -rf "$tmpbin" "$workdir"
}

# with_lock FILE CMD...: runs CMD holding an exclusive flock on FILE when flock(1) exists.
with_lock() {
  local lock=$1
  shift
  if command -v flock >/dev/null 2>&1; then
    (
      exec 9>>"$lock"
      flock 9
      "$@"
    )
  else
    "$@"
  fi
}

install_staticcheck() {
  [ -x "$staticcheck" ] && return 0
  echo "tools.sh: installing staticcheck $STATICCHECK_VERSION" >&2
  go_install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" staticcheck "$staticcheck"
}

install_minio() {
  [ -x "$minio" ] && return 0
  echo "tools.sh: installing MinIO $MINIO_VERSION (first run takes ~6 minutes)" >&2
  go_install "github.com/minio/minio@$MINIO_VERSION" minio "$minio"
}

install_versitygw() {
  [ -x "$versitygw" ] && return 0
  echo "tools.sh: installing versitygw $VERSITYGW_VERSION (first run takes ~2 minutes)" >&2
  go_install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" versitygw "$versitygw"
}

staticcheck=$cache/bin/staticcheck-$STATICCHECK_VERSION
minio=$cache/minio-$MINIO_VERSION/minio
versitygw=$cache/versitygw-$VERSITYGW_VERSION/versitygw

if [ ! -x "$staticcheck" ]; then
  with_lock "$cache/tools.lock" install_staticcheck
fi
if [ ! -x "$minio" ]; then
  with_lock "$cache/minio.lock" install_minio
fi
if [ ! -x "$versitygw" ]; then
  with_lock "$cache/versitygw.lock" install_versitygw
fi

echo "STATICCHECK=$staticcheck"
echo "MINIO=$minio"
echo "VERSITYGW=$versitygw"

#!/usr/bin/env bash
# Build the collector binary exactly as the Dockerfile's build stage does,
# without Docker, and check that the result is a static executable.
#
#   deploy/build-static.sh                 # -> bin/collector, version from git
#   VERSION=1.2.3 deploy/build-static.sh   # explicit version (main.version)
#   OUT=/tmp/collector deploy/build-static.sh
#   GOARCH=arm64 deploy/build-static.sh    # cross-compile, as buildx would
#   deploy/build-static.sh --reproducible  # also rebuild from a copy of the
#                                          # tree elsewhere and compare bytes
#
# The flags below must match the Dockerfile's `go build` line; deploy/lint.sh
# checks that they do. Exit status is non-zero if the build fails or the
# binary is not what the image expects (dynamic, wrong version, cgo on).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

reproducible=0
for arg in "$@"; do
  case "$arg" in
    --reproducible) reproducible=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "build-static: unknown argument $arg" >&2; exit 2 ;;
  esac
done

out=${OUT:-$root/bin/collector}
version=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
goos=${GOOS:-linux}
goarch=${GOARCH:-$(go env GOARCH)}

# The image pins its Go release; a different local release still builds a
# working binary, but not the same bytes.
want_go=$(sed -n 's/^ARG GO_VERSION=//p' Dockerfile | head -n1)
have_go=$(go env GOVERSION)
if [[ -n "$want_go" && "$have_go" != "go$want_go" ]]; then
  echo "build-static: warning: Dockerfile pins Go $want_go, this machine has $have_go; the binary will not be byte-identical to the image's" >&2
fi

# --- the build: keep in step with the Dockerfile ---------------------------
build() { # build OUTPUT (run in the source tree to build)
  CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${version}" \
      -o "$1" ./cmd/collector
}
# ---------------------------------------------------------------------------

mkdir -p "$(dirname "$out")"
build "$out"

fail() { echo "build-static: FAIL: $*" >&2; exit 1; }

# 1. Static: `file` says so and the dynamic loader refuses it.
if command -v file >/dev/null; then
  desc=$(file -b "$out")
  [[ "$desc" == *"statically linked"* ]] || fail "file(1) does not call $out statically linked: $desc"
  [[ "$desc" == *"stripped"* && "$desc" != *"not stripped"* ]] || fail "binary is not stripped (-s -w missing?): $desc"
else
  echo "build-static: note: file(1) not installed; skipping that check" >&2
fi
if [[ "$goos" == linux && "$goarch" == "$(go env GOHOSTARCH)" ]] && command -v ldd >/dev/null; then
  if ldd_out=$(ldd "$out" 2>&1); then
    fail "ldd lists shared libraries: $ldd_out"
  fi
  [[ "$ldd_out" == *"not a dynamic executable"* || "$ldd_out" == *"statically linked"* ]] || fail "unexpected ldd output: $ldd_out"
fi

# 2. Built the way the image builds it, per the binary's own build info.
info=$(go version -m "$out")
grep -q $'\tbuild\tCGO_ENABLED=0' <<<"$info" || fail "CGO_ENABLED is not 0 in the build info"
grep -q $'\tbuild\t-trimpath=true' <<<"$info" || fail "-trimpath missing from the build info"
if grep -q $'\tbuild\tvcs' <<<"$info"; then fail "VCS stamps present (-buildvcs=false missing)"; fi

# 3. main.version took (-trimpath keeps -ldflags out of the build info, so
#    ask the binary, or for a cross build look for the string in it).
if [[ "$goos" == linux && "$goarch" == "$(go env GOHOSTARCH)" ]]; then
  got=$("$out" version)
  [[ "$got" == "collector ${version} "* ]] || fail "'collector version' printed: $got"
else
  grep -aqF -- "$version" "$out" || fail "version string $version not found in the binary"
fi

sum=$(sha256sum "$out" | cut -d' ' -f1)

# 4. Optional: the same source built from another directory gives the same
#    bytes (what -trimpath and -buildvcs=false are for).
if (( reproducible )); then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # The files the Docker build context would contain: tracked and untracked
  # but not ignored files, minus what .dockerignore drops that matters here.
  git ls-files -z --cached --others --exclude-standard -- . ':!deploy' ':!docs' \
    | while IFS= read -r -d '' f; do [[ -f "$f" ]] && printf '%s\0' "$f"; done \
    | tar -C "$root" --null -T - -cf - | tar -C "$tmp" -xf -
  (cd "$tmp" && build "$tmp/collector.again")
  sum2=$(sha256sum "$tmp/collector.again" | cut -d' ' -f1)
  [[ "$sum" == "$sum2" ]] || fail "not reproducible: $sum here, $sum2 from a copy in $tmp"
  echo "build-static: reproducible: a copy of the tree built elsewhere gave the same sha256"
fi

echo "build-static: ok: $out ($goos/$goarch, version $version, $(du -h "$out" | cut -f1), sha256 $sum)"

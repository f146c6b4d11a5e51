#!/usr/bin/env bash
# Install what deploy/lint.sh uses, at the versions pinned in
# deploy/tools/versions.env. Needs the network (Debian packages, the Go
# module proxy) the first time; after that every step finds its pinned
# version already in place and downloads nothing. deploy/lint.sh itself
# stays offline and fails when something here is missing.
#
#   deploy/install-lint-tools.sh     # .ci/run calls it before `make lint`
#
# Where things go:
#   yamllint, shellcheck, file, psql   Debian packages (root + apt-get)
#   promtool, kustomize                $COLLECTOR_LINT_TOOLS/<tool>-<version>/
#                                      (default ~/.cache/collector-lint-tools),
#                                      outside the work tree, so a fresh clone
#                                      on the same machine reuses them
#   deploy/tools' modules, KEDA's CRDs the Go module cache
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=deploy/tools/versions.env
. deploy/tools/versions.env
cache=${COLLECTOR_LINT_TOOLS:-$HOME/.cache/collector-lint-tools}
# Module downloads below must not edit any go.mod.
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

say() { printf 'install-lint-tools: %s\n' "$*"; }

# --- Debian packages: only what is missing ------------------------------------
declare -A pkg_of=([yamllint]=yamllint [shellcheck]=shellcheck [file]=file [psql]=postgresql-client)
missing=()
for cmd in "${!pkg_of[@]}"; do
  command -v "$cmd" >/dev/null || missing+=("${pkg_of[$cmd]}")
done
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    say "missing ${missing[*]}: install them (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- Go tools, one directory per pinned version ------------------------------
# install NAME VERSION PACKAGE [go build flags...]
install_tool() {
  local name=$1 version=$2 pkg=$3
  shift 3
  local dir=$cache/$name-$version
  if [[ -x $dir/$name ]] && "$dir/$name" --help >/dev/null 2>&1; then
    say "$name $version present ($dir)"
    return
  fi
  say "building $name $version (first time only; promtool takes a few minutes)"
  mkdir -p "$dir"
  GOBIN=$dir go install "$@" "$pkg@$version"
}
install_tool promtool "$PROMETHEUS_VERSION" github.com/prometheus/prometheus/cmd/promtool -tags remove_all_sd
install_tool kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5

# --- Go modules ----------------------------------------------------------------
# The validators in deploy/tools (BuildKit, compose-go, Kubernetes API and
# apiextensions), and collector's own (the static build).
(cd deploy/tools && go mod download)
go mod download
# KEDA's CRDs: the module zip carries config/crd/bases. Downloaded from a
# directory outside any module so no go.mod records it.
keda_dir=$(cd "$(mktemp -d)" && go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ ! -d $keda_dir/config/crd/bases ]]; then
  say "KEDA $KEDA_VERSION has no config/crd/bases in the module cache" >&2
  exit 1
fi
say "KEDA $KEDA_VERSION CRDs in $keda_dir/config/crd/bases"
say "done; run deploy/lint.sh"

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
#   promtool                           from Debian's prometheus .deb, extracted
#   kustomize                          built from the Go module proxy
#   (both into $COLLECTOR_LINT_TOOLS/<tool>-<version>/, default
#   ~/.cache/collector-lint-tools: outside the work tree, so a fresh clone on
#   the same machine reuses them)
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
  say "building $name $version (first time only)"
  mkdir -p "$dir"
  GOBIN=$dir go install "$@" "$pkg@$version"
}
install_tool kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5

# --- promtool: the binary out of Debian's package, without installing it ------
# (installing prometheus would also set up and start a Prometheus server).
promtool_dir=$cache/promtool-$PROMTOOL_VERSION
if [[ -x $promtool_dir/promtool ]] && "$promtool_dir/promtool" --version 2>&1 | grep -q "version $PROMTOOL_VERSION"; then
  say "promtool $PROMTOOL_VERSION present ($promtool_dir)"
else
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    say "promtool $PROMTOOL_VERSION: needs apt-get and dpkg-deb (Debian 12) to fetch the prometheus package" >&2
    exit 1
  fi
  candidate=$(apt-cache policy prometheus 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [[ $candidate != "$PROMTOOL_VERSION"* ]]; then
    apt-get update -qq
    candidate=$(apt-cache policy prometheus | sed -n 's/^ *Candidate: //p')
  fi
  if [[ $candidate != "$PROMTOOL_VERSION"* ]]; then
    say "Debian offers prometheus $candidate, not $PROMTOOL_VERSION: update PROMTOOL_VERSION in deploy/tools/versions.env" >&2
    exit 1
  fi
  deb=$(mktemp -d)
  # apt downloads as its sandbox user, which must be able to write there.
  if id _apt >/dev/null 2>&1; then chown _apt "$deb"; fi
  (cd "$deb" && apt-get download -qq "prometheus=$candidate")
  dpkg-deb -x "$deb"/prometheus_*.deb "$deb/x"
  mkdir -p "$promtool_dir"
  install -m 755 "$deb/x/usr/bin/promtool" "$promtool_dir/promtool"
  rm -rf "$deb"
  say "$("$promtool_dir/promtool" --version 2>&1 | head -n1) in $promtool_dir"
fi

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

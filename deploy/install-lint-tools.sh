#!/usr/bin/env bash
# Install what deploy/lint.sh uses. Needs the network (Debian packages, the Go
# module proxy); run it once per machine. deploy/lint.sh itself stays offline.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Versions are pinned so checks do not change under us.
PROMETHEUS_VERSION=v0.316.0   # Go module version of Prometheus 3.16's promtool
KUSTOMIZE_VERSION=v5.7.1      # the newest kustomize that builds with Go 1.26

if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq yamllint shellcheck file >/dev/null
else
  echo "install-lint-tools: not root or no apt-get; install yamllint, shellcheck and file yourself" >&2
fi

# Modules of the validators in deploy/tools (BuildKit, compose-go, k8s API).
(cd deploy/tools && go mod download)

# promtool into deploy/tools/bin (git ignores it). The first build compiles
# a large part of Prometheus: allow several minutes.
GOBIN="$root/deploy/tools/bin" go install "github.com/prometheus/prometheus/cmd/promtool@${PROMETHEUS_VERSION}"
"$root/deploy/tools/bin/promtool" --version | head -n1
GOBIN="$root/deploy/tools/bin" go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
"$root/deploy/tools/bin/kustomize" version
echo "install-lint-tools: done; run deploy/lint.sh"

#!/usr/bin/env bash
# Validate every deployment file: `make lint` calls this, and CI runs it
# through `make lint` after deploy/install-lint-tools.sh.
#
# Strict: a check whose tool is missing FAILS (it is never skipped), so a
# green run means every file in deploy/ was validated.
#
# Tools (deploy/install-lint-tools.sh installs them at the versions pinned
# in deploy/tools/versions.env; this script itself uses no network):
#   go              collector's static build, the validators in deploy/tools
#                   (BuildKit Dockerfile lint, compose-go, Kubernetes API
#                   types and CRD schemas), run with GOPROXY=off
#   python3 (3.11+) deploy/check.py (consistency of metrics, images, Komodo,
#                   dashboard, docs, configuration tables) and
#                   deploy/live-metrics.py
#   promtool        alert rules, their unit tests, the Prometheus config, the
#                   dashboard's PromQL
#   kustomize       renders deploy/kubernetes, which k8scheck then checks
#   KEDA's CRDs     from the KEDA Go module in the module cache
#   ShellCheck, yamllint, file, ldd, psql
#   PostgreSQL and RabbitMQ on the local machine (.ci/services.sh starts
#                   them): the live /metrics scrape runs the real binary
#
# Exit status: 1 if any check failed or could not run.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
# shellcheck source=deploy/tools/versions.env
. deploy/tools/versions.env
cache=${COLLECTOR_LINT_TOOLS:-$HOME/.cache/collector-lint-tools}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=()
start=$SECONDS
step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failed+=("${1%%:*}"); }
missing() { fail "$1: not installed; run deploy/install-lint-tools.sh"; }
have() { command -v "$1" >/dev/null 2>&1; }

# Go must not reach the network from here: modules come from the cache.
export GOPROXY=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local

# --- shell scripts ---------------------------------------------------------
step "shell scripts (shellcheck)"
if have shellcheck; then
  if shellcheck -x deploy/*.sh .ci/run .ci/services.sh; then ok "shellcheck deploy/*.sh .ci/"; else fail "shellcheck"; fi
else
  missing shellcheck
fi

# --- YAML syntax and style ---------------------------------------------------
step "YAML (yamllint)"
if have yamllint; then
  if yamllint -c deploy/yamllint.yaml deploy; then ok "yamllint deploy/"; else fail "yamllint"; fi
else
  missing yamllint
fi

# --- binary: the image's build, static ----------------------------------------
step "static build (deploy/build-static.sh)"
bin=""
if ! have go; then
  missing go
elif ! have file; then
  missing file
elif OUT="$tmp/collector" VERSION=lint deploy/build-static.sh >"$tmp/build.log" 2>&1; then
  cat "$tmp/build.log"
  ok "static binary built as the Dockerfile builds it"
  bin="$tmp/collector"
else
  cat "$tmp/build.log"
  fail "build-static (modules missing from the cache? run deploy/install-lint-tools.sh)"
fi

# --- validators from deploy/tools ------------------------------------------------
step "Dockerfile, Compose and Kubernetes validators (deploy/tools)"
tools_built=0
if have go; then
  if (cd deploy/tools && go build -o "$tmp/tools/" ./... 2>"$tmp/tools-build.log"); then
    tools_built=1
    ok "deploy/tools built"
  else
    cat "$tmp/tools-build.log"
    fail "deploy/tools build (modules missing from the cache? run deploy/install-lint-tools.sh)"
  fi
fi
keda_crds=""
if have go; then
  keda_dir=$(cd "$tmp" && go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" 2>/dev/null |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  if [[ -n $keda_dir && -d $keda_dir/config/crd/bases ]]; then
    keda_crds=$keda_dir/config/crd/bases
  else
    missing "KEDA $KEDA_VERSION CRDs"
  fi
fi
if ((tools_built)); then
  if "$tmp/tools/dockerfilecheck" Dockerfile; then ok "Dockerfile: BuildKit lint rules"; else fail "dockerfilecheck"; fi
  # Production shape: the external network, the PewStats containers on it.
  if "$tmp/tools/composecheck" -f deploy/compose/compose.yaml \
      -env COLLECTOR_ENV_FILE=./collector.env.example -env COLLECTOR_TAG=0.0.0-lint \
      -external-hosts pewstats-postgres,pewstats-rabbitmq -profiles '' -profiles migrate; then
    ok "compose.yaml (production): compose-go load, hosts, image, migrate profile"
  else
    fail "composecheck (production)"
  fi
  # Trying it alone: bundled.env, its own network, the bundled services.
  if "$tmp/tools/composecheck" -f deploy/compose/compose.yaml -env-file deploy/compose/bundled.env \
      -env COLLECTOR_ENV_FILE=./collector.env.example -profiles bundled -profiles bundled,migrate; then
    ok "compose.yaml (bundled): compose-go load, hosts resolve to the bundled services"
  else
    fail "composecheck (bundled)"
  fi
  if [[ -n $keda_crds ]]; then
    if "$tmp/tools/k8scheck" -crds "$keda_crds" deploy/kubernetes; then
      ok "deploy/kubernetes: strict API types, KEDA $KEDA_VERSION CRD schemas, cross-references"
    else
      fail "k8scheck"
    fi
  fi
fi

# --- Kubernetes: the rendered kustomization ------------------------------------
step "Kubernetes kustomization (kustomize build $KUSTOMIZE_VERSION)"
kustomize=${KUSTOMIZE:-$cache/kustomize-$KUSTOMIZE_VERSION/kustomize}
if [[ -x $kustomize ]]; then
  mkdir -p "$tmp/rendered"
  if "$kustomize" build deploy/kubernetes >"$tmp/rendered/rendered.yaml"; then
    ok "kustomize build deploy/kubernetes"
    # Check what would be applied, with the Secrets' example beside it.
    cp deploy/kubernetes/secret.example.yaml "$tmp/rendered/"
    if ((tools_built)) && [[ -n $keda_crds ]]; then
      if "$tmp/tools/k8scheck" -crds "$keda_crds" -rendered "$tmp/rendered"; then
        ok "rendered manifests: strict API types, CRD schemas, pinned images, per-release Job"
      else
        fail "k8scheck (rendered)"
      fi
    fi
  else
    fail "kustomize build"
  fi
else
  missing "kustomize $KUSTOMIZE_VERSION"
fi

# --- Prometheus ----------------------------------------------------------------
step "Prometheus rules and config (promtool $PROMTOOL_VERSION)"
promtool=${PROMTOOL:-$cache/promtool-$PROMTOOL_VERSION/promtool}
if [[ -x $promtool ]]; then
  if "$promtool" check rules deploy/prometheus/alerts.yaml; then ok "alerts.yaml"; else fail "promtool check rules"; fi
  if (cd deploy/prometheus && "$promtool" test rules alerts_test.yaml); then ok "alerts_test.yaml"; else fail "promtool test rules"; fi
  if (cd deploy/prometheus && "$promtool" check config prometheus.yml); then ok "prometheus.yml"; else fail "promtool check config"; fi
  if python3 deploy/check.py --dashboard-rules "$tmp/dashboard-rules.yaml" \
      && "$promtool" check rules "$tmp/dashboard-rules.yaml"; then
    ok "dashboard PromQL parses"
  else
    fail "dashboard PromQL"
  fi
else
  missing "promtool $PROMTOOL_VERSION"
fi

# --- the real /metrics page ------------------------------------------------------
step "live /metrics of collector supervise (deploy/live-metrics.py)"
live=""
if [[ -z $bin ]]; then
  fail "live-metrics: no binary (the static build failed)"
elif ! have psql; then
  missing psql
elif python3 deploy/live-metrics.py --binary "$bin" --out "$tmp/live-metrics.txt"; then
  live=$tmp/live-metrics.txt
else
  fail "live-metrics (PostgreSQL and RabbitMQ up? .ci/services.sh starts them)"
fi

# --- consistency: metrics, images, Komodo, dashboard, config tables --------------
step "consistency (deploy/check.py)"
if have python3 && python3 -c 'import sys, tomllib; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  if [[ -z $bin || -z $live ]]; then
    fail "check.py: needs the binary and the live scrape above"
  elif python3 deploy/check.py --binary "$bin" --live-metrics "$live"; then
    ok "deploy/check.py"
  else
    fail "check.py"
  fi
else
  missing "python3 3.11 or newer"
fi

# --- summary -------------------------------------------------------------------
printf '\nlint took %ds\n' $((SECONDS - start))
if ((${#failed[@]})); then
  printf 'lint: FAILED: %s\n' "${failed[*]}"
  exit 1
fi
printf 'lint: ok\n'

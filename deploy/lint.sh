#!/usr/bin/env bash
# Validate every deployment file offline: `make lint` calls this.
#
#   deploy/lint.sh              run every check whose tool is installed
#   LINT_STRICT=1 deploy/lint.sh   also fail when a tool is missing (CI)
#
# Tools (deploy/install-lint-tools.sh installs them; that needs the network,
# this script never does):
#   go              collector's own build, the validators in deploy/tools
#                   (BuildKit Dockerfile lint, compose-go, Kubernetes types),
#                   run with GOPROXY=off from the module cache
#   python3 (3.11+) deploy/check.py: metrics, build flags, Komodo, dashboard,
#                   configuration tables in docs/OPERATIONS.md
#   promtool        alert rules, their unit tests, the dashboard's PromQL
#                   ($PROMTOOL, then PATH, then deploy/tools/bin)
#   kustomize       renders deploy/kubernetes, which k8scheck then checks
#                   (PATH, then deploy/tools/bin)
#   ShellCheck      the shell scripts in deploy/
#   yamllint        every YAML file in deploy/
#   file, ldd       the static-binary check in deploy/build-static.sh
#
# Exit status: 1 if any check failed (or, with LINT_STRICT=1, was skipped).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=()
skipped=()
step() { printf '\n== %s\n' "$*"; }
ok() { printf 'ok: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; failed+=("$1"); }
skip() { printf 'SKIP: %s\n' "$*"; skipped+=("${1%%:*}"); }
have() { command -v "$1" >/dev/null 2>&1; }

# Go must not reach the network from here: modules come from the cache.
export GOPROXY=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local

# --- shell scripts ---------------------------------------------------------
step "shell scripts (shellcheck)"
if have shellcheck; then
  if shellcheck deploy/*.sh; then ok "shellcheck deploy/*.sh"; else fail "shellcheck"; fi
else
  skip "shellcheck: not installed"
fi

# --- YAML syntax and style ---------------------------------------------------
step "YAML (yamllint)"
if have yamllint; then
  if yamllint -c deploy/yamllint.yaml deploy; then ok "yamllint deploy/"; else fail "yamllint"; fi
else
  skip "yamllint: not installed"
fi

# --- binary: the image's build, static ----------------------------------------
step "static build (deploy/build-static.sh)"
bin=""
if have go; then
  if OUT="$tmp/collector" VERSION=lint deploy/build-static.sh >"$tmp/build.log" 2>&1; then
    cat "$tmp/build.log"
    ok "static binary built as the Dockerfile builds it"
    bin="$tmp/collector"
  elif grep -q 'GOPROXY=off\|module lookup disabled' "$tmp/build.log"; then
    skip "build-static: collector's modules are not in the Go module cache (go mod download)"
  else
    cat "$tmp/build.log"
    fail "build-static"
  fi
else
  skip "build-static: go not installed"
fi

# --- consistency: metrics, flags, Komodo, dashboard, config tables --------------
step "consistency (deploy/check.py)"
if have python3 && python3 -c 'import sys, tomllib; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  if python3 deploy/check.py ${bin:+--binary "$bin"}; then ok "deploy/check.py"; else fail "check.py"; fi
else
  skip "check.py: needs python3 3.11 or newer"
fi

# --- validators from deploy/tools ------------------------------------------------
step "Dockerfile, Compose and Kubernetes validators (deploy/tools)"
tools_built=0
if have go; then
  if (cd deploy/tools && go build -o "$tmp/tools/" ./... 2>"$tmp/tools-build.log"); then
    tools_built=1
  elif grep -q 'GOPROXY=off\|module lookup disabled\|missing go.sum entry\|cannot find module' "$tmp/tools-build.log"; then
    skip "deploy/tools: modules not in the cache; run deploy/install-lint-tools.sh once"
  else
    cat "$tmp/tools-build.log"
    fail "deploy/tools build"
  fi
else
  skip "deploy/tools: go not installed"
fi
if (( tools_built )); then
  if "$tmp/tools/dockerfilecheck" Dockerfile; then ok "Dockerfile: BuildKit lint rules"; else fail "dockerfilecheck"; fi
  if "$tmp/tools/composecheck" -f deploy/compose/compose.yaml -env COLLECTOR_ENV_FILE=./collector.env.example; then
    ok "compose.yaml: compose-go load, default and bundled profiles"
  else
    fail "composecheck"
  fi
  if "$tmp/tools/k8scheck" deploy/kubernetes; then ok "deploy/kubernetes: strict API types and cross-references"; else fail "k8scheck"; fi
fi

# --- Kubernetes: the rendered kustomization ------------------------------------
step "Kubernetes kustomization (kustomize build)"
kustomize=""
if have kustomize; then kustomize=$(command -v kustomize)
elif [[ -x deploy/tools/bin/kustomize ]]; then kustomize=$root/deploy/tools/bin/kustomize
fi
if [[ -n "$kustomize" ]]; then
  mkdir -p "$tmp/rendered"
  if "$kustomize" build deploy/kubernetes >"$tmp/rendered/rendered.yaml"; then
    ok "kustomize build deploy/kubernetes"
    # Check what would be applied, with the Secret's example beside it.
    cp deploy/kubernetes/secret.example.yaml "$tmp/rendered/"
    if (( tools_built )); then
      if "$tmp/tools/k8scheck" "$tmp/rendered"; then ok "rendered manifests: strict API types and cross-references"; else fail "k8scheck (rendered)"; fi
    fi
  else
    fail "kustomize build"
  fi
else
  skip "kustomize: not installed (deploy/install-lint-tools.sh puts it in deploy/tools/bin)"
fi

# --- Prometheus ----------------------------------------------------------------
step "Prometheus rules (promtool)"
promtool=${PROMTOOL:-}
if [[ -z "$promtool" ]]; then
  if have promtool; then promtool=$(command -v promtool)
  elif [[ -x deploy/tools/bin/promtool ]]; then promtool=$root/deploy/tools/bin/promtool
  fi
fi
if [[ -n "$promtool" ]]; then
  if "$promtool" check rules deploy/prometheus/alerts.yaml; then ok "alerts.yaml"; else fail "promtool check rules"; fi
  if (cd deploy/prometheus && "$promtool" test rules alerts_test.yaml); then ok "alerts_test.yaml"; else fail "promtool test rules"; fi
  if have python3 && python3 deploy/check.py --dashboard-rules "$tmp/dashboard-rules.yaml" \
      && "$promtool" check rules "$tmp/dashboard-rules.yaml"; then
    ok "dashboard PromQL parses"
  else
    fail "dashboard PromQL"
  fi
else
  skip "promtool: not installed (deploy/install-lint-tools.sh puts it in deploy/tools/bin)"
fi

# --- summary -------------------------------------------------------------------
printf '\n'
if (( ${#skipped[@]} )); then printf 'skipped (tool missing): %s\n' "${skipped[*]}"; fi
if (( ${#failed[@]} )); then
  printf 'lint: FAILED: %s\n' "${failed[*]}"
  exit 1
fi
if (( ${#skipped[@]} )) && [[ "${LINT_STRICT:-0}" == 1 ]]; then
  printf 'lint: FAILED: LINT_STRICT=1 and %d checks were skipped\n' "${#skipped[@]}"
  exit 1
fi
printf 'lint: ok\n'

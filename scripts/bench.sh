#!/usr/bin/env bash
# make bench — placeholder until the benchmark issue lands: runs the Go
# microbenchmarks that exist so far. The end-to-end benchmark (publish K
# modern matches, drain with --pool-size=1 and 2, report matches/minute,
# latency percentiles, peak RSS, CPU per match and the gzip -dc floor) is
# not written yet; see docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "make bench: microbenchmarks only (end-to-end benchmark not implemented yet)"
go test -run '^$' -bench . -benchmem -count "${BENCH_COUNT:-1}" ./child/... | tee "${BENCH_OUT:-/dev/stdout}" >/dev/null

#!/usr/bin/env bash
# make bench: Go microbenchmarks of the reader, each extractor and the store
# (benchstat-compatible), then the end-to-end benchmark (cmd/bench): K modern
# matches drained with --pool-size=1 and 2. Output goes to stdout and to
# .bench/results.txt; compare runs with `benchstat old.txt new.txt`.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/collector}
. .ci/services.sh
start_postgres
start_rabbitmq
mkdir -p .bench
out=.bench/results.txt
: >"$out"
echo "== microbenchmarks" >&2
go test -run '^$' -bench "${BENCH:-.}" -benchmem -count "${BENCH_COUNT:-1}" ./child/... | tee -a "$out"
echo "== end to end" >&2
go run ./cmd/bench -bin "$BIN" -dir .bench/work -matches "${BENCH_MATCHES:-40}" -pools "${BENCH_POOLS:-1,2}" | tee -a "$out"

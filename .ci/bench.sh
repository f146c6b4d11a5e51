#!/usr/bin/env bash
# make bench: Go microbenchmarks of the reader, each extractor and the store
# (benchstat-compatible), then the end-to-end benchmark (cmd/bench): K modern
# matches of each kind (production: few tracked players; heavy: more) drained
# with --pool-size=1 and 2, with the children's, the PostgreSQL backends' and
# the rest of the machine's CPU per match. Output goes to stdout and to
# .bench/results.txt; compare runs with `benchstat old.txt new.txt`, or two
# binaries interleaved: go run ./cmd/bench -bins old=…,new=… -rounds 3.
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
go run ./cmd/bench -bin "$BIN" -dir .bench/work -matches "${BENCH_MATCHES:-40}" -pools "${BENCH_POOLS:-1,2}" \
  -kinds "${BENCH_KINDS:-production,heavy}" -rounds "${BENCH_ROUNDS:-1}" | tee -a "$out"

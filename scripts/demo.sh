#!/usr/bin/env bash
# make demo: build (done by make), migrate a collector_demo database, generate
# realistic matches, publish their messages, run `collector supervise
# --pool-size=2` until the queue is drained (with a live progress line), print
# rows per table and the throughput, stop everything it started, exit 0.
# Re-running starts from a clean database and empty queues.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-bin/collector}
COUNT=${DEMO_MATCHES:-20}
PROFILE=${DEMO_PROFILE:-modern}
POOL=${DEMO_POOL_SIZE:-2}
DIR=${DEMO_DIR:-.demo}
METRICS=127.0.0.1:${DEMO_METRICS_PORT:-19393}

export POSTGRES_HOST=${POSTGRES_HOST:-127.0.0.1} POSTGRES_PORT=${POSTGRES_PORT:-5432}
export POSTGRES_USER=${POSTGRES_USER:-postgres} POSTGRES_DB=collector_demo
export RABBITMQ_HOST=${RABBITMQ_HOST:-127.0.0.1} ENVIRONMENT=demo WORKER_ID=demo-worker-1

. scripts/services.sh
start_postgres
start_rabbitmq

step() { printf '\n== %s\n' "$*"; }
calc() { awk "BEGIN { print $* }"; }

step "fresh database $POSTGRES_DB"
psql -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 \
  -c "DROP DATABASE IF EXISTS $POSTGRES_DB WITH (FORCE)" -c "CREATE DATABASE $POSTGRES_DB" 2>&1 | grep -v NOTICE || true
"$BIN" migrate --log-level=warn

step "generating $COUNT $PROFILE matches in $DIR/telemetry"
rm -rf "$DIR"
mkdir -p "$DIR/telemetry"
start=$(date +%s.%N)
"$BIN" synth --profile="$PROFILE" --count="$COUNT" --seed=20261129 --out-dir="$DIR/telemetry" \
  --encoding=gzip --seed-db --messages="$DIR/messages.jsonl"
printf 'generated in %.1fs: %s of gzipped telemetry\n' "$(calc "$(date +%s.%N) - $start")" "$(du -sh "$DIR/telemetry" | cut -f1)"

step "publishing to match.processing.$ENVIRONMENT"
"$BIN" publish --purge-first --messages="$DIR/messages.jsonl"
total=$(grep -c . "$DIR/messages.jsonl")

step "collector supervise --pool-size=$POOL"
"$BIN" supervise --pool-size="$POOL" --telemetry-dir="$DIR/telemetry" --metrics-addr="$METRICS" \
  --log-format=json >"$DIR/supervisor.log" 2>&1 &
sup=$!
cleanup() { kill -TERM "$sup" 2>/dev/null && wait "$sup" 2>/dev/null || true; }
trap cleanup EXIT

metric() { # value of one sample, 0 if absent
  curl -sf "http://$METRICS/metrics" 2>/dev/null | awk -v m="$1" '$1 == m { print $2; f=1 } END { if (!f) print 0 }'
}
t0=$(date +%s.%N)
done_n=0
while :; do
  if ! kill -0 "$sup" 2>/dev/null; then echo; echo "supervisor exited early:"; tail -20 "$DIR/supervisor.log"; exit 1; fi
  ok=$(metric 'queue_messages_processed_total{queue_name="telemetry_processing",status="success"}')
  failed=$(metric 'queue_messages_processed_total{queue_name="telemetry_processing",status="failed"}')
  done_n=$(printf '%.0f' "$(calc "$ok + $failed")")
  elapsed=$(calc "$(date +%s.%N) - $t0")
  rate=$(awk "BEGIN { printf \"%.2f\", $done_n / $elapsed }")
  printf '\r  %d/%d matches  %s matches/s  %s failed   ' "$done_n" "$total" "$rate" "$(printf '%.0f' "$failed")"
  [ "$done_n" -ge "$total" ] && break
  sleep 0.5
done
elapsed=$(calc "$(date +%s.%N) - $t0")
echo
cleanup
trap - EXIT

step "rows per table"
psql -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$POSTGRES_USER" -d "$POSTGRES_DB" -P footer=off <<'SQL'
SELECT t AS "table", n AS rows FROM (
  SELECT 'landings' t, count(*) n FROM landings UNION ALL
  SELECT 'kill_positions', count(*) FROM kill_positions UNION ALL
  SELECT 'weapon_kill_events', count(*) FROM weapon_kill_events UNION ALL
  SELECT 'player_damage_events', count(*) FROM player_damage_events UNION ALL
  SELECT 'player_knock_events', count(*) FROM player_knock_events UNION ALL
  SELECT 'player_finishing_summary', count(*) FROM player_finishing_summary UNION ALL
  SELECT 'team_fights', count(*) FROM team_fights UNION ALL
  SELECT 'fight_participants', count(*) FROM fight_participants UNION ALL
  SELECT 'player_circle_positions', count(*) FROM player_circle_positions UNION ALL
  SELECT 'player_match_weapon_distribution', count(*) FROM player_match_weapon_distribution UNION ALL
  SELECT 'match_summaries (enhanced stats filled)', count(*) FROM match_summaries WHERE avg_distance_from_center IS NOT NULL UNION ALL
  SELECT 'matches completed', count(*) FROM matches WHERE status = 'completed'
) s;
SQL

step "throughput"
printf '%d matches in %.1fs with --pool-size=%d: %.1f matches/minute (%s failed)\n' \
  "$done_n" "$elapsed" "$POOL" "$(calc "$done_n * 60 / $elapsed")" "$(printf '%.0f' "$failed")"
grep -o '"msg":"\[demo-worker-1\] Successfully processed match [^"]*"' "$DIR/supervisor.log" | tail -3 | sed 's/"msg":/  log: /'

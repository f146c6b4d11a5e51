#!/usr/bin/env bash
# Start the local PostgreSQL and RabbitMQ if they are down (as root on the
# development/CI machine). Sourced by .ci/run and scripts/demo.sh.

start_postgres() {
  if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then return 0; fi
  echo "starting PostgreSQL" >&2
  local versions=(/etc/postgresql/*)
  pg_ctlcluster --skip-systemctl-redirect "$(basename "${versions[0]}")" main start || true
  for _ in $(seq 60); do pg_isready -h 127.0.0.1 -p 5432 -q && return 0; sleep 1; done
  echo "PostgreSQL did not come up" >&2; return 1
}

amqp_port_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

start_rabbitmq() {
  if amqp_port_open; then return 0; fi
  echo "starting RabbitMQ" >&2
  rabbitmq-server -detached || true
  for _ in $(seq 120); do amqp_port_open && return 0; sleep 1; done
  echo "RabbitMQ did not come up" >&2; return 1
}

#!/usr/bin/env python3
"""Run a real `collector supervise` and save its /metrics page.

deploy/lint.sh uses the page to check that every collector metric the
Grafana dashboard and the alert rules query is really exported
(deploy/check.py --live-metrics). It runs the binary the way
docs/OPERATIONS.md does, with the documented environment variables, against
the local PostgreSQL and RabbitMQ of the development/CI machine:

  1. a scratch database, brought up with `collector migrate`;
  2. two small synthetic matches (`collector synth --seed-db`), published
     with `collector publish` to a queue of a unique ENVIRONMENT, one of them
     crashing its child on the first delivery (a test hook) so it is
     requeued and processed by a new child, plus one message that is not
     JSON;
  3. `collector supervise` with --max-tasks-per-child=1 (children recycle)
     until all three messages are settled: two processed, one dead-lettered;
  4. /metrics saved to --out; supervisor stopped with SIGTERM; database,
     queues and files removed.

Labelled counters only appear at their first event, which is why the run
exercises success, a crash and its requeue, dead-lettering and recycling.

  deploy/live-metrics.py --binary bin/collector --out /tmp/metrics.txt

Exit status 1 (with the supervisor's log) if any step fails.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(addr):
    try:
        with urllib.request.urlopen(f"http://{addr}/metrics", timeout=5) as r:
            return r.read().decode()
    except OSError:
        return ""


def sample(page, name, **labels):
    """Sum of the samples of name whose labels include labels."""
    total = 0.0
    for line in page.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run(cmd, env):
    """Run a step; on failure raise with the end of its output."""
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:2])} exited {r.returncode}: {(r.stdout + r.stderr)[-2000:]}")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=120, help="seconds to wait for the messages to settle")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)

    run_id = secrets.token_hex(4)
    work = tempfile.mkdtemp(prefix="collector-live-")
    env = dict(os.environ)
    env.update({
        "POSTGRES_HOST": os.environ.get("POSTGRES_HOST", "127.0.0.1"),
        "POSTGRES_PORT": os.environ.get("POSTGRES_PORT", "5432"),
        "POSTGRES_USER": os.environ.get("POSTGRES_USER", "postgres"),
        "POSTGRES_DB": f"collector_live_{run_id}",
        "RABBITMQ_HOST": os.environ.get("RABBITMQ_HOST", "127.0.0.1"),
        "ENVIRONMENT": f"live{run_id}",
        "WORKER_ID": "live-metrics-worker-1",
        "TELEMETRY_DIR": os.path.join(work, "telemetry"),
        "METRICS_ADDR": f"127.0.0.1:{free_port()}",
        "WORKER_POOL_SIZE": "2",
        "MAX_TASKS_PER_CHILD": "1",
        "MIGRATE_LOCK_TIMEOUT": "5s",
        "MIGRATE_STATEMENT_TIMEOUT": "1m",
        "LOG_FORMAT": "json",
    })
    psql = ["psql", "-h", env["POSTGRES_HOST"], "-p", env["POSTGRES_PORT"], "-U", env["POSTGRES_USER"],
            "-d", "postgres", "-qtAX", "-v", "ON_ERROR_STOP=1", "-c"]
    sup = None
    log_path = os.path.join(work, "supervisor.log")
    ok = False
    try:
        run(psql + [f'CREATE DATABASE {env["POSTGRES_DB"]}'], env)
        run([binary, "migrate"], env)
        os.makedirs(env["TELEMETRY_DIR"])
        messages = os.path.join(work, "messages.jsonl")
        run([binary, "synth", "--profile=small", "--count=2", "--seed=11", "--seed-db",
             "--out-dir=" + env["TELEMETRY_DIR"], "--messages=" + messages], env)
        with open(messages) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        if len(lines) != 2:
            raise RuntimeError(f"synth wrote {len(lines)} messages, want 2")
        lines[1]["x_test_fault"] = "exit@1"  # honoured only with --test-hooks
        with open(messages, "w") as f:
            for m in lines:
                f.write(json.dumps(m) + "\n")
            f.write("this message is not JSON\n")
        run([binary, "publish", "--messages=" + messages], env)

        with open(log_path, "w") as log:
            sup = subprocess.Popen([binary, "supervise", "--test-hooks"], env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + args.timeout
        page = ""
        while time.monotonic() < deadline:
            if sup.poll() is not None:
                raise RuntimeError(f"supervise exited with {sup.returncode}")
            page = scrape(env["METRICS_ADDR"])
            done = sample(page, "queue_messages_processed_total", status="success")
            failed = sample(page, "queue_messages_processed_total", status="failed")
            if done >= 2 and failed >= 1 and sample(page, "collector_messages_requeued_total", reason="crash") >= 1:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError(f"messages not settled within {args.timeout:.0f}s")
        # One more scrape: the recycled children's replacements have reported.
        time.sleep(1)
        page = scrape(env["METRICS_ADDR"]) or page
        with open(args.out, "w") as f:
            f.write(page)
        print(f"live-metrics: {len(page.splitlines())} lines from a supervisor that processed 2 matches, "
              f"retried 1 after its child crashed and dead-lettered 1 message -> {args.out}")
        ok = True
    except (subprocess.CalledProcessError, RuntimeError, OSError, ValueError) as e:
        print(f"live-metrics: FAIL: {e}", file=sys.stderr)
    finally:
        if sup is not None and sup.poll() is None:
            sup.send_signal(signal.SIGTERM)
            try:
                sup.wait(timeout=40)
            except subprocess.TimeoutExpired:
                sup.kill()
        if not ok and os.path.exists(log_path):
            with open(log_path) as f:
                sys.stderr.write(f.read()[-4000:])
        subprocess.run(psql + [f'DROP DATABASE IF EXISTS {env["POSTGRES_DB"]} WITH (FORCE)'], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if shutil.which("rabbitmqctl"):
            for q in (f'match.processing.{env["ENVIRONMENT"]}', f'match.failed.{env["ENVIRONMENT"]}'):
                subprocess.run(["rabbitmqctl", "-q", "delete_queue", q], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=60)
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

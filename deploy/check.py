#!/usr/bin/env python3
"""Consistency checks between the deployment files, the docs and the code.

Standard library only (Python 3.11+ for tomllib). deploy/lint.sh runs it;
each check prints what it looked at and every problem, and the exit status
is 1 if any check found one.

  deploy/check.py [--binary PATH]                  run every check
  deploy/check.py --binary PATH --write-config     regenerate the
        configuration tables in docs/OPERATIONS.md from PATH's --help
  deploy/check.py --dashboard-rules OUT            write the dashboard's
        PromQL as a rule file, for `promtool check rules OUT`
  deploy/check.py --write-prometheusrule           regenerate
        deploy/kubernetes/prometheusrule.yaml from deploy/prometheus/alerts.yaml
  deploy/check.py --live-metrics SCRAPE            also check that every
        collector metric the dashboard and alerts use is in SCRAPE, a /metrics
        page of a running `collector supervise` (deploy/live-metrics.py)

Checks:
  metrics     every metric and label used in the alerts, the dashboard and
              docs/OPERATIONS.md exists in supervisor/metrics/metrics.go
              (or is RabbitMQ's, Prometheus' up, or a Go/process collector)
  build       the Dockerfile's go build flags equal deploy/build-static.sh's;
              the final image runs as a numeric non-root user, has the
              HEALTHCHECK and CMD the product requires and no ENTRYPOINT
  komodo      the Komodo stack parses, every variable it sets is one the
              compose file interpolates, its grace periods line up, it names
              the git and registry accounts a private repository and image
              need, and its release procedure migrates before it deploys
  images      one image name in Compose, Komodo and Kubernetes, and a pinned
              tag wherever one is set (never latest, production, ...)
  rules       deploy/kubernetes/prometheusrule.yaml is alerts.yaml
  live        (with --live-metrics) the metrics are really exported
  dashboard   valid JSON, unique panel ids, every panel has a query and uses
              the datasource variable
  docs        internal links in docs/OPERATIONS.md, and the sections the
              alerts name, exist
  config      the configuration tables in docs/OPERATIONS.md equal what the
              binary's --help says (needs --binary)
"""
import argparse
import json
import pathlib
import re
import subprocess
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
problems = []


def bad(check, msg):
    problems.append(f"{check}: {msg}")


# --- metrics ---------------------------------------------------------------

def defined_metrics():
    """name -> set of label names, from supervisor/metrics/metrics.go."""
    src = (ROOT / "supervisor/metrics/metrics.go").read_text()
    out = {}
    # Metrics declared with *Opts{Name: ...}, and custom collectors'
    # prometheus.NewDesc("name", "help", []string{labels}, ...).
    starts = [(m.start(), m.end(), m.group(1)) for m in re.finditer(r'Name:\s*"([a-z_:]+)"', src)]
    starts += [(m.start(), m.end(), m.group(1)) for m in re.finditer(r'NewDesc\(\s*"([a-z_:]+)"', src)]
    starts.sort()
    for i, (_, end, name) in enumerate(starts):
        seg = src[end:starts[i + 1][0]] if i + 1 < len(starts) else src[end:]
        lm = re.search(r'\[\]string\{([^}]*)\}', seg)
        out[name] = set(re.findall(r'"([a-z_]+)"', lm.group(1))) if lm else set()
    return out


EXTERNAL = re.compile(r"^(rabbitmq_|go_|process_|promhttp_|up$|node_|container_|kube_)")
TARGET_LABELS = {"instance", "job", "le", "__name__"}
# Words that look like metric names in prose but are not.
NOT_METRICS = {"rss_bytes", "limit_bytes", "max_child_memory", "max_tasks_per_child", "worker_pool_size", "prefetch_count",
               "shutdown_grace", "task_timeout", "consumer_timeout", "stop_grace_period",
               "db_min_conns", "db_max_conns", "telemetry_dir", "file_path", "match_id"}
SUFFIXES = ("_bucket", "_sum", "_count")


def base_name(name, defined):
    if name in defined:
        return name
    for s in SUFFIXES:
        if name.endswith(s) and name[: -len(s)] in defined:
            return name[: -len(s)]
    return name


PROMQL_FUNCS = {"sum", "rate", "increase", "irate", "delta", "deriv", "histogram_quantile", "max", "min",
                "avg", "count", "by", "without", "and", "or", "unless", "on", "ignoring", "vector",
                "label_values", "topk", "bottomk", "abs", "clamp_min", "clamp_max", "time", "offset",
                "group_left", "group_right", "humanize", "humanize1024", "humanizeDuration",
                "humanizePercentage", "bool", "changes", "resets", "absent", "scalar", "sort", "sort_desc"}


def check_expr(where, expr, defined):
    """Check metric names and selector labels of one PromQL expression."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # drop string contents
    for m in re.finditer(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{([^}]*)\})?', expr):
        name, labels = m.group(1), m.group(3)
        if name in PROMQL_FUNCS or name in TARGET_LABELS or re.fullmatch(r"\d+[smhdwy]?", name):
            continue
        # Label names inside by (...) / without (...) are not metrics.
        before = expr[: m.start()].rstrip()
        if re.search(r"(by|without|on|ignoring)\s*\([^)]*$", before):
            continue
        if labels is not None and before.endswith(","):
            continue
        if name.islower() and "_" not in name and name not in defined:
            continue  # a label name or keyword, e.g. le, reason
        b = base_name(name, defined)
        if EXTERNAL.match(name):
            continue
        if b not in defined:
            bad("metrics", f"{where}: {name} is not a metric collector exports")
            continue
        if labels:
            for lm in re.finditer(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)', labels):
                ln = lm.group(1)
                if ln not in defined[b] and ln not in TARGET_LABELS:
                    bad("metrics", f"{where}: {b} has no label {ln} (it has: {', '.join(sorted(defined[b])) or 'none'})")
    for m in re.finditer(r'\b(by|without)\s*\(([^)]*)\)', expr):
        pass  # grouping labels are checked in the dashboard/alert context below


def exprs_from_rules(path):
    # No YAML parser in the standard library; alert expressions are block or
    # one-line scalars after "expr:".
    text = path.read_text()
    out = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)expr:\s*(\|)?\s*(.*)$", lines[i])
        if m:
            if m.group(2):
                ind = None
                buf = []
                i += 1
                while i < len(lines):
                    l = lines[i]
                    if l.strip() == "":
                        buf.append("")
                        i += 1
                        continue
                    cur = len(l) - len(l.lstrip())
                    if ind is None:
                        ind = cur
                    if cur < ind:
                        break
                    buf.append(l.strip())
                    i += 1
                out.append(" ".join(buf))
                continue
            out.append(m.group(3))
        i += 1
    return out


def check_metrics():
    defined = defined_metrics()
    if not defined:
        bad("metrics", "no metrics found in supervisor/metrics/metrics.go")
        return
    n = 0
    for e in exprs_from_rules(ROOT / "deploy/prometheus/alerts.yaml"):
        check_expr("alerts.yaml", e, defined)
        n += 1
    try:
        dash = json.loads((ROOT / "deploy/grafana/collector-dashboard.json").read_text())
    except json.JSONDecodeError:
        dash = {}  # reported by the dashboard check
    for p in dash.get("panels", []):
        for t in p.get("targets", []):
            check_expr(f"dashboard panel {p['title']!r}", grafana_vars(t.get("expr", "")), defined)
            n += 1
    doc = ROOT / "docs/OPERATIONS.md"
    if doc.exists():
        text = doc.read_text()
        for m in re.finditer(r"`([^`\n]+)`", text):
            token = m.group(1)
            if token.split("{")[0] in NOT_METRICS:
                continue
            if re.fullmatch(r"[a-z][a-z0-9_]*_(total|seconds|bytes|up|paused|children|in_flight|info)(\{[^}]*\})?", token):
                check_expr("docs/OPERATIONS.md", token, defined)
                n += 1
        for name in defined:
            if name != "worker_info" and f"`{name}`" not in text and f"`{name}{{" not in text:
                bad("metrics", f"docs/OPERATIONS.md does not describe {name}")
    print(f"check metrics: {n} expressions and names against {len(defined)} metrics in metrics.go")


# --- build -----------------------------------------------------------------

def go_build_flags(text):
    m = re.search(r"CGO_ENABLED=0[^\n]*\\?\n?(.*?)-o\s", text, re.S)
    block = re.search(r"(CGO_ENABLED=0.*?-o\s+\S+)", text, re.S)
    if not block:
        return None
    b = block.group(1)
    flags = set(re.findall(r"(?<!\w)(-trimpath|-buildvcs=false|-a\b|-tags\s+\S+|-mod=\S+)", b))
    ld = re.search(r'-ldflags\s+"([^"]*)"', b)
    ldflags = re.sub(r"\$\{?VERSION\}?|\$\{version\}", "$VERSION", ld.group(1)) if ld else None
    return {"flags": flags, "ldflags": ldflags, "cgo": "CGO_ENABLED=0" in b, "pkg": "./cmd/collector" in text}


def check_build():
    df = (ROOT / "Dockerfile").read_text()
    bs = (ROOT / "deploy/build-static.sh").read_text()
    a, b = go_build_flags(df), go_build_flags(bs)
    if not a or not b:
        bad("build", "could not find the go build line in the Dockerfile or deploy/build-static.sh")
    elif a != b:
        bad("build", f"Dockerfile builds with {a}, deploy/build-static.sh with {b}")
    final = df[df.rfind("\nFROM "):]
    if re.search(r"^ENTRYPOINT", df, re.M):
        bad("build", "the image must not have an ENTRYPOINT (CMD [\"collector\",\"supervise\"] is the product's requirement)")
    if not re.search(r'^CMD \["collector", ?"supervise"\]', final, re.M):
        bad("build", 'final stage lacks CMD ["collector", "supervise"]')
    if not re.search(r'^\s*CMD \["collector", ?"healthcheck"\]', final, re.M) or "HEALTHCHECK" not in final:
        bad("build", 'final stage lacks HEALTHCHECK ... CMD ["collector", "healthcheck"]')
    um = re.search(r"^USER (\S+)", final, re.M)
    if not um or not re.fullmatch(r"[1-9]\d*(:\d+)?", um.group(1)):
        bad("build", "final stage must set USER to a numeric non-root UID")
    if "/usr/local/bin/collector" not in final:
        bad("build", "the binary is not copied to /usr/local/bin/collector")
    di = (ROOT / ".dockerignore").read_text().split()
    for must in (".git", "/collector"):
        if must not in di:
            bad("build", f".dockerignore does not exclude {must}")
    print("check build: Dockerfile and deploy/build-static.sh build the same way; image CMD, HEALTHCHECK and USER")


# --- komodo ----------------------------------------------------------------

def parse_env_block(s):
    env = {}
    for line in s.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        k, _, v = line.partition("=")
        env[k.strip()] = v.strip()
    return env


def duration_s(v):
    m = re.fullmatch(r"(\d+)(s|m)", v.strip())
    if not m:
        return None
    return int(m.group(1)) * (60 if m.group(2) == "m" else 1)


def check_komodo():
    compose = (ROOT / "deploy/compose/compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", compose))
    for path in sorted((ROOT / "deploy/komodo").glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as e:
            bad("komodo", f"{path.name}: {e}")
            continue
        for st in data.get("stack", []):
            cfg = st.get("config", {})
            for req in ("server", "run_directory", "file_paths"):
                if req not in cfg:
                    bad("komodo", f"{path.name}: stack {st.get('name')} has no config.{req}")
            run = ROOT / cfg.get("run_directory", "")
            for f in cfg.get("file_paths", []):
                if not (run / f).exists():
                    bad("komodo", f"{path.name}: {cfg.get('run_directory')}/{f} does not exist in this repository")
            env = parse_env_block(cfg.get("environment", ""))
            # With COLLECTOR_ENV_FILE=.env the containers read Komodo's .env
            # as their env_file: that is how the passwords reach them.
            via_env_file = {"POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"} if env.get("COLLECTOR_ENV_FILE") == ".env" else set()
            for k, v in env.items():
                if k not in interpolated and k not in via_env_file:
                    bad("komodo", f"{path.name}: {k} is set but compose.yaml never uses ${{{k}}}")
                if "PASSWORD" in k and not re.fullmatch(r"\[\[[A-Z0-9_]+\]\]", v):
                    bad("komodo", f"{path.name}: {k} must come from a Komodo secret ([[NAME]]), not be written here")
            # A private repository and a private image need credentials.
            for key in ("git_account", "registry_provider", "registry_account"):
                if not cfg.get(key):
                    bad("komodo", f"{path.name}: stack {st.get('name')} has no config.{key}: Komodo cannot clone a private repository or pull a private image without it")
            tag = env.get("COLLECTOR_TAG", "")
            if tag in FLOATING_TAGS:
                bad("komodo", f"{path.name}: COLLECTOR_TAG must pin a release, not {tag!r}")
            if cfg.get("auto_pull") and tag in FLOATING_TAGS:
                bad("komodo", f"{path.name}: auto_pull with a floating tag redeploys whatever was pushed last")
            check_komodo_release(path.name, data, st.get("name"))
            g, s = duration_s(env.get("SHUTDOWN_GRACE", "25s")), duration_s(env.get("STOP_GRACE_PERIOD", "30s"))
            if g is None or s is None or s < g + 5:
                bad("komodo", f"{path.name}: STOP_GRACE_PERIOD must be SHUTDOWN_GRACE + 5s or more")
    g = re.search(r"SHUTDOWN_GRACE:-(\w+)\}", compose)
    s = re.search(r"STOP_GRACE_PERIOD:-(\w+)\}", compose)
    if not g or not s or duration_s(s.group(1)) < duration_s(g.group(1)) + 5:
        bad("komodo", "compose.yaml defaults: STOP_GRACE_PERIOD must be SHUTDOWN_GRACE + 5s or more")
    print("check komodo: stack TOML parses, sets only variables compose.yaml uses, secrets interpolated, grace aligned")


FLOATING_TAGS = {"", "latest", "production", "prod", "main", "stable", "staging"}


def check_komodo_release(fname, data, stack):
    """The release procedure runs the compose file's migrate service, then deploys."""
    compose = (ROOT / "deploy/compose/compose.yaml").read_text()
    stages = []
    for proc in data.get("procedure", []):
        for stage in proc.get("config", {}).get("stage", []):
            for ex in stage.get("executions", []):
                e = ex.get("execution", {})
                stages.append((e.get("type"), e.get("params", {})))
    kinds = [t for t, _ in stages]
    if "RunStackService" not in kinds or "DeployStack" not in kinds:
        bad("komodo", f"{fname}: no procedure that runs the migrate service and then deploys")
        return
    if kinds.index("RunStackService") > kinds.index("DeployStack"):
        bad("komodo", f"{fname}: the procedure deploys before it migrates")
    for t, params in stages:
        if params.get("stack") != stack:
            bad("komodo", f"{fname}: procedure step {t} targets stack {params.get('stack')!r}, not {stack!r}")
        if t == "RunStackService":
            svc = params.get("service", "")
            if not re.search(rf"^  {re.escape(svc)}:\n(?:    .*\n|\n)*?    command: \[\"collector\", \"migrate\"\]", compose, re.M):
                bad("komodo", f"{fname}: the procedure runs service {svc!r}, which is not compose.yaml's `collector migrate` service")


# --- images ----------------------------------------------------------------

def check_images():
    """One image name everywhere; every tag that is set is pinned."""
    names = {}
    compose = (ROOT / "deploy/compose/compose.yaml").read_text()
    m = re.search(r"image: \$\{COLLECTOR_IMAGE:-([^}]+)\}:\$\{COLLECTOR_TAG(:\?[^}]*)?\}", compose)
    if not m:
        bad("images", "compose.yaml's collector image is not ${COLLECTOR_IMAGE:-name}:${COLLECTOR_TAG:?...}")
    else:
        names["compose.yaml"] = m.group(1)
        if not m.group(2):
            bad("images", "compose.yaml: COLLECTOR_TAG has a default; it must be required (${COLLECTOR_TAG:?...})")
    for path in sorted((ROOT / "deploy/komodo").glob("*.toml")):
        for st in tomllib.loads(path.read_text()).get("stack", []):
            env = parse_env_block(st.get("config", {}).get("environment", ""))
            if "COLLECTOR_IMAGE" in env:
                names[path.name] = env["COLLECTOR_IMAGE"]
    kdir = ROOT / "deploy/kubernetes"
    kust = (kdir / "kustomization.yaml").read_text()
    im = re.search(r"^images:\n((?:  .*\n)+)", kust, re.M)
    if not im:
        bad("images", "kustomization.yaml has no images: entry pinning the release")
    else:
        block = im.group(1)
        nm, tag = re.search(r"name: (\S+)", block), re.search(r'newTag: "?([^"\s]*)"?', block)
        if nm:
            names["kustomization.yaml"] = nm.group(1)
        if re.search(r"newName:", block):
            bad("images", "kustomization.yaml renames the image (newName): use one image name everywhere")
        if not tag or tag.group(1) in FLOATING_TAGS:
            bad("images", f"kustomization.yaml: newTag must pin a release, not {tag.group(1) if tag else 'nothing'!r}")
    for path in sorted(kdir.glob("*.yaml")):
        for im2 in re.findall(r"^\s+image: (\S+)", path.read_text(), re.M):
            names[path.name] = im2
            if ":" in im2.rsplit("/", 1)[-1]:
                bad("images", f"{path.name}: image {im2} carries a tag; the release is pinned once, in kustomization.yaml")
    if len(set(names.values())) != 1:
        bad("images", "different collector image names: " + ", ".join(f"{k}: {v}" for k, v in sorted(names.items())))
    print(f"check images: {len(names)} files name {', '.join(sorted(set(names.values())))}; tags pinned")


# --- rules -----------------------------------------------------------------

PROMETHEUSRULE = ROOT / "deploy/kubernetes/prometheusrule.yaml"


def prometheusrule_text():
    src = (ROOT / "deploy/prometheus/alerts.yaml").read_text()
    i = src.index("\ngroups:\n")
    body = "".join(("  " + l if l.strip() else l) for l in src[i + len("\ngroups:\n"):].splitlines(True))
    return ("# Generated from deploy/prometheus/alerts.yaml by deploy/check.py --write-prometheusrule;\n"
            "# do not edit (deploy/lint.sh fails when the two differ). The same alert\n"
            "# rules for a Prometheus run by the Prometheus Operator; its ruleSelector\n"
            "# must match these labels. What each alert means: docs/OPERATIONS.md.\n"
            "apiVersion: monitoring.coreos.com/v1\n"
            "kind: PrometheusRule\n"
            "metadata:\n"
            "  name: collector\n"
            "  labels:\n"
            "    app.kubernetes.io/name: collector\n"
            "spec:\n"
            "  groups:\n" + body)


def check_rules():
    if not PROMETHEUSRULE.exists() or PROMETHEUSRULE.read_text() != prometheusrule_text():
        bad("rules", "deploy/kubernetes/prometheusrule.yaml differs from deploy/prometheus/alerts.yaml; run deploy/check.py --write-prometheusrule")
    print("check rules: prometheusrule.yaml carries alerts.yaml's rules")


# --- live ------------------------------------------------------------------

def check_live(scrape_path):
    """Every collector metric (and label) the dashboard and the alerts query
    is on a real /metrics page."""
    seen = {}
    for line in pathlib.Path(scrape_path).read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if m:
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
            seen.setdefault(m.group(1), set()).update(labels)
    if not seen:
        bad("live", f"{scrape_path} has no samples")
        return
    used = {}
    exprs = list(exprs_from_rules(ROOT / "deploy/prometheus/alerts.yaml"))
    for p in dashboard().get("panels", []):
        exprs += [grafana_vars(t.get("expr", "")) for t in p.get("targets", [])]
    for e in exprs:
        e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', e)
        for m in re.finditer(r'([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{([^}]*)\})?', e):
            name = m.group(1)
            if EXTERNAL.match(name) or name in PROMQL_FUNCS or "_" not in name:
                continue
            if re.search(r"(by|without|on|ignoring)\s*\([^)]*$", e[: m.start()]):
                continue
            labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)', m.group(3) or ""))
            used.setdefault(name, set()).update(labels - TARGET_LABELS)
    for name, labels in sorted(used.items()):
        if name not in seen:
            bad("live", f"{name} is queried by the dashboard or the alerts but is not on the live /metrics page")
            continue
        for ln in sorted(labels - seen[name]):
            bad("live", f"{name} has no label {ln} on the live /metrics page")
    print(f"check live: {len(used)} collector metrics used by the dashboard and alerts, looked up on {scrape_path}")


# --- dashboard -------------------------------------------------------------

def dashboard():
    return json.loads((ROOT / "deploy/grafana/collector-dashboard.json").read_text())


def check_dashboard():
    try:
        d = dashboard()
    except json.JSONDecodeError as e:
        bad("dashboard", f"not JSON: {e}")
        return
    ids = [p["id"] for p in d["panels"]]
    if len(ids) != len(set(ids)):
        bad("dashboard", "panel ids are not unique")
    for p in d["panels"]:
        if p["type"] == "row":
            continue
        if not p.get("targets") or not all(t.get("expr") for t in p["targets"]):
            bad("dashboard", f"panel {p['title']!r} has a target without a query")
        if p.get("datasource", {}).get("uid") != "${datasource}":
            bad("dashboard", f"panel {p['title']!r} does not use the datasource variable")
        if not p.get("description"):
            bad("dashboard", f"panel {p['title']!r} has no description")
    names = [v["name"] for v in d["templating"]["list"]]
    for v in ("datasource", "instance", "environment"):
        if v not in names:
            bad("dashboard", f"no ${v} variable")
    print(f"check dashboard: {len(ids)} panels, ids unique, every panel queried through $datasource")


def grafana_vars(e):
    """Replace the dashboard's variables with values PromQL accepts."""
    return (e.replace("$__rate_interval", "5m").replace("$instance", ".*")
            .replace("$environment", "production").replace("$container", ".*telemetry-processing-worker.*"))


def write_dashboard_rules(out):
    lines = ["groups:", "  - name: dashboard-queries", "    rules:"]
    for i, p in enumerate(dashboard()["panels"]):
        for j, t in enumerate(p.get("targets", [])):
            e = grafana_vars(t["expr"])
            lines.append(f"      - record: dashboard:panel{i}:target{j}")
            lines.append("        expr: " + json.dumps(e))
    pathlib.Path(out).write_text("\n".join(lines) + "\n")


# --- docs ------------------------------------------------------------------

def github_slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)  # drops backticks, dots, slashes, parentheses
    return s.replace(" ", "-")


def check_docs():
    doc = ROOT / "docs/OPERATIONS.md"
    if not doc.exists():
        bad("docs", "docs/OPERATIONS.md does not exist")
        return
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)
    slugs = {}
    for h in re.findall(r"^#{1,6} (.+)$", text, re.M):
        base = github_slug(h)
        n = slugs.get(base, -1) + 1
        slugs[base] = n
    anchors = set()
    for base, n in slugs.items():
        anchors.add(base)
        anchors.update(f"{base}-{i}" for i in range(1, n + 1))
    links = re.findall(r"\]\(#([^)]+)\)", text)
    for a in links:
        if a not in anchors:
            bad("docs", f"docs/OPERATIONS.md links to #{a}, which is no heading")
    for a in set(re.findall(r'docs/OPERATIONS\.md "([^"]+)"', (ROOT / "deploy/prometheus/alerts.yaml").read_text())):
        if github_slug(a) not in anchors:
            bad("docs", f'alerts.yaml points to docs/OPERATIONS.md "{a}", which is no heading')
    print(f"check docs: {len(links)} internal links and the alerts' section references resolve")


# --- config tables ---------------------------------------------------------

COMMANDS = ["supervise", "child", "migrate", "healthcheck", "status", "publish", "failed", "reprocess"]
FLAG_RE = re.compile(r"^\s+(?:-\w, )?--([a-z0-9-]+)(?: (\w+))?\s{2,}(.*)$")


def help_flags(binary, cmd):
    r = subprocess.run([binary, cmd, "--help"], capture_output=True, text=True)
    if r.returncode != 0 or "Usage:" not in r.stdout:
        return None
    rows = []
    for line in r.stdout.split("Flags:", 1)[1].splitlines():
        m = FLAG_RE.match(line)
        if not m or m.group(1) == "help":
            continue
        name, typ, desc = m.groups()
        env = re.search(r"\[\$([A-Z0-9_]+)\]", desc)
        default = re.search(r'\(default ("?)(.*?)\1\)\s*$', desc)
        desc = re.sub(r"\s*\[\$[A-Z0-9_]+\]", "", desc)
        desc = re.sub(r'\s*\(default .*\)\s*$', "", desc).strip()
        # pflag turns a `quoted` word in the usage into the type name: undo it.
        if typ and typ not in ("string", "int", "bool", "duration", "bytes") and f"in {typ}" in desc:
            typ = "string"
        rows.append((name, typ or "bool", env.group(1) if env else "", default.group(2) if default else "", desc))
    return rows


def config_table(binary, cmd):
    rows = help_flags(binary, cmd)
    if rows is None:
        return None
    out = [f"<!-- generated from `collector {cmd} --help` by deploy/check.py --write-config; do not edit -->",
           "", "| Flag | Variable | Default | Meaning |", "| --- | --- | --- | --- |"]
    zero = {"int": "0", "bool": "false", "duration": "0s"}  # pflag omits zero defaults
    for name, typ, env, default, desc in rows:
        default = default or zero.get(typ, "")
        d = f"`{default}`" if default else "—"
        e = f"`{env}`" if env else "—"
        out.append(f"| `--{name}` ({typ}) | {e} | {d} | {desc.replace('|', '/')} |")
    return "\n".join(out)


BLOCK = re.compile(r"(<!-- BEGIN CONFIG (\w+) -->\n)(.*?)(<!-- END CONFIG \2 -->)", re.S)


def check_config(binary, write):
    doc = ROOT / "docs/OPERATIONS.md"
    if not doc.exists():
        bad("config", "docs/OPERATIONS.md does not exist")
        return
    text = doc.read_text()
    found = {m.group(2) for m in BLOCK.finditer(text)}
    for c in COMMANDS:
        if c not in found:
            bad("config", f"docs/OPERATIONS.md has no <!-- BEGIN CONFIG {c} --> table")
    skipped = []

    def repl(m):
        cmd = m.group(2)
        table = config_table(binary, cmd)
        if table is None:
            skipped.append(cmd)
            return m.group(0)
        if m.group(3).strip() != table.strip():
            if write:
                return m.group(1) + table + "\n" + m.group(4)
            bad("config", f"the `collector {cmd}` table in docs/OPERATIONS.md differs from --help; run deploy/check.py --binary BIN --write-config")
        return m.group(0)

    new = BLOCK.sub(repl, text)
    if write and new != text:
        doc.write_text(new)
        print("check config: rewrote the configuration tables in docs/OPERATIONS.md")
    note = f" (skipped {', '.join(skipped)}: not in this binary)" if skipped else ""
    print(f"check config: tables compared with {binary} --help{note}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", help="collector binary whose --help the config tables must match")
    ap.add_argument("--write-config", action="store_true", help="rewrite the config tables instead of checking them")
    ap.add_argument("--dashboard-rules", metavar="OUT", help="write the dashboard queries as a rule file and exit")
    ap.add_argument("--write-prometheusrule", action="store_true", help="regenerate deploy/kubernetes/prometheusrule.yaml and exit")
    ap.add_argument("--live-metrics", metavar="SCRAPE", help="a /metrics page of a running supervisor to check the used metrics against")
    args = ap.parse_args()
    if args.dashboard_rules:
        write_dashboard_rules(args.dashboard_rules)
        return 0
    if args.write_prometheusrule:
        PROMETHEUSRULE.write_text(prometheusrule_text())
        print(f"wrote {PROMETHEUSRULE.relative_to(ROOT)}")
        return 0
    if args.write_config:
        if not args.binary:
            ap.error("--write-config needs --binary")
        check_config(args.binary, True)
        return 0
    check_metrics()
    check_build()
    check_komodo()
    check_images()
    check_rules()
    check_dashboard()
    check_docs()
    if args.binary:
        check_config(args.binary, False)
    else:
        print("check config: skipped (no --binary)")
    if args.live_metrics:
        check_live(args.live_metrics)
    for p in problems:
        print("  PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

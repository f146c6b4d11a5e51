// Command composecheck loads a Compose file with compose-go, the library
// `docker compose config` is built on — schema validation, interpolation,
// merge keys, profiles and consistency checks — and then checks what
// collector needs of its worker services:
//
//   - stop_grace_period >= SHUTDOWN_GRACE + 5s
//   - TASK_TIMEOUT below RabbitMQ's 30 min consumer_timeout
//   - memory limit >= WORKER_POOL_SIZE x MAX_CHILD_MEMORY + 64 MiB
//   - a writable /tmp when the root filesystem is read-only
//   - a healthcheck and a restart policy
//   - passwords only from env_file, never inline in the file
//
// The file is loaded once per profile set given with -profiles (default:
// none, then "bundled"). Environment for interpolation comes only from -env
// KEY=VALUE flags, never from the caller's environment, so the result does
// not depend on who runs it.
//
//	go run ./composecheck -f ../compose/compose.yaml -env COLLECTOR_ENV_FILE=./collector.env.example
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/pewstats/collector/deploy/tools/internal/units"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	file := flag.String("f", "", "compose file")
	var env, profileSets listFlag
	flag.Var(&env, "env", "KEY=VALUE for interpolation (repeatable)")
	flag.Var(&profileSets, "profiles", "comma-separated profiles to enable for one load (repeatable; '' = none)")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "usage: composecheck -f compose.yaml [-env K=V]... [-profiles a,b]...")
		os.Exit(2)
	}
	if len(profileSets) == 0 {
		profileSets = listFlag{"", "bundled"}
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		fail(err.Error())
	}
	problems := inlineSecrets(string(raw))
	for _, ps := range profileSets {
		var profiles []string
		if ps != "" {
			profiles = strings.Split(ps, ",")
		}
		p, err := load(*file, env, profiles)
		if err != nil {
			fmt.Printf("%s (profiles %q): %v\n", *file, ps, err)
			os.Exit(1)
		}
		names := make([]string, 0, len(p.Services))
		for n := range p.Services {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			problems = append(problems, checkService(p.Services[n])...)
		}
		fmt.Printf("composecheck: %s loads with profiles %q: services %s\n", *file, ps, strings.Join(names, ", "))
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		for _, pr := range uniq(problems) {
			fmt.Printf("%s: %s\n", *file, pr)
		}
		os.Exit(1)
	}
}

func load(file string, env []string, profiles []string) (*types.Project, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	opts, err := cli.NewProjectOptions([]string{abs},
		cli.WithWorkingDirectory(filepath.Dir(abs)),
		cli.WithEnv(env),
		cli.WithProfiles(profiles),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// inlineSecrets finds password values written into the file itself rather
// than interpolated or taken from an env_file.
func inlineSecrets(text string) []string {
	var out []string
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "#") {
			continue
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok {
			k, v, ok = strings.Cut(t, "=")
		}
		if !ok {
			continue
		}
		k = strings.Trim(strings.TrimPrefix(k, "- "), `"' `)
		if !strings.Contains(strings.ToUpper(k), "PASSWORD") && !strings.Contains(strings.ToUpper(k), "_PASS") {
			continue
		}
		v = strings.TrimSpace(v)
		if v != "" && !strings.HasPrefix(v, "${") && !strings.HasPrefix(v, "#") {
			out = append(out, fmt.Sprintf("line %d: %s is set inline; passwords belong in the env_file", i+1, k))
		}
	}
	return out
}

func checkService(s types.ServiceConfig) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, s.Name+": "+fmt.Sprintf(format, args...))
	}
	isCollector := strings.Contains(s.Image, "collector") || (s.Build != nil && len(s.Command) > 0 && s.Command[0] == "collector")
	if !isCollector {
		return nil
	}
	if s.ReadOnly && len(s.Command) > 1 && s.Command[1] == "supervise" && !hasTmp(s) {
		bad("read_only root filesystem without a writable /tmp: go-plugin cannot create the children's sockets")
	}
	if len(s.Command) < 2 || s.Command[1] != "supervise" {
		return out
	}
	get := func(k string) string {
		if v, ok := s.Environment[k]; ok && v != nil {
			return *v
		}
		return ""
	}
	grace := 25 * time.Second
	if v := get("SHUTDOWN_GRACE"); v != "" {
		d, err := units.Duration(v)
		if err != nil {
			bad("SHUTDOWN_GRACE %q: %v", v, err)
		}
		grace = d
	}
	if s.StopGracePeriod == nil {
		bad("no stop_grace_period: Compose's default 10s cuts the %s drain short", grace)
	} else if sg := time.Duration(*s.StopGracePeriod); sg < grace+units.ShutdownMargin {
		bad("stop_grace_period %s < SHUTDOWN_GRACE %s + %s", sg, grace, units.ShutdownMargin)
	}
	if v := get("TASK_TIMEOUT"); v != "" {
		if d, err := units.Duration(v); err != nil || d >= units.ConsumerTimeout {
			bad("TASK_TIMEOUT %q must be a duration below RabbitMQ's consumer_timeout (30m)", v)
		}
	}
	pool := int64(2)
	if v := get("WORKER_POOL_SIZE"); v != "" {
		if _, err := fmt.Sscan(v, &pool); err != nil {
			bad("WORKER_POOL_SIZE %q is not a number", v)
		}
	}
	maxChild := int64(1 << 30)
	if v := get("MAX_CHILD_MEMORY"); v != "" {
		n, err := units.Bytes(v)
		if err != nil {
			bad("MAX_CHILD_MEMORY %q: %v", v, err)
		}
		maxChild = n
	}
	if s.Deploy == nil || s.Deploy.Resources.Limits == nil || s.Deploy.Resources.Limits.MemoryBytes == 0 {
		bad("no memory limit (deploy.resources.limits.memory)")
	} else if limit := int64(s.Deploy.Resources.Limits.MemoryBytes); maxChild > 0 && limit < pool*maxChild+units.SupervisorOverhead {
		bad("memory limit %d MiB < %d children x MAX_CHILD_MEMORY %d MiB + 64 MiB: the kernel OOM killer would act before collector's per-child limit",
			limit>>20, pool, maxChild>>20)
	}
	if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) == 0 {
		bad("no healthcheck")
	}
	if s.Restart == "" || s.Restart == "no" {
		bad("no restart policy: a supervisor that exits (restart storm, fatal error) must be restarted")
	}
	if get("WORKER_ID") == "" {
		bad("no WORKER_ID: every worker needs its own (logs, metrics, consumer tag)")
	}
	if len(s.EnvFiles) == 0 {
		bad("no env_file: where do POSTGRES_PASSWORD and RABBITMQ_PASSWORD come from?")
	}
	return out
}

func hasTmp(s types.ServiceConfig) bool {
	for _, t := range s.Tmpfs {
		if t == "/tmp" || strings.HasPrefix(t, "/tmp:") {
			return true
		}
	}
	for _, v := range s.Volumes {
		if v.Target == "/tmp" && !v.ReadOnly {
			return true
		}
	}
	return false
}

func uniq(in []string) []string {
	var out []string
	for i, s := range in {
		if i == 0 || s != in[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "composecheck:", msg)
	os.Exit(2)
}

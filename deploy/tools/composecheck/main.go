// Command composecheck loads a Compose file with compose-go, the library
// `docker compose config` is built on — schema validation, interpolation,
// merge keys, profiles and consistency checks — and then checks what
// collector needs of its services:
//
//   - stop_grace_period >= SHUTDOWN_GRACE + 5s
//   - TASK_TIMEOUT below RabbitMQ's 30 min consumer_timeout
//   - memory limit >= WORKER_POOL_SIZE x MAX_CHILD_MEMORY + 64 MiB
//   - a writable /tmp when the root filesystem is read-only
//   - a healthcheck and a restart policy
//   - passwords only from env_file, never inline in the file
//   - the image has a pinned tag (not latest, production, ...)
//   - POSTGRES_HOST and RABBITMQ_HOST resolve: to a service, alias or
//     container name on a network the service shares, or, on an external
//     network, to one of the names given with -external-hosts
//   - the telemetry volume is mounted at TELEMETRY_DIR
//   - /metrics is reachable from other containers: the worker is on a
//     network and does not publish its metrics port on loopback only
//   - `collector migrate` runs only when asked for: it is in a profile and
//     no service depends on it
//
// The file is loaded once per profile set given with -profiles (default:
// none, then "bundled"). Environment for interpolation comes only from
// -env-file files and -env KEY=VALUE flags (the flags win), never from the
// caller's environment, so the result does not depend on who runs it.
//
//	go run ./composecheck -f ../compose/compose.yaml -env COLLECTOR_TAG=1.0.0 -profiles '' -profiles migrate
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
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
	var env, envFiles, profileSets listFlag
	flag.Var(&env, "env", "KEY=VALUE for interpolation (repeatable; wins over -env-file)")
	flag.Var(&envFiles, "env-file", "file of KEY=VALUE lines for interpolation (repeatable)")
	flag.Var(&profileSets, "profiles", "comma-separated profiles to enable for one load (repeatable; '' = none)")
	externalHosts := flag.String("external-hosts", "", "comma-separated host names that live on an external network (e.g. pewstats-postgres,pewstats-rabbitmq)")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "usage: composecheck -f compose.yaml [-env-file F]... [-env K=V]... [-profiles a,b]... [-external-hosts h1,h2]")
		os.Exit(2)
	}
	if len(profileSets) == 0 {
		profileSets = listFlag{"", "bundled"}
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		fail(err.Error())
	}
	var allEnv []string
	for _, f := range envFiles {
		lines, err := readEnvFile(f)
		if err != nil {
			fail(err.Error())
		}
		allEnv = append(allEnv, lines...)
	}
	allEnv = append(allEnv, env...)
	external := map[string]bool{}
	for _, h := range strings.Split(*externalHosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			external[h] = true
		}
	}
	problems := inlineSecrets(string(raw))
	for _, ps := range profileSets {
		var profiles []string
		if ps != "" {
			profiles = strings.Split(ps, ",")
		}
		p, err := load(*file, allEnv, profiles)
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
			for _, pr := range checkService(p, p.Services[n], external) {
				problems = append(problems, fmt.Sprintf("(profiles %q) %s", ps, pr))
			}
		}
		problems = append(problems, checkMigrate(p, ps)...)
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

// readEnvFile reads KEY=VALUE lines, as `docker compose --env-file` does
// for the simple files this project writes (no quoting, no expansion).
func readEnvFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.Contains(line, "=") {
			return nil, fmt.Errorf("%s:%d: not KEY=VALUE", path, i+1)
		}
		out = append(out, line)
	}
	return out, nil
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

// floatingTags are image tags that name a moving target.
var floatingTags = map[string]bool{"": true, "latest": true, "production": true, "prod": true, "main": true, "stable": true, "staging": true}

// isCollector reports whether s runs the collector image.
func isCollector(s types.ServiceConfig) bool {
	return strings.Contains(s.Image, "collector") || (s.Build != nil && len(s.Command) > 0 && s.Command[0] == "collector")
}

func checkService(p *types.Project, s types.ServiceConfig, external map[string]bool) []string {
	var out []string
	bad := func(format string, args ...any) {
		out = append(out, s.Name+": "+fmt.Sprintf(format, args...))
	}
	if !isCollector(s) {
		return nil
	}
	get := func(k string) string {
		if v, ok := s.Environment[k]; ok && v != nil {
			return *v
		}
		return ""
	}
	// The image: pinned.
	ref := s.Image
	if i := strings.LastIndex(ref, "@"); i >= 0 {
		ref = ref[:i] // a digest pins it whatever the tag
	} else {
		tag := ""
		if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
			tag = ref[i+1:]
		}
		if floatingTags[tag] {
			bad("image %q has no pinned tag: a redeploy could change the code, and there is no previous tag to roll back to", s.Image)
		}
	}
	// Where the database and broker are: a name this container can resolve.
	for _, k := range []string{"POSTGRES_HOST", "RABBITMQ_HOST"} {
		if h := get(k); h != "" {
			if msg := resolves(p, s, h, external); msg != "" {
				bad("%s=%s %s", k, h, msg)
			}
		}
	}
	if s.ReadOnly && len(s.Command) > 1 && s.Command[1] == "supervise" && !hasTmp(s) {
		bad("read_only root filesystem without a writable /tmp: go-plugin cannot create the children's sockets")
	}
	if len(s.Command) < 2 || s.Command[1] != "supervise" {
		return out
	}
	if len(s.Networks) == 0 {
		bad("on no network: Prometheus in another container cannot scrape it")
	}
	for _, port := range s.Ports {
		if port.Target == 9093 && (port.HostIP == "127.0.0.1" || port.HostIP == "::1") {
			bad("publishes /metrics on %s only: a Prometheus container cannot reach it there; scrape it over the network", port.HostIP)
		}
	}
	if dir := get("TELEMETRY_DIR"); dir != "" {
		mounted := false
		for _, v := range s.Volumes {
			if v.Target == dir {
				mounted = true
			}
		}
		if !mounted {
			bad("TELEMETRY_DIR=%s but no volume is mounted there: every file_path would be outside it", dir)
		}
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
	if _, ok := s.DependsOn["migrate"]; ok {
		bad("depends on migrate: the schema migration would run by itself on every `up`")
	}
	return out
}

// resolves explains why host is not a name s can reach ("" when it is):
// a service, network alias or container name of the project on a network s
// is attached to, or, when one of s's networks is external, a name the
// operator declared as living there.
func resolves(p *types.Project, s types.ServiceConfig, host string, external map[string]bool) string {
	onExternal := false
	for netKey := range s.Networks {
		if n, ok := p.Networks[netKey]; ok && bool(n.External) {
			onExternal = true
		}
		for _, other := range p.Services {
			cfg, ok := other.Networks[netKey]
			if !ok {
				continue
			}
			if other.Name == host || other.ContainerName == host || (cfg != nil && slices.Contains(cfg.Aliases, host)) {
				return ""
			}
		}
	}
	if onExternal && external[host] {
		return ""
	}
	if onExternal {
		return "is no service on this project's networks and not one of the hosts declared on the external network (-external-hosts)"
	}
	return "is not a service, alias or container name on any network this service is on: it cannot resolve"
}

// checkMigrate: the migrate service exists, is only started on request,
// and runs `collector migrate`.
func checkMigrate(p *types.Project, profiles string) []string {
	var out []string
	for _, s := range append(slices.Collect(maps.Values(p.Services)), slices.Collect(maps.Values(p.DisabledServices))...) {
		if !isCollector(s) || len(s.Command) < 2 || s.Command[1] != "migrate" {
			continue
		}
		if len(s.Profiles) == 0 {
			out = append(out, fmt.Sprintf("(profiles %q) %s: not in a profile: `docker compose up` would migrate the database on every start", profiles, s.Name))
		}
		if s.Restart != "" && s.Restart != "no" {
			out = append(out, fmt.Sprintf("(profiles %q) %s: restart %q: a one-shot must not be restarted", profiles, s.Name, s.Restart))
		}
		return out
	}
	return append(out, fmt.Sprintf("(profiles %q) no service runs `collector migrate`", profiles))
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

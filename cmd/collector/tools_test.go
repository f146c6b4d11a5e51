package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/pewstats/collector/"

// toolPackages are the test and developer tools: generators, fault
// injection, throw-away databases, the benchmark baseline reader, the
// end-to-end harness. A path ending in "/" covers the packages under it too.
var toolPackages = []string{
	"child/synth",
	"child/faultinject",
	"child/store/storetest",
	"child/store/storetest/",
	"child/telemetry/internal/baseline",
	"supervisor/e2etest",
	"supervisor/internal/clock/clocktest",
}

// notProduction are the packages that may import tools: cmd/collector wires
// `collector synth` and, under --test-hooks only, child/faultinject;
// cmd/demo and cmd/bench are tools themselves, and so is their scraper.
var notProduction = []string{"cmd/collector", "cmd/demo", "cmd/bench", "cmd/internal/scrape"}

func isTool(pkg string) bool {
	rel, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return false
	}
	for _, t := range toolPackages {
		if rel == t || (strings.HasSuffix(t, "/") && strings.HasPrefix(rel, t)) {
			return true
		}
	}
	return false
}

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(out))
}

// TestProductionPackagesDoNotImportTools: no package on the processing path
// (child, child/store, child/extract, child/telemetry, protocol, the
// supervisor and its packages, cmd/internal/reprocess, and any package
// added later that is not listed as a tool) depends, directly or through
// others, on a tool package. Test files are not counted: go list -deps
// without -test follows only the packages' own imports.
func TestProductionPackagesDoNotImportTools(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	all := goList(t, "github.com/pewstats/collector/...")
	var production []string
	tools := map[string]bool{}
	for _, p := range all {
		switch {
		case isTool(p):
			tools[strings.TrimPrefix(p, module)] = true
		case slices.Contains(notProduction, strings.TrimPrefix(p, module)):
		default:
			production = append(production, p)
		}
	}
	// The lists above must name real packages, or the test would pass for
	// a renamed tool.
	for _, tp := range toolPackages {
		if !strings.HasSuffix(tp, "/") && !tools[tp] {
			t.Errorf("tool package %s does not exist: update toolPackages", tp)
		}
	}
	for _, np := range notProduction {
		if !slices.Contains(all, module+np) {
			t.Errorf("package %s does not exist: update notProduction", np)
		}
	}
	for _, want := range []string{"child", "child/store", "child/extract", "child/telemetry", "protocol", "supervisor", "supervisor/pool", "cmd/internal/reprocess"} {
		if !slices.Contains(production, module+want) {
			t.Errorf("%s is not among the production packages checked", want)
		}
	}
	// Each package's transitive dependencies (.Deps, as go list -deps
	// gives them), one line per package so that a violation names it.
	out, err := exec.Command("go", append([]string{"list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}"}, production...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(production) {
		t.Fatalf("go list answered for %d packages, want %d", len(lines), len(production))
	}
	for _, line := range lines {
		f := strings.Fields(line)
		for _, dep := range f[1:] {
			if isTool(dep) {
				t.Errorf("production package %s depends on the tool package %s", strings.TrimPrefix(f[0], module), strings.TrimPrefix(dep, module))
			}
		}
	}
	t.Logf("%d production packages checked against %d tool packages", len(production), len(tools))
}

package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envFlags binds flags to environment variables: a flag given on the command
// line wins, then the variable, then the default. Help text names the
// variable so `--help` documents both.
type envFlags struct {
	fs    *pflag.FlagSet
	envOf map[string]string // flag name -> variable
}

func newEnvFlags(cmd *cobra.Command) *envFlags {
	return &envFlags{fs: cmd.Flags(), envOf: map[string]string{}}
}

func (e *envFlags) bind(name, env string) {
	if env == "" {
		return
	}
	e.envOf[name] = env
	f := e.fs.Lookup(name)
	f.Usage = fmt.Sprintf("%s [$%s]", f.Usage, env)
}

func (e *envFlags) String(p *string, name, env, def, usage string) {
	e.fs.StringVar(p, name, def, usage)
	e.bind(name, env)
}

func (e *envFlags) Int(p *int, name, env string, def int, usage string) {
	e.fs.IntVar(p, name, def, usage)
	e.bind(name, env)
}

func (e *envFlags) Bool(p *bool, name, env string, def bool, usage string) {
	e.fs.BoolVar(p, name, def, usage)
	e.bind(name, env)
}

func (e *envFlags) Duration(p *durationValue, name, env string, usage string) {
	e.fs.Var(p, name, usage)
	e.bind(name, env)
}

func (e *envFlags) Bytes(p *bytesValue, name, env string, usage string) {
	e.fs.Var(p, name, usage)
	e.bind(name, env)
}

// apply copies environment values into flags not set on the command line.
// A malformed value is a usage error naming the variable.
func (e *envFlags) apply() error {
	for name, env := range e.envOf {
		f := e.fs.Lookup(name)
		if f.Changed {
			continue
		}
		v, ok := os.LookupEnv(env)
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		if err := f.Value.Set(strings.TrimSpace(v)); err != nil {
			return usagef("invalid $%s=%q for --%s: %v", env, v, name, err)
		}
	}
	return nil
}

// Command collector processes PUBG match telemetry for PewStats: `collector
// supervise` consumes the match queue and runs a pool of `collector child`
// processes, each processing one telemetry file at a time.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "collector:", err)
		os.Exit(exitCode(err))
	}
}

package reprocess

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// Status is how one match ended in a run.
type Status string

const (
	// Done: processed (local) or confirmed published (queue).
	Done Status = "done"
	// Skipped: processed and skipped by the child (its game type).
	Skipped Status = "skipped"
	// Failed: the match will not be reprocessed by this run (Reason says
	// why); a resumed run tries it again.
	Failed Status = "failed"
	// Stopped: the run was interrupted before the match was settled.
	Stopped Status = "stopped"
)

// Result is what a Target reports for one match.
type Result struct {
	Status  Status
	Reason  string // failed: e.g. reprocess_permanent; skipped: e.g. game_type=custom
	Detail  string // failed: error type and message
	Written map[string]int64
	Deleted map[string]int64
	// Abort, with Failed, stops the whole run: nothing else can succeed
	// either (the broker refuses every publish).
	Abort error
}

// Target is where a run sends its matches: the processing queue (Queue)
// or a local pool of children (Local).
type Target interface {
	// Name says where, for the plan and the summary.
	Name() string
	// Do hands one match over and returns when it is settled.
	Do(ctx context.Context, m Match, body []byte) Result
}

// Failure is one match that failed, with the reason.
type Failure struct {
	MatchID, Reason, Detail string
}

// Summary is what a run did.
type Summary struct {
	Run          string
	Target       string
	Published    bool // queue: Done means published, not yet processed
	Selected     int
	MissingFile  int
	Unknown      int
	OtherGame    int
	EarlierDone  int // recorded by the run this one resumed
	Done         int
	Skipped      map[string]int // reason -> n (the child's skips)
	Failed       []Failure
	Stopped      int // not reached or not settled because the run was interrupted
	Written      map[string]int64
	Deleted      map[string]int64
	Interrupted  bool
	Aborted      error
	Elapsed      time.Duration
	StatePath    string
	FollowResult *FollowResult // queue: what the workers did with the published messages
}

// Runner sends a plan's matches to a target, at most Rate per second,
// Workers at a time, recording each settled match in the state.
type Runner struct {
	Plan     *Plan
	Target   Target
	State    *State
	Run      string
	Rate     float64 // matches per second; 0 = no limit
	Workers  int
	Progress *Progress
	Log      *slog.Logger
	Now      func() time.Time
	// Skip reports matches settled before (a resumed run's state and
	// reprocess_log): they are not sent again.
	Skip func(matchID string) bool
	// Published marks a queue target: Done means confirmed published.
	Published bool
}

// Execute runs the plan until every match is settled or ctx ends.
func (r *Runner) Execute(ctx context.Context) *Summary {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.Workers < 1 {
		r.Workers = 1
	}
	start := r.Now()
	s := &Summary{Run: r.Run, Target: r.Target.Name(), Published: r.Published, Selected: len(r.Plan.Selected.Matches),
		MissingFile: len(r.Plan.Missing), Unknown: len(r.Plan.Selected.Unknown), OtherGame: len(r.Plan.Selected.OtherGameType),
		Skipped: map[string]int{}, Written: map[string]int64{}, Deleted: map[string]int64{}}
	if r.State != nil {
		s.StatePath = r.State.Path
	}
	var todo []Match
	for _, m := range r.Plan.Runnable() {
		if r.Skip != nil && r.Skip(m.ID) {
			s.EarlierDone++
			continue
		}
		todo = append(todo, m)
	}
	phase := "reprocessing"
	if r.Published {
		phase = "publishing"
	}
	r.Progress.Start(phase, len(todo))

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan Match)
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	limit := newLimiter(r.Rate, r.Now)
	for range r.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				res := r.Target.Do(runCtx, m, Message(m, r.Plan.Files[m.ID], r.Plan.Tables, r.Run, r.Now()))
				if (res.Status == Done || res.Status == Skipped) && r.State != nil {
					if err := r.State.Record(m.ID, string(res.Status), r.Now()); err != nil {
						// Without a record a resume would do it again:
						// stop rather than go on without one.
						res.Abort = err
					}
				}
				mu.Lock()
				switch res.Status {
				case Done:
					s.Done++
					addCounts(s.Written, res.Written)
					addCounts(s.Deleted, res.Deleted)
				case Skipped:
					s.Skipped[res.Reason]++
				case Failed:
					s.Failed = append(s.Failed, Failure{MatchID: m.ID, Reason: res.Reason, Detail: res.Detail})
					r.Log.Warn("match not reprocessed", "match_id", m.ID, "reason", res.Reason, "detail", res.Detail)
				case Stopped:
					s.Stopped++
				}
				if res.Abort != nil && s.Aborted == nil {
					s.Aborted = res.Abort
					cancel()
				}
				mu.Unlock()
				r.Progress.Add(string(res.Status), 1)
			}
		}()
	}
	sent := 0
feed:
	for _, m := range todo {
		if err := limit.wait(runCtx); err != nil {
			break
		}
		select {
		case jobs <- m:
			sent++
		case <-runCtx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	r.Progress.Finish()
	mu.Lock()
	defer mu.Unlock()
	s.Stopped += len(todo) - sent
	s.Interrupted = ctx.Err() != nil
	s.Elapsed = r.Now().Sub(start)
	return s
}

func addCounts(dst, src map[string]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// limiter spaces starts 1/rate apart (no burst: a backfill should not
// spike).
type limiter struct {
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	next  time.Time
}

func newLimiter(rate float64, now func() time.Time) *limiter {
	l := &limiter{now: now}
	if rate > 0 {
		l.every = time.Duration(float64(time.Second) / rate)
	}
	return l
}

func (l *limiter) wait(ctx context.Context) error {
	if l.every == 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := l.now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.every)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// Err is the run's outcome for the exit status: nil when every match that
// could be reprocessed was (done or skipped by the worker).
func (s *Summary) Err() error {
	switch {
	case s.Aborted != nil:
		return fmt.Errorf("stopped: %w", s.Aborted)
	case s.Interrupted:
		return errors.New("interrupted; run the same command with --resume to continue")
	case len(s.Failed) > 0:
		return fmt.Errorf("%d match(es) failed", len(s.Failed))
	case s.FollowResult != nil && s.FollowResult.Err() != nil:
		return s.FollowResult.Err()
	}
	return nil
}

// Print writes the summary for people.
func (s *Summary) Print(w io.Writer) {
	verb := "reprocessed"
	if s.Published {
		verb = "published"
	}
	fmt.Fprintf(w, "\nsummary of run %s (%s, %s):\n", s.Run, s.Target, s.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  selected:              %d\n", s.Selected)
	if s.EarlierDone > 0 {
		fmt.Fprintf(w, "  done before resuming:  %d\n", s.EarlierDone)
	}
	fmt.Fprintf(w, "  %-22s %d\n", verb+":", s.Done)
	fmt.Fprintf(w, "  skipped, file missing: %d\n", s.MissingFile)
	for _, reason := range sortedKeys(s.Skipped) {
		fmt.Fprintf(w, "  skipped, %-13s %d\n", reason+":", s.Skipped[reason])
	}
	if s.Unknown > 0 {
		fmt.Fprintf(w, "  unknown match ids:     %d\n", s.Unknown)
	}
	if s.OtherGame > 0 {
		fmt.Fprintf(w, "  other game types:      %d (not processed by the worker)\n", s.OtherGame)
	}
	fmt.Fprintf(w, "  failed:                %d\n", len(s.Failed))
	printFailures(w, s.Failed)
	if s.Stopped > 0 {
		fmt.Fprintf(w, "  not done (stopped):    %d\n", s.Stopped)
	}
	if len(s.Written)+len(s.Deleted) > 0 {
		fmt.Fprintf(w, "  rows per table (deleted -> written):\n")
		for _, t := range sortedKeys(mergeKeys(s.Written, s.Deleted)) {
			fmt.Fprintf(w, "    %-34s %9d -> %d\n", t, s.Deleted[t], s.Written[t])
		}
	}
	if f := s.FollowResult; f != nil {
		f.Print(w)
	}
	if s.Aborted != nil {
		fmt.Fprintf(w, "  stopped by:            %v\n", s.Aborted)
	}
	switch {
	case s.StatePath != "" && (s.Interrupted || s.Aborted != nil || s.Stopped > 0):
		fmt.Fprintf(w, "  resume state:          %s (run the same command with --resume)\n", s.StatePath)
	case s.StatePath != "" && !s.Published && len(s.Failed) > 0:
		fmt.Fprintf(w, "  resume state:          %s (the same command with --resume tries the failed ones again)\n", s.StatePath)
	}
}

func printFailures(w io.Writer, failed []Failure) {
	byReason := map[string][]Failure{}
	for _, f := range failed {
		byReason[f.Reason] = append(byReason[f.Reason], f)
	}
	for _, reason := range sortedKeys(byReason) {
		fs := byReason[reason]
		fmt.Fprintf(w, "    %s: %d\n", reason, len(fs))
		for i, f := range fs {
			if i == 5 {
				fmt.Fprintf(w, "      … %d more\n", len(fs)-5)
				break
			}
			fmt.Fprintf(w, "      %s: %s\n", f.MatchID, oneLine(f.Detail, 160))
		}
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func mergeKeys(a, b map[string]int64) map[string]int64 {
	m := map[string]int64{}
	for k := range a {
		m[k] = 0
	}
	for k := range b {
		m[k] = 0
	}
	return m
}

package reprocess

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The resume state of a run is a small JSON-lines file: a header naming the
// run and what it was asked to do, then one line per match as soon as it is
// confirmed published (queue) or processed (local), appended with a single
// write so a SIGKILL loses at most the line being written, and a last line
// when the run finished. --resume reads it back and skips those matches.
//
// It is not the only record: a processed match has its reprocess_log row,
// committed with its rows, and a resumed run also skips every match that
// has one for the run. That closes the window in which a child has
// committed and the command was killed before writing the line. (Through
// the queue the window between the broker's confirm and the line remains:
// a kill exactly there publishes that one match again on resume, which
// replaces its rows a second time and changes nothing.)

// Header is the first line of a state file.
type Header struct {
	Version   int       `json:"version"`
	Run       string    `json:"run"`
	Key       string    `json:"key"`
	Selection string    `json:"selection"`
	Tables    string    `json:"tables"`
	Target    string    `json:"target"` // where the messages went: a queue or "local"
	Database  string    `json:"database"`
	StartedAt time.Time `json:"started_at"`
}

type stateLine struct {
	MatchID    string     `json:"match_id,omitempty"`
	Status     string     `json:"status,omitempty"`
	At         time.Time  `json:"at,omitzero"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// State is an open state file.
type State struct {
	Path   string
	Header Header

	mu       sync.Mutex
	f        *os.File
	done     map[string]string // match id -> status recorded
	finished bool
}

// StateKey identifies a run's request: the same selection, tables, target
// and database give the same key, so --resume finds the file by itself.
func StateKey(selection, tables, target, database string) string {
	h := sha256.Sum256([]byte(selection + "\x00" + tables + "\x00" + target + "\x00" + database))
	return hex.EncodeToString(h[:6])
}

// DefaultStatePath is where a run's state goes unless --state-file says
// otherwise: $XDG_STATE_HOME/collector (or ~/.local/state/collector),
// reprocess-<key>.jsonl.
func DefaultStatePath(key string) (string, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for the resume state (set --state-file): %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "collector", "reprocess-"+key+".jsonl"), nil
}

// ErrUnfinished is returned by CreateState when the path holds a run that
// did not finish: it must be resumed (or its file removed), not overwritten.
var ErrUnfinished = errors.New("an unfinished run's state is there")

// NewRunID names a run: its start time and a random suffix.
func NewRunID(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "rp-" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// CreateState starts the state of a new run at path. An existing file of a
// finished run is replaced; one of an unfinished run is not (ErrUnfinished).
func CreateState(path string, h Header) (*State, error) {
	if old, err := OpenState(path); err == nil {
		old.Close()
		if !old.finished {
			return nil, fmt.Errorf("%s: %w (run %s, started %s, %d matches recorded)", path, ErrUnfinished, old.Header.Run, old.Header.StartedAt.Format(time.RFC3339), len(old.done))
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create the directory of the resume state: %w", err)
	}
	h.Version = 1
	tmp := path + ".tmp"
	b, _ := json.Marshal(h)
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write the resume state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("write the resume state: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("open the resume state: %w", err)
	}
	return &State{Path: path, Header: h, f: f, done: map[string]string{}}, nil
}

// OpenState reads a run's state for --resume and keeps it open for
// appending. A line cut short by a kill is ignored.
func OpenState(path string) (*State, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	s := &State{Path: path, f: f, done: map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() || json.Unmarshal(sc.Bytes(), &s.Header) != nil || s.Header.Run == "" {
		f.Close()
		return nil, fmt.Errorf("%s is not a collector reprocess state file", path)
	}
	for sc.Scan() {
		var l stateLine
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		switch {
		case l.FinishedAt != nil:
			s.finished = true
		case l.MatchID != "":
			s.done[l.MatchID] = l.Status
		}
	}
	if err := sc.Err(); err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}

// Record appends one match's confirmed result.
func (s *State) Record(matchID, status string, at time.Time) error {
	b, _ := json.Marshal(stateLine{MatchID: matchID, Status: status, At: at.UTC()})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done[matchID] = status
	if _, err := s.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("record %s in the resume state %s: %w", matchID, s.Path, err)
	}
	return nil
}

// Finish marks the run finished: a later run of the same request starts
// afresh instead of resuming.
func (s *State) Finish(at time.Time) error {
	at = at.UTC()
	b, _ := json.Marshal(stateLine{FinishedAt: &at})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finished = true
	_, err := s.f.Write(append(b, '\n'))
	return err
}

// Done reports whether the match was recorded, and how.
func (s *State) Done(matchID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.done[matchID]
	return st, ok
}

// Recorded is how many matches the file lists.
func (s *State) recorded() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.done)
}

// Finished reports whether the run ended.
func (s *State) Finished() bool { return s.finished }

// Close closes the file.
func (s *State) Close() error { return s.f.Close() }

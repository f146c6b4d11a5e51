package reprocess

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pewstats/collector/child/schema"
	"github.com/pewstats/collector/child/store"
	"github.com/pewstats/collector/child/store/storetest"
)

func TestMessageCarriesWhatTheFirstDeliveryCarried(t *testing.T) {
	all := store.AllTables()
	some, _, _ := store.ParseTables([]string{"team_fights"})
	for _, tc := range []struct {
		name   string
		m      Match
		tables store.Tables
		want   map[string]any
	}{
		{"display map name back to the API's, UTC time with Z", Match{ID: "m1", MapName: "Erangel (Remastered)", GameMode: "squad-fpp",
			MatchDatetime: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}, all,
			map[string]any{"map_name": "Baltic_Main", "game_mode": "squad-fpp", "match_datetime": "2025-03-04T05:06:07Z", "reprocess": []any{"all"}}},
		{"fractions kept, unknown map as is, tables listed", Match{ID: "m2", MapName: "Nowhere_Main", GameMode: "solo",
			MatchDatetime: time.Date(2025, 3, 4, 5, 6, 7, 250000000, time.UTC)}, some,
			map[string]any{"map_name": "Nowhere_Main", "match_datetime": "2025-03-04T05:06:07.25Z", "reprocess": []any{"team_fights", "fight_participants"}}},
		{"no time, no map: absent, as the child reads them", Match{ID: "m3"}, all,
			map[string]any{"map_name": nil, "match_datetime": nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := Message(tc.m, File{Path: "/t/matchID=" + tc.m.ID + "/raw.json.gz", Size: 3 << 20}, tc.tables, "run-9", time.Unix(0, 0))
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got["match_id"] != tc.m.ID || got["file_path"] != "/t/matchID="+tc.m.ID+"/raw.json.gz" || got["file_size_mb"] != 3.0 || got["reprocess_run"] != "run-9" {
				t.Errorf("message %s", b)
			}
			for k, v := range tc.want {
				if g := got[k]; !equalJSON(g, v) {
					t.Errorf("%s = %v, want %v (%s)", k, g, v, b)
				}
			}
		})
	}
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestMapNames(t *testing.T) {
	for display, internal := range map[string]string{"Erangel (Remastered)": "Baltic_Main", "Erangel": "Erangel_Main", "Camp Jackal": "Range_Main", "Baltic_Main": "Baltic_Main", "": ""} {
		if got := internalMapName(display); got != internal {
			t.Errorf("internalMapName(%q) = %q, want %q", display, got, internal)
		}
	}
	if got := mapNames([]string{"Baltic_Main", "Miramar"}); !slices.Equal(got, []string{"Baltic_Main", "Erangel (Remastered)", "Miramar"}) {
		t.Errorf("mapNames = %v", got)
	}
	// One to one, or a display name could not lead back.
	seen := map[string]bool{}
	for _, tr := range mapTranslations {
		if seen[tr[1]] {
			t.Errorf("display name %q twice", tr[1])
		}
		seen[tr[1]] = true
	}
}

func TestLocate(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("matchID=gz/raw.json.gz")
	write("matchID=gz/raw.json")
	write("matchID=plain/raw.json")
	if err := os.MkdirAll(filepath.Join(dir, "matchID=dir/raw.json.gz"), 0o755); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"gz": "raw.json.gz", "plain": "raw.json", "dir": "", "none": "", "../x": "", "..": ""} {
		f, ok := locate(dir, id)
		switch {
		case want == "" && ok:
			t.Errorf("%s: found %s, want nothing", id, f.Path)
		case want != "" && (!ok || f.Path != filepath.Join(dir, "matchID="+id, want) || f.Size != 1):
			t.Errorf("%s: %+v %v, want %s", id, f, ok, want)
		}
	}
}

func TestSelectionValidateAndString(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, tc := range []struct {
		sel     Selection
		errHas  string
		summary string
	}{
		{Selection{}, "no matches selected", ""},
		{Selection{All: true, Maps: []string{"x"}}, "cannot be combined", ""},
		{Selection{Since: day("2025-02-01"), Until: day("2025-01-01")}, "the range is empty", ""},
		{Selection{GameTypes: []string{"event"}}, "does not process event", ""},
		{Selection{All: true}, "", "all matches, game_type in (competitive, official)"},
		{Selection{MatchIDs: []string{"b", "a", "b"}, Missing: []store.Flag{store.FlagKills, store.FlagFights}},
			"", "match_id in (a, b), game_type in (competitive, official), any of (fights_processed, kills_processed) false"},
		{Selection{Since: day("2025-01-01"), Maps: []string{"Miramar"}, GameTypes: []string{"official"}},
			"", "match_datetime >= 2025-01-01T00:00:00Z, map_name in (Miramar), game_type in (official)"},
	} {
		err := tc.sel.Validate()
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Errorf("%+v: err %v, want %q", tc.sel, err, tc.errHas)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", tc.sel, err)
		}
		if got := tc.sel.String(); got != tc.summary {
			t.Errorf("String() = %q, want %q", got, tc.summary)
		}
	}
}

// TestSelect runs selections against a real matches table.
func TestSelect(t *testing.T) {
	name := storetest.NewDatabase(t)
	db := storetest.Open(t, name)
	if _, err := schema.Migrate(context.Background(), db, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO matches (match_id, map_name, game_mode, match_datetime, game_type, kills_processed, fights_processed) VALUES
		('a', 'Erangel (Remastered)', 'squad-fpp', '2025-01-01 10:00:00', 'competitive', true, true),
		('b', 'Miramar', 'solo', '2025-02-01 10:00:00', 'official', false, true),
		('c', 'Miramar', 'squad-fpp', '2025-03-01 10:00:00', 'competitive', true, false),
		('d', 'Taego', 'squad-fpp', '2025-04-01 10:00:00', 'custom', false, false),
		('e', 'Taego', 'squad-fpp', '2024-12-31 23:59:59', 'competitive', true, true)`); err != nil {
		t.Fatal(err)
	}
	jan, _ := time.Parse(time.RFC3339, "2025-01-01T00:00:00Z")
	mar, _ := time.Parse(time.RFC3339, "2025-03-01T10:00:00Z")
	for _, tc := range []struct {
		name                 string
		sel                  Selection
		want, unknown, other []string
	}{
		{"all, newest first, custom left out", Selection{All: true}, []string{"c", "b", "a", "e"}, nil, nil},
		{"since inclusive, until exclusive", Selection{Since: jan, Until: mar}, []string{"b", "a"}, nil, nil},
		{"map by API name", Selection{Maps: []string{"Baltic_Main"}}, []string{"a"}, nil, nil},
		{"game mode and type", Selection{GameModes: []string{"squad-fpp"}, GameTypes: []string{"competitive"}}, []string{"c", "a", "e"}, nil, nil},
		{"missing: any flag false", Selection{Missing: []store.Flag{store.FlagKills, store.FlagFights}}, []string{"c", "b"}, nil, nil},
		{"ids: unknown and other game types reported", Selection{MatchIDs: []string{"a", "d", "zz", "a"}}, []string{"a"}, []string{"zz"}, []string{"d"}},
		{"ids and a filter", Selection{MatchIDs: []string{"a", "b"}, GameTypes: []string{"official"}}, []string{"b"}, nil, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Select(context.Background(), db, tc.sel)
			if err != nil {
				t.Fatal(err)
			}
			var ids, other []string
			for _, m := range got.Matches {
				ids = append(ids, m.ID)
			}
			for _, m := range got.OtherGameType {
				other = append(other, m.ID)
			}
			if !slices.Equal(ids, tc.want) || !slices.Equal(got.Unknown, tc.unknown) || !slices.Equal(other, tc.other) {
				t.Errorf("matches %v unknown %v other %v; want %v %v %v", ids, got.Unknown, other, tc.want, tc.unknown, tc.other)
			}
		})
	}
	got, err := Select(context.Background(), db, Selection{MatchIDs: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if m := got.Matches[0]; m.MatchDatetime != time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC) || m.MapName != "Erangel (Remastered)" || m.GameMode != "squad-fpp" {
		t.Errorf("match a read as %+v", m)
	}
}

func TestStateRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "state.jsonl")
	h := Header{Run: "rp-1", Key: "k", Selection: "all matches", Tables: "all", Target: "local", StartedAt: time.Unix(100, 0).UTC()}
	s, err := CreateState(path, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if err := s.Record(id, "done", time.Unix(200, 0)); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	// A kill mid-write leaves a cut line: it is ignored.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"match_id":"c","sta`)
	f.Close()

	if _, err := CreateState(path, h); !errors.Is(err, ErrUnfinished) {
		t.Fatalf("CreateState over an unfinished run: %v, want ErrUnfinished", err)
	}
	s, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Header.Run != "rp-1" || s.recorded() != 2 || s.Finished() {
		t.Errorf("reopened: %+v, %d recorded, finished %v", s.Header, s.recorded(), s.Finished())
	}
	if st, ok := s.Done("b"); !ok || st != "done" {
		t.Errorf("b: %q %v", st, ok)
	}
	if _, ok := s.Done("c"); ok {
		t.Error("the cut line counted")
	}
	// Appends after the cut line start on a line of their own? They do
	// not need to: the cut line and the next one form one bad line, and
	// the record after that is read. Record twice to be sure one lands.
	s.Record("d", "done", time.Unix(300, 0))
	s.Record("e", "done", time.Unix(300, 0))
	if err := s.Finish(time.Unix(400, 0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenState(path)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Finished() {
		t.Error("finished run not read as finished")
	}
	if _, ok := s.Done("e"); !ok {
		t.Error("record after a cut line lost")
	}
	s.Close()
	// A finished run's file is replaced by a new run.
	h.Run = "rp-2"
	s, err = CreateState(path, h)
	if err != nil {
		t.Fatal(err)
	}
	if s.recorded() != 0 || s.Header.Run != "rp-2" {
		t.Errorf("new run over a finished one: %+v, %d recorded", s.Header, s.recorded())
	}
	s.Close()
	if _, err := OpenState(filepath.Join(t.TempDir(), "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenState of nothing: %v", err)
	}
	if StateKey("a", "b", "c", "d") == StateKey("a", "b", "c", "e") {
		t.Error("state keys of different databases collide")
	}
}

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestProgressPlainLines(t *testing.T) {
	var b bytes.Buffer
	clk := newClock()
	p := NewProgress(&b, false, 0)
	p.now = clk.now
	p.Start("publishing", 150)
	for i := range 150 {
		clk.add(100 * time.Millisecond)
		status := "done"
		if i%10 == 0 {
			status = "failed"
		}
		p.Add(status, 1)
	}
	p.Finish()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	// Start, one after 10s, and the end at 15s.
	want := []string{
		"publishing 0/150 (0.0%) elapsed 0s",
		"publishing 100/150 (66.7%) 10.0/s ETA 5s elapsed 10s failed=10 done=90",
		"publishing 150/150 (100.0%) 10.0/s elapsed 15s failed=15 done=135",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("lines:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(b.String(), "\r") {
		t.Errorf("plain output: %q", b.String())
	}
}

func TestProgressTerminal(t *testing.T) {
	var b bytes.Buffer
	clk := newClock()
	p := NewProgress(&b, true, 120)
	p.now = clk.now
	p.Start("reprocessing", 4)
	clk.add(time.Second)
	p.Add("done", 2)
	// A log line clears the bar and redraws it below.
	p.LogWriter().Write([]byte("level=WARN msg=hello\n"))
	clk.add(time.Second)
	p.Add("done", 2)
	p.Finish()
	out := b.String()
	if !strings.Contains(out, "\r\x1b[K[===============               ] reprocessing 2/4 (50.0%) 2.0/s ETA 1s") {
		t.Errorf("half-way bar missing:\n%q", out)
	}
	if !strings.Contains(out, "\r\x1b[Klevel=WARN msg=hello\n\r\x1b[K[") {
		t.Errorf("log line not written on a cleared line with the bar after it:\n%q", out)
	}
	if !strings.HasSuffix(out, "[==============================] reprocessing 4/4 (100.0%) 2.0/s elapsed 2s done=4\n") {
		t.Errorf("final bar:\n%q", out)
	}
}

func TestLimiterSpacesStarts(t *testing.T) {
	l := newLimiter(50, time.Now)
	start := time.Now()
	for range 6 {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Six starts at 50/s: the sixth at 100 ms, not before.
	if d := time.Since(start); d < 95*time.Millisecond {
		t.Errorf("6 starts at 50/s took %s", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := newLimiter(1, time.Now).wait(ctx); err == nil {
		t.Error("a cancelled wait succeeded")
	}
	if err := newLimiter(0, time.Now).wait(context.Background()); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

package store_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pewstats/collector/child/store"
)

func TestParseTables(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     []string
		want   []string
		notes  int
		errHas string
	}{
		{name: "all", in: []string{"all"}, want: store.ReprocessTableNames()},
		{name: "all, any case and spacing", in: []string{" ALL "}, want: store.ReprocessTableNames()},
		{name: "one table", in: []string{"kill_positions"}, want: []string{"kill_positions"}},
		{name: "order and duplicates do not matter", in: []string{"weapon_kill_events", "landings", "landings"}, want: []string{"landings", "weapon_kill_events"}},
		{name: "one table of a two-table step", in: []string{"player_finishing_summary"}, want: []string{"player_finishing_summary"}},
		{name: "team_fights brings its participants", in: []string{"team_fights"}, want: []string{"team_fights", "fight_participants"}, notes: 1},
		{name: "both fight tables", in: []string{"fight_participants", "team_fights"}, want: []string{"team_fights", "fight_participants"}},
		{name: "participants alone are refused", in: []string{"fight_participants"}, errHas: "fight_participants cannot be reprocessed without team_fights"},
		{name: "unknown table is named", in: []string{"landings", "kills"}, errHas: `unknown table "kills"`},
		{name: "matches is not a table to reprocess", in: []string{"matches"}, errHas: `unknown table "matches"`},
		{name: "empty list", in: []string{}, errHas: "lists no table"},
		{name: "all with names", in: []string{"all", "landings"}, errHas: "together with table names"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notes, err := store.ParseTables(tc.in)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want one containing %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.List(), tc.want) {
				t.Errorf("tables %v, want %v", got.List(), tc.want)
			}
			if len(notes) != tc.notes {
				t.Errorf("notes %q, want %d", notes, tc.notes)
			}
		})
	}
}

func TestTablesSteps(t *testing.T) {
	tables, _, err := store.ParseTables([]string{"player_knock_events", "team_fights", "match_summaries"})
	if err != nil {
		t.Fatal(err)
	}
	want := store.Flags(0).With(store.FlagFinishing).With(store.FlagFights).With(store.FlagEnhancedStats)
	if tables.Steps() != want {
		t.Errorf("steps %v, want %v", tables.Steps().List(), want.List())
	}
	// Participants are emptied before the fights they reference.
	if got := tables.Of(store.FlagFights); !slices.Equal(got, []string{"fight_participants", "team_fights"}) {
		t.Errorf("fights step empties %v", got)
	}
	if got := tables.Of(store.FlagFinishing); !slices.Equal(got, []string{"player_knock_events"}) {
		t.Errorf("finishing step empties %v, want only the requested knock events", got)
	}
	if got := tables.Of(store.FlagLandings); got != nil {
		t.Errorf("landings step empties %v, want nothing", got)
	}
	if s := store.AllTables().String(); s != "all" {
		t.Errorf("AllTables().String() = %q", s)
	}
	if got := store.TablesOfFlags(store.Flags(0).With(store.FlagFinishing)).List(); !slices.Equal(got, []string{"player_knock_events", "player_finishing_summary"}) {
		t.Errorf("tables of finishing: %v", got)
	}
}

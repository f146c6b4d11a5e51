package store

import (
	"fmt"
	"strings"
)

// The tables a reprocess may replace, in the order of the reference's
// process_message, each with the step (flag) that writes it. Every output
// of a match is here except the matches row itself.
var reprocessTables = []struct {
	name string
	flag Flag
}{
	{"landings", FlagLandings},
	{"kill_positions", FlagKills},
	{"weapon_kill_events", FlagWeapons},
	{"player_damage_events", FlagDamage},
	{"player_knock_events", FlagFinishing},
	{"player_finishing_summary", FlagFinishing},
	{"team_fights", FlagFights},
	{"fight_participants", FlagFights},
	{"match_summaries", FlagEnhancedStats},
	{"player_circle_positions", FlagCircles},
	{"player_match_weapon_distribution", FlagWeaponDistribution},
}

// AllTablesName is what a reprocess request lists to mean every table.
const AllTablesName = "all"

// Tables is a validated set of tables to reprocess. The zero value is empty.
type Tables uint16

// ReprocessTableNames lists every table a reprocess may name, in order.
func ReprocessTableNames() []string {
	out := make([]string, len(reprocessTables))
	for i, t := range reprocessTables {
		out[i] = t.name
	}
	return out
}

func tableIndex(name string) int {
	for i, t := range reprocessTables {
		if t.name == name {
			return i
		}
	}
	return -1
}

// ParseTables validates the table names of a reprocess request: the
// reprocess message's "reprocess" list and `collector reprocess --tables`.
// It returns the set and notes on what it added. The rules:
//
//   - ["all"] (alone) is every table; an empty list, "all" next to a table
//     name, and a name that is not one of ReprocessTableNames are errors
//     naming the problem.
//   - team_fights brings fight_participants with it (noted): participants
//     reference their fight by its serial id, so deleting a match's fights
//     deletes their participants, and new participants need the new ids.
//   - fight_participants without team_fights is refused: new participants
//     cannot be attached to the stored fights (fights are detected, not
//     keyed, and a rule change can change which fights there are; the
//     reference's backfill_fight_participants.py stopped at exactly this),
//     so redoing participants means redoing their fights.
//   - Every other table can be replaced alone, including one of the two
//     tables of the finishing step (knock events and finishing summaries
//     share no key).
func ParseTables(names []string) (Tables, []string, error) {
	if len(names) == 0 {
		return 0, nil, fmt.Errorf("reprocess lists no table (want %q or some of: %s)", AllTablesName, strings.Join(ReprocessTableNames(), ", "))
	}
	var set Tables
	all := false
	for _, raw := range names {
		name := strings.ToLower(strings.TrimSpace(raw))
		if name == AllTablesName {
			all = true
			continue
		}
		i := tableIndex(name)
		if i < 0 {
			return 0, nil, fmt.Errorf("unknown table %q to reprocess (want %q or some of: %s)", raw, AllTablesName, strings.Join(ReprocessTableNames(), ", "))
		}
		set |= 1 << i
	}
	if all {
		if set != 0 {
			return 0, nil, fmt.Errorf("reprocess lists %q together with table names; give either %q or the tables", AllTablesName, AllTablesName)
		}
		return AllTables(), nil, nil
	}
	var notes []string
	fights, participants := set.Has("team_fights"), set.Has("fight_participants")
	switch {
	case participants && !fights:
		return 0, nil, fmt.Errorf("fight_participants cannot be reprocessed without team_fights: participants hang off their fight's id, and new participants cannot be attached to the stored fights; ask for team_fights, which replaces both")
	case fights && !participants:
		set |= 1 << tableIndex("fight_participants")
		notes = append(notes, "team_fights includes fight_participants (participants reference their fight's id)")
	}
	return set, notes, nil
}

// AllTables is every table a reprocess may replace.
func AllTables() Tables { return Tables(1<<len(reprocessTables) - 1) }

// Has reports whether the named table is in the set.
func (t Tables) Has(name string) bool {
	i := tableIndex(name)
	return i >= 0 && t&(1<<i) != 0
}

// List returns the table names in order.
func (t Tables) List() []string {
	var out []string
	for i, rt := range reprocessTables {
		if t&(1<<i) != 0 {
			out = append(out, rt.name)
		}
	}
	return out
}

// String is the comma-separated list, or "all".
func (t Tables) String() string {
	if t == AllTables() {
		return AllTablesName
	}
	return strings.Join(t.List(), ",")
}

// Steps are the flags of the steps that write the tables.
func (t Tables) Steps() Flags {
	var s Flags
	for i, rt := range reprocessTables {
		if t&(1<<i) != 0 {
			s = s.With(rt.flag)
		}
	}
	return s
}

// Of lists the set's tables that step f writes, in the order they are
// emptied: a fight's participants before the fight (their foreign key).
func (t Tables) Of(f Flag) []string {
	var out []string
	for i, rt := range reprocessTables {
		if rt.flag == f && t&(1<<i) != 0 {
			out = append(out, rt.name)
		}
	}
	if len(out) == 2 && out[0] == "team_fights" {
		out[0], out[1] = out[1], out[0]
	}
	return out
}

// TablesOfFlags is every table the steps of flags write (for --missing:
// the tables a step that never ran would have filled).
func TablesOfFlags(flags Flags) Tables {
	var t Tables
	for i, rt := range reprocessTables {
		if flags.Has(rt.flag) {
			t |= 1 << i
		}
	}
	return t
}

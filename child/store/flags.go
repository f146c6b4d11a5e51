package store

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Flag is one matches.*_processed column. Every extraction step owns exactly
// one, and the match transaction writes a step's tables only while its flag
// is still false (CommitMatch): the flag is what makes a second delivery of
// the same match, running at the same moment or later, write nothing twice.
type Flag uint8

// The flags, in the order of the reference's process_message. The first six
// are the reference worker's; FlagCircles is the reference schema's
// circles_processed, which its worker never set; the last two are ours
// (migration 008) for the steps the reference ran on every delivery.
const (
	FlagLandings Flag = iota + 1
	FlagKills
	FlagWeapons
	FlagDamage
	FlagFinishing
	FlagFights
	FlagEnhancedStats
	FlagCircles
	FlagWeaponDistribution
	flagEnd
)

// flagColumns is the one place a flag is tied to its column.
var flagColumns = [flagEnd]string{
	FlagLandings:           "landings_processed",
	FlagKills:              "kills_processed",
	FlagWeapons:            "weapons_processed",
	FlagDamage:             "damage_processed",
	FlagFinishing:          "finishing_processed",
	FlagFights:             "fights_processed",
	FlagEnhancedStats:      "enhanced_stats_processed",
	FlagCircles:            "circles_processed",
	FlagWeaponDistribution: "weapon_distribution_processed",
}

// referenceFlags are the flags the reference worker reads: when all are set
// it skips the message as "already fully processed".
const referenceFlags = 1<<FlagLandings | 1<<FlagKills | 1<<FlagWeapons | 1<<FlagDamage | 1<<FlagFinishing | 1<<FlagFights

// AllFlags lists every flag in order.
func AllFlags() []Flag {
	out := make([]Flag, 0, flagEnd-1)
	for f := Flag(1); f < flagEnd; f++ {
		out = append(out, f)
	}
	return out
}

// Valid reports whether f is one of the flags.
func (f Flag) Valid() bool { return f > 0 && f < flagEnd }

// Column is the flag's matches column.
func (f Flag) Column() string {
	if !f.Valid() {
		return fmt.Sprintf("invalid_flag_%d", f)
	}
	return flagColumns[f]
}

func (f Flag) String() string { return strings.TrimSuffix(f.Column(), "_processed") }

// ParseFlag accepts a column name with or without "_processed".
func ParseFlag(s string) (Flag, error) {
	s = strings.TrimSuffix(strings.TrimSpace(strings.ToLower(s)), "_processed")
	for _, f := range AllFlags() {
		if f.String() == s {
			return f, nil
		}
	}
	names := make([]string, 0, flagEnd)
	for _, f := range AllFlags() {
		names = append(names, f.String())
	}
	return 0, fmt.Errorf("unknown processing flag %q (want one of %s)", s, strings.Join(names, ", "))
}

// Flags is a set of flags: those set on a match, or to be set.
type Flags uint16

// Has reports whether f is in the set.
func (s Flags) Has(f Flag) bool { return f.Valid() && s&(1<<f) != 0 }

// With returns the set plus f.
func (s Flags) With(f Flag) Flags {
	if !f.Valid() {
		return s
	}
	return s | 1<<f
}

// FullyProcessed reports whether the reference's six flags are all set, the
// reference's condition for skipping a message.
func (s Flags) FullyProcessed() bool { return s&referenceFlags == referenceFlags }

// List returns the flags in the set, in order.
func (s Flags) List() []Flag {
	var out []Flag
	for _, f := range AllFlags() {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

// MarshalJSON renders the set as its column names.
func (s Flags) MarshalJSON() ([]byte, error) {
	cols := []string{}
	for _, f := range s.List() {
		cols = append(cols, f.Column())
	}
	return json.Marshal(cols)
}

// flagSelectList reads every flag column as a non-null boolean, in flag
// order, for a SELECT on matches. It is the only place the columns are
// listed for reading; scanFlags reads them back.
var flagSelectList = func() string {
	cols := make([]string, 0, flagEnd)
	for _, f := range AllFlags() {
		cols = append(cols, "coalesce("+f.Column()+", false)")
	}
	return strings.Join(cols, ", ")
}()

// scanFlags scans a row whose first columns are extra and whose remaining
// columns are flagSelectList.
func scanFlags(scan func(dest ...any) error, extra ...any) (Flags, error) {
	vals := make([]bool, flagEnd-1)
	dest := make([]any, 0, len(extra)+len(vals))
	dest = append(dest, extra...)
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	if err := scan(dest...); err != nil {
		return 0, err
	}
	var s Flags
	for i, v := range vals {
		if v {
			s = s.With(Flag(i + 1))
		}
	}
	return s, nil
}

// setFlagsSQL marks a match completed and sets the flags given as
// parameters $2… (one boolean per flag, in flag order). A flag is only ever
// turned on, never off: OR keeps what an earlier partial run set, where the
// reference assigned bool(rows) and could reset a flag (docs/PARITY.md).
var setFlagsSQL = prepared(func() string {
	var b strings.Builder
	b.WriteString("UPDATE matches SET ")
	for i, f := range AllFlags() {
		fmt.Fprintf(&b, "%s = coalesce(%s, false) OR $%d, ", f.Column(), f.Column(), i+2)
	}
	b.WriteString("status = 'completed', updated_at = NOW() WHERE match_id = $1")
	return b.String()
}())

// setFlagsArgs are setFlagsSQL's parameters.
func setFlagsArgs(matchID string, s Flags) []any {
	args := make([]any, 0, flagEnd)
	args = append(args, matchID)
	for _, f := range AllFlags() {
		args = append(args, s.Has(f))
	}
	return args
}

package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Game modes the generator knows; the team size follows from the prefix.
var GameModes = []string{"squad-fpp", "squad", "duo-fpp", "duo", "solo-fpp", "solo"}

// DefaultGameType is the matches.game_type of generated matches; the
// processing worker only handles "competitive" and "official".
const DefaultGameType = "competitive"

// Identity is a player who must take part in a match, e.g. a tracked player
// who appears in every generated match.
type Identity struct {
	AccountID string // "account.<32 hex>"
	Name      string
}

// Options select the match to generate. The zero value of every field but
// Profile means "derived from Seed".
type Options struct {
	Profile Profile
	Seed    uint64
	// GameMode is one of GameModes; "" picks one from the seed (mostly
	// squad-fpp).
	GameMode string
	// MapName is an internal map name (Baltic_Main…); "" picks one.
	MapName string
	// GameType is stored in the matches seed row; "" means DefaultGameType.
	GameType string
	// CreatedAt is the API createdAt (match_datetime); zero picks a time in
	// 2025 from the seed. It is truncated to the second.
	CreatedAt time.Time
	// TrackedFraction is the share of human participants marked as tracked
	// (players rows in the seed), chosen team by team. Include players are
	// always tracked.
	TrackedFraction float64
	// Include places these players on one team (several when the team size
	// is smaller than the list).
	Include []Identity
	// NPCs names the bots like the game's NPCs (Guard, Commander, ai_…),
	// whom the fight rules leave out of a fight's teams.
	NPCs bool
	// Oddities adds, for the differential tests, the awkward cases the
	// extraction rules react to beyond the format traps every match has
	// (oddities.go): team 0 and team ids up to five times the team count,
	// characters without a location, teamId or accountId or with an empty
	// name or location, zero and same-team damage, and neighbouring events
	// out of time order. Real files do not lack a character's teamId, and
	// the database refuses some such rows, so a match with Oddities is for
	// the extractors, not for processing into the database. The
	// simulation decides what it decides without them (who lands, fights,
	// dies); only what is written differs, timestamps slightly. Neither
	// option changes the output of a match without it.
	Oddities bool
	// KillCauserTopLevel also writes killerDamageInfo's damageCauserName as
	// a top-level damageCauserName on LogPlayerKillV2 (real telemetry never
	// has it; the differential test uses it so that the reference counts
	// kills by weapon the way the port does).
	KillCauserTopLevel bool
}

// Player is one participant and how their match went.
type Player struct {
	AccountID     string
	Name          string
	ParticipantID string // roster participant id (a UUID)
	TeamID        int
	Bot           bool
	Tracked       bool

	TeamRank     int  // final placement of the team (1 = winner)
	Won          bool // team won
	Died         bool
	TimeSurvived int // seconds from lift-off to death or match end
	Kills        int
	DBNOs        int
	Assists      int
	Headshots    int
	Revives      int
	Heals        int
	Boosts       int
	DamageDealt  float64
	LongestKill  float64 // metres
	WalkDistance float64 // metres
	RideDistance float64 // metres
}

// Match is a generated match: its metadata, its participants and its
// telemetry, held in memory in file order.
type Match struct {
	ID          string // API match id (UUID); matches.match_id
	TelemetryID string // LogMatchDefinition.MatchId
	MapName     string // internal name, e.g. Baltic_Main
	GameMode    string
	GameType    string
	TeamSize    int
	CreatedAt   time.Time // API createdAt, UTC, whole seconds
	Duration    int       // API duration in seconds
	Players     []Player
	Profile     string
	Seed        uint64

	arena []byte
	recs  []evRec
	size  int64
}

// Events is the number of events in the telemetry array.
func (m *Match) Events() int { return len(m.recs) }

// Size is the length in bytes of the plain JSON telemetry.
func (m *Match) Size() int64 { return m.size }

// MapDisplayName is the map name as the discovery service stores it in
// matches.map_name.
func (m *Match) MapDisplayName() string {
	if mi, ok := mapByName(m.MapName); ok {
		return mi.displayAPI
	}
	return m.MapName
}

// MatchDatetime is createdAt as the API returns it ("2006-01-02T15:04:05Z"),
// which is what the queue messages carry.
func (m *Match) MatchDatetime() string { return m.CreatedAt.UTC().Format("2006-01-02T15:04:05Z") }

// WriteTo writes the plain JSON telemetry: one line, no trailing newline.
func (m *Match) WriteTo(w io.Writer) (int64, error) {
	return m.writeJSON(w, nil)
}

// writeJSON writes the array, passing each event through edit when set.
func (m *Match) writeJSON(w io.Writer, edit func(i int, ev []byte) []byte) (int64, error) {
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriterSize(w, 1<<16)
	}
	var n int64
	write := func(p []byte) error {
		k, err := bw.Write(p)
		n += int64(k)
		return err
	}
	if err := write([]byte{'['}); err != nil {
		return n, err
	}
	for i, r := range m.recs {
		if i > 0 {
			if err := write([]byte{','}); err != nil {
				return n, err
			}
		}
		ev := m.arena[r.off:r.end]
		if edit != nil {
			ev = edit(i, ev)
		}
		if err := write(ev); err != nil {
			return n, err
		}
	}
	if err := write([]byte{']'}); err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// event returns the bytes of the i-th event in file order.
func (m *Match) event(i int) []byte { r := m.recs[i]; return m.arena[r.off:r.end] }

// Generate simulates a match and renders its telemetry.
func Generate(opts Options) (*Match, error) {
	if opts.Profile.Name == "" {
		opts.Profile = ProfileModern
	}
	if err := opts.Profile.validate(); err != nil {
		return nil, err
	}
	if opts.GameMode != "" && !slices.Contains(GameModes, opts.GameMode) {
		return nil, fmt.Errorf("synth: unknown game mode %q (want one of %s)", opts.GameMode, strings.Join(GameModes, ", "))
	}
	if opts.MapName != "" {
		if _, ok := mapByName(opts.MapName); !ok {
			return nil, fmt.Errorf("synth: unknown map %q", opts.MapName)
		}
	}
	if opts.TrackedFraction < 0 || opts.TrackedFraction > 1 {
		return nil, errors.New("synth: tracked fraction must be within [0, 1]")
	}
	for _, id := range opts.Include {
		if id.AccountID == "" || id.Name == "" {
			return nil, errors.New("synth: included identities need an account id and a name")
		}
	}
	// A match whose own events already exceed the profile's count, or that
	// cannot reach its size, is discarded for the next variant of the seed:
	// still deterministic, and rare.
	for attempt := 0; attempt < 8; attempt++ {
		m := newSim(opts, attempt).run()
		if m == nil {
			continue
		}
		if p := opts.Profile; p.MaxBytes > 0 && (m.size < p.MinBytes*99/100 || m.size > p.MaxBytes*101/100) {
			continue
		}
		return m, nil
	}
	return nil, fmt.Errorf("synth: seed %d gives no match within the ranges of profile %q", opts.Seed, opts.Profile.Name)
}

// teamSizeOf is the team size of a game mode, 0 when unknown.
func teamSizeOf(mode string) int {
	base := mode
	for _, p := range []string{"normal-", "esports-"} {
		base = strings.TrimPrefix(base, p)
	}
	switch {
	case strings.HasPrefix(base, "squad"):
		return 4
	case strings.HasPrefix(base, "duo"):
		return 2
	case strings.HasPrefix(base, "solo"):
		return 1
	}
	return 0
}

// TrackedGroup returns n stable identities derived from seed: a group of
// friends who play together and are tracked, to put in every match of a
// generated series (Options.Include).
func TrackedGroup(seed uint64, n int) []Identity {
	r := rand.New(rand.NewPCG(seed^0x7f4a7c159e3779b9, 0xd1b54a32d192ed03))
	used := map[string]bool{}
	out := make([]Identity, 0, n)
	s := &sim{}
	for i := 0; i < n; i++ {
		out = append(out, Identity{AccountID: "account." + hexN(r, 32), Name: s.newName(r, used)})
	}
	return out
}

// SeriesSeed is the seed of the i-th match of a series started from seed:
// seed itself for the first, well-mixed values after it.
func SeriesSeed(seed uint64, i int) uint64 {
	if i == 0 {
		return seed
	}
	z := seed + uint64(i)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

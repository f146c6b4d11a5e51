package synth

import (
	"fmt"
	"strings"
)

// Profile sets the scale of a generated match.
type Profile struct {
	Name string
	// MinPlayers/MaxPlayers bound the participants (humans and bots),
	// rounded down to whole teams of the mode.
	MinPlayers, MaxPlayers int
	// MinEvents/MaxEvents bound the number of events in the file; the exact
	// count is drawn from the seed.
	MinEvents, MaxEvents int
	// MinBytes/MaxBytes bound the size of the JSON text; the generator steers
	// its incidental events toward a size drawn from the range (0: no target).
	MinBytes, MaxBytes int64
	// MinBotTeams/MaxBotTeams bound the number of bot squads (as many
	// players in smaller modes).
	MinBotTeams, MaxBotTeams int
	// PhaseScale multiplies every zone timing; ZoneScale the zone radii.
	PhaseScale, ZoneScale float64
	// DropArea is the side of the square, as a fraction of the map, where
	// teams land and the zones close.
	DropArea float64
}

var (
	// ProfileModern is a full-size modern match: 80–100 players on an 8×8
	// km map, ~30 minutes, 52,000–56,000 events, 35–40 MB of JSON.
	ProfileModern = Profile{
		Name:       "modern",
		MinPlayers: 80, MaxPlayers: 100,
		MinEvents: 52500, MaxEvents: 55500,
		MinBytes: 35_500_000, MaxBytes: 39_500_000,
		MinBotTeams: 1, MaxBotTeams: 2,
		PhaseScale: 1, ZoneScale: 1, DropArea: 0.8,
	}
	// ProfileSmall is a short match for fast tests: ~36 players in a small
	// part of the map, ~12 minutes, about 5,000 events.
	ProfileSmall = Profile{
		Name:       "small",
		MinPlayers: 12, MaxPlayers: 16,
		MinEvents: 4800, MaxEvents: 5200,
		MinBotTeams: 1, MaxBotTeams: 1,
		PhaseScale: 0.3, ZoneScale: 0.35, DropArea: 0.22,
	}
)

// Profiles lists the named profiles.
func Profiles() []Profile { return []Profile{ProfileModern, ProfileSmall} }

// ProfileByName returns the named profile.
func ProfileByName(name string) (Profile, error) {
	for _, p := range Profiles() {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	names := make([]string, 0, 2)
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return Profile{}, fmt.Errorf("synth: unknown profile %q (want one of %s)", name, strings.Join(names, ", "))
}

func (p Profile) validate() error {
	switch {
	case p.MinPlayers < 2 || p.MaxPlayers < p.MinPlayers || p.MaxPlayers > 200:
		return fmt.Errorf("synth: profile %q: bad player range %d..%d", p.Name, p.MinPlayers, p.MaxPlayers)
	case p.MinEvents < 100 || p.MaxEvents < p.MinEvents:
		return fmt.Errorf("synth: profile %q: bad event range %d..%d", p.Name, p.MinEvents, p.MaxEvents)
	case p.PhaseScale <= 0 || p.ZoneScale <= 0 || p.DropArea <= 0 || p.DropArea > 1:
		return fmt.Errorf("synth: profile %q: bad scales", p.Name)
	case p.MinBytes < 0 || p.MaxBytes < p.MinBytes:
		return fmt.Errorf("synth: profile %q: bad size range %d..%d", p.Name, p.MinBytes, p.MaxBytes)
	case p.MinBotTeams < 0 || p.MaxBotTeams < p.MinBotTeams:
		return fmt.Errorf("synth: profile %q: bad bot team range", p.Name)
	}
	return nil
}

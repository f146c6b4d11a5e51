package extract

import (
	"math"
	"strings"
	"time"

	"github.com/pewstats/collector/child/telemetry"
)

// KnockEvent is a row of player_knock_events. The match columns come from
// MatchInfo when written.
type KnockEvent struct {
	DBNOID                  int64
	AttackID                Opt[int64]
	AttackerName            string
	AttackerTeamID          Opt[int64]
	AttackerAccountID       Opt[string]
	Attacker                Loc
	AttackerHealth          Opt[float64]
	VictimName              Opt[string]
	VictimTeamID            Opt[int64]
	VictimAccountID         Opt[string]
	Victim                  Loc
	DamageReason            Opt[string]
	DamageTypeCategory      Opt[string]
	KnockWeapon             Opt[string]
	KnockWeaponAttachments  string // JSON
	VictimWeapon            Opt[string]
	VictimWeaponAttachments string // JSON
	KnockDistance           float64
	IsAttackerInVehicle     bool
	IsThroughPenetrableWall bool
	IsBlueZone              bool
	IsRedZone               bool
	ZoneName                Opt[string]

	Team       TeamMetrics // the knocker's teammates
	VictimTeam TeamMetrics // the victim's teammates

	Outcome            string // killed, revived or unknown
	FinisherName       Opt[string]
	FinisherIsSelf     bool
	FinisherIsTeammate bool
	TimeToFinish       Opt[float64]
	EventTimestamp     Opt[time.Time]
}

// TeamMetrics are the teammate-distance columns of a knock, from the
// positions within ±5 s of it.
type TeamMetrics struct {
	Nearest       Opt[float64]
	Avg           Opt[float64]
	Within50      int
	Within100     int
	Within200     int
	Variance      Opt[float64]
	Alive         int    // total_teammates_alive: teammates with a distance
	PositionsJSON string // [{"name": ..., "distance": ...}, ...]
}

// FinishingSummary is a row of player_finishing_summary. team_rank is
// always NULL, as in the reference.
type FinishingSummary struct {
	PlayerName                string
	PlayerAccountID           Opt[string]
	TeamID                    int64
	TotalKnocks               int
	KnocksConvertedSelf       int
	KnocksFinishedByTeammates int
	KnocksRevivedByEnemy      int
	InstantKills              int
	FinishingRate             Opt[float64]
	AvgTimeToFinishSelf       Opt[float64]
	AvgTimeToFinishTeammate   Opt[float64]
	AvgKnockDistance          Opt[float64]
	MinKnockDistance          Opt[float64]
	MaxKnockDistance          Opt[float64]
	KnocksCQC                 int // < 10 m
	KnocksClose               int // 10–50 m
	KnocksMedium              int // 50–100 m
	KnocksLong                int // 100–200 m
	KnocksVeryLong            int // >= 200 m
	AvgNearestTeammate        Opt[float64]
	AvgTeamSpread             Opt[float64]
	KnocksWithTeammate50      int
	KnocksWithTeammate100     int
	KnocksIsolated200         int
	HeadshotKnocks            int
	WallbangKnocks            int
	VehicleKnocks             int
}

// playerStats is the reference's per-player accumulator.
type playerStats struct {
	name                                               string
	team                                               Opt[int64]
	account                                            Opt[string]
	knocks, self, byTeammates, revived, instant        int
	headshot, wallbang, vehicle, with50, with100, iso  int
	timeSelf, timeTeammate, distances, nearest, spread []float64
}

// Finishing mirrors the reference extract_finishing_metrics: a row per
// knock (LogPlayerMakeGroggy, the last one per dBNOId, in first-seen order)
// with its outcome and teammate positions, and a summary per knocker or
// instant killer. Same rules branch for branch; where the reference
// rescanned every event per knock, kills are indexed by dBNOId and
// positions by time.
//
// A field the reference would have failed on (telemetry.Bad) is an error
// at the same point.
func Finishing(events []telemetry.Event) ([]KnockEvent, []FinishingSummary, error) {
	tl, err := buildTimeline(events)
	if err != nil {
		return nil, nil, err
	}

	// knock_map / revival_map: truthy dBNOIds; a later knock with the same
	// id replaces the event but keeps its place.
	var knockOrder []int64
	knocks := map[int64]int{}
	revived := map[int64]bool{}
	firstKill := map[int64]int{}
	for i := range events {
		ev := &events[i]
		id, ok := ev.DBNOID, ev.Has&telemetry.HasDBNOID != 0
		switch ev.Kind {
		case telemetry.KindPlayerMakeGroggy:
			if ok && id != 0 {
				if _, seen := knocks[id]; !seen {
					knockOrder = append(knockOrder, id)
				}
				knocks[id] = i
			}
		case telemetry.KindPlayerRevive:
			if ok && id != 0 {
				revived[id] = true
			}
		case telemetry.KindPlayerKillV2:
			if _, seen := firstKill[id]; ok && !seen {
				firstKill[id] = i
			}
		}
	}

	var stats []*playerStats
	byName := map[string]*playerStats{}
	get := func(name string) *playerStats { // defaultdict access
		if p, ok := byName[name]; ok {
			return p
		}
		p := &playerStats{name: name}
		byName[name] = p
		stats = append(stats, p)
		return p
	}

	var rows []KnockEvent
	var scratch []int
	for _, id := range knockOrder {
		ev := &events[knocks[id]]
		att, victim := ev.Attacker, ev.Victim
		knocker := optName(att)
		if !truthy(knocker) {
			continue
		}
		knockerTeam := optTeam(att)
		ps := get(knocker.V)
		if !ps.team.Valid {
			ps.team, ps.account = knockerTeam, charAccount(att)
		}
		distance := 0.0 // knock_event.get("distance", 0) / 100
		if ev.Has&telemetry.HasDistance != 0 {
			distance = ev.Distance
		}
		distance /= 100
		reason := evOpt(ev, telemetry.HasDamageReason, ev.DamageReason)

		row := KnockEvent{Outcome: "unknown"}
		if ki, ok := firstKill[id]; ok {
			kill := &events[ki]
			if err := notObject(kill, telemetry.BadFinisher); err != nil {
				return nil, nil, err
			}
			row.Outcome = "killed"
			fin := kill.Finisher
			row.FinisherName = optName(fin)
			row.FinisherIsSelf = sameOpt(row.FinisherName, knocker)
			row.FinisherIsTeammate = sameOpt(optTeam(fin), knockerTeam) && !sameOpt(row.FinisherName, knocker)
			if ev.Has&kill.Has&telemetry.HasTime != 0 {
				row.TimeToFinish = Some(float64(kill.Time.UnixMicro()-ev.Time.UnixMicro()) / 1e6)
			}
		} else if revived[id] {
			row.Outcome = "revived"
		}

		var near []nearby
		if ev.Has&telemetry.HasTime != 0 {
			near, scratch = tl.near(ev.Time.UnixMicro(), scratch)
		}
		// knocker_loc.get("x") and victim.get("location", {}).get("x")
		if err := notObject(ev, telemetry.BadAttackerLocation|telemetry.BadVictimLocation); err != nil {
			return nil, nil, err
		}
		row.Team = teamMetrics(near, att, knockerTeam, knocker)
		row.VictimTeam = teamMetrics(near, victim, optTeam(victim), optName(victim))

		row.DBNOID = id
		row.AttackID = evOpt(ev, telemetry.HasAttackID, ev.AttackID)
		row.AttackerName = knocker.V
		row.AttackerTeamID = knockerTeam
		row.AttackerAccountID = charAccount(att)
		row.Attacker = charLoc(att)
		row.AttackerHealth = charHealth(att)
		row.VictimName = optName(victim)
		row.VictimTeamID = optTeam(victim)
		row.VictimAccountID = charAccount(victim)
		row.Victim = charLoc(victim)
		row.DamageReason = reason
		row.DamageTypeCategory = evOpt(ev, telemetry.HasDamageTypeCategory, ev.DamageTypeCategory)
		row.KnockWeapon = evOpt(ev, telemetry.HasDamageCauserName, ev.DamageCauserName)
		row.KnockWeaponAttachments = pyJSONStrings(ev.DamageCauserAdditionalInfo)
		row.VictimWeapon = evOpt(ev, telemetry.HasVictimWeapon, ev.VictimWeapon)
		row.VictimWeaponAttachments = pyJSONStrings(ev.VictimWeaponAdditionalInfo)
		row.KnockDistance = distance
		row.IsAttackerInVehicle = ev.IsAttackerInVehicle
		row.IsThroughPenetrableWall = ev.IsThroughPenetrableWall
		row.IsBlueZone = att.IsInBlueZone
		row.IsRedZone = att.IsInRedZone
		if len(att.Zone) > 0 {
			row.ZoneName = Some(strings.Join(att.Zone, ","))
		}
		row.EventTimestamp = evTime(ev)
		rows = append(rows, row)

		ps.knocks++
		ps.distances = append(ps.distances, distance)
		if n := row.Team.Nearest; truthy(n) {
			ps.nearest = append(ps.nearest, n.V)
			if n.V <= 50 {
				ps.with50++
			}
			if n.V <= 100 {
				ps.with100++
			}
			if n.V >= 200 {
				ps.iso++
			}
		}
		if a := row.Team.Avg; truthy(a) {
			ps.spread = append(ps.spread, a.V)
		}
		if reason.Valid && reason.V == "HeadShot" {
			ps.headshot++
		}
		if ev.IsThroughPenetrableWall {
			ps.wallbang++
		}
		if ev.IsAttackerInVehicle {
			ps.vehicle++
		}
		switch row.Outcome {
		case "killed":
			if row.FinisherIsSelf {
				ps.self++
				if truthy(row.TimeToFinish) {
					ps.timeSelf = append(ps.timeSelf, row.TimeToFinish.V)
				}
			} else if row.FinisherIsTeammate {
				ps.byTeammates++
				if truthy(row.TimeToFinish) {
					ps.timeTeammate = append(ps.timeTeammate, row.TimeToFinish.V)
				}
			}
		case "revived":
			ps.revived++
		}
	}

	// Instant kills: kills with no knock phase (dBNOId falsy, -1, or of
	// no recorded knock), credited to the finisher.
	for i := range events {
		ev := &events[i]
		if ev.Kind != telemetry.KindPlayerKillV2 {
			continue
		}
		id := ev.DBNOID
		_, knocked := knocks[id]
		if ev.Has&telemetry.HasDBNOID != 0 && id != 0 && id != -1 && knocked {
			continue
		}
		if err := notObject(ev, telemetry.BadFinisher); err != nil {
			return nil, nil, err
		}
		fin := ev.Finisher
		name := optName(fin)
		if !truthy(name) {
			continue
		}
		ps := get(name.V)
		if team := optTeam(fin); !ps.team.Valid && team.Valid {
			ps.team, ps.account = team, charAccount(fin)
		}
		ps.instant++
	}

	var sums []FinishingSummary
	for _, ps := range stats {
		if ps.knocks == 0 && ps.instant == 0 || !ps.team.Valid {
			continue
		}
		s := FinishingSummary{
			PlayerName: ps.name, PlayerAccountID: ps.account, TeamID: ps.team.V,
			TotalKnocks: ps.knocks, KnocksConvertedSelf: ps.self, KnocksFinishedByTeammates: ps.byTeammates,
			KnocksRevivedByEnemy: ps.revived, InstantKills: ps.instant,
			AvgTimeToFinishSelf: optMean(ps.timeSelf), AvgTimeToFinishTeammate: optMean(ps.timeTeammate),
			AvgKnockDistance: optMean(ps.distances), AvgNearestTeammate: optMean(ps.nearest), AvgTeamSpread: optMean(ps.spread),
			KnocksWithTeammate50: ps.with50, KnocksWithTeammate100: ps.with100, KnocksIsolated200: ps.iso,
			HeadshotKnocks: ps.headshot, WallbangKnocks: ps.wallbang, VehicleKnocks: ps.vehicle,
		}
		if ps.knocks > 0 {
			s.FinishingRate = Some(float64(ps.self) / float64(ps.knocks) * 100)
		}
		if len(ps.distances) > 0 {
			s.MinKnockDistance, s.MaxKnockDistance = Some(pyMin(ps.distances)), Some(pyMax(ps.distances))
		}
		for _, d := range ps.distances {
			switch {
			case d < 10:
				s.KnocksCQC++
			case d < 50:
				s.KnocksClose++
			case d < 100:
				s.KnocksMedium++
			case d < 200:
				s.KnocksLong++
			}
			if d >= 200 {
				s.KnocksVeryLong++
			}
		}
		sums = append(sums, s)
	}
	return rows, sums, nil
}

// teamMetrics computes the teammate columns for one side of a knock: the
// players near in time on team `team` other than `self`, measured from
// `from`'s location.
func teamMetrics(near []nearby, from *telemetry.Character, team Opt[int64], self Opt[string]) TeamMetrics {
	var m TeamMetrics
	var dists []float64
	var js strings.Builder
	js.WriteByte('[')
	for _, p := range near {
		// pos_data["teamId"] == team and player_name != self
		if !team.Valid || p.team != team.V || (self.Valid && p.name == self.V) {
			continue
		}
		d, ok := dist3d(from, p.char)
		if !ok {
			continue
		}
		if len(dists) > 0 {
			js.WriteString(", ")
		}
		js.WriteString(`{"name": `)
		pyJSONString(&js, p.name)
		js.WriteString(`, "distance": `)
		js.WriteString(pyRepr(d))
		js.WriteByte('}')
		dists = append(dists, d)
	}
	js.WriteByte(']')
	m.PositionsJSON = js.String()
	m.Alive = len(dists)
	if len(dists) > 0 {
		m.Nearest = Some(pyMin(dists))
		m.Avg = Some(pyMean(dists))
	}
	m.Variance = pyVariance(dists)
	for _, d := range dists {
		if d <= 50 {
			m.Within50++
		}
		if d <= 100 {
			m.Within100++
		}
		if d <= 200 {
			m.Within200++
		}
	}
	return m
}

// dist3d is _calculate_distance_3d: metres between two locations, or None
// when either is missing or lacks an axis.
func dist3d(a, b *telemetry.Character) (float64, bool) {
	const all = telemetry.CharHasLocation | telemetry.CharHasX | telemetry.CharHasY | telemetry.CharHasZ
	if a == nil || b == nil || a.Has&all != all || b.Has&all != all {
		return 0, false
	}
	dx := b.Location.X - a.Location.X
	dy := b.Location.Y - a.Location.Y
	dz := b.Location.Z - a.Location.Z
	// The conversions round each square on its own, so no platform fuses
	// them into an FMA: CPython computes each `** 2` separately.
	sq := float64(dx*dx) + float64(dy*dy) + float64(dz*dz)
	return math.Sqrt(sq) / 100, true
}

func optMean(xs []float64) Opt[float64] {
	if len(xs) == 0 {
		return None[float64]()
	}
	return Some(pyMean(xs))
}

// pyMin / pyMax keep the first of equal values, as Python's min/max do.
func pyMin(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		if x < m {
			m = x
		}
	}
	return m
}

func pyMax(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}

// Package baseline keeps the first reader, built on encoding/json's
// streaming Decoder, so benchmarks can compare the hand-written scanner
// against it (docs/PERFORMANCE.md) and tests can use it as an independent
// oracle. It is not used in production. It deliberately shares no code with
// the scanner in child/telemetry: where the two look alike (the event loop,
// the per-field presence bits), the repetition is what keeps it independent.
package baseline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	. "github.com/pewstats/collector/child/telemetry" //nolint:revive // test-only mirror of the old in-package code
)

// Decode parses plain JSON telemetry with encoding/json.
func Decode(ctx context.Context, r io.Reader, name string) (*Match, error) {
	return decode(ctx, r, name)
}

// decode streams the JSON array. This is the baseline encoding/json decoder.
func decode(ctx context.Context, r io.Reader, name string) (*Match, error) {
	dec := json.NewDecoder(r)
	tok, err := dec.Token()
	if err != nil {
		var te *Error
		if errors.As(err, &te) {
			return nil, te
		}
		if errors.Is(err, io.EOF) {
			return nil, &Error{Kind: ErrEmptyFile, Path: name, Offset: 0, Event: -1, Err: errors.New("no JSON value")}
		}
		return nil, &Error{Kind: ErrBadJSON, Path: name, Offset: dec.InputOffset(), Event: -1, Err: err}
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, &Error{Kind: ErrNotArray, Path: name, Offset: 0, Event: -1, Err: fmt.Errorf("top level is %v, not an array", tok)}
	}
	m := &Match{Events: make([]Event, 0, 32<<10)}
	for dec.More() {
		if m.TotalEvents%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var raw rawEvent
		if err := dec.Decode(&raw); err != nil {
			var te *Error
			if errors.As(err, &te) {
				return nil, te
			}
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) {
				// The value was consumed; a wrong-typed field in one event
				// drops that event only.
				m.TotalEvents++
				continue
			}
			return nil, &Error{Kind: ErrBadJSON, Path: name, Offset: dec.InputOffset(), Event: -1, Err: fmt.Errorf("event %d: %w", m.TotalEvents, err)}
		}
		if ev, ok := raw.toEvent(int32(m.TotalEvents)); ok {
			m.Events = append(m.Events, ev)
		}
		m.TotalEvents++
	}
	if _, err := dec.Token(); err != nil {
		var te *Error
		if errors.As(err, &te) {
			return nil, te
		}
		return nil, &Error{Kind: ErrBadJSON, Path: name, Offset: dec.InputOffset(), Event: -1, Err: fmt.Errorf("unterminated array: %w", err)}
	}
	if m.TotalEvents == 0 {
		return nil, &Error{Kind: ErrNoEvents, Path: name, Offset: -1, Event: -1, Err: errors.New("the event array is empty")}
	}
	return m, nil
}

type rawVec struct {
	X, Y, Z *float64
}

type rawChar struct {
	Name         *string  `json:"name"`
	AccountID    *string  `json:"accountId"`
	TeamID       *int     `json:"teamId"`
	Health       *float64 `json:"health"`
	Location     *rawVec  `json:"location"`
	Zone         []string `json:"zone"`
	IsInBlueZone bool     `json:"isInBlueZone"`
	IsInRedZone  bool     `json:"isInRedZone"`
	IsInVehicle  bool     `json:"isInVehicle"`
}

type rawDamageInfo struct {
	DamageReason       *string  `json:"damageReason"`
	DamageTypeCategory *string  `json:"damageTypeCategory"`
	DamageCauserName   *string  `json:"damageCauserName"`
	Distance           *float64 `json:"distance"`
}

type rawItem struct {
	ItemID      string `json:"itemId"`
	SubCategory string `json:"subCategory"`
}

type rawEvent struct {
	T      string `json:"_T"`
	D      string `json:"_D"`
	Common *struct {
		IsGame      *float64 `json:"isGame"`
		IsGameSnake *float64 `json:"is_game"`
	} `json:"common"`
	ElapsedTime                *float64       `json:"elapsedTime"`
	AttackID                   *int64         `json:"attackId"`
	DBNOID                     *int64         `json:"dBNOId"`
	Damage                     *float64       `json:"damage"`
	Distance                   *float64       `json:"distance"`
	DamageTypeCategory         *string        `json:"damageTypeCategory"`
	DamageReason               *string        `json:"damageReason"`
	DamageCauserName           *string        `json:"damageCauserName"`
	DamageCauserAdditionalInfo []string       `json:"damageCauserAdditionalInfo"`
	VictimWeapon               *string        `json:"victimWeapon"`
	VictimWeaponAdditionalInfo []string       `json:"victimWeaponAdditionalInfo"`
	IsAttackerInVehicle        *bool          `json:"isAttackerInVehicle"`
	IsThroughPenetrableWall    *bool          `json:"isThroughPenetrableWall"`
	Attacker                   *rawChar       `json:"attacker"`
	Victim                     *rawChar       `json:"victim"`
	Finisher                   *rawChar       `json:"finisher"`
	Killer                     *rawChar       `json:"killer"`
	DBNOMaker                  *rawChar       `json:"dBNOMaker"`
	Character                  *rawChar       `json:"character"`
	Reviver                    *rawChar       `json:"reviver"`
	FinishDamageInfo           *rawDamageInfo `json:"finishDamageInfo"`
	KillerDamageInfo           *rawDamageInfo `json:"killerDamageInfo"`
	DBNODamageInfo             *rawDamageInfo `json:"dBNODamageInfo"`
	Item                       *rawItem       `json:"item"`
	Weapon                     *rawItem       `json:"weapon"`
	GameState                  *struct {
		ElapsedTime        *float64 `json:"elapsedTime"`
		SafetyZonePosition *rawVec  `json:"safetyZonePosition"`
		SafetyZoneRadius   *float64 `json:"safetyZoneRadius"`
	} `json:"gameState"`
}

var kinds = map[string]Kind{
	"LogMatchDefinition":   KindMatchDefinition,
	"LogParachuteLanding":  KindParachuteLanding,
	"LandParachute":        KindParachuteLanding,
	"LogPlayerKillV2":      KindPlayerKillV2,
	"LogPlayerTakeDamage":  KindPlayerTakeDamage,
	"LogPlayerMakeGroggy":  KindPlayerMakeGroggy,
	"LogPlayerRevive":      KindPlayerRevive,
	"LogItemUse":           KindItemUse,
	"LogPlayerAttack":      KindPlayerAttack,
	"LogGameStatePeriodic": KindGameStatePeriodic,
	"LogPlayerPosition":    KindPlayerPosition,
	"LogMatchEnd":          KindMatchEnd,
}

func (r *rawEvent) toEvent(index int32) (Event, bool) {
	k, ok := kinds[r.T]
	if !ok {
		return Event{}, false
	}
	ev := Event{Kind: k, Index: index}
	if r.D != "" {
		ev.Has |= HasDText
	}
	if t, err := time.Parse(time.RFC3339Nano, r.D); err == nil {
		ev.Time, ev.Has = t.UTC(), ev.Has|HasTime
	}
	if c := r.Common; c != nil {
		// The reference's `isGame or is_game`: a zero isGame falls through.
		v := c.IsGame
		if v == nil || *v == 0 {
			v = c.IsGameSnake
		}
		set(&ev.IsGame, &ev.Has, v, HasIsGame)
	}
	set(&ev.ElapsedTime, &ev.Has, r.ElapsedTime, HasElapsedTime)
	set(&ev.Damage, &ev.Has, r.Damage, HasDamage)
	set(&ev.Distance, &ev.Has, r.Distance, HasDistance)
	set(&ev.AttackID, &ev.Has, r.AttackID, HasAttackID)
	set(&ev.DBNOID, &ev.Has, r.DBNOID, HasDBNOID)
	set(&ev.IsAttackerInVehicle, &ev.Has, r.IsAttackerInVehicle, HasIsAttackerInVehicle)
	set(&ev.IsThroughPenetrableWall, &ev.Has, r.IsThroughPenetrableWall, HasIsThroughPenetrableWall)
	set(&ev.DamageTypeCategory, &ev.Has, r.DamageTypeCategory, HasDamageTypeCategory)
	set(&ev.DamageReason, &ev.Has, r.DamageReason, HasDamageReason)
	set(&ev.DamageCauserName, &ev.Has, r.DamageCauserName, HasDamageCauserName)
	set(&ev.VictimWeapon, &ev.Has, r.VictimWeapon, HasVictimWeapon)
	ev.DamageCauserAdditionalInfo, ev.VictimWeaponAdditionalInfo = r.DamageCauserAdditionalInfo, r.VictimWeaponAdditionalInfo
	ev.Attacker, ev.Victim, ev.Finisher = r.Attacker.char(), r.Victim.char(), r.Finisher.char()
	ev.Killer, ev.DBNOMaker, ev.Character, ev.Reviver = r.Killer.char(), r.DBNOMaker.char(), r.Character.char(), r.Reviver.char()
	ev.FinishDamage, ev.KillerDamage, ev.DBNODamage = r.FinishDamageInfo.info(), r.KillerDamageInfo.info(), r.DBNODamageInfo.info()
	if r.Item != nil {
		ev.ItemID, ev.ItemSubCategory = r.Item.ItemID, r.Item.SubCategory
	} else if r.Weapon != nil {
		ev.ItemID, ev.ItemSubCategory = r.Weapon.ItemID, r.Weapon.SubCategory
	}
	if gs := r.GameState; gs != nil {
		ev.Has |= HasGameState
		set(&ev.GameState.ElapsedTime, &ev.Has, gs.ElapsedTime, HasGameStateElapsedTime)
		if gs.SafetyZonePosition != nil {
			ev.Has |= HasSafetyZonePosition
			if gs.SafetyZonePosition.X != nil {
				ev.GameState.SafetyZonePosition.X = *gs.SafetyZonePosition.X
			}
			if gs.SafetyZonePosition.Y != nil {
				ev.GameState.SafetyZonePosition.Y = *gs.SafetyZonePosition.Y
			}
		}
		set(&ev.GameState.SafetyZoneRadius, &ev.Has, gs.SafetyZoneRadius, HasSafetyZoneRadius)
	}
	return ev, true
}

func (c *rawChar) char() *Character {
	if c == nil {
		return nil
	}
	out := &Character{Zone: c.Zone, IsInBlueZone: c.IsInBlueZone, IsInRedZone: c.IsInRedZone, IsInVehicle: c.IsInVehicle}
	set(&out.Name, &out.Has, c.Name, CharHasName)
	set(&out.AccountID, &out.Has, c.AccountID, CharHasAccountID)
	set(&out.TeamID, &out.Has, c.TeamID, CharHasTeamID)
	set(&out.Health, &out.Has, c.Health, CharHasHealth)
	// The scanner keeps an empty zone list as absent: CharHasZone unset,
	// Zone nil.
	if len(c.Zone) > 0 {
		out.Has |= CharHasZone
	} else {
		out.Zone = nil
	}
	if l := c.Location; l != nil && (l.X != nil || l.Y != nil || l.Z != nil) {
		out.Has |= CharHasLocation
		set(&out.Location.X, &out.Has, l.X, CharHasX)
		set(&out.Location.Y, &out.Has, l.Y, CharHasY)
		set(&out.Location.Z, &out.Has, l.Z, CharHasZ)
	}
	return out
}

func (d *rawDamageInfo) info() *DamageInfo {
	if d == nil {
		return nil
	}
	out := &DamageInfo{}
	set(&out.DamageReason, &out.Has, d.DamageReason, DIHasDamageReason)
	set(&out.DamageTypeCategory, &out.Has, d.DamageTypeCategory, DIHasDamageTypeCategory)
	set(&out.DamageCauserName, &out.Has, d.DamageCauserName, DIHasDamageCauserName)
	set(&out.Distance, &out.Has, d.Distance, DIHasDistance)
	return out
}

// set copies *src to *dst and sets h in *has when the field was present.
func set[T any, H ~uint8 | ~uint16 | ~uint32](dst *T, has *H, src *T, h H) {
	if src != nil {
		*dst, *has = *src, *has|h
	}
}

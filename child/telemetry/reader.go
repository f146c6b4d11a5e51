package telemetry

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrKind names what was wrong with a telemetry file.
type ErrKind string

const (
	ErrNotFound    ErrKind = "FileNotFound"
	ErrOutsideDir  ErrKind = "FileOutsideTelemetryDir"
	ErrEmptyFile   ErrKind = "EmptyFile"
	ErrCorruptGzip ErrKind = "CorruptGzip"
	ErrTooLarge    ErrKind = "TelemetryTooLarge"
	ErrBadJSON     ErrKind = "InvalidJSON"
	ErrNotArray    ErrKind = "NotAnArray"
	ErrNoEvents    ErrKind = "NoEvents"
	ErrUnreadable  ErrKind = "FileUnreadable"
)

// Error is a telemetry read failure. Every kind is permanent: the same file
// fails the same way again.
type Error struct {
	Kind   ErrKind
	Path   string
	Offset int64 // byte offset in the decompressed JSON, -1 if unknown
	Err    error
}

func (e *Error) Error() string {
	if e.Offset >= 0 {
		return fmt.Sprintf("telemetry %s: %s at byte %d: %v", e.Path, e.Kind, e.Offset, e.Err)
	}
	return fmt.Sprintf("telemetry %s: %s: %v", e.Path, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Options bound what a read may do.
type Options struct {
	// Dir is the only directory files may be read from (symlinks resolved).
	Dir string
	// MaxBytes bounds the decompressed JSON size.
	MaxBytes int64
}

// ResolvePath returns the real path of name if it lies inside dir.
func ResolvePath(dir, name string) (string, error) {
	if dir == "" {
		return "", &Error{Kind: ErrOutsideDir, Path: name, Offset: -1, Err: errors.New("no telemetry directory configured")}
	}
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", &Error{Kind: ErrUnreadable, Path: name, Offset: -1, Err: fmt.Errorf("telemetry directory: %w", err)}
	}
	realDir, _ = filepath.Abs(realDir)
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(realDir, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", &Error{Kind: ErrNotFound, Path: name, Offset: -1, Err: err}
		}
		return "", &Error{Kind: ErrUnreadable, Path: name, Offset: -1, Err: err}
	}
	rel, err := filepath.Rel(realDir, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", &Error{Kind: ErrOutsideDir, Path: name, Offset: -1, Err: fmt.Errorf("resolves to %s, outside %s", real, realDir)}
	}
	return real, nil
}

// ReadFile opens, decompresses and decodes a telemetry file.
func ReadFile(ctx context.Context, name string, opts Options) (*Match, error) {
	path, err := ResolvePath(opts.Dir, name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		kind := ErrUnreadable
		if errors.Is(err, os.ErrNotExist) {
			kind = ErrNotFound
		}
		return nil, &Error{Kind: kind, Path: name, Offset: -1, Err: err}
	}
	defer f.Close()
	return Read(ctx, f, name, opts.MaxBytes)
}

// Read decodes telemetry from r (plain, gzip or doubly gzipped).
func Read(ctx context.Context, r io.Reader, name string, maxBytes int64) (*Match, error) {
	if maxBytes <= 0 {
		maxBytes = 512 << 20
	}
	plain, closeFn, err := decompress(r, name)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	lr := &limitReader{r: plain, n: maxBytes}
	m, err := decode(ctx, lr, name)
	if lr.exceeded {
		return nil, &Error{Kind: ErrTooLarge, Path: name, Offset: maxBytes, Err: fmt.Errorf("decompressed telemetry exceeds %d bytes", maxBytes)}
	}
	if err != nil {
		return nil, err
	}
	m.DecompressedBytes = maxBytes - lr.n
	return m, nil
}

// decompress peels up to two gzip layers, detected by magic bytes.
func decompress(r io.Reader, name string) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	closers := []io.Closer{}
	closeAll := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	head, err := br.Peek(2)
	if len(head) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, nil, &Error{Kind: ErrEmptyFile, Path: name, Offset: -1, Err: errors.New("file is empty")}
		}
		return nil, nil, &Error{Kind: ErrUnreadable, Path: name, Offset: -1, Err: err}
	}
	var cur io.Reader = br
	for layer := 0; layer < 2; layer++ {
		b, ok := cur.(*bufio.Reader)
		if !ok {
			b = bufio.NewReaderSize(cur, 64<<10)
		}
		head, _ := b.Peek(2)
		if !bytes.Equal(head, []byte{0x1f, 0x8b}) {
			return b, closeAll, nil
		}
		zr, err := gzip.NewReader(b)
		if err != nil {
			closeAll()
			return nil, nil, &Error{Kind: ErrCorruptGzip, Path: name, Offset: -1, Err: err}
		}
		closers = append(closers, zr)
		cur = &gzipErrReader{r: zr, name: name}
	}
	return cur, closeAll, nil
}

type gzipErrReader struct {
	r    io.Reader
	name string
}

func (g *gzipErrReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, &Error{Kind: ErrCorruptGzip, Path: g.name, Offset: -1, Err: err}
	}
	return n, err
}

type limitReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		l.exceeded = true
		return 0, errors.New("size limit reached")
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
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
			return nil, &Error{Kind: ErrEmptyFile, Path: name, Offset: 0, Err: errors.New("no JSON value")}
		}
		return nil, &Error{Kind: ErrBadJSON, Path: name, Offset: dec.InputOffset(), Err: err}
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, &Error{Kind: ErrNotArray, Path: name, Offset: 0, Err: fmt.Errorf("top level is %v, not an array", tok)}
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
			return nil, &Error{Kind: ErrBadJSON, Path: name, Offset: dec.InputOffset(), Err: fmt.Errorf("event %d: %w", m.TotalEvents, err)}
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
		return nil, &Error{Kind: ErrBadJSON, Path: name, Offset: dec.InputOffset(), Err: fmt.Errorf("unterminated array: %w", err)}
	}
	if m.TotalEvents == 0 {
		return nil, &Error{Kind: ErrNoEvents, Path: name, Offset: -1, Err: errors.New("the event array is empty")}
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
		IsGame *float64 `json:"isGame"`
	} `json:"common"`
	ElapsedTime                *float64       `json:"elapsedTime"`
	AttackID                   *int64         `json:"attackId"`
	DBNOID                     *int64         `json:"dBNOId"`
	Damage                     *float64       `json:"damage"`
	Distance                   *float64       `json:"distance"`
	DamageTypeCategory         string         `json:"damageTypeCategory"`
	DamageReason               string         `json:"damageReason"`
	DamageCauserName           string         `json:"damageCauserName"`
	DamageCauserAdditionalInfo []string       `json:"damageCauserAdditionalInfo"`
	VictimWeapon               string         `json:"victimWeapon"`
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
	if t, err := time.Parse(time.RFC3339Nano, r.D); err == nil {
		ev.Time, ev.Has = t.UTC(), ev.Has|HasTime
	}
	if r.Common != nil && r.Common.IsGame != nil {
		ev.IsGame, ev.Has = *r.Common.IsGame, ev.Has|HasIsGame
	}
	setF := func(dst *float64, src *float64, h Has) {
		if src != nil {
			*dst, ev.Has = *src, ev.Has|h
		}
	}
	setF(&ev.ElapsedTime, r.ElapsedTime, HasElapsedTime)
	setF(&ev.Damage, r.Damage, HasDamage)
	setF(&ev.Distance, r.Distance, HasDistance)
	if r.AttackID != nil {
		ev.AttackID, ev.Has = *r.AttackID, ev.Has|HasAttackID
	}
	if r.DBNOID != nil {
		ev.DBNOID, ev.Has = *r.DBNOID, ev.Has|HasDBNOID
	}
	if r.IsAttackerInVehicle != nil {
		ev.IsAttackerInVehicle, ev.Has = *r.IsAttackerInVehicle, ev.Has|HasIsAttackerInVehicle
	}
	if r.IsThroughPenetrableWall != nil {
		ev.IsThroughPenetrableWall, ev.Has = *r.IsThroughPenetrableWall, ev.Has|HasIsThroughPenetrableWall
	}
	ev.DamageTypeCategory, ev.DamageReason, ev.DamageCauserName = r.DamageTypeCategory, r.DamageReason, r.DamageCauserName
	ev.DamageCauserAdditionalInfo, ev.VictimWeapon, ev.VictimWeaponAdditionalInfo = r.DamageCauserAdditionalInfo, r.VictimWeapon, r.VictimWeaponAdditionalInfo
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
		if gs.ElapsedTime != nil {
			ev.GameState.ElapsedTime, ev.Has = *gs.ElapsedTime, ev.Has|HasGameStateElapsedTime
		}
		if gs.SafetyZonePosition != nil {
			ev.Has |= HasSafetyZonePosition
			if gs.SafetyZonePosition.X != nil {
				ev.GameState.SafetyZonePosition.X = *gs.SafetyZonePosition.X
			}
			if gs.SafetyZonePosition.Y != nil {
				ev.GameState.SafetyZonePosition.Y = *gs.SafetyZonePosition.Y
			}
		}
		if gs.SafetyZoneRadius != nil {
			ev.GameState.SafetyZoneRadius, ev.Has = *gs.SafetyZoneRadius, ev.Has|HasSafetyZoneRadius
		}
	}
	return ev, true
}

func (c *rawChar) char() *Character {
	if c == nil {
		return nil
	}
	out := &Character{Zone: c.Zone, IsInBlueZone: c.IsInBlueZone, IsInRedZone: c.IsInRedZone, IsInVehicle: c.IsInVehicle}
	if c.Name != nil {
		out.Name, out.Has = *c.Name, out.Has|CharHasName
	}
	if c.AccountID != nil {
		out.AccountID, out.Has = *c.AccountID, out.Has|CharHasAccountID
	}
	if c.TeamID != nil {
		out.TeamID, out.Has = *c.TeamID, out.Has|CharHasTeamID
	}
	if c.Health != nil {
		out.Health, out.Has = *c.Health, out.Has|CharHasHealth
	}
	if c.Zone != nil {
		out.Has |= CharHasZone
	}
	if l := c.Location; l != nil && (l.X != nil || l.Y != nil || l.Z != nil) {
		out.Has |= CharHasLocation
		if l.X != nil {
			out.Location.X, out.Has = *l.X, out.Has|CharHasX
		}
		if l.Y != nil {
			out.Location.Y, out.Has = *l.Y, out.Has|CharHasY
		}
		if l.Z != nil {
			out.Location.Z, out.Has = *l.Z, out.Has|CharHasZ
		}
	}
	return out
}

func (d *rawDamageInfo) info() *DamageInfo {
	if d == nil {
		return nil
	}
	out := &DamageInfo{}
	if d.DamageReason != nil {
		out.DamageReason, out.Has = *d.DamageReason, out.Has|DIHasDamageReason
	}
	if d.DamageTypeCategory != nil {
		out.DamageTypeCategory, out.Has = *d.DamageTypeCategory, out.Has|DIHasDamageTypeCategory
	}
	if d.DamageCauserName != nil {
		out.DamageCauserName, out.Has = *d.DamageCauserName, out.Has|DIHasDamageCauserName
	}
	if d.Distance != nil {
		out.Distance, out.Has = *d.Distance, out.Has|DIHasDistance
	}
	return out
}

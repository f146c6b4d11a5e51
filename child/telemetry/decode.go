package telemetry

import (
	"context"
	"errors"
	"fmt"
)

// field identifies a top-level event key the decoder keeps.
type field uint8

const (
	fNone field = iota
	fT
	fType
	fEventType
	fD
	fCommon
	fAttackID
	fDBNOID
	fDamage
	fDistance
	fDamageTypeCategory
	fDamageReason
	fDamageCauserName
	fDamageCauserAdditionalInfo
	fVictimWeapon
	fVictimWeaponAdditionalInfo
	fIsAttackerInVehicle
	fIsThroughPenetrableWall
	fElapsedTime
	fAttacker
	fVictim
	fFinisher
	fKiller
	fDBNOMaker
	fCharacter
	fReviver
	fFinishDamageInfo
	fKillerDamageInfo
	fDBNODamageInfo
	fItem
	fWeapon
	fGameState
	numFields
)

var fieldNames = [numFields]string{
	fT: "_T", fType: "type", fEventType: "event_type", fD: "_D", fCommon: "common",
	fAttackID: "attackId", fDBNOID: "dBNOId", fDamage: "damage", fDistance: "distance",
	fDamageTypeCategory: "damageTypeCategory", fDamageReason: "damageReason",
	fDamageCauserName: "damageCauserName", fDamageCauserAdditionalInfo: "damageCauserAdditionalInfo",
	fVictimWeapon: "victimWeapon", fVictimWeaponAdditionalInfo: "victimWeaponAdditionalInfo",
	fIsAttackerInVehicle: "isAttackerInVehicle", fIsThroughPenetrableWall: "isThroughPenetrableWall",
	fElapsedTime: "elapsedTime", fAttacker: "attacker", fVictim: "victim", fFinisher: "finisher",
	fKiller: "killer", fDBNOMaker: "dBNOMaker", fCharacter: "character", fReviver: "reviver",
	fFinishDamageInfo: "finishDamageInfo", fKillerDamageInfo: "killerDamageInfo",
	fDBNODamageInfo: "dBNODamageInfo", fItem: "item", fWeapon: "weapon", fGameState: "gameState",
}

// topField maps a key to its field. A switch on string(b) does not allocate.
func topField(b []byte) field {
	switch string(b) {
	case "_T":
		return fT
	case "_D":
		return fD
	case "common":
		return fCommon
	case "character":
		return fCharacter
	case "attacker":
		return fAttacker
	case "victim":
		return fVictim
	case "elapsedTime":
		return fElapsedTime
	case "attackId":
		return fAttackID
	case "dBNOId":
		return fDBNOID
	case "damage":
		return fDamage
	case "distance":
		return fDistance
	case "damageTypeCategory":
		return fDamageTypeCategory
	case "damageReason":
		return fDamageReason
	case "damageCauserName":
		return fDamageCauserName
	case "damageCauserAdditionalInfo":
		return fDamageCauserAdditionalInfo
	case "victimWeapon":
		return fVictimWeapon
	case "victimWeaponAdditionalInfo":
		return fVictimWeaponAdditionalInfo
	case "isAttackerInVehicle":
		return fIsAttackerInVehicle
	case "isThroughPenetrableWall":
		return fIsThroughPenetrableWall
	case "finisher":
		return fFinisher
	case "killer":
		return fKiller
	case "dBNOMaker":
		return fDBNOMaker
	case "reviver":
		return fReviver
	case "finishDamageInfo":
		return fFinishDamageInfo
	case "killerDamageInfo":
		return fKillerDamageInfo
	case "dBNODamageInfo":
		return fDBNODamageInfo
	case "item":
		return fItem
	case "weapon":
		return fWeapon
	case "gameState":
		return fGameState
	case "type":
		return fType
	case "event_type":
		return fEventType
	}
	return fNone
}

// kindOf maps an event type to its Kind. A switch on string(b) neither
// allocates nor hashes; it is asked once per event.
func kindOf(b []byte) (Kind, bool) {
	switch string(b) {
	case "LogPlayerPosition":
		return KindPlayerPosition, true
	case "LogPlayerAttack":
		return KindPlayerAttack, true
	case "LogPlayerTakeDamage":
		return KindPlayerTakeDamage, true
	case "LogItemUse":
		return KindItemUse, true
	case "LogGameStatePeriodic":
		return KindGameStatePeriodic, true
	case "LogPlayerMakeGroggy":
		return KindPlayerMakeGroggy, true
	case "LogPlayerKillV2":
		return KindPlayerKillV2, true
	case "LogPlayerRevive":
		return KindPlayerRevive, true
	case "LogParachuteLanding", "LandParachute":
		return KindParachuteLanding, true
	case "LogMatchDefinition":
		return KindMatchDefinition, true
	case "LogMatchEnd":
		return KindMatchEnd, true
	}
	return KindOther, false
}

func bit(f field) uint64 { return 1 << f }

// actorBad maps an actor field to its Bad bits (the field, its location).
var actorBad = [...]struct {
	f        field
	bad, loc Bad
}{
	{fAttacker, BadAttacker, BadAttackerLocation},
	{fVictim, BadVictim, BadVictimLocation},
	{fFinisher, BadFinisher, BadFinisherLocation},
	{fKiller, BadKiller, BadKillerLocation},
	{fDBNOMaker, BadDBNOMaker, BadDBNOMakerLocation},
	{fCharacter, BadCharacter, BadCharacterLocation},
	{fReviver, BadReviver, BadReviverLocation},
}

// alwaysRead lists, per kind, the object-valued fields the reference reads
// with `(event.get(k) or {}).get(...)` in an extractor that runs for every
// match (item usage, advanced stats, weapon distribution, circle tracking)
// before any filter: a truthy non-object there fails every match, so the
// reader fails it at once (ErrWrongType). LogPlayerPosition's character is
// read so only when the file has a LogGameStatePeriodic (circle tracking
// returns early otherwise): decodeArray checks that at the end.
var alwaysRead = [numKinds]Bad{
	KindItemUse:           BadCharacter | BadItem,
	KindPlayerAttack:      BadAttacker | BadWeapon,
	KindPlayerTakeDamage:  BadAttacker | BadVictim,
	KindPlayerMakeGroggy:  BadAttacker | BadVictim,
	KindPlayerKillV2:      BadKiller,
	KindGameStatePeriodic: BadGameState | BadSafetyZonePosition,
}

// typeState is what one of the `_T` / `type` / `event_type` keys held.
type typeState uint8

const (
	tFalsy   typeState = iota // absent, null, "", 0, false, [] or {}
	tKnown                    // a type some extractor reads
	tUnknown                  // any other truthy value
)

// decoder turns the event array into Events.
type decoder struct {
	s    *scanner
	path string
	m    *Match
	b    *Buffers // the event slice, slabs and interner this read fills

	// per-event state
	ev     *Event // the slot being decoded
	dirty  bool   // the next free slot holds a dropped event's fields
	wrote  bool   // the current event set a field of its slot (beyond Index)
	idx    int
	tstate [3]typeState
	tkind  [3]Kind
	bad    uint64 // fields holding a truthy non-object
	badLoc uint64 // actors whose location is a truthy non-object
	badSZP bool   // gameState.safetyZonePosition is a truthy non-object

	// Circle tracking reads LogPlayerPosition's character (and, for a named
	// one, its location) only when the file has a LogGameStatePeriodic.
	gameStates bool
	posBad     *Error // the first such position that would then fail
	item       itemVal
	weapon     itemVal
	// Where the current event's characters and damage infos began, so a
	// dropped or re-read event gives them back.
	charsSlab, charsMark int
	infosSlab, infosMark int
	keyBuf               [32]byte
	allowSkip            bool // eventBody may skip fields after an unknown `_T`
	skipRest             bool // it does

	mismatchMark      int
	firstMismatchMark string
}

// eventsCap is the event slice's first capacity; a modern match keeps
// about 20,000 events, and Buffers keep the slice for the next match.
const eventsCap = 4096

// events returns the kept events. Their capacity ends with them, so an
// append by a caller cannot write into slots the Buffers hand out again.
func (d *decoder) events() []Event {
	ev := d.b.events
	return ev[:len(ev):len(ev)]
}

// nextSlot extends the event slice by one slot and returns it, zero: a
// slot an earlier read wrote (stale) or the dropped event before wrote
// (dirty) is cleared first.
func (d *decoder) nextSlot() *Event {
	b := d.b
	i := len(b.events)
	if i == cap(b.events) {
		// Grow by copying what is kept; the dirty slot past it is not
		// copied, and nothing past it is stale.
		grown := make([]Event, i, max(2*cap(b.events), eventsCap))
		copy(grown, b.events)
		b.events, b.stale, d.dirty = grown, 0, false
	}
	b.events = b.events[:i+1]
	ev := &b.events[i]
	if i >= b.fresh { // first taken by this read
		b.fresh = i + 1
		if i < b.stale {
			*ev = Event{}
		}
	} else if d.dirty {
		*ev = Event{}
	}
	d.dirty = false
	return ev
}

type itemVal struct {
	set        bool
	id, subCat string
}

const slabSize = 1024

func (d *decoder) newChar() *Character { return d.b.chars.next() }

func (d *decoder) newInfo() *DamageInfo { return d.b.infos.next() }

// mismatch records a kept field whose type is not telemetry's; the field is
// treated as absent.
// The name is passed in two parts so the hot path never concatenates.
func (d *decoder) mismatch(prefix, key string) {
	if d.m.Mismatches == 0 {
		name := prefix
		if key != "" {
			name += "." + key
		}
		d.m.FirstMismatch = fmt.Sprintf("event %d field %s", d.idx, name)
	}
	d.m.Mismatches++
}

// decodeArray parses the whole top-level array.
func (d *decoder) decodeArray(ctx context.Context) error {
	s := d.s
	c, ok, err := s.peekEOF()
	if err != nil {
		return err
	}
	if !ok {
		return newErr(ErrEmptyFile, d.path, 0, errors.New("no JSON value (file is empty or only whitespace)"))
	}
	if c != '[' {
		if c == '{' || c == '"' || c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n' {
			return newErr(ErrNotArray, d.path, s.offset(), fmt.Errorf("top level is %s, not an array of events", describe(c)))
		}
		return s.syntax(s.pos, "unexpected character %q", c)
	}
	c, more, err := s.enter(']')
	for more && err == nil {
		if d.idx&4095 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if c != '{' {
			if _, _, err := s.skipValue(1); err != nil {
				return err
			}
			return &Error{Kind: ErrNotObject, Path: d.path, Offset: s.offset(), Event: d.idx,
				Err: fmt.Errorf("event %d is %s, not an object", d.idx, describe(c))}
		}
		if err := d.event(); err != nil {
			return err
		}
		d.idx++
		c, more, err = s.next(']', -1)
	}
	if err != nil {
		return err
	}
	d.m.TotalEvents = d.idx
	if d.posBad != nil && d.gameStates {
		return d.posBad
	}
	if c, ok, err := s.peekEOF(); err != nil {
		return err
	} else if ok {
		return s.syntax(s.pos, "extra data after the event array: %q", c)
	}
	if d.idx == 0 {
		return newErr(ErrNoEvents, d.path, -1, errors.New("the event array is empty"))
	}
	return nil
}

func describe(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// event decodes one object (s.buf[s.pos] == '{') and appends it when its
// type is one we keep.
func (d *decoder) event() error {
	s := d.s
	// Decode straight into the next slot of the event slice; a dropped
	// event gives its slot back (and it is cleared before reuse).
	d.ev = d.nextSlot()
	d.wrote = false
	d.charsSlab, d.charsMark = d.b.chars.mark()
	d.infosSlab, d.infosMark = d.b.infos.mark()
	d.mismatchMark, d.firstMismatchMark = d.m.Mismatches, d.m.FirstMismatch
	// Keep the event's bytes while it is decoded, so a decision to skip
	// its fields can be taken back (see skipRest).
	s.mark, s.markLost = s.pos, false
	defer func() { s.mark = -1 }()
	err := d.eventBody(true)
	if err == errRedo {
		if s.markLost {
			return s.syntax(s.pos, "event %d over %d bytes repeats its _T key; it cannot be re-read", d.idx, markLimit)
		}
		s.pos = s.mark
		d.rollback()
		*d.ev = Event{}
		err = d.eventBody(false)
	}
	return err
}

// errRedo asks event to decode the event again without skipping.
var errRedo = errors.New("re-read the event without skipping")

// rollback forgets what a partial decode of the current event produced.
func (d *decoder) rollback() {
	d.releaseActors()
	d.m.Mismatches, d.m.FirstMismatch = d.mismatchMark, d.firstMismatchMark
}

// eventBody decodes one event object. With allowSkip, a first truthy `_T`
// naming a type no extractor reads makes every later field be skipped
// unread (real files mostly put `_T` first, and two thirds of their events
// are of such types); if a later duplicate `_T` then changes the outcome,
// it returns errRedo and the event is decoded again in full.
func (d *decoder) eventBody(allowSkip bool) error {
	s := d.s
	d.ev.Index = int32(d.idx)
	d.tstate = [3]typeState{}
	d.bad, d.badLoc, d.badSZP = 0, 0, false
	d.item, d.weapon = itemVal{}, itemVal{}
	d.allowSkip, d.skipRest = allowSkip, false
	start := s.offset()

	c, more, err := s.enter('}')
	if err == nil && !more {
		d.drop()
		return nil
	}
	for more && err == nil {
		if c != '"' {
			return s.syntax(s.pos, "expected object key, found %q", c)
		}
		key, fast := s.keyAhead()
		var f field
		if fast {
			f = topField(key)
		} else {
			if key, err = s.readString(); err != nil {
				return err
			}
			f = topField(key)
			if err := s.expect(':', "':'"); err != nil {
				return err
			}
		}
		if f == fNone || (d.skipRest && f != fT) {
			if _, _, err := s.skipValue(1); err != nil {
				return err
			}
		} else {
			d.wrote = d.wrote || f > fEventType // type keys set only d.tstate
			if err := d.field(f); err != nil {
				return err
			}
		}
		c, more, err = s.next('}', d.idx)
	}
	if err != nil {
		return err
	}
	return d.finish(start)
}

// finish resolves the event type the way the reference's get_event_type
// does (`_T or type or event_type`, Python truthiness) and keeps the event.
func (d *decoder) finish(start int64) error {
	kind := KindOther
	for i, st := range d.tstate {
		if st != tFalsy {
			kind = d.tkind[i]
			break
		}
	}
	if kind == KindOther {
		d.drop()
		return nil
	}
	ev := d.ev
	if d.bad|d.badLoc != 0 {
		for _, a := range actorBad {
			if d.bad&bit(a.f) != 0 {
				ev.Bad |= a.bad
			}
			if d.badLoc&bit(a.f) != 0 {
				ev.Bad |= a.loc
			}
		}
	}
	if d.bad&bit(fItem) != 0 {
		ev.Bad |= BadItem
	}
	if d.bad&bit(fWeapon) != 0 {
		ev.Bad |= BadWeapon
	}
	if d.bad&bit(fGameState) != 0 {
		ev.Bad |= BadGameState
	}
	if d.badSZP {
		ev.Bad |= BadSafetyZonePosition
	}
	if b := ev.Bad & alwaysRead[kind]; b != 0 {
		return d.wrongType(start, b.Name(), "a non-empty non-object value where an object belongs")
	}
	switch kind {
	case KindGameStatePeriodic:
		d.gameStates = true
	case KindPlayerPosition:
		named := ev.Character != nil && ev.Character.Name != ""
		if d.posBad == nil && (ev.Bad&BadCharacter != 0 || (named && ev.Bad&BadCharacterLocation != 0)) {
			d.posBad = d.wrongType(start, ev.Bad.Name(), "a non-empty non-object value where an object belongs").(*Error)
		}
	}
	ev.Kind = kind
	// LogItemUse carries `item`, LogPlayerAttack `weapon`.
	it := d.item
	if kind == KindPlayerAttack || !it.set {
		it = d.weapon
	}
	ev.ItemID, ev.ItemSubCategory = it.id, it.subCat
	return nil
}

func (d *decoder) wrongType(start int64, name, what string) error {
	return &Error{Kind: ErrWrongType, Path: d.path, Offset: start, Event: d.idx, Field: name,
		Err: fmt.Errorf("wrong type for field %s in event %d: %s", name, d.idx, what)}
}

// drop forgets an event we do not keep, returning its slab space.
func (d *decoder) drop() {
	// Most dropped events named their type first and had every other field
	// skipped: their slot is still clear, and clearing its 360 bytes for
	// each of ~35,000 dropped events costs a few per cent of a read.
	d.b.events, d.dirty = d.b.events[:len(d.b.events)-1], d.wrote
	// Mismatches only matter in events we keep.
	d.m.Mismatches, d.m.FirstMismatch = d.mismatchMark, d.firstMismatchMark
	d.releaseActors()
}

// releaseActors gives back the characters and damage infos the current
// event took.
func (d *decoder) releaseActors() {
	d.b.chars.release(d.charsSlab, d.charsMark)
	d.b.infos.release(d.infosSlab, d.infosMark)
}

// field decodes the value of top-level key f.
func (d *decoder) field(f field) error {
	ev := d.ev
	switch f {
	case fT, fType, fEventType:
		return d.typeKey(int(f - fT))
	case fD:
		b, ok, err := d.str(f)
		ev.Has &^= HasTime | HasDText
		if err != nil || !ok {
			return err
		}
		if len(b) > 0 {
			ev.Has |= HasDText
		}
		if t, ok := parseTime(b); ok {
			ev.Time, ev.Has = t, ev.Has|HasTime
		} else {
			ev.Has &^= HasTime
		}
	case fCommon:
		return d.common()
	case fAttackID:
		return d.intField(f, &ev.AttackID, HasAttackID)
	case fDBNOID:
		return d.intField(f, &ev.DBNOID, HasDBNOID)
	case fDamage:
		return d.floatField(f, &ev.Damage, HasDamage)
	case fDistance:
		return d.floatField(f, &ev.Distance, HasDistance)
	case fElapsedTime:
		return d.floatField(f, &ev.ElapsedTime, HasElapsedTime)
	case fDamageTypeCategory:
		return d.strField(f, &ev.DamageTypeCategory, HasDamageTypeCategory)
	case fDamageReason:
		return d.strField(f, &ev.DamageReason, HasDamageReason)
	case fDamageCauserName:
		return d.strField(f, &ev.DamageCauserName, HasDamageCauserName)
	case fVictimWeapon:
		return d.strField(f, &ev.VictimWeapon, HasVictimWeapon)
	case fDamageCauserAdditionalInfo:
		v, err := d.strArray(fieldNames[f], "")
		ev.DamageCauserAdditionalInfo = v
		return err
	case fVictimWeaponAdditionalInfo:
		v, err := d.strArray(fieldNames[f], "")
		ev.VictimWeaponAdditionalInfo = v
		return err
	case fIsAttackerInVehicle:
		return d.boolField(fieldNames[f], "", &ev.IsAttackerInVehicle, &ev.Has, HasIsAttackerInVehicle)
	case fIsThroughPenetrableWall:
		return d.boolField(fieldNames[f], "", &ev.IsThroughPenetrableWall, &ev.Has, HasIsThroughPenetrableWall)
	case fAttacker:
		return d.actor(f, &ev.Attacker)
	case fVictim:
		return d.actor(f, &ev.Victim)
	case fFinisher:
		return d.actor(f, &ev.Finisher)
	case fKiller:
		return d.actor(f, &ev.Killer)
	case fDBNOMaker:
		return d.actor(f, &ev.DBNOMaker)
	case fCharacter:
		return d.actor(f, &ev.Character)
	case fReviver:
		return d.actor(f, &ev.Reviver)
	case fFinishDamageInfo:
		return d.damageInfo(f, &ev.FinishDamage)
	case fKillerDamageInfo:
		return d.damageInfo(f, &ev.KillerDamage)
	case fDBNODamageInfo:
		return d.damageInfo(f, &ev.DBNODamage)
	case fItem:
		return d.itemObj(f, &d.item)
	case fWeapon:
		return d.itemObj(f, &d.weapon)
	case fGameState:
		return d.gameState()
	}
	return nil
}

package synth

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Simulation time is counted in ticks of 100 ns since the match's createdAt,
// the resolution of the 7-digit `_D` fractions.
const (
	tMs  int64 = 10_000
	tSec int64 = 10_000_000
)

// evType is one telemetry event type and how the server serialises it.
type evType struct {
	name    string
	tLast   bool    // `_D`/`_T` written after the fields instead of first
	precise float64 // probability of a 7-digit fraction in `_D`
}

// Modern files write `_T` first and `_D` last; older ones write both last
// (`…,"common":{…},"_D":…,"_T":…}`). A few types keep the older order here,
// and any event may flip, so a parser cannot rely on either.
var (
	evMatchDefinition   = &evType{"LogMatchDefinition", false, 1}
	evPlayerLogin       = &evType{"LogPlayerLogin", true, 0.02}
	evPlayerCreate      = &evType{"LogPlayerCreate", true, 0.02}
	evMatchStart        = &evType{"LogMatchStart", false, 0.02}
	evMatchEnd          = &evType{"LogMatchEnd", false, 0.02}
	evPlayerLogout      = &evType{"LogPlayerLogout", true, 0.02}
	evPlayerPosition    = &evType{"LogPlayerPosition", false, 0.02}
	evGameState         = &evType{"LogGameStatePeriodic", false, 0.02}
	evPhaseChange       = &evType{"LogPhaseChange", false, 0.02}
	evParachuteLanding  = &evType{"LogParachuteLanding", true, 0.02}
	evVehicleRide       = &evType{"LogVehicleRide", false, 0.02}
	evVehicleLeave      = &evType{"LogVehicleLeave", false, 0.02}
	evVehicleDamage     = &evType{"LogVehicleDamage", false, 0.02}
	evPlayerAttack      = &evType{"LogPlayerAttack", false, 0.02}
	evUseThrowable      = &evType{"LogPlayerUseThrowable", false, 0.02}
	evTakeDamage        = &evType{"LogPlayerTakeDamage", false, 0.02}
	evMakeGroggy        = &evType{"LogPlayerMakeGroggy", true, 0.02}
	evRevive            = &evType{"LogPlayerRevive", true, 0.02}
	evKillV2            = &evType{"LogPlayerKillV2", false, 0.02}
	evArmorDestroy      = &evType{"LogArmorDestroy", true, 0.02}
	evItemPickup        = &evType{"LogItemPickup", false, 0.02}
	evItemPickupLootbox = &evType{"LogItemPickupFromLootBox", false, 0.02}
	evItemPickupCare    = &evType{"LogItemPickupFromCarepackage", false, 0.02}
	evItemEquip         = &evType{"LogItemEquip", false, 0.02}
	evItemUnequip       = &evType{"LogItemUnequip", false, 0.02}
	evItemAttach        = &evType{"LogItemAttach", true, 0.02}
	evItemDetach        = &evType{"LogItemDetach", true, 0.02}
	evItemDrop          = &evType{"LogItemDrop", false, 0.02}
	evItemUse           = &evType{"LogItemUse", false, 0.02}
	evHeal              = &evType{"LogHeal", true, 0.02}
	evObjectInteraction = &evType{"LogObjectInteraction", false, 0.02}
	evObjectDestroy     = &evType{"LogObjectDestroy", false, 0.02}
	evVaultStart        = &evType{"LogVaultStart", false, 0.02}
	evWeaponFireCount   = &evType{"LogWeaponFireCount", false, 0.02}
	evSwimStart         = &evType{"LogSwimStart", false, 0.02}
	evSwimEnd           = &evType{"LogSwimEnd", false, 0.02}
	evCarePackageSpawn  = &evType{"LogCarePackageSpawn", false, 0.02}
	evCarePackageLand   = &evType{"LogCarePackageLand", false, 0.02}
	evRedZoneEnded      = &evType{"LogRedZoneEnded", false, 0.02}
)

// evRec locates one rendered event in the arena.
type evRec struct {
	t        int64
	seq      int32
	pinned   bool // sorts before everything (LogMatchDefinition)
	ambient  bool // incidental, placed once the simulation is over
	off, end int
}

// emitter renders events into one arena and records where each one lies.
type emitter struct {
	b     []byte
	recs  []evRec
	seq   int32
	epoch time.Time
	rng   *rand.Rand // formatting choices only (precision, key order flips)

	isGame func(t int64) string // the common.isGame literal at a time

	// the event being written
	cur    evRec
	curTyp *evType
	curTS  int64
	last   bool
	first  bool
	noComm bool

	tsSec    int64
	tsPrefix []byte
}

func newEmitter(epoch time.Time, rng *rand.Rand, sizeHint int) *emitter {
	return &emitter{
		b:     make([]byte, 0, sizeHint),
		recs:  make([]evRec, 0, sizeHint/600),
		epoch: epoch,
		rng:   rng,
		tsSec: -1,
	}
}

// begin opens an event of type et at time t (ticks). t should be aligned to a
// millisecond; a 7-digit event gets sub-millisecond jitter added here.
func (e *emitter) begin(t int64, et *evType, ambient bool) {
	t -= t % tMs
	if et.precise >= 1 || (et.precise > 0 && e.rng.Float64() < et.precise) {
		t += 1 + e.rng.Int64N(tMs-1)
	}
	e.curTS = t
	e.cur = evRec{t: t, ambient: ambient, off: len(e.b)}
	e.curTyp = et
	e.noComm = false
	e.last = et.tLast
	if e.rng.IntN(50) == 0 {
		e.last = !e.last
	}
	e.b = append(e.b, '{')
	e.first = true
	if !e.last {
		e.b = append(e.b, `"_T":`...)
		e.b = appendString(e.b, et.name)
		e.first = false
	}
}

// key writes `,"k":` (no comma for the first field).
func (e *emitter) key(k string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *emitter) str(k, v string)         { e.key(k); e.b = appendString(e.b, v) }
func (e *emitter) int(k string, v int)     { e.key(k); e.b = appendInt(e.b, v) }
func (e *emitter) f32(k string, v float64) { e.key(k); e.b = appendF32(e.b, v) }
func (e *emitter) bool(k string, v bool)   { e.key(k); e.b = appendBool(e.b, v) }
func (e *emitter) null(k string)           { e.key(k); e.b = append(e.b, "null"...) }
func (e *emitter) strs(k string, v []string) {
	e.key(k)
	e.b = appendStrings(e.b, v)
}

// end closes the event with its common block and `_D` (and `_T` in the
// older order), and records it.
func (e *emitter) end() {
	if !e.noComm {
		e.key("common")
		e.b = append(e.b, `{"isGame":`...)
		e.b = append(e.b, e.isGame(e.curTS)...)
		e.b = append(e.b, '}')
	}
	e.key("_D")
	e.b = e.appendTS(e.b, e.curTS)
	if e.last {
		e.b = append(e.b, `,"_T":`...)
		e.b = appendString(e.b, e.curTyp.name)
	}
	e.b = append(e.b, '}')
	e.cur.end = len(e.b)
	e.cur.seq = e.seq
	e.seq++
	e.recs = append(e.recs, e.cur)
}

// appendTS appends `_D` for tick t: 3-digit fraction when t is millisecond
// aligned, 7-digit otherwise.
func (e *emitter) appendTS(b []byte, t int64) []byte {
	sec := t / tSec
	if sec != e.tsSec {
		e.tsSec = sec
		e.tsPrefix = e.epoch.Add(time.Duration(sec)*time.Second).UTC().AppendFormat(e.tsPrefix[:0], "2006-01-02T15:04:05")
	}
	b = append(b, '"')
	b = append(b, e.tsPrefix...)
	b = append(b, '.')
	frac := t % tSec
	if frac%tMs == 0 {
		b = appendDigits(b, frac/tMs, 3)
	} else {
		b = appendDigits(b, frac, 7)
	}
	return append(b, 'Z', '"')
}

func appendDigits(b []byte, v int64, n int) []byte {
	var tmp [8]byte
	for i := n - 1; i >= 0; i-- {
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(b, tmp[:n]...)
}

// order sorts the records into file order: the pinned LogMatchDefinition,
// then by time, ties in emission order.
func (e *emitter) order() {
	slices.SortFunc(e.recs, func(a, b evRec) int {
		if a.pinned != b.pinned {
			if a.pinned {
				return -1
			}
			return 1
		}
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return int(a.seq - b.seq)
	})
}

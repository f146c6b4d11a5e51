package telemetry

import "time"

// Kind is the type of a telemetry event (`_T`), reduced to the types some
// extractor reads. Every other type decodes to KindOther and is dropped by the
// decoder, so a parsed match holds only what the extractors need.
type Kind uint8

const (
	KindOther             Kind = iota
	KindMatchDefinition        // LogMatchDefinition
	KindParachuteLanding       // LogParachuteLanding (and the legacy LandParachute)
	KindPlayerKillV2           // LogPlayerKillV2
	KindPlayerTakeDamage       // LogPlayerTakeDamage
	KindPlayerMakeGroggy       // LogPlayerMakeGroggy
	KindPlayerRevive           // LogPlayerRevive
	KindItemUse                // LogItemUse
	KindPlayerAttack           // LogPlayerAttack
	KindGameStatePeriodic      // LogGameStatePeriodic
	KindPlayerPosition         // LogPlayerPosition
	KindMatchEnd               // LogMatchEnd
	numKinds
)

// Has is a bit set recording which optional scalar fields were present (and
// not JSON null) in the source event. The reference worker distinguishes a
// missing field (Python None, stored as NULL) from a zero value, so we must too.
//
// Rows say the same thing with extract.Opt[T] (a value and a Valid flag);
// Event, Character and DamageInfo keep bit sets (Has, CharHas,
// DamageInfoHas) on purpose. This is the hot path: a match decodes about
// 55,000 events and keeps the 20,000 to 33,000 that some extractor reads
// in memory until extraction is done. An Opt per field would pad each
// optional field by a word (Event from 368 to about 480 bytes, Character
// from 104 to about 176, by their field layout), and the scanner records a
// field with one OR into a word it already holds. The extractors turn a
// bit into an Opt where a row needs one (extract.OptIf).
type Has uint32

const (
	HasTime Has = 1 << iota
	HasIsGame
	HasAttackID
	HasDBNOID
	HasDamage
	HasDistance
	HasElapsedTime
	HasIsAttackerInVehicle
	HasIsThroughPenetrableWall
	HasGameState
	HasSafetyZonePosition
	HasSafetyZoneRadius
	HasGameStateElapsedTime
	// HasIsGameInvalid: the reference's `isGame or is_game` is a string,
	// list or object, so its `is_game < 1` raises TypeError and the whole
	// match fails. Extractors that reach that test must fail the same way.
	HasIsGameInvalid
	HasDamageTypeCategory
	HasDamageReason
	HasDamageCauserName
	HasVictimWeapon
	// HasDText: `_D` is a non-empty string, whether or not it parses (the
	// reference's `if not timestamp` test).
	HasDText
)

// Bad records object-valued fields of a kept event that held a truthy
// non-object (a string, number, true or non-empty array). The reference
// reads such fields with `(event.get(k) or {}).get(...)`, which raises
// AttributeError and fails the whole match, but only on the code paths
// that reach them. The reader fails the match itself for the fields an
// always-run extractor reads; every other bad field is left nil and flagged
// here, so each extractor can fail exactly where the reference's would.
type Bad uint32

const (
	BadAttacker Bad = 1 << iota
	BadVictim
	BadFinisher
	BadKiller
	BadDBNOMaker
	BadCharacter
	BadReviver
	BadAttackerLocation
	BadVictimLocation
	BadFinisherLocation
	BadKillerLocation
	BadDBNOMakerLocation
	BadCharacterLocation
	BadReviverLocation
	BadItem
	BadWeapon
	BadGameState
	BadSafetyZonePosition
)

var badNames = [...]string{"attacker", "victim", "finisher", "killer", "dBNOMaker", "character", "reviver",
	"attacker.location", "victim.location", "finisher.location", "killer.location", "dBNOMaker.location",
	"character.location", "reviver.location", "item", "weapon", "gameState", "gameState.safetyZonePosition"}

// Name is the dotted field name of the lowest bit set.
func (b Bad) Name() string {
	for i := range badNames {
		if b&(1<<i) != 0 {
			return badNames[i]
		}
	}
	return ""
}

// Vec3 is a location in centimetres, as telemetry carries it.
type Vec3 struct{ X, Y, Z float64 }

// Character is the part of a telemetry Character object the extractors read.
// A nil *Character means the key was absent or null.
type Character struct {
	Name      string
	AccountID string
	TeamID    int
	Health    float64
	Location  Vec3
	Zone      []string
	Has       CharHas
	// IsInBlueZone / IsInRedZone / IsInVehicle default to false when absent,
	// which is what the reference's .get(key, False) yields.
	IsInBlueZone bool
	IsInRedZone  bool
	IsInVehicle  bool
}

// CharHas records which Character fields were present.
type CharHas uint16

const (
	CharHasName CharHas = 1 << iota
	CharHasAccountID
	CharHasTeamID
	CharHasHealth
	CharHasLocation // a non-empty location object (Python: truthy dict)
	CharHasX
	CharHasY
	CharHasZ
	CharHasZone
)

// DamageInfo is a telemetry DamageInfo object (LogPlayerKillV2's
// finishDamageInfo, killerDamageInfo, dBNODamageInfo).
type DamageInfo struct {
	DamageReason       string
	DamageTypeCategory string
	DamageCauserName   string
	Distance           float64
	Has                DamageInfoHas
}

// DamageInfoHas records which DamageInfo fields were present.
type DamageInfoHas uint8

const (
	DIHasDamageReason DamageInfoHas = 1 << iota
	DIHasDamageTypeCategory
	DIHasDamageCauserName
	DIHasDistance
)

// GameState is the part of LogGameStatePeriodic.gameState the circle
// extractor reads.
type GameState struct {
	ElapsedTime        float64
	SafetyZonePosition Vec3
	SafetyZoneRadius   float64
}

// Event is one decoded telemetry event, compact and typed. Which fields are
// meaningful depends on Kind; unused ones stay zero. Characters are pointers so
// the common event kinds (positions, attacks) do not pay for the rare ones.
type Event struct {
	Kind  Kind
	Has   Has
	Bad   Bad       // fields that held a truthy non-object (see Bad)
	Time  time.Time // `_D`, UTC
	Index int32     // position of the event in the file's array (0-based)

	IsGame      float64 // common.isGame
	ElapsedTime float64 // LogPlayerPosition.elapsedTime
	AttackID    int64
	DBNOID      int64 // dBNOId

	// LogPlayerTakeDamage / LogPlayerMakeGroggy top-level fields.
	Damage                     float64
	Distance                   float64
	DamageTypeCategory         string
	DamageReason               string
	DamageCauserName           string
	DamageCauserAdditionalInfo []string
	VictimWeapon               string
	VictimWeaponAdditionalInfo []string
	IsAttackerInVehicle        bool
	IsThroughPenetrableWall    bool

	// Actors. Character is LogPlayerPosition/LogParachuteLanding/LogItemUse's
	// `character`; Reviver is LogPlayerRevive's `reviver`.
	Attacker  *Character
	Victim    *Character
	Finisher  *Character
	Killer    *Character
	DBNOMaker *Character
	Character *Character
	Reviver   *Character

	// LogPlayerKillV2 damage infos.
	FinishDamage *DamageInfo // finishDamageInfo
	KillerDamage *DamageInfo // killerDamageInfo
	DBNODamage   *DamageInfo // dBNODamageInfo

	// ItemID/ItemSubCategory: LogItemUse.item or LogPlayerAttack.weapon.
	ItemID          string
	ItemSubCategory string

	GameState GameState // LogGameStatePeriodic.gameState
}

// Match is a parsed telemetry file: its events in file order.
type Match struct {
	Events []Event
	// TotalEvents counts every element of the file's array, including the
	// ones dropped as KindOther.
	TotalEvents int
	// DecompressedBytes is the size of the JSON text that was parsed.
	DecompressedBytes int64
	// Mismatches counts kept fields whose JSON type was not the one
	// telemetry uses (e.g. a string where a number belongs); each was
	// treated as absent. FirstMismatch describes the first, for the log.
	// See docs/PARITY.md ("Wrong-typed fields").
	Mismatches    int
	FirstMismatch string
}

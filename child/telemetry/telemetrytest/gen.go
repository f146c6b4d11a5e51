// Package telemetrytest generates realistic PUBG telemetry for tests and
// benchmarks: the event mix, object shapes and number formats of a real
// squad match (~55,000 events, ~38 MB for a full match), deterministic for
// a seed. It stands in until the project's own synthetic-match generator
// is available.
package telemetrytest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// Options shape a generated match.
type Options struct {
	Seed    uint64
	Events  int // approximate number of events (default 55,000)
	Teams   int // default 25
	PerTeam int // default 4
}

type player struct {
	name, account string
	team          int
	x, y, z       float64
	health        float64
	alive         bool
}

// Match returns the JSON text of a generated match.
func Match(o Options) []byte {
	if o.Events <= 0 {
		o.Events = 55000
	}
	if o.Teams <= 0 {
		o.Teams = 25
	}
	if o.PerTeam <= 0 {
		o.PerTeam = 4
	}
	g := &gen{r: rand.New(rand.NewPCG(o.Seed, 0x5eed)), t0: time.Date(2025, 10, 7, 12, 0, 0, 0, time.UTC)}
	for t := 1; t <= o.Teams; t++ {
		for i := 0; i < o.PerTeam; i++ {
			n := len(g.players)
			g.players = append(g.players, &player{
				name:    fmt.Sprintf("Player_%03d", n),
				account: fmt.Sprintf("account.%032x", uint64(n)*0x9e3779b97f4a7c15),
				team:    t, x: 100000 + g.r.Float64()*600000, y: 100000 + g.r.Float64()*600000,
				z: 500 + g.r.Float64()*2000, health: 100, alive: true,
			})
		}
	}
	b := &g.b
	b.Grow(o.Events * 720)
	b.WriteByte('[')
	// LogMatchDefinition comes first but carries a later timestamp than the
	// events that follow, as in real files.
	fmt.Fprintf(b, `{"MatchId":"match.bro.official.pc-2018-37.steam.squad.eu.2025.10.07.12.abcdef","PingQuality":"low","SeasonState":"progress","_D":"%s","_T":"LogMatchDefinition"}`, g.ts(30*time.Minute))
	n := 1
	dbno := 1
	var knocked []int
	landed := false
	for n < o.Events {
		if !landed && g.elapsed > 405 {
			// Everyone lands once the first circle is up (isGame 1).
			landed = true
			for _, p := range g.players {
				fmt.Fprintf(b, `,{"character":%s,"distance":%s,%s,"_D":"%s","_T":"LogParachuteLanding"}`,
					g.char(p), f(g.r.Float64()*3000), g.common(), g.ts(0))
				n++
			}
			continue
		}
		g.elapsed += 0.033 + g.r.Float64()*0.02
		b.WriteByte(',')
		n++
		switch k := g.r.IntN(1000); {
		case k < 330:
			g.position(g.pick())
		case k < 480:
			g.attack(g.pick())
		case k < 600:
			g.simple("LogItemPickup", g.pick())
		case k < 680:
			g.simple("LogItemEquip", g.pick())
		case k < 720:
			g.simple("LogItemUnequip", g.pick())
		case k < 790:
			g.damage(g.pick(), g.pick())
		case k < 820:
			g.itemUse(g.pick())
		case k < 850:
			g.heal(g.pick())
		case k < 870:
			g.vehicle(g.pick())
		case k < 900:
			g.fireCount(g.pick())
		case k < 905:
			g.gameState()
		case k < 908 && len(knocked) < 8:
			a, v := g.pick(), g.pick()
			g.groggy(a, v, dbno)
			knocked = append(knocked, dbno)
			dbno++
		case k < 911:
			a, v := g.pick(), g.pick()
			id := -1
			if len(knocked) > 0 && g.r.IntN(3) > 0 {
				id, knocked = knocked[0], knocked[1:]
			}
			g.kill(a, v, id)
		case k < 912 && len(knocked) > 0:
			g.revive(g.pick(), knocked[0])
			knocked = knocked[1:]
		default:
			g.simple("LogObjectInteraction", g.pick())
		}
	}
	b.WriteString("]\n")
	return b.Bytes()
}

// Gzip compresses data, twice when double is set.
func Gzip(data []byte, double bool) []byte {
	z := func(in []byte) []byte {
		var out bytes.Buffer
		w, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
		w.Write(in)
		w.Close()
		return out.Bytes()
	}
	out := z(data)
	if double {
		out = z(out)
	}
	return out
}

type gen struct {
	r       *rand.Rand
	b       bytes.Buffer
	t0      time.Time
	elapsed float64
	players []*player
}

func (g *gen) pick() *player { return g.players[g.r.IntN(len(g.players))] }

func (g *gen) ts(extra time.Duration) string {
	t := g.t0.Add(time.Duration(g.elapsed*float64(time.Second)) + extra)
	return t.Format("2006-01-02T15:04:05.000Z")
}

func (g *gen) isGame() string {
	v := []string{"0.10000000149011612", "0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4"}
	i := int(g.elapsed / 200)
	if i >= len(v) {
		i = len(v) - 1
	}
	return v[i]
}

func f(v float64) string { return strconv.FormatFloat(float32r(v), 'g', -1, 64) }

// float32r rounds like telemetry, which prints single-precision values.
func float32r(v float64) float64 { return float64(float32(v)) }

func (g *gen) char(p *player) string {
	p.x += g.r.NormFloat64() * 300
	p.y += g.r.NormFloat64() * 300
	zone := `[]`
	if g.r.IntN(4) == 0 {
		zone = `["pochinki"]`
	}
	return fmt.Sprintf(`{"name":"%s","teamId":%d,"health":%s,"location":{"x":%s,"y":%s,"z":%s},"ranking":0,"individualRank":0,"accountId":"%s","isInBlueZone":%t,"isInRedZone":false,"zone":%s,"type":"user"}`,
		p.name, p.team, f(p.health), f(p.x), f(p.y), f(p.z), p.account, g.r.IntN(10) == 0, zone)
}

func (g *gen) common() string { return `"common":{"isGame":` + g.isGame() + `}` }

func (g *gen) item(id, cat, sub string) string {
	return fmt.Sprintf(`{"itemId":"%s","stackCount":1,"category":"%s","subCategory":"%s","attachedItems":["Item_Attach_Weapon_Muzzle_Compensator_Large_C","Item_Attach_Weapon_Magazine_Extended_Large_C"]}`, id, cat, sub)
}

var weapons = []string{"WeapHK416_C", "WeapAK47_C", "WeapSCAR-L_C", "WeapMini14_C", "WeapKar98k_C", "WeapUMP_C", "WeapM16A4_C", "WeapBerylM762_C"}

func (g *gen) vehicleObj() string {
	if g.r.IntN(2) == 0 {
		return "null"
	}
	return fmt.Sprintf(`{"vehicleType":"WheeledVehicle","vehicleId":"Uaz_A_01_C","vehicleUniqueId":%d,"healthPercent":%s,"feulPercent":%s,"altitudeAbs":%s,"altitudeRel":%s,"velocity":%s,"seatIndex":0,"isWheelsInAir":false,"isInWaterVolume":false,"isEngineOn":true}`,
		g.r.IntN(10000), f(g.r.Float64()*100), f(g.r.Float64()*100), f(g.r.Float64()*5000), f(g.r.Float64()*100), f(g.r.Float64()*3000))
}

func (g *gen) position(p *player) {
	fmt.Fprintf(&g.b, `{"character":%s,"vehicle":%s,"elapsedTime":%d,"numAlivePlayers":%d,%s,"_D":"%s","_T":"LogPlayerPosition"}`,
		g.char(p), g.vehicleObj(), int(g.elapsed), 60+g.r.IntN(40), g.common(), g.ts(0))
}

func (g *gen) attack(p *player) {
	w := weapons[g.r.IntN(len(weapons))]
	sub, id := "Main", "Item_Weapon_"+w[4:]
	if g.r.IntN(20) == 0 {
		sub, id = "Throwable", "Item_Weapon_Grenade_C"
	}
	fmt.Fprintf(&g.b, `{"attackId":%d,"fireWeaponStackCount":%d,"attacker":%s,"attackType":"Weapon","weapon":%s,"vehicle":%s,%s,"_D":"%s","_T":"LogPlayerAttack"}`,
		g.r.IntN(1<<30), g.r.IntN(300), g.char(p), g.item(id, "Weapon", sub), g.vehicleObj(), g.common(), g.ts(0))
}

func (g *gen) simple(t string, p *player) {
	fmt.Fprintf(&g.b, `{"character":%s,"item":%s,"carryState":"None",%s,"_D":"%s","_T":"%s"}`,
		g.char(p), g.item("Item_Ammo_556mm_C", "Ammunition", "None"), g.common(), g.ts(0), t)
}

func (g *gen) damage(a, v *player) {
	reasons := []string{"TorsoShot", "HeadShot", "ArmShot", "LegShot", "PelvisShot", "NonSpecific"}
	fmt.Fprintf(&g.b, `{"attackId":%d,"attacker":%s,"victim":%s,"damageTypeCategory":"Damage_Gun","damageReason":"%s","damage":%s,"damageCauserName":"%s","isThroughPenetrableWall":false,%s,"_D":"%s","_T":"LogPlayerTakeDamage"}`,
		g.r.IntN(1<<30), g.char(a), g.char(v), reasons[g.r.IntN(len(reasons))], f(g.r.Float64()*60), weapons[g.r.IntN(len(weapons))], g.common(), g.ts(0))
}

func (g *gen) itemUse(p *player) {
	items := []string{"Item_Heal_FirstAid_C", "Item_Heal_Bandage_C", "Item_Boost_EnergyDrink_C", "Item_Boost_PainKiller_C"}
	fmt.Fprintf(&g.b, `{"character":%s,"item":%s,%s,"_D":"%s","_T":"LogItemUse"}`,
		g.char(p), g.item(items[g.r.IntN(len(items))], "Use", "Heal"), g.common(), g.ts(0))
}

func (g *gen) heal(p *player) {
	fmt.Fprintf(&g.b, `{"character":%s,"item":%s,"healAmount":%s,%s,"_D":"%s","_T":"LogHeal"}`,
		g.char(p), g.item("Item_Heal_Bandage_C", "Use", "Heal"), f(g.r.Float64()*10), g.common(), g.ts(0))
}

func (g *gen) vehicle(p *player) {
	fmt.Fprintf(&g.b, `{"character":%s,"vehicle":{"vehicleType":"WheeledVehicle","vehicleId":"Dacia_A_01_v2_C","vehicleUniqueId":%d,"healthPercent":100,"feulPercent":%s,"altitudeAbs":0,"altitudeRel":0,"velocity":0,"seatIndex":0,"isWheelsInAir":false,"isInWaterVolume":false,"isEngineOn":true},"seatIndex":0,"fellowPassengers":[],%s,"_D":"%s","_T":"LogVehicleRide"}`,
		g.char(p), g.r.IntN(1000), f(g.r.Float64()*100), g.common(), g.ts(0))
}

func (g *gen) fireCount(p *player) {
	fmt.Fprintf(&g.b, `{"character":%s,"weaponId":"%s","fireCount":%d,%s,"_D":"%s","_T":"LogWeaponFireCount"}`,
		g.char(p), weapons[g.r.IntN(len(weapons))], 10*g.r.IntN(10), g.common(), g.ts(0))
}

func (g *gen) gameState() {
	fmt.Fprintf(&g.b, `{"gameState":{"elapsedTime":%d,"numAliveTeams":20,"numJoinPlayers":100,"numStartPlayers":100,"numAlivePlayers":80,"safetyZonePosition":{"x":%s,"y":%s,"z":0},"safetyZoneRadius":%s,"poisonGasWarningPosition":{"x":408000,"y":408000,"z":0},"poisonGasWarningRadius":300000,"redZonePosition":{"x":0,"y":0,"z":0},"redZoneRadius":0,"blackZonePosition":{"x":0,"y":0,"z":0},"blackZoneRadius":0},%s,"_D":"%s","_T":"LogGameStatePeriodic"}`,
		int(g.elapsed), f(400000+g.r.Float64()*1000), f(400000+g.r.Float64()*1000), f(400000-g.elapsed*100), g.common(), g.ts(0))
}

func (g *gen) groggy(a, v *player, id int) {
	fmt.Fprintf(&g.b, `{"attackId":%d,"attacker":%s,"victim":%s,"damageReason":"HeadShot","damageTypeCategory":"Damage_Gun","damageCauserName":"%s","damageCauserAdditionalInfo":["Item_Attach_Weapon_Lower_Foregrip_C","Item_Attach_Weapon_Upper_Holosight_C"],"victimWeapon":"WeapAK47_C","victimWeaponAdditionalInfo":[],"distance":%s,"isAttackerInVehicle":false,"dBNOId":%d,"isThroughPenetrableWall":false,%s,"_D":"%s","_T":"LogPlayerMakeGroggy"}`,
		g.r.IntN(1<<30), g.char(a), g.char(v), weapons[g.r.IntN(len(weapons))], f(g.r.Float64()*20000), id, g.common(), g.ts(0))
}

func (g *gen) damageInfo() string {
	return fmt.Sprintf(`{"damageReason":"HeadShot","damageTypeCategory":"Damage_Gun","damageCauserName":"%s","additionalInfo":[],"distance":%s,"isThroughPenetrableWall":false}`,
		weapons[g.r.IntN(len(weapons))], f(g.r.Float64()*20000))
}

func (g *gen) kill(a, v *player, dbno int) {
	maker := "null"
	if dbno != -1 {
		maker = g.char(a)
	}
	fmt.Fprintf(&g.b, `{"attackId":%d,"dBNOId":%d,"victimGameResult":{"rank":%d,"gameResult":"lost","teamId":%d,"stats":{"killCount":1,"distanceOnFoot":1234.5,"distanceOnSwim":0,"distanceOnVehicle":0,"distanceOnParachute":0,"distanceOnFreefall":0},"accountId":"%s"},"victim":%s,"victimWeapon":"WeapAK47_C","victimWeaponAdditionalInfo":[],"dBNOMaker":%s,"dBNODamageInfo":%s,"finisher":%s,"finishDamageInfo":%s,"killer":%s,"killerDamageInfo":%s,"assists_AccountId":[],"teamKillers_AccountId":[],"isSuicide":false,%s,"_D":"%s","_T":"LogPlayerKillV2"}`,
		g.r.IntN(1<<30), dbno, 10+g.r.IntN(15), v.team, v.account, g.char(v), maker, g.damageInfo(), g.char(a), g.damageInfo(), g.char(a), g.damageInfo(), g.common(), g.ts(0))
}

func (g *gen) revive(p *player, dbno int) {
	fmt.Fprintf(&g.b, `{"reviver":%s,"victim":%s,"dBNOId":%d,%s,"_D":"%s","_T":"LogPlayerRevive"}`,
		g.char(p), g.char(g.pick()), dbno, g.common(), g.ts(0))
}

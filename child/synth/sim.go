package synth

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

type pstate uint8

const (
	stLobby pstate = iota
	stPlane
	stAir
	stGround
	stKnocked
	stDead
)

// dmgInfo describes the damage of one hit, as DamageInfo and the top-level
// damage fields carry it.
type dmgInfo struct {
	reason, category, causer string
	addl                     []string
	distance                 float64
	wall                     bool
	wi                       int // weapon index + 1, 0 when not a weapon
	part                     int // index in partNames
}

// wstat accumulates LogMatchEnd.allWeaponStats for one player and weapon.
type wstat struct {
	shots, hits, dbnoHits int
	damage, dbnoDamage    float64
	holding               int
	parts                 [6]struct{ kills, dbnos, hits int }
}

type damager struct {
	p   *player
	sec int
}

type lootAction struct {
	sec  int
	kind uint8
	arg  int
}

type player struct {
	idx         int
	name        string
	account     string
	participant string
	team        *team
	slot        int
	bot         bool
	female      bool
	tracked     bool
	head, acct  []byte // pre-rendered Character fragments

	st             pstate
	x, y, z        float64
	health, boost  float64
	helmet, vest   int
	backpack       int
	heals          [3]int
	boosts         [3]int
	throws         [numThrowables]int
	guns           [2]int // weapon index, -1 none
	gunAtt         [2][]string
	gunNo          [2]int
	ws             []wstat // by weapon index; the last entry is fists
	fire           [2]int
	ox, oy         float64
	speed          float64
	jumpSec        int
	landSec        int
	lootEnd        int
	jx, jy, lx, ly float64
	lx2, ly2       float64
	loot           []lootAction

	veh       *vehicle
	seat      int
	rideStart float64

	target      *player
	engagedAt   int
	hitAt       int
	knocker     *player
	knockInfo   dmgInfo
	dbno        int
	knocks      int
	reviver     *player
	reviveEnd   int
	reviving    *player
	healEnd     int
	healKind    int
	healStart   int
	damagers    []damager
	thrown      int
	exposedSec  int
	lastT       int64 // time of the latest core event about the player
	lastBoost   int
	exposedNow  bool
	posPhase    int
	inBlue      bool
	inRed       bool
	ranking     int
	indRank     int
	deathSec    int
	kills       int
	dbnos       int
	assists     int
	headshots   int
	revives     int
	healsUsed   int
	boostsUsed  int
	damageDealt float64
	longestKill float64
	distFoot    float64
	distVeh     float64
	distPara    float64
	distFree    float64
}

func (p *player) alive() bool  { return p.st != stDead }
func (p *player) active() bool { return p.st == stGround || p.st == stKnocked }

type team struct {
	idx      int
	id       int
	members  []*player
	bot      bool
	poi      int
	tx, ty   float64
	moving   bool
	moveAt   int
	ready    int
	veh      *vehicle
	rank     int
	elim     bool
	fightAt  int
	decided  int // phase for which a rotation was decided
	wanderAt int
}

type vehicle struct {
	id       string
	uid      int
	x, y     float64
	speed    float64
	maxSpeed float64
	health   float64
	fuel     float64
	riders   []*player
	tx, ty   float64
}

type poi struct {
	x, y   float64
	region string
	hot    float64
}

type phase struct {
	appear, shrinkStart, shrinkEnd int // seconds since createdAt
	cx, cy, r                      float64
	dps                            float64
}

type redZone struct {
	start, end int
	x, y, r    float64
}

type pending struct {
	sec      int
	kind     int
	x, y     float64
	att      *player
	attackID int
	ticks    int
}

type sim struct {
	opt         Options
	prof        Profile
	rng         *rand.Rand // the match itself
	amb         *rand.Rand // incidental events only
	odd         *rand.Rand // Options.Oddities only; nil without
	oddAttack   int
	e           *emitter
	mp          *mapInfo
	mode        string
	gameType    string
	teamSize    int
	tpp         bool
	created     time.Time
	matchID     string
	telemID     string
	weather     string
	target      int
	targetBytes int64

	players []*player
	teams   []*team
	pois    []poi

	S                int // lift-off, seconds since createdAt
	planeEnd         int
	ax, ay, bx, by   float64
	planeDur         float64
	dropCX, dropCY   float64
	dropHalf         float64
	r0               float64
	phases           []phase
	reds             []redZone
	isGameAt         []isGameMark
	pend             []pending
	sec              int
	endSec           int
	over             bool
	alive, aliveTeam int
	attackID         int
	dbnoID           int
	vehUID           int
	act              []*player
	carePkgs         int
	careItems        []careDrop
	boxes            []box
	poiTeams         []int
	slots            []ambSlot
}

type isGameMark struct {
	from int64
	lit  string
}

func newSim(opts Options, attempt int) *sim {
	// the profile, mode and map are part of the seed: a small and a modern
	// match of the same seed are different matches (with different ids)
	h := fnv.New64a()
	h.Write([]byte(opts.Profile.Name + "/" + opts.GameMode + "/" + opts.MapName))
	seed := opts.Seed ^ h.Sum64()
	if attempt > 0 {
		seed = SeriesSeed(seed, 1000+attempt)
	}
	s := &sim{
		opt:  opts,
		prof: opts.Profile,
		rng:  rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)),
		amb:  rand.New(rand.NewPCG(seed^0x5bd1e9955bd1e995, 0x2545f4914f6cdd1d)),
	}
	if opts.Oddities || opts.NPCs {
		s.odd = oddRand(seed)
	}
	s.setup()
	hint := int(float64(s.target) * 760)
	s.e = newEmitter(s.created, rand.New(rand.NewPCG(seed^0xc2b2ae3d27d4eb4f, 0x165667b19e3779f9)), hint)
	s.e.isGame = s.isGameLit
	return s
}

// ---------------------------------------------------------------- setup

func (s *sim) setup() {
	r := s.rng
	// mode, map, time, ids
	s.mode = s.opt.GameMode
	if s.mode == "" {
		s.mode = pickWeighted(r, []string{"squad-fpp", "squad", "duo-fpp", "duo", "solo-fpp", "solo"}, []float64{50, 15, 15, 5, 10, 5})
	}
	s.teamSize = teamSizeOf(s.mode)
	s.tpp = !hasSuffix(s.mode, "-fpp")
	if s.opt.MapName != "" {
		s.mp, _ = mapByName(s.opt.MapName)
	} else {
		s.mp = &maps[pickIndex(r, []float64{35, 15, 15, 10, 10, 15})]
	}
	s.gameType = s.opt.GameType
	if s.gameType == "" {
		s.gameType = DefaultGameType
	}
	if s.opt.CreatedAt.IsZero() {
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		s.created = base.Add(time.Duration(r.IntN(300*86400)) * time.Second)
	} else {
		s.created = s.opt.CreatedAt.UTC().Truncate(time.Second)
	}
	s.matchID = uuid(r)
	regions := []string{"eu", "na", "as", "krjp", "sea", "oc", "sa"}
	kind := "official"
	if s.gameType == "competitive" {
		kind = "competitive"
	}
	s.telemID = "match.bro." + kind +
		".pc-2018-" + strconv.Itoa(30+r.IntN(8)) + ".steam." + s.mode + "." + regions[r.IntN(len(regions))] + "." +
		s.created.Format("2006.01.02.15") + "." + s.matchID
	s.weather = s.mp.weather[r.IntN(len(s.mp.weather))]
	s.target = s.prof.MinEvents + r.IntN(s.prof.MaxEvents-s.prof.MinEvents+1)
	if s.prof.MaxBytes > 0 {
		s.targetBytes = s.prof.MinBytes + r.Int64N(s.prof.MaxBytes-s.prof.MinBytes+1)
	}
	s.attackID = 100000000 + r.IntN(900000000)
	s.dbnoID = 8 + r.IntN(24)

	s.setupPlayers()
	s.setupWorld()
}

func (s *sim) setupPlayers() {
	r := s.rng
	ts := s.teamSize
	n := s.prof.MinPlayers + r.IntN(s.prof.MaxPlayers-s.prof.MinPlayers+1)
	nTeams := n / ts
	if nTeams < 2 {
		nTeams = 2
	}
	botTeams := s.prof.MinBotTeams + r.IntN(s.prof.MaxBotTeams-s.prof.MinBotTeams+1)
	botTeams = botTeams * 4 / ts
	if botTeams > nTeams-2 {
		botTeams = nTeams - 2
	}
	ids := r.Perm(nTeams)
	used := map[string]bool{}
	for _, id := range s.opt.Include {
		used[id.Name] = true
	}
	// which human team gets the included players
	humanTeams := nTeams - botTeams
	incTeam := 0
	if humanTeams > 0 {
		incTeam = r.IntN(humanTeams)
	}
	botN := 0
	for t := 0; t < nTeams; t++ {
		tm := &team{idx: t, id: ids[t] + 1, bot: t >= humanTeams, rank: 0}
		s.teams = append(s.teams, tm)
		for k := 0; k < ts; k++ {
			p := &player{idx: len(s.players), team: tm, slot: k, guns: [2]int{-1, -1}}
			if tm.bot {
				p.bot = true
				botN++
				p.account = "ai." + strconv.Itoa(100+r.IntN(900)*10+botN)
			} else {
				p.account = "account." + hexN(r, 32)
			}
			p.name = s.newName(r, used)
			p.participant = uuid(r)
			p.ws = make([]wstat, len(weapons)+1)
			p.female = r.IntN(4) == 0
			p.health = 100
			p.posPhase = r.IntN(10)
			p.speed = 560 + r.Float64()*90
			p.ox = (r.Float64()*2 - 1) * 1200
			p.oy = (r.Float64()*2 - 1) * 1200
			tm.members = append(tm.members, p)
			s.players = append(s.players, p)
		}
	}
	// included players take the slots of one human team, then the next ones
	// (wrapping around), as many as there are human slots
	humanSlots := humanTeams * ts
	for i, id := range s.opt.Include {
		if i >= humanSlots {
			break
		}
		p := s.players[(incTeam*ts+i)%humanSlots]
		p.account, p.name, p.tracked = id.AccountID, id.Name, true
	}
	// tracked players: whole human teams until the fraction is reached
	humans := humanTeams * ts
	want := int(math.Round(s.opt.TrackedFraction * float64(humans)))
	have := 0
	for _, p := range s.players {
		if p.tracked {
			have++
		}
	}
	for _, t := range r.Perm(humanTeams) {
		for _, p := range s.teams[t].members {
			if have >= want {
				break
			}
			if !p.tracked {
				p.tracked = true
				have++
			}
		}
	}
	if s.opt.Oddities {
		s.oddTeamIDs()
	}
	if s.opt.NPCs {
		s.oddNames(used)
	}
	for _, p := range s.players {
		p.head = appendString(append([]byte(nil), `{"name":`...), p.name)
		p.head = append(p.head, `,"teamId":`...)
		p.head = appendInt(p.head, p.team.id)
		p.head = append(p.head, `,"health":`...)
		p.acct = appendString(append([]byte(nil), `,"accountId":`...), p.account)
	}
	s.alive = len(s.players)
	s.aliveTeam = len(s.teams)
}

func (s *sim) newName(r *rand.Rand, used map[string]bool) string {
	for {
		n := namePrefixes[r.IntN(len(namePrefixes))] + nameCores[r.IntN(len(nameCores))] + nameSuffixes[r.IntN(len(nameSuffixes))]
		if r.IntN(3) == 0 {
			n += strconv.Itoa(r.IntN(1000))
		}
		if len(n) > 16 {
			n = n[:16]
		}
		if len(n) < 4 || used[n] {
			continue
		}
		used[n] = true
		return n
	}
}

func (s *sim) setupWorld() {
	r := s.rng
	size := s.mp.size
	ps := s.prof.PhaseScale
	s.dropCX = size * (0.4 + 0.2*r.Float64())
	s.dropCY = size * (0.4 + 0.2*r.Float64())
	s.dropHalf = size * s.prof.DropArea / 2
	if s.dropCX-s.dropHalf < size*0.05 {
		s.dropCX = size*0.05 + s.dropHalf
	}
	if s.dropCX+s.dropHalf > size*0.95 {
		s.dropCX = size*0.95 - s.dropHalf
	}
	if s.dropCY-s.dropHalf < size*0.05 {
		s.dropCY = size*0.05 + s.dropHalf
	}
	if s.dropCY+s.dropHalf > size*0.95 {
		s.dropCY = size*0.95 - s.dropHalf
	}

	// points of interest
	nPOI := max(24+r.IntN(8), len(s.teams)*3/4+r.IntN(8))
	regs := append([]string(nil), s.mp.regions...)
	r.Shuffle(len(regs), func(i, j int) { regs[i], regs[j] = regs[j], regs[i] })
	for i := 0; i < nPOI; i++ {
		p := poi{
			x:   s.dropCX + (r.Float64()*2-1)*s.dropHalf*0.92,
			y:   s.dropCY + (r.Float64()*2-1)*s.dropHalf*0.92,
			hot: 1 + r.Float64()*4,
		}
		if i < len(regs) {
			p.region = regs[i]
		}
		s.pois = append(s.pois, p)
	}

	// lobby and lift-off
	s.S = 60 + r.IntN(25)

	// plane path through the drop area, edge to edge
	ang := r.Float64() * 2 * math.Pi
	dx, dy := math.Cos(ang), math.Sin(ang)
	px := s.dropCX + (r.Float64()*2-1)*s.dropHalf*0.5
	py := s.dropCY + (r.Float64()*2-1)*s.dropHalf*0.5
	tmin, tmax := lineBox(px, py, dx, dy, size)
	s.ax, s.ay = px+dx*tmin, py+dy*tmin
	s.bx, s.by = px+dx*tmax, py+dy*tmax
	s.planeDur = (tmax - tmin) / 9000
	s.planeEnd = s.S + int(math.Ceil(s.planeDur)) + 2

	// zones
	s.r0 = math.Min(581999, 581999*s.prof.DropArea/0.8)
	waits := []float64{240, 180, 150, 120, 100, 90, 75, 60, 45}
	shrinks := []float64{270, 150, 120, 90, 60, 45, 40, 35, 30}
	radii := []float64{200000, 130000, 78000, 46000, 27000, 14000, 7000, 3500, 1000}
	dps := []float64{0.4, 0.6, 0.8, 1, 3, 5, 7, 9, 11}
	t := s.planeEnd + int((40+r.Float64()*30)*ps)
	cx := s.dropCX + (r.Float64()*2-1)*s.dropHalf*0.3
	cy := s.dropCY + (r.Float64()*2-1)*s.dropHalf*0.3
	prevR := s.r0
	for i := range waits {
		rad := radii[i] * s.prof.ZoneScale
		if i == len(waits)-1 {
			rad = math.Max(rad, 800)
		}
		if i > 0 {
			ang := r.Float64() * 2 * math.Pi
			off := (prevR - rad) * 0.85 * math.Sqrt(r.Float64())
			cx += math.Cos(ang) * off
			cy += math.Sin(ang) * off
		}
		cx = clamp(cx, rad*0.5, size-rad*0.5)
		cy = clamp(cy, rad*0.5, size-rad*0.5)
		ph := phase{appear: t, cx: cx, cy: cy, r: rad, dps: dps[i]}
		ph.shrinkStart = t + int(waits[i]*ps)
		ph.shrinkEnd = ph.shrinkStart + int(shrinks[i]*ps)
		s.phases = append(s.phases, ph)
		t = ph.shrinkEnd
		prevR = rad
	}
	// red zones in some middle phases
	for i := 1; i < 6 && i < len(s.phases); i++ {
		if r.Float64() < 0.5 {
			ph := s.phases[i]
			ang := r.Float64() * 2 * math.Pi
			prev := s.phases[i-1]
			d := prev.r * (0.5 + 0.4*r.Float64())
			rz := redZone{start: ph.appear + int(30*ps), x: prev.cx + math.Cos(ang)*d, y: prev.cy + math.Sin(ang)*d, r: 30000 + r.Float64()*20000}
			rz.end = rz.start + 60
			rz.x = clamp(rz.x, 0, size)
			rz.y = clamp(rz.y, 0, size)
			s.reds = append(s.reds, rz)
		}
	}
	// isGame marks
	mark := func(sec int, lit string) {
		s.isGameAt = append(s.isGameAt, isGameMark{from: int64(sec) * tSec, lit: lit})
	}
	mark(0, "0")
	mark(s.S, "0.10000000149011612")
	mark(s.planeEnd, "0.5")
	for i, ph := range s.phases {
		mark(ph.appear, strconv.Itoa(i+1))
		mark(ph.shrinkStart, strconv.Itoa(i+1)+".5")
	}

	// teams choose where to land
	s.poiTeams = make([]int, len(s.pois))
	for _, tm := range s.teams {
		s.planJump(tm)
	}
}

// lineBox intersects the line p + t·d with the square [0,size]².
func lineBox(px, py, dx, dy, size float64) (float64, float64) {
	tmin, tmax := math.Inf(-1), math.Inf(1)
	for _, c := range [2][2]float64{{px, dx}, {py, dy}} {
		if math.Abs(c[1]) < 1e-9 {
			continue
		}
		t1, t2 := (0-c[0])/c[1], (size-c[0])/c[1]
		if t1 > t2 {
			t1, t2 = t2, t1
		}
		tmin = math.Max(tmin, t1)
		tmax = math.Min(tmax, t2)
	}
	return tmin, tmax
}

func (s *sim) planeAt(sec float64) (float64, float64) {
	u := clamp((sec-float64(s.S))/s.planeDur, 0, 1)
	return s.ax + (s.bx-s.ax)*u, s.ay + (s.by-s.ay)*u
}

func (s *sim) planJump(tm *team) {
	r := s.rng
	ldx, ldy := s.bx-s.ax, s.by-s.ay
	l2 := ldx*ldx + ldy*ldy
	weights := make([]float64, len(s.pois))
	us := make([]float64, len(s.pois))
	for i, p := range s.pois {
		u := ((p.x-s.ax)*ldx + (p.y-s.ay)*ldy) / l2
		u = clamp(u, 0.04, 0.96)
		qx, qy := s.ax+ldx*u, s.ay+ldy*u
		d := math.Hypot(p.x-qx, p.y-qy)
		us[i] = u
		weights[i] = p.hot / (1 + math.Pow(d/60000, 2)) / (1 + 2.5*float64(s.poiTeams[i]))
	}
	tm.poi = pickIndex(r, weights)
	s.poiTeams[tm.poi]++
	p := s.pois[tm.poi]
	spot := [2]float64{p.x + (r.Float64()*2-1)*9000, p.y + (r.Float64()*2-1)*9000}
	if r.Float64() < 0.25 {
		// some land in the open, away from any town, near the flight path
		u := 0.05 + 0.9*r.Float64()
		ang := r.Float64() * 2 * math.Pi
		d := 20000 + r.Float64()*100000
		spot[0] = clamp(s.ax+ldx*u+math.Cos(ang)*d, 2000, s.mp.size-2000)
		spot[1] = clamp(s.ay+ldy*u+math.Sin(ang)*d, 2000, s.mp.size-2000)
		us[tm.poi] = u
	}
	glideBack := 0.02 + r.Float64()*0.06
	u := clamp(us[tm.poi]-glideBack, 0.02, 0.95)
	jump := float64(s.S) + u*s.planeDur + r.Float64()*3
	tm.tx, tm.ty = spot[0], spot[1]
	for _, m := range tm.members {
		js := int(jump) + r.IntN(2)
		if s.teamSize == 1 || r.IntN(20) == 0 {
			js += r.IntN(6)
		}
		if js >= s.planeEnd-1 {
			js = s.planeEnd - 2
		}
		m.jumpSec = js
		m.jx, m.jy = s.planeAt(float64(js))
		m.lx = clamp(spot[0]+(r.Float64()*2-1)*1500, 1000, s.mp.size-1000)
		m.ly = clamp(spot[1]+(r.Float64()*2-1)*1500, 1000, s.mp.size-1000)
		d := math.Hypot(m.lx-m.jx, m.ly-m.jy)
		flight := clamp(32+d/3800, 45, 120)
		m.landSec = js + int(flight)
		m.distFree = d * 0.45
		m.distPara = d * 0.55
		m.lootEnd = m.landSec + int((70+r.Float64()*110)*math.Max(s.prof.PhaseScale, 0.5))
	}
	tm.ready = 0
	for _, m := range tm.members {
		if m.lootEnd > tm.ready {
			tm.ready = m.lootEnd
		}
	}
}

// ---------------------------------------------------------------- geometry

func groundZ(x, y float64) float64 {
	return 300 + 1500*(math.Sin(x/70000)+math.Cos(y/53000)+2)/4
}

func dist(a, b *player) float64 { return math.Hypot(a.x-b.x, a.y-b.y) }

func clamp(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// blueAt is the current blue circle (safetyZone) at second sec.
func (s *sim) blueAt(sec int) (x, y, r float64) {
	px, py, pr := s.dropCX, s.dropCY, s.r0
	for _, ph := range s.phases {
		if sec < ph.shrinkStart {
			return px, py, pr
		}
		if sec < ph.shrinkEnd {
			u := float64(sec-ph.shrinkStart) / float64(ph.shrinkEnd-ph.shrinkStart)
			return px + (ph.cx-px)*u, py + (ph.cy-py)*u, pr + (ph.r-pr)*u
		}
		px, py, pr = ph.cx, ph.cy, ph.r
	}
	return px, py, pr
}

// whiteAt is the announced next safe zone (poisonGasWarning), or -1.
func (s *sim) whiteAt(sec int) int {
	k := -1
	for i, ph := range s.phases {
		if sec >= ph.appear {
			k = i
		}
	}
	return k
}

func (s *sim) dpsAt(sec int) float64 {
	d := 0.4
	for _, ph := range s.phases {
		if sec >= ph.shrinkStart {
			d = ph.dps
		}
	}
	return d
}

func (s *sim) redAt(sec int) *redZone {
	for i := range s.reds {
		if sec >= s.reds[i].start && sec < s.reds[i].end {
			return &s.reds[i]
		}
	}
	return nil
}

func (s *sim) isGameLit(t int64) string {
	lit := "0"
	for _, m := range s.isGameAt {
		if t >= m.from {
			lit = m.lit
		} else {
			break
		}
	}
	return lit
}

func (s *sim) region(x, y float64) string {
	best, bd := "", 60000.0*60000
	for i := range s.pois {
		p := &s.pois[i]
		if p.region == "" {
			continue
		}
		d := (p.x-x)*(p.x-x) + (p.y-y)*(p.y-y)
		if d < bd {
			best, bd = p.region, d
		}
	}
	return best
}

// ---------------------------------------------------------------- helpers

// begin opens a core event about the given players, no earlier than the
// last event of each of them: within one second several systems (fights,
// the blue zone, bleeding) write at random milliseconds, and a player must
// not be knocked before the shot that knocked them nor shoot after dying.
func (s *sim) begin(tk int64, et *evType, ps ...*player) {
	for _, p := range ps {
		if p != nil && p.lastT >= tk-tk%tMs {
			tk = p.lastT - p.lastT%tMs + tMs
		}
	}
	s.e.begin(tk, et, false)
	for _, p := range ps {
		if p != nil {
			p.lastT = s.e.cur.t
		}
	}
}

func pickIndex(r *rand.Rand, w []float64) int {
	total := 0.0
	for _, x := range w {
		total += x
	}
	v := r.Float64() * total
	for i, x := range w {
		if v < x {
			return i
		}
		v -= x
	}
	return len(w) - 1
}

func pickWeighted(r *rand.Rand, vals []string, w []float64) string { return vals[pickIndex(r, w)] }

func hexN(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.IntN(16)]
	}
	return string(b)
}

func uuid(r *rand.Rand) string {
	h := []byte(hexN(r, 32))
	h[12] = '4'
	h[16] = "89ab"[r.IntN(4)]
	return string(h[0:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:32])
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// at is the tick of millisecond ms within second sec.
func at(sec int, ms int) int64 { return int64(sec)*tSec + int64(ms)*tMs }

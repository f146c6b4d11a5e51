package extract

// pyIntSet reproduces the slot layout of a CPython 3.12 set of ints, because
// the reference's team fights depend on set iteration order: the primary and
// third-party teams are the fight's teams sorted by engagement score, and
// Python's stable sort leaves tied teams in the order the set yields them
// (third_party_teams is stored as an ordered array). For ints that order is
// the hash-table slot order, which depends on the values, the table size and
// the exact insertion history — so we replay that history.
//
// Only what the reference does is modelled: inserting (set literal, add,
// set(list)), merging another set (set.update(other_set)) and iterating.
// Nothing is ever deleted, so there are no dummy entries.
type pyIntSet struct {
	keys  []int64 // slot -> key, valid when used[slot]
	full  []bool
	small [pySetMinSize]int64
	sfull [pySetMinSize]bool
	fill  int // used == fill: nothing is ever deleted
}

const (
	pySetMinSize   = 8
	pyLinearProbes = 9
	pyPerturbShift = 5
)

// pyIntHash is hash(int) in CPython for 64-bit builds: the value modulo the
// Mersenne prime 2**61-1, sign kept, with -1 mapped to -2.
func pyIntHash(v int64) int64 {
	const p = (1 << 61) - 1
	var h int64
	if v >= 0 {
		h = v % p
	} else {
		h = -((-v) % p)
	}
	if h == -1 {
		h = -2
	}
	return h
}

func (s *pyIntSet) init() {
	if s.keys == nil {
		s.keys, s.full = s.small[:], s.sfull[:]
	}
}

func (s *pyIntSet) mask() uint64 { return uint64(len(s.keys) - 1) }

// add is set_add_entry: linear probes then perturbation, and a resize to
// used*4 once the table is 60% full.
func (s *pyIntSet) add(v int64) {
	s.init()
	h := pyIntHash(v)
	mask := s.mask()
	perturb := uint64(h)
	i := uint64(h) & mask
	for {
		probes := 0
		if i+pyLinearProbes <= mask {
			probes = pyLinearProbes
		}
		for j := uint64(0); j <= uint64(probes); j++ {
			slot := i + j
			if !s.full[slot] {
				s.keys[slot], s.full[slot] = v, true
				s.fill++
				if uint64(s.fill)*5 >= mask*3 {
					s.resize(s.fill * 4)
				}
				return
			}
			if s.keys[slot] == v {
				return
			}
		}
		perturb >>= pyPerturbShift
		i = (i*5 + 1 + perturb) & mask
	}
}

// insertClean is set_insert_clean: placement into a table known not to hold v.
func insertClean(keys []int64, full []bool, v int64) {
	mask := uint64(len(keys) - 1)
	h := uint64(pyIntHash(v))
	perturb := h
	i := h & mask
	for {
		if !full[i] {
			keys[i], full[i] = v, true
			return
		}
		if i+pyLinearProbes <= mask {
			for j := uint64(1); j <= pyLinearProbes; j++ {
				if !full[i+j] {
					keys[i+j], full[i+j] = v, true
					return
				}
			}
		}
		perturb >>= pyPerturbShift
		i = (i*5 + 1 + perturb) & mask
	}
}

// resize is set_table_resize: a new table of the smallest power of two
// above minused, old entries re-placed in old slot order. In the reference's
// usage every resize grows the table, so the same-size and shrink paths of
// CPython (which only matter with dummies) are not modelled.
func (s *pyIntSet) resize(minused int) {
	size := pySetMinSize
	for size <= minused {
		size <<= 1
	}
	keys, full := make([]int64, size), make([]bool, size)
	for i, ok := range s.full {
		if ok {
			insertClean(keys, full, s.keys[i])
		}
	}
	s.keys, s.full = keys, full
}

// update is set.update(other) with other a set: set_merge, including its one
// up-front resize and its shortcuts for an empty receiver.
func (s *pyIntSet) update(o *pyIntSet) {
	s.init()
	o.init()
	if o.fill == 0 {
		return
	}
	if uint64(s.fill+o.fill)*5 >= s.mask()*3 {
		s.resize((s.fill + o.fill) * 2)
	}
	if s.fill == 0 {
		if len(s.keys) == len(o.keys) {
			copy(s.keys, o.keys)
			copy(s.full, o.full)
			s.fill = o.fill
			return
		}
		for i, ok := range o.full {
			if ok {
				insertClean(s.keys, s.full, o.keys[i])
			}
		}
		s.fill = o.fill
		return
	}
	for i, ok := range o.full {
		if ok {
			s.add(o.keys[i])
		}
	}
}

// items returns the keys in iteration (slot) order, appended to dst.
func (s *pyIntSet) items(dst []int64) []int64 {
	for i, ok := range s.full {
		if ok {
			dst = append(dst, s.keys[i])
		}
	}
	return dst
}

// pySetLiteral2 is the set display {a, b}: a inserted first, then b.
func pySetLiteral2(a, b int64) pyIntSet {
	var s pyIntSet
	s.add(a)
	s.add(b)
	return s
}

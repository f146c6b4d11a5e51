package telemetry

// Buffers is the memory one Read leaves for the next: the event slice, the
// slabs that characters and damage infos are carved from, the scan buffer
// and the interner's tables. A child reads one file after another, and a
// Read without Buffers allocates ~18 MB for a modern match; in a child
// with GOMAXPROCS 1 the collections, allocation and page faults that
// allocation costs were about a fifth of its CPU (docs/PERFORMANCE.md,
// "Memory reused between matches"). With Buffers a Read allocates ~1.5 MB,
// mostly its strings.
//
// A Match read with Buffers is valid until the next Read with the same
// Buffers: its events, characters and damage infos live in them. Buffers
// must not be used by two Reads at once. The zero value is ready to use.
type Buffers struct {
	events []Event
	// events[:stale] may hold an earlier read's data, and events[:fresh]
	// are the slots the current read has taken. A stale slot is cleared
	// when a read first takes it, while its cache lines are about to be
	// written anyway, rather than all at once when the read starts.
	stale, fresh int
	chars        slabs[Character]
	infos        slabs[DamageInfo]
	scan         []byte
	in           interner
}

// An outlier's memory is not kept: after a file that needed more event
// slots or slabs than these, the next read lets the excess go, so one huge
// match does not pin its memory in the child for good. A modern match
// keeps ~20,000 events and ~17,000 characters (17 slabs).
var (
	keepEvents = 1 << 16
	keepSlabs  = 64
)

// reset makes the buffers look freshly allocated: a slab entry is zero
// until written again, and so is an event slot once taken (see stale).
func (b *Buffers) reset() {
	b.chars.size, b.infos.size = slabSize, slabSize/4
	b.stale, b.fresh = max(b.stale, b.fresh), 0
	b.events = b.events[:0]
	if cap(b.events) > keepEvents {
		b.events, b.stale = nil, 0
	}
	b.chars.reset(keepSlabs)
	b.infos.reset(keepSlabs)
	clear(b.in.strs)
	clear(b.in.slices)
}

// slabs hands out pointers to T from fixed-size slabs. Pointers stay valid
// for the whole Read (a slab is never reallocated); between Reads the
// slabs are cleared and handed out again.
type slabs[T any] struct {
	all  [][]T
	cur  int // index in all of the slab being carved
	size int
}

func (s *slabs[T]) next() *T {
	if len(s.all) == 0 || len(s.all[s.cur]) == cap(s.all[s.cur]) {
		s.advance()
	}
	sl := &s.all[s.cur]
	*sl = (*sl)[:len(*sl)+1]
	return &(*sl)[len(*sl)-1]
}

func (s *slabs[T]) advance() {
	if len(s.all) != 0 {
		s.cur++
	}
	if s.cur == len(s.all) {
		s.all = append(s.all, make([]T, 0, s.size))
	}
}

// mark is the carving position, for release.
func (s *slabs[T]) mark() (slab, n int) {
	if len(s.all) == 0 {
		return 0, 0
	}
	return s.cur, len(s.all[s.cur])
}

// release clears and gives back what was carved since mark, so a dropped
// or re-read event leaves nothing behind.
func (s *slabs[T]) release(slab, n int) {
	if len(s.all) == 0 {
		return
	}
	for s.cur > slab {
		clear(s.all[s.cur])
		s.all[s.cur] = s.all[s.cur][:0]
		s.cur--
	}
	clear(s.all[slab][n:])
	s.all[slab] = s.all[slab][:n]
}

// reset clears what was carved and keeps at most keep slabs.
func (s *slabs[T]) reset(keep int) {
	for i := range s.all[:min(s.cur+1, len(s.all))] {
		clear(s.all[i])
		s.all[i] = s.all[i][:0]
	}
	if len(s.all) > keep {
		clear(s.all[keep:])
		s.all = s.all[:keep]
	}
	s.cur = 0
}

package reprocess

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// IsTerminal reports whether f is a terminal (an ioctl that only ttys
// answer), and its width in columns (80 when unknown).
func IsTerminal(f *os.File) (bool, int) {
	if _, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err != nil {
		return false, 0
	}
	width := 80
	if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil && ws.Col > 0 {
		width = int(ws.Col)
	}
	return true, width
}

// Progress shows how far a phase is: on a terminal one line redrawn in
// place (a bar, counts, rate, ETA); elsewhere (a log file, CI) a plain line
// every plainEvery and at the end. Log lines written through LogWriter
// clear the bar first and redraw it after, so the two do not mangle each
// other.
type Progress struct {
	w          io.Writer
	tty        bool
	width      int
	plainEvery time.Duration
	now        func() time.Time

	mu          sync.Mutex
	phase       string
	total, done int
	counts      map[string]int // status -> n, shown after the bar
	order       []string
	start       time.Time
	lastDraw    time.Time
	drawn       bool
	lastLine    string
	window      []sample // recent completions, for the rate
}

type sample struct {
	at   time.Time
	done int
}

// NewProgress writes to w; tty and width as IsTerminal says.
func NewProgress(w io.Writer, tty bool, width int) *Progress {
	if width <= 0 {
		width = 80
	}
	return &Progress{w: w, tty: tty, width: width, plainEvery: 10 * time.Second, now: time.Now}
}

// Start begins a phase of total items ("publishing", "processing").
func (p *Progress) Start(phase string, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.phase, p.total, p.done = phase, total, 0
	p.counts, p.order = map[string]int{}, nil
	p.start = p.now()
	p.lastDraw = p.start
	p.window = []sample{{p.start, 0}}
	p.drawLocked(true)
}

// Add counts n items finished with a status (done, skipped, failed, …).
func (p *Progress) Add(status string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.addLocked(status, n)
	p.drawLocked(false)
}

// Set replaces the counts (a phase that polls totals instead of counting).
func (p *Progress) Set(counts map[string]int, order []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.counts, p.order, p.done = map[string]int{}, nil, 0
	for _, s := range order {
		p.addLocked(s, counts[s])
	}
	p.drawLocked(false)
}

func (p *Progress) addLocked(status string, n int) {
	if _, ok := p.counts[status]; !ok {
		p.order = append(p.order, status)
	}
	p.counts[status] += n
	p.done += n
	now := p.now()
	p.window = append(p.window, sample{now, p.done})
	// Keep about the last 30 seconds, at least two samples.
	for len(p.window) > 2 && now.Sub(p.window[0].at) > 30*time.Second {
		p.window = p.window[1:]
	}
}

// Finish draws the final state and ends the line.
func (p *Progress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drawLocked(true)
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// rate is items per second over the recent window (the whole phase at
// first).
func (p *Progress) rateLocked() float64 {
	first, last := p.window[0], p.window[len(p.window)-1]
	if d := last.at.Sub(first.at).Seconds(); d > 0.5 && last.done > first.done {
		return float64(last.done-first.done) / d
	}
	if d := p.now().Sub(p.start).Seconds(); d > 0 && p.done > 0 {
		return float64(p.done) / d
	}
	return 0
}

// Line is the progress text without the bar.
func (p *Progress) lineLocked() string {
	var b strings.Builder
	pct := 100.0
	if p.total > 0 {
		pct = 100 * float64(p.done) / float64(p.total)
	}
	fmt.Fprintf(&b, "%s %d/%d (%.1f%%)", p.phase, p.done, p.total, pct)
	rate := p.rateLocked()
	if rate > 0 {
		fmt.Fprintf(&b, " %.1f/s", rate)
		if left := p.total - p.done; left > 0 {
			fmt.Fprintf(&b, " ETA %s", roundETA(time.Duration(float64(left)/rate*float64(time.Second))))
		}
	}
	fmt.Fprintf(&b, " elapsed %s", p.now().Sub(p.start).Round(time.Second))
	for _, s := range p.order {
		fmt.Fprintf(&b, " %s=%d", s, p.counts[s])
	}
	return b.String()
}

func roundETA(d time.Duration) time.Duration {
	switch {
	case d > time.Hour:
		return d.Round(time.Minute)
	case d > time.Minute:
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

func (p *Progress) drawLocked(force bool) {
	now := p.now()
	if p.tty {
		if !force && now.Sub(p.lastDraw) < 100*time.Millisecond && p.done < p.total {
			return
		}
		line := p.lineLocked()
		// The bar's width depends on the terminal only, so it does not
		// jump as the numbers grow.
		if barWidth := min(30, (p.width-60)/2); barWidth >= 10 {
			filled := barWidth
			if p.total > 0 {
				filled = barWidth * p.done / p.total
			}
			line = "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] " + line
		}
		if len(line) > p.width-1 {
			line = line[:p.width-1]
		}
		if line == p.lastLine && p.drawn {
			return
		}
		fmt.Fprint(p.w, "\r\x1b[K"+line)
		p.drawn, p.lastDraw, p.lastLine = true, now, line
		return
	}
	if force || now.Sub(p.lastDraw) >= p.plainEvery {
		line := p.lineLocked()
		if line == p.lastLine {
			return // Finish right after a periodic line
		}
		fmt.Fprintln(p.w, line)
		p.lastDraw, p.lastLine = now, line
	}
}

// LogWriter is w for log lines that must not break the bar.
func (p *Progress) LogWriter() io.Writer { return progressLog{p} }

type progressLog struct{ p *Progress }

func (l progressLog) Write(b []byte) (int, error) {
	p := l.p
	p.mu.Lock()
	defer p.mu.Unlock()
	redraw := p.tty && p.drawn
	if redraw {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.lastLine = "" // cleared: draw it again below
	}
	n, err := p.w.Write(b)
	if redraw {
		p.drawLocked(true)
	}
	return n, err
}

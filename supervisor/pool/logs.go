package pool

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
)

// logForwarder re-emits a child's stderr lines in the parent's log stream,
// tagged with the child's id and pid, at their real level. Children log JSON
// (slog's JSON handler); anything else on a child's stderr is a runtime
// message such as a panic trace and is logged as an error, where go-plugin
// would have demoted it to debug.
type logForwarder struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

// Write receives stderr bytes from go-plugin (one line per call plus a
// separate newline write, but we do not rely on that).
func (f *logForwarder) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.buf = append(f.buf, p...)
	for i := bytes.IndexByte(f.buf, '\n'); i >= 0; i = bytes.IndexByte(f.buf, '\n') {
		f.emit(f.buf[:i])
		f.buf = f.buf[i+1:]
	}
	if len(f.buf) > 64<<10 { // a runaway line without newline
		f.emit(f.buf)
		f.buf = f.buf[:0]
	}
	return len(p), nil
}

func (f *logForwarder) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	var rec map[string]any
	if line[0] == '{' && json.Unmarshal(line, &rec) == nil {
		msg, _ := rec["msg"].(string)
		attrs := make([]slog.Attr, 0, len(rec))
		for k, v := range rec {
			if k != "msg" && k != "level" && k != "time" {
				attrs = append(attrs, slog.Any(k, v))
			}
		}
		f.log.LogAttrs(context.Background(), parseLevel(rec["level"]), msg, attrs...)
		return
	}
	f.log.LogAttrs(context.Background(), slog.LevelError, string(line), slog.Bool("raw_stderr", true))
}

// parseLevel reads slog's level names (any case, with offsets such as
// "WARN+2") and "warning"; anything else is info.
func parseLevel(v any) slog.Level {
	s, _ := v.(string)
	var l slog.Level
	if strings.EqualFold(s, "warning") {
		return slog.LevelWarn
	}
	if l.UnmarshalText([]byte(s)) != nil {
		return slog.LevelInfo
	}
	return l
}

// flush emits a trailing partial line (emit ignores an empty one).
func (f *logForwarder) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.emit(f.buf)
	f.buf = nil
}

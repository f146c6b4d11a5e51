package reprocess

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pewstats/collector/child/store"
)

// telemetryFileNames are the names a match's telemetry can have in its
// directory, in the order they are looked for: the download worker writes
// raw.json.gz (telemetry_download_worker.py, _get_file_path); collector
// synth writes raw.json for plain files.
var telemetryFileNames = []string{"raw.json.gz", "raw.json"}

// File is a match's telemetry file on disk.
type File struct {
	Path string // absolute: <dir>/matchID=<id>/<name>, as the download worker's messages carry it
	Size int64
}

// locate finds a match's telemetry in the download worker's layout,
// <dir>/matchID=<id>/raw.json.gz (or raw.json). The matches table does not
// record the path; the reference's republish scripts rebuilt it the same
// way. ok is false when no regular file is there.
func locate(dir, matchID string) (File, bool) {
	// A match id with a path separator would leave the directory: no
	// PUBG id has one, and the child refuses such a path anyway.
	if strings.ContainsAny(matchID, `/\`) || matchID == "." || matchID == ".." {
		return File{}, false
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return File{}, false
	}
	for _, name := range telemetryFileNames {
		p := filepath.Join(abs, "matchID="+matchID, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return File{Path: p, Size: st.Size()}, true
		}
	}
	return File{}, false
}

// message is a reprocess message: the fields of the download worker's
// processing message the child reads, rebuilt from the matches row, plus
// the request. The child ignores the rest of what the download worker sent
// (downloaded_at, worker_id).
type message struct {
	MatchID       string   `json:"match_id"`
	FilePath      string   `json:"file_path"`
	FileSizeMB    float64  `json:"file_size_mb"`
	MapName       string   `json:"map_name,omitempty"`
	GameMode      string   `json:"game_mode,omitempty"`
	MatchDatetime string   `json:"match_datetime,omitempty"`
	Reprocess     []string `json:"reprocess"`
	ReprocessRun  string   `json:"reprocess_run"`
	RepublishedAt string   `json:"republished_at"`
}

// Message builds the reprocess message for m. The values that reach rows
// are the ones the first delivery carried: the API's map name (matches
// holds the display name, internalMapName turns it back), the game mode,
// and match_datetime as the API's UTC text ("…Z"; the matches column is
// the UTC wall clock without a zone).
func Message(m Match, f File, tables store.Tables, run string, now time.Time) []byte {
	req := tables.List()
	if tables == store.AllTables() {
		req = []string{store.AllTablesName}
	}
	msg := message{
		MatchID:       m.ID,
		FilePath:      f.Path,
		FileSizeMB:    float64(f.Size) / (1024 * 1024),
		MapName:       internalMapName(m.MapName),
		GameMode:      m.GameMode,
		Reprocess:     req,
		ReprocessRun:  run,
		RepublishedAt: now.UTC().Format(time.RFC3339),
	}
	if !m.MatchDatetime.IsZero() {
		msg.MatchDatetime = m.MatchDatetime.UTC().Format("2006-01-02T15:04:05.999999Z")
	}
	b, err := json.Marshal(msg)
	if err != nil { // strings, a float and a list of strings: cannot happen
		panic(err)
	}
	return b
}

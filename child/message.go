package child

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pewstats/collector/child/extract"
	"github.com/pewstats/collector/child/failure"
	"github.com/pewstats/collector/child/store"
)

// Message is the JSON the telemetry download worker publishes. Only match_id
// and file_path are required; the others are copied into rows when present.
type Message struct {
	MatchID       string          `json:"match_id"`
	FilePath      string          `json:"file_path"`
	FileSizeMB    json.RawMessage `json:"file_size_mb"`
	MapName       string          `json:"map_name"`
	GameMode      string          `json:"game_mode"`
	MatchDatetime string          `json:"match_datetime"`
	DownloadedAt  string          `json:"downloaded_at"`
	WorkerID      string          `json:"worker_id"`

	// Reprocess, when present and not null, makes this a reprocess message
	// (`collector reprocess`): the listed tables, or ["all"], are replaced
	// for the match (child/reprocess.go). ReprocessRun names the run that
	// published it, for reprocess_log.
	Reprocess    json.RawMessage `json:"reprocess,omitempty"`
	ReprocessRun string          `json:"reprocess_run,omitempty"`
	reprocess    *store.Reprocess
}

// ParseMessage decodes and validates a message body. Every error is a
// permanent "ValidationError": the same body fails the same way again.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return nil, failure.Permanentf("ValidationError", "message is not a JSON object with string fields: %v", err)
	}
	if dec.More() {
		return nil, failure.Permanentf("ValidationError", "message has trailing data after the JSON object")
	}
	m.MatchID = strings.TrimSpace(m.MatchID)
	if m.MatchID == "" {
		return nil, failure.Permanentf("ValidationError", "Message missing match_id field")
	}
	if m.FilePath == "" {
		return nil, failure.Permanentf("ValidationError", "Message missing file_path field for match %s", m.MatchID)
	}
	re, err := parseReprocess(m.Reprocess, m.ReprocessRun)
	if err != nil {
		return nil, failure.Permanentf("ValidationError", "match %s: %v", m.MatchID, err)
	}
	m.reprocess = re
	return &m, nil
}

// Info is the match metadata the extractors copy into rows.
func (m *Message) Info() extract.MatchInfo {
	info := extract.MatchInfo{
		MatchID:       m.MatchID,
		MapName:       m.MapName,
		GameMode:      m.GameMode,
		MatchDatetime: parseTimestamp(m.MatchDatetime),
	}
	if !info.MatchDatetime.IsZero() {
		info.MatchDatetimeText = strings.TrimSpace(m.MatchDatetime)
	}
	return info
}

// parseTimestamp accepts the forms the download worker writes (ISO 8601 with
// or without zone, 0–9 fraction digits). Unparsable values become "absent".
func parseTimestamp(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

func (m *Message) String() string { return fmt.Sprintf("match %s (%s)", m.MatchID, m.FilePath) }

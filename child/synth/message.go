package synth

import (
	"encoding/json"
	"hash/fnv"
	"time"
)

// DefaultWorkerID is the worker_id of generated messages, in the style of the
// reference deployment's download workers.
const DefaultWorkerID = "telemetry-download-worker-1"

// Message is the body the download worker publishes to the processing queue
// once a telemetry file is on disk.
type Message struct {
	MatchID       string  `json:"match_id"`
	FilePath      string  `json:"file_path"`
	FileSizeMB    float64 `json:"file_size_mb"`
	MapName       string  `json:"map_name"`       // internal name, as the API returns it
	GameMode      string  `json:"game_mode"`      // e.g. squad-fpp
	MatchDatetime string  `json:"match_datetime"` // API createdAt, "2006-01-02T15:04:05Z"
	DownloadedAt  string  `json:"downloaded_at"`  // Python isoformat: microseconds and +00:00
	WorkerID      string  `json:"worker_id"`
}

// NewMessage builds the message for a match's file of size bytes at
// filePath. downloaded_at is derived from the match (a few minutes after it
// ended), so it is as deterministic as the file.
func NewMessage(m *Match, filePath string, size int64, workerID string) Message {
	if workerID == "" {
		workerID = DefaultWorkerID
	}
	h := fnv.New64a()
	h.Write([]byte(m.ID))
	v := h.Sum64()
	at := m.CreatedAt.Add(time.Duration(m.Duration)*time.Second +
		time.Duration(30+v%600)*time.Second + time.Duration(v>>20%1_000_000)*time.Microsecond)
	return Message{
		MatchID:       m.ID,
		FilePath:      filePath,
		FileSizeMB:    float64(size) / (1024 * 1024),
		MapName:       m.MapName,
		GameMode:      m.GameMode,
		MatchDatetime: m.MatchDatetime(),
		DownloadedAt:  at.UTC().Format("2006-01-02T15:04:05.000000") + "+00:00",
		WorkerID:      workerID,
	}
}

// JSON is the message body, one line.
func (msg Message) JSON() []byte {
	b, err := json.Marshal(msg)
	if err != nil { // only plain strings and a float: cannot happen
		panic(err)
	}
	return b
}

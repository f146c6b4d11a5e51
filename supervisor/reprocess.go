package supervisor

import (
	"bytes"
	"encoding/json"
)

// isReprocess reports whether a message body is a reprocess message
// (`collector reprocess`): a JSON object with a reprocess field that is not
// null. The supervisor treats it like any message; only its failure reason
// and metrics say what it was.
func isReprocess(body []byte) bool {
	var m struct {
		Reprocess json.RawMessage `json:"reprocess"`
	}
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	r := bytes.TrimSpace(m.Reprocess)
	return len(r) > 0 && !bytes.Equal(r, []byte("null"))
}

// reprocessReason is the failure reason of a reprocess message: the usual
// reason (permanent, unknown_match, crash, timeout, memory,
// transient_exhausted) prefixed with "reprocess_", so the failed queue and
// collector_messages_dead_lettered_total tell a backfill's failures from
// new matches'. `collector failed --requeue` moves them back like any other.
func reprocessReason(reason string) string { return "reprocess_" + reason }

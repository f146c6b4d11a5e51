// Package extract turns a parsed telemetry match into the rows the PewStats
// tables hold. Every extractor is a pure function of the events and the
// message's match metadata, ported rule for rule from the reference Python
// worker (see docs/PARITY.md for each table and every deliberate difference).
// It knows nothing of files, PostgreSQL or AMQP.
package extract

import "time"

// MatchInfo is the match metadata carried on the queue message; extractors
// copy it into the rows as the reference does with match_data.get(...).
// Empty strings / zero times mean "absent" and are stored as NULL.
type MatchInfo struct {
	MatchID       string
	MapName       string
	GameMode      string
	GameType      string    // from the matches row, not the message (reference: match_data has none)
	MatchDatetime time.Time // zero when absent or unparsable
	// MatchDatetimeText is the message's match_datetime as written, empty
	// when absent or unparsable. Rows store this text, not MatchDatetime,
	// so PostgreSQL interprets it per column type exactly as it did the
	// reference's string parameter (a timestamp column keeps the wall
	// clock, a timestamptz column honours the offset).
	MatchDatetimeText string
}

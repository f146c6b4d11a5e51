// Package reprocess is the logic of `collector reprocess`: re-extract
// matches already in the database with the current rules, replacing the
// rows of chosen tables (docs/OPERATIONS.md, "Backfill after upgrading from
// the Python worker").
//
// It selects matches from the matches table (Selection, Select), finds
// each one's telemetry where the download worker put it (locate), builds a
// reprocess message for it (Message: the download worker's message rebuilt
// from the matches row, plus the tables) and hands the messages to a
// Target, at a limited rate, recording each settled match in a resume
// state file (State):
//
//   - Queue publishes them to the processing queue through the one
//     confirmed publisher; the running fleet does the work, and Follower
//     watches it happen through reprocess_log and the failed queue;
//   - Local runs them on a local pool of `collector child` processes
//     (supervisor/pool), without a broker.
//
// The replacement itself happens in the child (child/reprocess.go) and the
// store (store.CommitReprocess): one transaction per match under the
// match's advisory lock. This package only decides what to send where; it
// writes nothing to the processing tables. It is separate from supervisor
// because it reads the database (the supervisor must not know SQL) and
// from child because it talks to the broker.
package reprocess

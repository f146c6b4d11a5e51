-- reprocess_log: one row per match and `collector reprocess` run, written in
-- the same transaction as the match's replaced rows (store.CommitReprocess).
--
-- It is the collector's own table (the reference has none like it). It
-- exists so that what a reprocess did is known from the database itself:
-- `collector reprocess --resume` counts a match as done only when its row
-- is here (a child can commit and be killed before the command records the
-- result, so a local state file alone could do a match twice), the command
-- follows a run through the queue by counting its rows, and an operator can
-- see which matches were re-extracted, when, with which tables and how many
-- rows each lost and gained.
--
-- commits counts the transactions of one run on one match: 1 unless the
-- same run's message was processed twice (a publish repeated after a crash
-- of the command), which replaces the rows again and changes nothing else.
--
-- run_id is '' for a reprocess message published without one (by hand).
-- No foreign key to matches: a log must not stop anyone deleting a match.

CREATE TABLE IF NOT EXISTS reprocess_log (
    run_id         TEXT NOT NULL,
    match_id       VARCHAR(255) NOT NULL,
    tables         TEXT[] NOT NULL,
    rows_deleted   JSONB NOT NULL DEFAULT '{}',
    rows_written   JSONB NOT NULL DEFAULT '{}',
    commits        INTEGER NOT NULL DEFAULT 1,
    reprocessed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (run_id, match_id)
);

CREATE INDEX IF NOT EXISTS idx_reprocess_log_match_id ON reprocess_log (match_id);
CREATE INDEX IF NOT EXISTS idx_reprocess_log_reprocessed_at ON reprocess_log (reprocessed_at);

// Package store is the child's PostgreSQL side: its small connection pool,
// the reads that gate a job (the match's game type and processing flags, the
// tracked-player set), and the single transaction in which all rows of a
// match, its flags and its status are written. Tables are written by
// TableWriters: COPY where the reference used plain INSERTs, and one
// set-based statement per table elsewhere (INSERT … SELECT … FROM unnest of
// one array parameter per column, an UPDATE … FROM unnest, or
// json_populate_recordset for an upsert that must convert like COPY), with
// no temporary table and so no catalog write per match. The statements the
// transaction runs every match are prepared once per connection
// (prepared.go). Errors are classified
// as transient or permanent from the PostgreSQL error code (Classify).
package store

// Package store is the child's PostgreSQL side: its small connection pool,
// the reads that gate a job (the match's game type and processing flags, the
// tracked-player set), and the single transaction in which all rows of a
// match, its flags and its status are written. Tables are written by
// TableWriters (COPY where the reference used plain INSERTs, a staged
// INSERT … ON CONFLICT where it relied on a unique key). Errors are classified
// as transient or permanent from the PostgreSQL error code (Classify).
package store

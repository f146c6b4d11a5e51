// Package telemetry reads PUBG telemetry files: it opens a file only inside
// the configured telemetry directory, detects plain / gzip / doubly gzipped
// content by magic bytes, bounds the decompressed size, and decodes the JSON
// event array one event at a time into compact typed Events that keep only
// what the extractors read. It knows nothing of the database or the queue.
package telemetry

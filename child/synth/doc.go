// Package synth generates deterministic, realistic PUBG match telemetry in
// the real wire format, for tests, CI, the demo and the benchmarks, which
// cannot download real files.
//
// It is a tool, not part of the processing path: nothing that processes
// telemetry (child, child/store, child/extract, child/telemetry, the
// supervisor) imports it, and a test in cmd/collector
// (TestProductionPackagesDoNotImportTools) keeps it so. Its users are
// `collector synth`, cmd/demo, cmd/bench and the tests. It lives under
// child/ rather than child/internal/ only because cmd/ must import it.
//
// It owns:
//
//   - the match simulation (Generate): teams of the game mode (bots among
//     them) land from the plane, loot, move on to other towns, rotate with
//     the shrinking zones, drive, fight whoever comes near, knock, revive,
//     finish and steal kills until one team is left;
//   - the rendering of that match as a telemetry file: a single-line JSON
//     array written by hand with strconv into one buffer, byte-identical for
//     the same Options;
//   - the encodings the download worker leaves on disk (plain, gzip, gzip of
//     gzip) and its layout, <dir>/matchID=<id>/raw.json[.gz];
//   - the bad files the reader must refuse (WriteCorrupt);
//   - the queue message the download worker publishes for a file (Message);
//   - the rows a match needs in the database before it can be processed
//     (Seed), as Go values, as SQL text, or executed against a *sql.DB;
//   - for the differential tests against the reference, options that add
//     what real files rarely have but the extraction rules react to: bots
//     named like the game's NPCs (Options.NPCs); team 0, large team ids,
//     characters missing fields, zero and same-team damage, events out of
//     time order (Options.Oddities); a top-level damageCauserName on kills
//     (Options.KillCauserTopLevel).
//
// The format follows modern (2025–2026) PC telemetry, traps included:
// LogMatchDefinition comes first with a later `_D`, 7 fraction digits and no
// `common`; `_D` otherwise has 3 digits, and a few events 7; `_T` comes first
// (with `_D` last) in most events and last in others; isGame 0.1 is written
// 0.10000000149011612 and is 0 before lift-off; Character has the 14 modern
// keys; blue-zone damage has attackId -1 and a null or empty-sentinel
// attacker; victim health in LogPlayerTakeDamage is the value before the hit;
// knocked players show health 0; LogPlayerKillV2 carries zeroed vehicle
// sentinels; LogHeal items are garbage; LogItemPickupFromLootBox has a
// capital B; LogMatchEnd is not the last event.
//
// The simulation is tuned so that a modern match has 52,500–55,500 events
// and 35.5–39.5 MB of JSON (real ones: 52.7k–56.2k, 37.7–39.4 MB) and
// compresses to about 2.4 MiB; incidental events (pickups, doors, vaults…)
// fill the file up to a count and size drawn from the seed. Nothing reads
// the clock or iterates a map while producing output.
package synth

package schema

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/pewstats/collector/child/store/storetest"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// freshDB returns an empty throw-away database.
func freshDB(t *testing.T) *sql.DB {
	t.Helper()
	return storetest.Open(t, storetest.NewDatabase(t))
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("exec %q: %v", firstLine(query), err)
	}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func mustMigrate(t *testing.T, db *sql.DB) []string {
	t.Helper()
	applied, err := Migrate(testCtx(t), db, testLogger(t))
	if err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return applied
}

// colType normalises an information_schema.columns row to the spelling used
// in expected_test.go.
func colType(dataType, udtName string, charLen, numPrec, numScale sql.NullInt64) string {
	switch dataType {
	case "character varying":
		if charLen.Valid {
			return fmt.Sprintf("varchar(%d)", charLen.Int64)
		}
		return "varchar"
	case "numeric":
		if numPrec.Valid {
			return fmt.Sprintf("numeric(%d,%d)", numPrec.Int64, numScale.Int64)
		}
		return "numeric"
	case "ARRAY":
		elem := strings.TrimPrefix(udtName, "_")
		if elem == "int4" {
			elem = "integer"
		}
		return elem + "[]"
	case "timestamp without time zone":
		return "timestamp"
	case "timestamp with time zone":
		return "timestamptz"
	}
	return dataType
}

// columnTypes maps column name to normalised type for one table in the
// current schema, read from information_schema.columns.
func columnTypes(t *testing.T, db *sql.DB, table string) map[string]string {
	t.Helper()
	rows, err := db.Query(`
SELECT column_name, data_type, udt_name, character_maximum_length, numeric_precision, numeric_scale
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		t.Fatalf("columns of %s: %v", table, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, dt, udt string
		var l, p, s sql.NullInt64
		if err := rows.Scan(&name, &dt, &udt, &l, &p, &s); err != nil {
			t.Fatal(err)
		}
		out[name] = colType(dt, udt, l, p, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// uniqueKeys lists the non-partial unique indexes of a table as sorted,
// comma-joined column lists.
func uniqueKeys(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`
SELECT array_to_string(ARRAY(
         SELECT att.attname::text COLLATE "C"
         FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) AS k(attnum)
         JOIN pg_attribute att ON att.attrelid = ix.indrelid AND att.attnum = k.attnum
         ORDER BY 1), ',')
FROM pg_index ix
JOIN pg_class c ON c.oid = ix.indrelid
WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace
  AND ix.indisunique AND ix.indpred IS NULL`, table)
	if err != nil {
		t.Fatalf("unique keys of %s: %v", table, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func foreignKeys(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`
SELECT format('%s.%s -> %s.%s', src.relname, sa.attname, dst.relname, da.attname)
FROM pg_constraint con
JOIN pg_class src ON src.oid = con.conrelid
JOIN pg_class dst ON dst.oid = con.confrelid
JOIN pg_attribute sa ON sa.attrelid = con.conrelid AND sa.attnum = con.conkey[1]
JOIN pg_attribute da ON da.attrelid = con.confrelid AND da.attnum = con.confkey[1]
WHERE con.contype = 'f' AND con.connamespace = current_schema()::regnamespace
ORDER BY 1`)
	if err != nil {
		t.Fatalf("foreign keys: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func indexNames(t *testing.T, db *sql.DB, table string) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1`, table)
	if err != nil {
		t.Fatalf("indexes of %s: %v", table, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out[s] = true
	}
	return out
}

// schemaFingerprint describes every column (type, nullability, default),
// index definition and constraint of the current schema, one per line.
func schemaFingerprint(t *testing.T, db *sql.DB) string {
	t.Helper()
	var s sql.NullString
	err := db.QueryRow(`
SELECT string_agg(line, E'\n' ORDER BY line) FROM (
  SELECT format('col %s.%s %s notnull=%s default=%s', c.relname, a.attname,
                format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid)) AS line
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
    AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT format('idx %s', indexdef) FROM pg_indexes WHERE schemaname = current_schema()
  UNION ALL
  SELECT format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid))
  FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
) lines`).Scan(&s)
	if err != nil {
		t.Fatalf("schema fingerprint: %v", err)
	}
	return s.String
}

// dataFingerprint is row count plus a hash of every row of every table
// (schema_migrations included), in a stable order.
func dataFingerprint(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	out := map[string]string{}
	for _, tbl := range tables {
		var n int
		var h string
		q := `SELECT count(*), coalesce(md5(string_agg(r::text, '|' ORDER BY r::text)), '') FROM ` + pq.QuoteIdentifier(tbl) + ` r`
		if err := db.QueryRow(q).Scan(&n, &h); err != nil {
			t.Fatalf("fingerprint %s: %v", tbl, err)
		}
		out[tbl] = fmt.Sprintf("%d rows %s", n, h)
	}
	return out
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%q: %v", firstLine(query), err)
	}
	return n
}

// seedCurrent puts a few rows into a migrated database, using the column
// lists the reference worker writes.
func seedCurrent(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db, `INSERT INTO players (player_id, player_name, platform, created_at) VALUES
		('account.a', 'Alpha', 'steam', now()), ('account.b', 'Bravo', 'steam', now())`)
	mustExec(t, db, `INSERT INTO matches (match_id, map_name, game_mode, match_datetime, telemetry_url, status, game_type)
		VALUES ($1, 'Baltic_Main', 'squad-fpp', '2025-10-01 12:00:00', 'https://example.invalid/t.json', 'discovered', 'official')`, "m-1")
	mustExec(t, db, `INSERT INTO match_summaries (match_id, participant_id, player_id, player_name, team_id, kills, damage_dealt)
		VALUES ('m-1', 'p-1', 'account.a', 'Alpha', 3, 2, 187.25)`)
	mustExec(t, db, `INSERT INTO landings (match_id, player_id, player_name, team_id, x_coordinate, y_coordinate, z_coordinate,
		is_game, map_name, game_type, game_mode, match_datetime)
		VALUES ('m-1', 'account.a', 'Alpha', 3, 1000.5, 2000.25, 10, 0.1, 'Baltic_Main', 'official', 'squad-fpp', '2025-10-01 12:00:00+00')`)
	mustExec(t, db, `INSERT INTO player_finishing_summary (match_id, player_name, team_id, total_knocks, finishing_rate)
		VALUES ('m-1', 'Alpha', 3, 4, 75.00)`)
	var fightID int
	if err := db.QueryRow(`INSERT INTO team_fights (match_id, fight_start_time, fight_end_time, team_ids, total_damage, team_outcomes)
		VALUES ('m-1', '2025-10-01 12:10:00', '2025-10-01 12:11:30', '{3,7}', 412.5, '{"3":"WON","7":"LOST"}')
		RETURNING id`).Scan(&fightID); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, `INSERT INTO fight_participants (fight_id, match_id, player_name, team_id, damage_dealt)
		VALUES ($1, 'm-1', 'Alpha', 3, 212.5)`, fightID)
	mustExec(t, db, `INSERT INTO player_match_weapon_distribution (match_id, player_name, weapon_category, total_damage, total_kills, knock_downs)
		VALUES ('m-1', 'Alpha', 'AR', 150.5, 1, 2)`)
	mustExec(t, db, `UPDATE matches SET landings_processed = true, updated_at = now() WHERE match_id = 'm-1'`)
}

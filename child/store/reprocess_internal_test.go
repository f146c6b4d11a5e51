package store

import (
	"slices"
	"testing"
)

// TestEnhancedColumnsAreTheWritersColumns: a reprocess resets exactly the
// columns the enhanced-stats update writes; a column added to one list and
// not the other would keep a stale value or reset one nobody rewrites.
func TestEnhancedColumnsAreTheWritersColumns(t *testing.T) {
	var writer []string
	for _, c := range enhancedCols[1:] { // [0] is the player_name key
		writer = append(writer, c.name)
	}
	if !slices.Equal(enhancedColumns, writer) {
		t.Errorf("reset columns %v\nwriter columns %v", enhancedColumns, writer)
	}
}

// TestEveryReprocessTableCanBeEmptied: each table a request may name has a
// statement that empties it for one match, and nothing else does.
func TestEveryReprocessTableCanBeEmptied(t *testing.T) {
	if len(clearStatements) != len(reprocessTables) {
		t.Errorf("%d clear statements for %d tables", len(clearStatements), len(reprocessTables))
	}
	for _, rt := range reprocessTables {
		if clearStatements[rt.name] == "" {
			t.Errorf("no statement empties %s", rt.name)
		}
	}
}

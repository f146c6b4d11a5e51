package supervisor

import "testing"

func TestIsReprocess(t *testing.T) {
	for body, want := range map[string]bool{
		`{"match_id":"m","file_path":"f"}`:                        false,
		`{"match_id":"m","reprocess":null}`:                       false,
		`{"match_id":"m","reprocess":["all"]}`:                    true,
		`{"match_id":"m","reprocess":["landings","team_fights"]}`: true,
		// Invalid requests are reprocess messages too: their failure
		// (a ValidationError) must say so.
		`{"match_id":"m","reprocess":[]}`:    true,
		`{"match_id":"m","reprocess":"all"}`: true,
		`not json`:                           false,
		`["reprocess"]`:                      false,
	} {
		if got := isReprocess([]byte(body)); got != want {
			t.Errorf("isReprocess(%s) = %v, want %v", body, got, want)
		}
	}
	if got := reprocessReason("permanent"); got != "reprocess_permanent" {
		t.Errorf("reprocessReason = %q", got)
	}
}

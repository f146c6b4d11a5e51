package reprocess

import "slices"

// mapTranslations is discovery's MAP_TRANSLATIONS (the reference's
// pubg_client.py): matches.map_name holds the display name on the right,
// while the queue message, and so every row the worker writes, carries the
// API's internal name on the left (the summary worker copies the API's
// mapName into the message the download worker forwards). The table is one
// to one, so a display name leads back to its internal name; names it does
// not list were stored as they came and are used as they are.
var mapTranslations = [][2]string{
	{"Baltic_Main", "Erangel (Remastered)"},
	{"Chimera_Main", "Paramo"},
	{"Desert_Main", "Miramar"},
	{"DihorOtok_Main", "Vikendi"},
	{"Erangel_Main", "Erangel"},
	{"Heaven_Main", "Haven"},
	{"Kiki_Main", "Deston"},
	{"Range_Main", "Camp Jackal"},
	{"Savage_Main", "Sanhok"},
	{"Summerland_Main", "Karakin"},
	{"Tiger_Main", "Taego"},
	{"Neon_Main", "Rondo"},
}

// internalMapName is the map name the download worker's message carried
// for a match whose matches.map_name is display: what a reprocess message
// must carry for its rows to equal the first run's. (The reference's
// republish scripts copied the display name, so rows of matches they
// republished hold it; a reprocess writes the internal name back.)
func internalMapName(display string) string {
	for _, t := range mapTranslations {
		if t[1] == display {
			return t[0]
		}
	}
	return display
}

// mapNames are the matches.map_name values --map means: each name as
// given, plus the display name of an internal one, so both
// --map Baltic_Main and --map "Erangel (Remastered)" work.
func mapNames(given []string) []string {
	var out []string
	for _, g := range given {
		out = append(out, g)
		for _, t := range mapTranslations {
			if t[0] == g {
				out = append(out, t[1])
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

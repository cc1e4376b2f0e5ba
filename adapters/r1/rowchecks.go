package r1

import (
	"github.com/torrent-streamer/streamer/domain"
)

// The CHECK constraints of the torrents table, checked here before a row is written, so a bulk load
// can store its rows with SQLite's own checks off (PRAGMA ignore_check_constraints, on the writer's
// connection for its upsert statements only: Database.batchOf). At 1,000,000 torrents they cost about
// a tenth of the writer's work on the rows: json_valid parses again the file list, the trackers,
// the web seeds and the release that this package has just written, and three GLOBs. Outside a
// bulk load SQLite checks them too.
//
// torrentChecks lists every CHECK of the table as the migrations wrote it, each with how a row
// keeps it; TestTorrentChecksAreMirrored reads the table's CHECKs from the schema and fails when a
// migration adds one that is not here. A row that breaks one is refused before anything is written
// (storableProblem), as a field problem, in and out of a bulk load alike.
var torrentChecks = []struct {
	sql string // the constraint's expression, as the schema holds it
	how string // how every row newUpsertRow makes keeps it
}{
	{"length(info_hash) = 40 AND info_hash NOT GLOB '*[^0-9a-f]*'", "storableProblem (the hash is written by domain.InfoHash.String)"},
	{"info_hash_v2 IS NULL OR\n                                (length(info_hash_v2) = 64 AND info_hash_v2 NOT GLOB '*[^0-9a-f]*')", "storableProblem (domain.InfoHashV2.String, or '' for NULL)"},
	{"name <> ''", "storableProblem"},
	{"size >= 0", "storableProblem"},
	{"seeders >= 0", "storableProblem"},
	{"leechers >= 0", "storableProblem"},
	{"json_valid(files)", "filesJSONOf (the same bytes as encoding/json: TestListsAreEncodingJSON)"},
	{"json_valid(trackers)", "stringsJSONOf (the same bytes as encoding/json)"},
	{"json_valid(web_seeds)", "stringsJSONOf (the same bytes as encoding/json)"},
	{"json_valid(release)", "encodeRelease (the same bytes as encoding/json: TestReleaseJSONIsEncodingJSON)"},
	{"imdb_id IS NULL OR imdb_id GLOB 'tt[0-9]*'", "storableProblem"},
	{"tmdb_id IS NULL OR tmdb_id > 0", "newUpsertRow stores only a positive id, NULL otherwise"},
	{"tvdb_id IS NULL OR tvdb_id > 0", "newUpsertRow stores only a positive id, NULL otherwise"},
	{"release_air_date IS NULL OR release_air_date GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'", "storableProblem"},
}

// storableProblem is what in t the torrents table's CHECKs would refuse (see torrentChecks), nil
// when nothing: a normalized torrent always passes (domain.Torrent.Normalize refuses the same and
// more), so this guards callers that hand the store something else.
func storableProblem(t domain.Torrent, hash, v2 string) *domain.FieldProblem {
	switch {
	case len(hash) != 40 || !lowerHex(hash):
		return &domain.FieldProblem{Field: "infoHash", Message: "must be 40 lowercase hexadecimal digits"}
	case v2 != "" && (len(v2) != 64 || !lowerHex(v2)):
		return &domain.FieldProblem{Field: "infoHashV2", Message: "must be 64 lowercase hexadecimal digits"}
	case t.Name == "":
		return &domain.FieldProblem{Field: "name", Message: "is required"}
	case t.Size < 0:
		return &domain.FieldProblem{Field: "size", Message: "must not be negative"}
	case t.Seeders < 0:
		return &domain.FieldProblem{Field: "seeders", Message: "must not be negative"}
	case t.Leechers < 0:
		return &domain.FieldProblem{Field: "leechers", Message: "must not be negative"}
	case t.External.IMDb != "" && !imdbShaped(t.External.IMDb):
		return &domain.FieldProblem{Field: "imdbId", Message: "must be an IMDb title id such as tt0133093"}
	case t.Release.AirDate != "" && !airDateShaped(t.Release.AirDate):
		return &domain.FieldProblem{Field: "name", Message: "the release's air date must be YYYY-MM-DD"}
	}
	return nil
}

// lowerHex says whether s is only the digits 0-9 and a-f (NOT GLOB '*[^0-9a-f]*').
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// imdbShaped is GLOB 'tt[0-9]*': "tt", a digit, then anything.
func imdbShaped(s string) bool {
	return len(s) >= 3 && s[0] == 't' && s[1] == 't' && s[2] >= '0' && s[2] <= '9'
}

// airDateShaped is GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]'.
func airDateShaped(s string) bool {
	const shape = "1999-19-39" // each position's highest character; '-' where a dash goes
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c, top := s[i], shape[i]
		switch {
		case top == '-':
			if c != '-' {
				return false
			}
		case i == 0:
			if c != '1' && c != '2' {
				return false
			}
		case c < '0' || c > top:
			return false
		}
	}
	return true
}

// inBulkLoad says whether this engine holds a bulk load (bulkload.go): one it began, or joined.
func (e *localEngine) inBulkLoad() bool {
	e.bulkMu.Lock()
	defer e.bulkMu.Unlock()
	return e.bulkLock != nil
}

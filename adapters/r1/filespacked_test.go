package r1

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/s2"

	"github.com/torrent-streamer/streamer/domain"
)

// filesPackingTorrents are n torrents of a season pack's shape, whose paths repeat their folder.
func filesPackingTorrents(t *testing.T, n int) []domain.Torrent {
	return numberedTorrents(t, n, func(i int, tor *domain.Torrent) {
		tor.Files = nil
		for k := range 1 + i%9 {
			tor.Files = append(tor.Files, domain.File{
				Path: fmt.Sprintf("Show Name %d S01 1080p/Show.Name.%d.S01E%02d.1080p.WEB-DL.mkv", i, i, k+1), Size: int64(1<<20 + k)})
		}
	})
}

// A torrent's file list is packed in its row, its count beside it, and read back as it was
// written: by its details, its summaries (file_count) and an export's reads, on each engine and
// in each form a row travels in (a bulk load's bound values too).
func TestFileListsArePackedInTheirRowAndReadBack(t *testing.T) {
	check := func(t *testing.T, db *Database, torrents []domain.Torrent) {
		t.Helper()
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		if got := scalar(t, db, "SELECT count(*) FROM torrents WHERE files = '[]' AND files_packed IS NOT NULL AND file_count > 0"); got != int64(len(torrents)) {
			t.Fatalf("%d of %d rows hold their list packed", got, len(torrents))
		}
		var packed, json int64
		for _, tor := range torrents {
			j, err := filesJSONOf(tor.Files)
			if err != nil {
				t.Fatal(err)
			}
			json += int64(len(j))
		}
		packed = scalar(t, db, "SELECT sum(length(files_packed)) FROM torrents")
		if packed*2 > json {
			t.Errorf("the packed lists take %d bytes, their JSON %d", packed, json)
		}
		for _, tor := range torrents {
			got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: tor.InfoHash})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Files, tor.Files) {
				t.Fatalf("%s: files %+v, want %+v", tor.Name, got.Files, tor.Files)
			}
		}
		latest, err := repo.Latest(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(latest) != len(torrents) {
			t.Fatalf("latest: %d torrents, want %d", len(latest), len(torrents))
		}
		for _, s := range latest {
			i := slices.IndexFunc(torrents, func(tor domain.Torrent) bool { return tor.InfoHash == s.InfoHash })
			if s.FileCount != len(torrents[i].Files) {
				t.Fatalf("%s: file count %d, want %d", s.Name, s.FileCount, len(torrents[i].Files))
			}
		}
		// Upserted again unchanged, no row is written: the packing gives the same bytes.
		outcomes := upsert(t, repo, torrents...)
		for _, o := range outcomes {
			if !o.Unchanged {
				t.Fatalf("an unchanged torrent was written again: %+v", o)
			}
		}
	}
	eachModeAndABulkLoad(t, func(t *testing.T) []domain.Torrent { return filesPackingTorrents(t, 30) }, check)
}

// eachModeAndABulkLoad stores the torrents made in each mode (eachMode), then in a bulk load into
// an empty catalog, and checks what each stored.
func eachModeAndABulkLoad(t *testing.T, torrentsOf func(t *testing.T) []domain.Torrent, check func(t *testing.T, db *Database, torrents []domain.Torrent)) {
	t.Helper()
	eachMode(t, func(t *testing.T, db *Database) {
		torrents := torrentsOf(t)
		upsert(t, NewTorrentRepository(db), torrents...)
		check(t, db, torrents)
	})
	t.Run("bulk load", func(t *testing.T) {
		db := openMigrated(t, LocalOptions{})
		ctx := context.Background()
		loader := NewBulkLoader(db)
		if began, err := loader.BeginBulkLoad(ctx); err != nil || !began {
			t.Fatal(began, err)
		}
		torrents := torrentsOf(t)
		upsert(t, NewTorrentRepository(db), torrents...)
		if err := loader.FinishBulkLoad(ctx, nil); err != nil {
			t.Fatal(err)
		}
		check(t, db, torrents)
	})
}

// An unchanged torrent is unchanged whichever build packed its list: S2's bytes for one list differ
// between its assembly and pure-Go encoders (and may between versions), so the upsert compares the
// format and the JSON's hash in front of them, not the block.
func TestAListPackedByAnotherBuildIsUnchanged(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := filesPackingTorrents(t, 9)
		upsert(t, repo, torrents...)
		var stmts []Statement
		for _, tor := range torrents {
			list, err := filesJSONOf(tor.Files)
			if err != nil {
				t.Fatal(err)
			}
			ours := packFiles(list)
			other := append(slices.Clip(ours[:filesPackedKey]), s2.EncodeBest(nil, []byte(list))...)
			if slices.Equal(other, ours) {
				other = append(other[:filesPackedKey:filesPackedKey], s2.EncodeSnappy(nil, []byte(list))...)
			}
			stmts = append(stmts, Statement{SQL: "UPDATE torrents SET files_packed = unhex(?) WHERE info_hash = ?",
				Params: []any{hex.EncodeToString(other), tor.InfoHash.String()}})
		}
		if _, err := db.batch(ctx, stmts); err != nil {
			t.Fatal(err)
		}
		for _, o := range upsert(t, repo, torrents...) {
			if !o.Unchanged {
				t.Fatalf("a torrent whose list another build packed was written again: %+v", o)
			}
		}
		for _, tor := range torrents {
			got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: tor.InfoHash})
			if err != nil || !slices.Equal(got.Files, tor.Files) {
				t.Fatalf("%s: files %+v, %v", tor.Name, got.Files, err)
			}
		}
		// A list that did change is written, whatever its bytes.
		torrents[0].Files[0].Size++
		if o := upsert(t, repo, torrents[0]); o[0].Unchanged || o[0].Created {
			t.Fatalf("a changed list: %+v", o[0])
		}
	})
}

// A torrent whose paths' words are over their bound stores no words, and its list stays JSON in
// files, where the full-text index reads its paths.
func TestAListWhoseWordsAreOverTheBoundStaysJSON(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		tor := newTorrent(t, 1, func(tor *domain.Torrent) {
			tor.Files = nil
			for i := range 4000 {
				tor.Files = append(tor.Files, domain.File{Path: fmt.Sprintf("pack/quasar%05dword.bin", i), Size: 1})
			}
		})
		upsert(t, repo, tor)
		if got := scalar(t, db, "SELECT count(*) FROM torrents WHERE file_words IS NULL AND files_packed IS NULL AND json_array_length(files) = 4000 AND file_count = 4000"); got != 1 {
			t.Fatalf("%d rows hold the list as JSON without words, want 1", got)
		}
		page, err := repo.Search(ctx, domain.SearchCriteria{Text: "quasar03999word", Terms: []string{"quasar03999word"}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].FileCount != 4000 {
			t.Fatalf("a search for a word of its last path found %+v", page.Items)
		}
		got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: tor.InfoHash})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Files, tor.Files) {
			t.Fatalf("%d files read back, want %d", len(got.Files), len(tor.Files))
		}
	})
}

// A row stored before migration 0039 (the list as JSON, no packed list, no count) reads as it
// did; the next upsert of its torrent packs it, and its full-text entry follows its words.
func TestRowsStoredBeforePackingReadAsBefore(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := filesPackingTorrents(t, 12)
		upsert(t, repo, torrents...)
		storeAsBefore0039(t, db, torrents[:6]...)
		for _, tor := range torrents {
			got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: tor.InfoHash})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Files, tor.Files) || got.Summary().FileCount != len(tor.Files) {
				t.Fatalf("%s: files %+v, want %+v", tor.Name, got.Files, tor.Files)
			}
		}
		latest, err := repo.Latest(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range latest {
			i := slices.IndexFunc(torrents, func(tor domain.Torrent) bool { return tor.InfoHash == s.InfoHash })
			if s.FileCount != len(torrents[i].Files) {
				t.Fatalf("%s: file count %d, want %d", s.Name, s.FileCount, len(torrents[i].Files))
			}
		}
		upsert(t, repo, torrents...)
		if got := scalar(t, db, "SELECT count(*) FROM torrents WHERE files_packed IS NULL"); got != 0 {
			t.Fatalf("%d rows still unpacked after their next upsert", got)
		}
		page, err := repo.Search(ctx, domain.SearchCriteria{Text: "S01E09", Terms: []string{"S01E09"}, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		if want := 1; len(page.Items) != want { // torrent 8, the one of nine files
			t.Fatalf("a search for a word of the paths found %d torrents, want %d", len(page.Items), want)
		}
		if _, err := db.batch(ctx, []Statement{{SQL: "DELETE FROM torrents"}}); err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, db, "SELECT count(*) FROM torrents_fts_vocab"); got != 0 {
			t.Fatalf("the index holds %d words of removed torrents", got)
		}
	})
}

// A packed value the service did not write is refused with an error, never a panic or a list
// it cannot vouch for.
func TestUnpackFilesRefusesWhatItDidNotWrite(t *testing.T) {
	good := hex.EncodeToString(packFiles(`[{"path":"a","size":1}]`))
	if list, err := unpackFiles(good); err != nil || list != `[{"path":"a","size":1}]` {
		t.Fatalf("unpackFiles(packFiles(x)) = %q, %v", list, err)
	}
	// Format 1, the S2 block alone (written for an hour of session 15), is read too.
	if list, err := unpackFiles(hex.EncodeToString(append([]byte{filesPackedS2}, s2.Encode(nil, []byte(`[]`))...))); err != nil || list != `[]` {
		t.Fatalf("format 1: %q, %v", list, err)
	}
	huge := append([]byte{filesPackedS2}, s2.Encode(nil, []byte(strings.Repeat("a", filesPackedMax+1)))...)
	for name, in := range map[string]string{
		"not hex":        "zz",
		"empty":          "",
		"unknown format": "07" + good[2:],
		"short key":      "0201020304",
		"truncated":      good[:len(good)-4],
		"not S2":         "01ffffffffff",
		"over the bound": hex.EncodeToString(huge),
	} {
		if list, err := unpackFiles(in); err == nil {
			t.Errorf("%s: unpacked to %q", name, list)
		}
	}
}

// storeAsBefore0039 writes the rows of torrents as a catalog stored before migration 0039 holds
// them: the file list as JSON in files, neither packed nor counted.
func storeAsBefore0039(t *testing.T, db *Database, torrents ...domain.Torrent) {
	t.Helper()
	var stmts []Statement
	for _, tor := range torrents {
		list, err := filesJSONOf(tor.Files)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, Statement{SQL: "UPDATE torrents SET files = ?, files_packed = NULL, file_count = NULL WHERE info_hash = ?",
			Params: []any{list, tor.InfoHash.String()}})
	}
	if _, err := db.batch(context.Background(), stmts); err != nil {
		t.Fatal(err)
	}
}

// A batch holding one torrent whose row is too large for the engine's form (its list stays JSON,
// its words over their bound) beside ordinary ones is stored whole, in a bulk load too. Before,
// the whole group went as JSON text, which the other rows had not: "malformed JSON", and the
// batch failed.
func TestABatchWithOneLargeRowIsStoredWhole(t *testing.T) {
	large := func(t *testing.T) domain.Torrent {
		return newTorrent(t, 7, func(tor *domain.Torrent) {
			tor.Files = nil
			for i := range 4000 {
				tor.Files = append(tor.Files, domain.File{Path: fmt.Sprintf("pack/nebula%05dword.bin", i), Size: 1})
			}
		})
	}
	check := func(t *testing.T, db *Database, torrents []domain.Torrent) {
		t.Helper()
		repo := NewTorrentRepository(db)
		for _, tor := range torrents {
			got, err := repo.Get(context.Background(), domain.TorrentRef{InfoHash: tor.InfoHash})
			if err != nil || !slices.Equal(got.Files, tor.Files) {
				t.Fatalf("%s: %d files read back, want %d (%v)", tor.Name, len(got.Files), len(tor.Files), err)
			}
		}
	}
	eachModeAndABulkLoad(t, func(t *testing.T) []domain.Torrent { return append(filesPackingTorrents(t, 5), large(t)) }, check)
}

// Rows a bulk load bound (files_packed a BLOB) compare equal to the same torrents sent again as
// JSONB (the local file outside a load) and as JSON text (the local file standing for D1): an
// unchanged re-upsert writes nothing.
func TestBoundAndJSONRowsStoreTheSamePackedList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var batch []domain.Torrent
	for i := range 50 {
		batch = append(batch, bulkTorrent(t, i))
	}
	db := openMigrated(t, LocalOptions{})
	repo, loader := NewTorrentRepository(db), NewBulkLoader(db)
	if began, err := loader.BeginBulkLoad(ctx); err != nil || !began {
		t.Fatalf("BeginBulkLoad: %v, %v", began, err)
	}
	upsert(t, repo, batch...)
	for _, o := range upsert(t, repo, batch...) { // bound against bound
		if !o.Unchanged {
			t.Fatalf("bound re-upsert: %+v", o)
		}
	}
	if err := loader.FinishBulkLoad(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for _, o := range upsert(t, repo, batch...) { // JSONB against bound
		if !o.Unchanged {
			t.Fatalf("JSONB re-upsert of bound rows: %+v", o)
		}
	}
	text := openMigrated(t, LocalOptions{ParamsAsText: true, JSONResults: true})
	trepo := NewTorrentRepository(text)
	upsert(t, trepo, batch...)
	for _, o := range upsert(t, trepo, batch...) {
		if !o.Unchanged {
			t.Fatalf("JSON re-upsert: %+v", o)
		}
	}
	a := rowsOf(t, db, "SELECT info_hash, hex(files_packed) AS p, typeof(files_packed) AS ty FROM torrents ORDER BY info_hash")
	b := rowsOf(t, text, "SELECT info_hash, hex(files_packed) AS p, typeof(files_packed) AS ty FROM torrents ORDER BY info_hash")
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("bound and JSON rows stored different files_packed:\n%v\n%v", a[:2], b[:2])
	}
	got, err := repo.Get(ctx, domain.TorrentRef{InfoHash: batch[3].InfoHash})
	if err != nil || len(got.Files) != len(batch[3].Files) || got.Files[0] != batch[3].Files[0] {
		t.Errorf("Get of a bound row: %v %+v", err, got.Files)
	}
}

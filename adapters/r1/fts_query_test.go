package r1

import (
	"database/sql"
	"strings"
	"sync"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

func TestFTSQuery(t *testing.T) {
	for _, tc := range []struct {
		terms []string
		want  string
	}{
		{nil, ""},
		{[]string{""}, ""},
		{[]string{"ubuntu"}, `"ubuntu" *`},
		{[]string{"ubuntu", "24", "iso"}, `"ubuntu" "24" "iso" *`},
		{[]string{`a"b`}, `"a""b" *`},
		{[]string{"NEAR(", "col:x", "^x", "*"}, `"NEAR(" "col:x" "^x" "*" *`},
		{[]string{"a\x00b", "\xff"}, `"ab" *`},
	} {
		if got := ftsQuery(tc.terms); got != tc.want {
			t.Errorf("ftsQuery(%q) = %q, want %q", tc.terms, got, tc.want)
		}
	}
}

var (
	ftsOnce sync.Once
	ftsDB   *sql.DB
	ftsErr  error
)

// ftsTable is an in-memory FTS5 table like the catalog's, for checking what SQLite accepts.
func ftsTable(t testing.TB) *sql.DB {
	ftsOnce.Do(func() {
		ftsDB, ftsErr = sql.Open("sqlite", ":memory:")
		if ftsErr != nil {
			return
		}
		ftsDB.SetMaxOpenConns(1)
		for _, s := range []string{
			`CREATE VIRTUAL TABLE f USING fts5(name, paths, content = '', tokenize = 'unicode61 remove_diacritics 2')`,
			`INSERT INTO f (rowid, name, paths) VALUES (1, 'Ubuntu 24.04 Desktop', 'ubuntu.iso'), (2, 'Café NEAR Straße', 'a/b "c".mkv')`,
		} {
			if _, ftsErr = ftsDB.Exec(s); ftsErr != nil {
				return
			}
		}
	})
	if ftsErr != nil {
		t.Fatal(ftsErr)
	}
	return ftsDB
}

func assertMatchAccepted(t *testing.T, db *sql.DB, terms []string) {
	t.Helper()
	q := ftsQuery(terms)
	if q == "" {
		return
	}
	rows, err := db.Query(`SELECT rowid, bm25(f, 10.0, 1.0) FROM f WHERE f MATCH ?`, q)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
		rows.Close()
	}
	if err != nil {
		t.Fatalf("terms %q built %q, which FTS5 refuses: %v", terms, q, err)
	}
}

// FuzzFTSQuery: whatever a user types, the built expression is one FTS5 accepts.
func FuzzFTSQuery(f *testing.F) {
	for _, seed := range []string{
		`ubuntu`, `"`, `""`, `"unterminated`, `a"b"c`, `NEAR(a b)`, `NEAR(`, `a*`, `*`, `* *`, `name:x`, `col:`,
		`{name paths}:x`, `^start`, `a AND OR NOT b`, `AND`, `OR`, `NOT`, `(a OR b)`, `a + b`, `-x`,
		`'; DROP TABLE torrents; --`, `1' OR '1'='1`, "emoji 🙂🎬 ok", "Café Straße ǅ", "日本語のテキスト",
		"\x00", "a\x00b", "\xff\xfe", strings.Repeat("x", 200), strings.Repeat("ab ", 70), strings.Repeat(`"*(`, 66),
		"𞤀𞤁 ℌ ⅷ x² ½",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		db := ftsTable(t)
		assertMatchAccepted(t, db, domain.Tokenize(text))
		// Raw strings, not tokenized: the builder alone must make them safe.
		assertMatchAccepted(t, db, []string{text})
		assertMatchAccepted(t, db, strings.Fields(text))
	})
}

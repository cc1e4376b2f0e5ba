package r1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"testing"
)

func TestVarintsReadBackWhatTheyWrite(t *testing.T) {
	for _, v := range []uint64{0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 1 << 21, 1<<56 - 1, 1 << 56, 1<<63 + 12345, math.MaxUint64} {
		b := appendVarint(nil, v)
		r := varintReader{b: b}
		if got := r.next(); got != v || r.err != nil || len(r.b) != 0 {
			t.Errorf("%d: wrote % x, read %d (%v, %d bytes left)", v, b, got, r.err, len(r.b))
		}
	}
	// SQLite's own encoding of a few values (sqlite3PutVarint).
	for v, want := range map[uint64]string{0x7f: "7f", 0x80: "8100", 300: "822c", 16384: "818000"} {
		if got := fmt.Sprintf("%x", appendVarint(nil, v)); got != want {
			t.Errorf("%d: % s, want %s", v, got, want)
		}
	}
}

// ftsRows is a table of rows for the full-text tests: words shared by many rows, words of few,
// file paths, so doclists span pages and the prefix indexes hold many entries.
func ftsRows(from, to int) [][4]any {
	words := []string{"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"}
	var rows [][4]any
	for id := from; id < to; id++ {
		name := fmt.Sprintf("%s %s %s 1080p x%d w%d", words[id%10], words[id/10%10], words[id*7%10], id%97, id)
		paths := fmt.Sprintf("Season %d/part%d.mkv\nSeason %d/sample/%s.txt", id%5, id%13, id%5, words[id%3])
		rows = append(rows, [4]any{id, name, paths, fmt.Sprintf("\ue000c%x", id%7)})
	}
	return rows
}

// ftsTables opens a database in dir with torrents_fts, as the catalog defines it, in main and in
// each schema named (attached, a file each), with small pending entries: many segments, none
// merged. A connection that has used an FTS5 table keeps its structure until another connection
// writes the file: the checks after a copy open the files again.
func ftsTables(t *testing.T, dir string, create bool, schemas ...string) *sql.Conn {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "main.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, s := range append([]string{"main"}, schemas...) {
		if s != "main" {
			execOn(t, c, "ATTACH '"+filepath.Join(dir, s+".db")+"' AS "+s)
		}
		if !create {
			continue
		}
		execOn(t, c, "CREATE VIRTUAL TABLE "+s+`.torrents_fts USING fts5(name, paths, facets, content = '',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4')`)
		execOn(t, c, "INSERT INTO "+s+".torrents_fts (torrents_fts, rank) VALUES ('hashsize', 4096)")
		execOn(t, c, "INSERT INTO "+s+".torrents_fts (torrents_fts, rank) VALUES ('automerge', 0)")
		execOn(t, c, "INSERT INTO "+s+".torrents_fts (torrents_fts, rank) VALUES ('crisismerge', 500)")
	}
	return c
}

func execOn(t *testing.T, c *sql.Conn, query string, args ...any) {
	t.Helper()
	if _, err := c.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func insertFTS(t *testing.T, c *sql.Conn, schema string, rows [][4]any) {
	t.Helper()
	for _, r := range rows {
		execOn(t, c, "INSERT INTO "+schema+".torrents_fts (rowid, name, paths, facets) VALUES (?, ?, ?, ?)", r[:]...)
	}
}

func ftsSegmentCount(t *testing.T, c *sql.Conn, schema string) int {
	t.Helper()
	var block []byte
	if err := c.QueryRowContext(context.Background(), "SELECT block FROM "+schema+".torrents_fts_data WHERE id = 10").Scan(&block); err != nil {
		t.Fatal(err)
	}
	s, err := decodeFTSStructure(block)
	if err != nil {
		t.Fatal(err)
	}
	if again := s.encode(); !reflect.DeepEqual(again, block) {
		t.Fatalf("the structure of %s encodes again as % x, read from % x", schema, again, block)
	}
	return len(s.segments())
}

// Two indexes built apart over disjoint rows and joined (copied, then copyJoinedFTS) are the index
// of all the rows built at once: the same entries token for token, the same bm25 scores, and
// FTS5's own integrity check passes; with many segments on each side, or merged into one each.
func TestTwoFullTextIndexesJoinedAreTheIndexOfAllTheirRows(t *testing.T) {
	ctx := context.Background()
	for _, merged := range []bool{false, true} {
		t.Run(fmt.Sprintf("merged %v", merged), func(t *testing.T) {
			dir := t.TempDir()
			c := ftsTables(t, dir, true, "a", "b", "whole")
			insertFTS(t, c, "a", ftsRows(1, 600))
			insertFTS(t, c, "b", ftsRows(600, 1000))
			insertFTS(t, c, "whole", ftsRows(1, 1000))
			if merged {
				execOn(t, c, "INSERT INTO a.torrents_fts (torrents_fts) VALUES ('optimize')")
				execOn(t, c, "INSERT INTO b.torrents_fts (torrents_fts) VALUES ('optimize')")
			}
			na, nb := ftsSegmentCount(t, c, "a"), ftsSegmentCount(t, c, "b")
			if merged && (na != 1 || nb != 1) || !merged && (na < 20 || nb < 20) {
				t.Fatalf("a holds %d segments, b %d", na, nb)
			}
			execOn(t, c, "DELETE FROM main.torrents_fts_data")
			for _, table := range []string{"data", "idx", "docsize"} {
				execOn(t, c, "INSERT INTO main.torrents_fts_"+table+" SELECT * FROM a.torrents_fts_"+table)
			}
			if err := copyJoinedFTS(ctx, c, "main", "b"); err != nil {
				t.Fatal(err)
			}
			c = ftsTables(t, dir, false, "whole")
			if n := ftsSegmentCount(t, c, "main"); n != na+nb {
				t.Errorf("the joined index holds %d segments; want %d", n, na+nb)
			}
			execOn(t, c, "INSERT INTO main.torrents_fts (torrents_fts, rank) VALUES ('integrity-check', 0)")
			for _, s := range []string{"main", "whole"} {
				execOn(t, c, "CREATE VIRTUAL TABLE temp.terms_"+s+" USING fts5vocab("+s+", torrents_fts, instance)")
			}
			same := func(query string) {
				t.Helper()
				var got, want []string
				for i, s := range []string{"main", "whole"} {
					rows, err := c.QueryContext(ctx, fmt.Sprintf(query, s))
					if err != nil {
						t.Fatal(err)
					}
					for rows.Next() {
						var a, b any
						if err := rows.Scan(&a, &b); err != nil {
							t.Fatal(err)
						}
						line := fmt.Sprint(a, " ", b)
						if i == 0 {
							got = append(got, line)
						} else {
							want = append(want, line)
						}
					}
					rows.Close()
				}
				if len(want) == 0 || !reflect.DeepEqual(got, want) {
					t.Errorf("%s: joined %d rows %.200v, built at once %d rows %.200v", query, len(got), got, len(want), want)
				}
			}
			same("SELECT term || ' ' || doc, col || ' ' || offset FROM temp.terms_%s ORDER BY term, doc, col, offset")
			for _, q := range []string{"alpha", "alpha bravo", "ch*", "sea*", "part1*", "x4*", "w99*", "\"\ue000c3\"", "sample AND golf"} {
				same("SELECT rowid, bm25(torrents_fts) FROM %s.torrents_fts WHERE torrents_fts MATCH '" + q + "' ORDER BY bm25(torrents_fts), rowid")
			}
		})
	}
}

func TestJoiningRefusesWhatItDoesNotRead(t *testing.T) {
	empty := ftsStructure{}.encode()
	for _, tc := range []struct {
		name string
		a, b []byte
	}{
		{"a V2 structure", append([]byte{0, 0, 0, 0}, 0xff, 0, 0, 1, 0, 0, 0), empty},
		{"a merge under way", empty, ftsStructure{levels: []ftsLevel{{merging: 2, segments: []ftsSegment{{1, 1, 2}, {2, 1, 2}}}}}.encode()},
		{"a cut record", empty, []byte{0, 0, 0, 0, 1}},
		{"more segments than counted", empty, append([]byte{0, 0, 0, 0}, 1, 2, 0, 0, 1, 1, 1, 1)},
	} {
		if _, err := joinFTSRecords(tc.a, nil, tc.b, nil); !errors.Is(err, errFTSRecord) {
			t.Errorf("%s: %v; want errFTSRecord", tc.name, err)
		}
	}
}

package r1

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// rowsMigration is the latest migration that makes torrents_fts_rows again without indexing the
// torrents again: its text must be the text the index was told before it.
const rowsMigration = "0035_fts_rows_without_subqueries.sql"

// fts0027Paths and fts0027Facets are torrents_fts_rows' columns as migration 0027 wrote them, over
// a torrent t: what the index of a catalog migrated before 0035 holds.
const (
	fts0027Paths  = `(SELECT group_concat(value, char(10)) FROM json_tree(t.files) WHERE key = 'path')`
	fts0027Facets = `char(57344) || 'c' || lower(hex((SELECT slug FROM categories WHERE id = t.category_id))) || ' ' ||
       char(57344) || 'r' || lower(hex(coalesce(t.release_resolution, ''))) || ' ' ||
       (SELECT char(57344) || 'd' || b || char(57345 + d % 16) || ' ' || char(57344) || 'e' || char(57345 + min(t.category_id, 6398)) || b
        FROM (SELECT d, char(57345 + d / 256) || char(57345 + d / 16 % 16) AS b
              FROM (SELECT (max(min(t.uploaded_at, 45298483199), -45298483200) + 45298483200) / 86400 AS d))) || ' ' ||
       (SELECT char(57344) || 's' || char(57345 + length(s)) || char(57345 + substr(s, 1, 1)) || char(57345 + substr(s || '0', 2, 1))
        FROM (SELECT CAST(CAST(t.size AS INTEGER) AS TEXT) AS s))`
)

// hostileFiles are file lists the files column may hold (any valid JSON: the writer writes an
// array of {path, size}, but a row written by hand, an older version or another tool need not).
var hostileFiles = []string{
	`[]`, `{}`, `null`, `"a string"`, `5`, `true`,
	`[{"size":1}]`, `[{}]`, `[{"path":null}]`, `[{"path":""}]`,
	`[{"path":5},{"path":1.5e300},{"path":-0.0},{"path":true},{"path":false},{"path":123456789012345678901234567890}]`,
	`[{"path":"a/b.mkv","size":1},{"path":"a/c.srt","size":2}]`,
	`[{"path":"first","path":"second"}]`,
	`[{"path":{"path":"deep"}}]`, `[{"path":["x",{"path":"in a list"}]}]`,
	`[[{"path":"in an array"}]]`, `{"path":"the root's"}`, `{"files":[{"path":"under a key"}]}`,
	`[{"pa\u0074h":"an escaped key"},{"PATH":"upper case"},{"path ":"a space"}]`,
	`[{"path":"línea\nnueva ü 日本 🎬 \u0000 nul \t tab"}]`, `[{"path":"a\\b\"c\/d"}]`,
	`[{"x":[{"path":"nested first"}],"path":"then the member"}]`,
	`[1,"two",null,{"path":"after junk"},[],{}]`,
	`[{"path":"a"},{"size":3},{"path":"c","extra":{"k":[1,2,{"path":"z"}]}}]`,
}

// torrents_fts_rows (0035) says, for every row, the text 0027's view said: the dates, sizes,
// categories and resolutions at every edge, and hostile file lists. And a catalog indexed with
// 0027's text, then migrated, removes its rows through the triggers (which read the view) to an
// empty index: a contentless index removes an entry only when told the text it was given.
func TestTheFullTextRowsAreTheTextTheIndexWasGiven(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		categories := []Statement{
			{SQL: "INSERT INTO categories (id, slug, name) VALUES (6398, 'ünï-cödé 日本', 'a'), (6399, 'a b''c', 'b'), (100000, '-', 'c')"},
		}
		if _, err := db.batch(ctx, categories); err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(11, 35))
		dates := append(rangeValues(dateScale, r), math.MinInt64, math.MaxInt64, 0, -1, 86399, 86400)
		var sizes []int64
		for _, s := range rangeValues(sizeScale, r) {
			if s >= 0 {
				sizes = append(sizes, s)
			}
		}
		categoryIDs := []int64{1, 2, 8, 6398, 6399, 100000}
		resolutions := []string{"-", "", "1080p", "2160P", "é", "日本", "a b"} // "-": none (NULL)
		n := max(len(dates), len(sizes), len(hostileFiles))
		var rows []Statement
		for i := range n {
			hash := sha1.Sum([]byte(fmt.Sprint("fts-rows-", i)))
			rows = append(rows, Statement{
				SQL: `INSERT INTO torrents (info_hash, name, name_key, size, category_id, uploaded_at, files, release_resolution)
VALUES (?, ?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER), ?, NULLIF(?, '-'))`,
				Params: []any{hex.EncodeToString(hash[:]), fmt.Sprint("Name ", i), fmt.Sprint("name ", i),
					sizes[i%len(sizes)], categoryIDs[i%len(categoryIDs)], dates[i%len(dates)], hostileFiles[i%len(hostileFiles)],
					resolutions[i%len(resolutions)]},
			})
		}
		if _, err := db.batch(ctx, rows); err != nil {
			t.Fatal(err)
		}
		res, err := db.query(ctx, Statement{SQL: `SELECT v.id AS id, v.paths IS ` + fts0027Paths + ` AS paths_same, v.facets IS ` + fts0027Facets + ` AS facets_same,
    coalesce(v.paths, '(null)') AS paths, v.facets AS facets
FROM torrents_fts_rows v JOIN torrents t ON t.id = v.id ORDER BY v.id`})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != n {
			t.Fatalf("torrents_fts_rows has %d rows, want %d", len(res.Rows), n)
		}
		for _, row := range res.Rows {
			rr := rowReader{row: row}
			if rr.int("paths_same") != 1 || rr.int("facets_same") != 1 {
				t.Errorf("row %d: paths %q, facets %q: not 0027's text (paths the same: %d, facets: %d)",
					rr.int("id"), rr.text("paths"), rr.text("facets"), rr.int("paths_same"), rr.int("facets_same"))
			}
		}

		// The index made again from the rows with 0027's view (its statements, run again), then
		// this migration's view, through which the triggers remove every row.
		for _, name := range []string{searchIndexMigration, rowsMigration} {
			i := slices.IndexFunc(migrations, func(m migration) bool { return m.name == name })
			if i < 0 {
				t.Fatal("no migration " + name)
			}
			var batch []Statement
			for _, s := range migrations[i].statements {
				batch = append(batch, Statement{SQL: s})
			}
			if _, err := db.batch(ctx, batch); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if got := scalar(t, db, "SELECT count(*) FROM torrents_fts_vocab"); got == 0 {
			t.Fatal("the index made again from the rows holds no word")
		}
		if _, err := db.batch(ctx, []Statement{{SQL: "DELETE FROM torrents"}}); err != nil {
			t.Fatal(err)
		}
		res, err = db.query(ctx, Statement{SQL: "SELECT term, doc FROM torrents_fts_vocab ORDER BY term LIMIT 5"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 0 {
			var left []string
			for _, row := range res.Rows {
				rr := rowReader{row: row}
				left = append(left, fmt.Sprintf("%q (%d rows)", rr.text("term"), rr.int("doc")))
			}
			t.Fatalf("the index holds words of removed rows: %s", strings.Join(left, ", "))
		}
	})
}

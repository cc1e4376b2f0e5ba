package r1

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

// The words a long last word begins, as termsStatement finds them (one seek each in the occurrences
// table), are the words the vocabulary's rows list: every one, in order, up to the bound, whatever
// sorts around them, after a torrent holding the only occurrence of one is taken down, and before
// and after the index is merged into one segment.
func TestTermsStatementFindsTheVocabularysWords(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		names := []string{"Commonwealth Games", "Commons Licence", "common ground", "commonx1 commonz", "Commona0 Commonb",
			"Uncommon Valor", "Commo", "commoo commonwealthy", "Witch 1080p", "Witch0 Witches", "Prince Princess Princes"}
		for i := range 9 {
			names = append(names, fmt.Sprintf("manyw%d", i))
		}
		var torrents []domain.Torrent
		for i, name := range names {
			torrents = append(torrents, newTorrent(t, i, func(tor *domain.Torrent) { tor.Name = name; tor.Files = nil }))
		}
		upsert(t, repo, torrents...)
		prefixes := []string{"commo", "commonw", "commons", "commonx", "commonwealth", "witch", "princ", "prince", "manyw", "zzzzz", "comm0", "witch0"}
		check := func(when string) {
			for _, prefix := range prefixes {
				for _, n := range []int{1, 3, maxExpansion + 1} {
					upper := prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
					want := terms(t, db, Statement{SQL: "SELECT term FROM torrents_fts_vocab WHERE term >= ? AND term < ? LIMIT CAST(? AS INTEGER)", Params: []any{prefix, upper, n}})
					got := terms(t, db, termsStatement(prefix, n))
					if !slices.Equal(got, want) {
						t.Errorf("%s: %q (%d): %v, the vocabulary says %v", when, prefix, n, got, want)
					}
				}
			}
		}
		check("written")
		if _, err := repo.TakeDown(ctx, []domain.InfoHash{torrents[3].InfoHash}); err != nil { // commonx1's only torrent
			t.Fatal(err)
		}
		check("after a takedown")
		if err := db.Settle(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.MergeSearchIndex(ctx); err != nil {
			t.Fatal(err)
		}
		check("merged")
	})
}

func terms(t *testing.T, db *Database, s Statement) []string {
	t.Helper()
	res, err := db.query(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		out = append(out, rr.text("term"))
		if rr.err != nil {
			t.Fatal(rr.err)
		}
	}
	return out
}

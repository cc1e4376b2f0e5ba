package r1

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

func TestFileWordsAreEachWordOfThePathsOnce(t *testing.T) {
	files := func(paths ...string) []domain.File {
		out := make([]domain.File, len(paths))
		for i, p := range paths {
			out[i] = domain.File{Path: p, Size: 1}
		}
		return out
	}
	for _, c := range []struct {
		files []domain.File
		want  any
	}{
		{nil, ""},
		{files(""), ""},
		{files("/", "._-"), ""},
		{files("a.mkv"), "a mkv"},
		{files(
			"Show.Name.S01.1080p.WEB-DL/Show.Name.S01E01.1080p.WEB-DL.mkv",
			"Show.Name.S01.1080p.WEB-DL/Show.Name.S01E02.1080p.WEB-DL.mkv",
			"Show.Name.S01.1080p.WEB-DL/Subs/English.srt",
		), "Show Name S01 1080p WEB DL S01E01 mkv S01E02 Subs English srt"},
		// ASCII case is folded, the first spelling kept; other letters are compared as they are.
		{files("Movie/MOVIE.mkv", "movie.MKV"), "Movie mkv"},
		{files("Été/été/ÉTÉ"), "Été été ÉTÉ"},
		// Symbols and control characters stay in a word; the tokenizer may cut there itself.
		{files("c++/C++ primer$2.pdf", "a|b~c^d`e<f=g>h"), "c++ primer$2 pdf a|b~c^d`e<f=g>h"},
		{files("tab\there\x01ctl"), "tab here\x01ctl"},
		// Every ASCII punctuation mark and space cuts.
		{files(`a!b"c#d%e&f'g(h)i*j,k-l.m/n:o;p?q@r[s\t]u_v{w}x y` + "\n\r\v\fz"), `a b c d e f g h i j k l m n o p q r s t u v w x y z`},
		// Non-ASCII text is whole words (with their marks); invalid UTF-8 becomes U+FFFD.
		{files("日本語/映画 (2020)/日本語.mkv", "caf\xffé/x\xfe\xfd"), "日本語 映画 2020 mkv caf\uFFFDé x\uFFFD"},
	} {
		if got := fileWords("", c.files); got != c.want {
			t.Errorf("fileWords(%v) = %q, want %q", c.files, got, c.want)
		}
	}
}

// The words of the name are not the paths' words again: the index holds them in the name column.
func TestFileWordsLeaveOutTheNamesWords(t *testing.T) {
	pack := []domain.File{
		{Path: "Show.Name.S01.1080p.WEB-DL/Show.Name.S01E01.1080p.WEB-DL.mkv", Size: 1},
		{Path: "Show.Name.S01.1080p.WEB-DL/Show.Name.S01E02.1080p.WEB-DL.mkv", Size: 1},
		{Path: "Show.Name.S01.1080p.WEB-DL/Subs/English.srt", Size: 1},
	}
	for _, c := range []struct {
		name  string
		files []domain.File
		want  any
	}{
		{"Show Name S01 1080p WEB-DL", pack, "S01E01 mkv S01E02 Subs English srt"},
		// ASCII case is folded as the tokenizer folds it; other letters are compared as they are.
		{"show.name.s01 [1080P]", pack, "WEB DL S01E01 mkv S01E02 Subs English srt"},
		{"ÉTÉ", []domain.File{{Path: "été/ÉTÉ.mkv", Size: 1}}, "été mkv"},
		// Every word of the paths in the name: no text (not NULL: the paths are indexed, as nothing).
		{"Movie (2020) mkv", []domain.File{{Path: "Movie.2020.mkv", Size: 1}}, ""},
		// The name's words alone are never written, nor the name twice.
		{"Movie Movie", []domain.File{{Path: "Extras/Making of.mkv", Size: 1}}, "Extras Making of mkv"},
		{"Movie", nil, ""},
		{"", []domain.File{{Path: "a/b", Size: 1}}, "a b"},
		{"...", []domain.File{{Path: "a/b", Size: 1}}, "a b"},
	} {
		if got := fileWords(c.name, c.files); got != c.want {
			t.Errorf("fileWords(%q, %v) = %q, want %q", c.name, c.files, got, c.want)
		}
	}
}

func TestFileWordsOverTheBoundAreNone(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine and no database, so nothing for the race detector to watch, and 6 s of the race run (1 without); make test runs it without the detector")
	}
	var fs []domain.File
	for i := 0; len(fs) < 20_000; i++ {
		fs = append(fs, domain.File{Path: fmt.Sprintf("dir/word%05d.bin", i), Size: 1})
		if w, ok := fileWords("A name of some words", fs).(string); ok && len(w) > fileWordsMax {
			t.Fatalf("fileWords wrote %d bytes, over its bound of %d", len(w), fileWordsMax)
		} else if !ok {
			return // nil: over the bound
		}
	}
	t.Fatal("20,000 different words stayed under the bound")
}

// The index holds, for the name and the words fileWords writes, the tokens the name and the paths
// give it themselves, every one and no other: FTS5's own tokenizer, asked by the index's own
// definition, over hostile names and paths. A search matches a torrent by any column, so these
// are the torrents it finds.
func TestFileWordsGiveTheIndexThePathsTokens(t *testing.T) {
	db := openMigrated(t, LocalOptions{})
	ctx := context.Background()
	res, err := db.query(ctx, Statement{SQL: "SELECT sql FROM sqlite_master WHERE name = 'torrents_fts'"})
	if err != nil {
		t.Fatal(err)
	}
	rr := rowReader{row: firstRow(res)}
	create := rr.text("sql")
	tokenize := regexp.MustCompile(`tokenize\s*=\s*'[^']*'`).FindString(create)
	if tokenize == "" {
		t.Fatalf("no tokenizer in %s", create)
	}
	setup := []Statement{
		{SQL: "CREATE VIRTUAL TABLE words USING fts5(paths, content = '', " + tokenize + ")"},
		{SQL: "CREATE VIRTUAL TABLE words_terms USING fts5vocab(words, instance)"},
	}
	if _, err := db.batch(ctx, setup); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(37, 1))
	// Words and marks drawn from a list, so that words come again in other cases and spellings.
	pieces := []string{"a", "A", "ab", "AB", "Ab", "z9", "09", " ", ".", "/", "-", "_", "(", ")", "[", "]", "!", "'", "&",
		"+", "$", "~", "^", "|", "`", "<", "=", ">", "\t", "\x01", "\x7f", "é", "É", "ü", "ß", "İ", "ı", "ǅ", "日本", "ﬁ",
		"①", "½", "\u0301", "\u00a0", "\u2019", "\u3000", "🎬", "\uFFFD", "\ue000", "\xff"}
	text := func(n int) string {
		var p strings.Builder
		for range n {
			p.WriteString(pieces[r.IntN(len(pieces))])
		}
		return p.String()
	}
	type torrentText struct {
		name  string
		files []domain.File
	}
	var cases []torrentText
	for k := range 400 {
		var c torrentText
		for range 1 + r.IntN(6) {
			c.files = append(c.files, domain.File{Path: text(1 + r.IntN(24)), Size: 1})
		}
		switch k % 3 {
		case 1: // a name of its own (valid UTF-8, as the upsert takes only that)
			c.name = strings.ToValidUTF8(text(1+r.IntN(16)), "\uFFFD")
		case 2: // a name that is some of the paths, as most names are
			c.name = strings.ToValidUTF8(c.files[r.IntN(len(c.files))].Path, "\uFFFD")
		}
		cases = append(cases, c)
	}
	cases = append(cases, torrentText{files: []domain.File{{Path: "a\xffb/c\xc3", Size: 1}, {Path: "A\xffB", Size: 1}}})
	var batch []Statement
	for i, c := range cases {
		paths := make([]string, len(c.files))
		for k, f := range c.files {
			paths[k] = strings.ToValidUTF8(f.Path, "\uFFFD")
		}
		words, ok := fileWords(c.name, c.files).(string)
		if !ok {
			t.Fatalf("case %d: no words", i)
		}
		batch = append(batch,
			Statement{SQL: "INSERT INTO words (rowid, paths) VALUES (?, ?)", Params: []any{int64(2 * i), c.name + "\n" + strings.Join(paths, "\n")}},
			Statement{SQL: "INSERT INTO words (rowid, paths) VALUES (?, ?)", Params: []any{int64(2*i + 1), c.name + "\n" + words}})
	}
	if _, err := db.batch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	res, err = db.query(ctx, Statement{SQL: "SELECT DISTINCT doc, term FROM words_terms ORDER BY doc, term"})
	if err != nil {
		t.Fatal(err)
	}
	tokens := make([][]string, 2*len(cases))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		doc := rr.int("doc")
		tokens[doc] = append(tokens[doc], rr.text("term"))
	}
	empty := 0
	for i, c := range cases {
		if len(tokens[2*i]) == 0 {
			empty++
		}
		if !slices.Equal(tokens[2*i], tokens[2*i+1]) {
			t.Errorf("name %q, paths %+v: the index holds %q from them, %q from the name and the words %q", c.name, c.files, tokens[2*i], tokens[2*i+1], fileWords(c.name, c.files))
		}
	}
	if empty > len(cases)/4 {
		t.Fatalf("%d of %d cases gave no token: the test's paths are not words", empty, len(cases))
	}
}

// A torrent stored before migration 0037 (no file_words) is indexed with the text of its file
// list; the upsert that next changes it writes its words, and the index then holds those, and
// every entry leaves the index with the text it was indexed with.
func TestTorrentsWithAndWithoutFileWordsLeaveTheIndexClean(t *testing.T) {
	eachMode(t, func(t *testing.T, db *Database) {
		ctx := context.Background()
		repo := NewTorrentRepository(db)
		torrents := numberedTorrents(t, 40, func(i int, tor *domain.Torrent) {
			tor.Files = []domain.File{
				{Path: fmt.Sprintf("Pack %d/Pack %d part one.mkv", i, i), Size: 10},
				{Path: fmt.Sprintf("Pack %d/Pack %d part two.mkv", i, i), Size: 10},
				{Path: fmt.Sprintf("Pack %d/Extras/zephyr%03dx.srt", i, i), Size: 10},
			}
		})
		upsert(t, repo, torrents...)
		if got := scalar(t, db, "SELECT count(*) FROM torrents WHERE file_words = 'Pack 0 part one mkv two Extras zephyr000x srt'"); got != 1 {
			t.Fatalf("%d rows hold torrent 0's words, want 1", got)
		}
		// Half of them as a catalog migrated before 0037 holds them: no words, indexed from the files,
		// which are JSON (nor packed, 0039, nor counted).
		var old []Statement
		for i := 0; i < len(torrents); i += 2 {
			list, err := filesJSONOf(torrents[i].Files)
			if err != nil {
				t.Fatal(err)
			}
			old = append(old, Statement{SQL: "UPDATE torrents SET file_words = NULL, files = ?, files_packed = NULL, file_count = NULL WHERE info_hash = ?",
				Params: []any{list, torrents[i].InfoHash.String()}})
		}
		if _, err := db.batch(ctx, old); err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, db, "SELECT count(*) FROM torrents_fts_rows WHERE paths LIKE '%' || char(10) || '%'"); got != 20 {
			t.Fatalf("%d rows give the index their file list's text, want 20", got)
		}
		// Every torrent is found by a word of its paths only.
		for i := range 40 {
			word := fmt.Sprintf("zephyr%03dx", i)
			page, err := repo.Search(ctx, domain.SearchCriteria{Text: word, Terms: []string{word}, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != 1 || page.Items[0].InfoHash != torrents[i].InfoHash {
				t.Fatalf("a search for %s found %d torrents", word, len(page.Items))
			}
		}
		// Changed, every one gets its words; unchanged, none is written.
		for i := range torrents {
			torrents[i].Seeders++
		}
		upsert(t, repo, torrents...)
		if got := scalar(t, db, "SELECT count(*) FROM torrents WHERE file_words IS NULL"); got != 0 {
			t.Fatalf("%d changed rows kept no words", got)
		}
		if got := scalar(t, db, "SELECT count(*) FROM torrents_fts_vocab WHERE term = 'zephyr007x'"); got != 1 {
			t.Fatalf("zephyr007x is %d terms of the index, want 1", got)
		}
		if _, err := db.batch(ctx, []Statement{{SQL: "UPDATE torrents SET file_words = NULL WHERE id % 3 = 0"}, {SQL: "DELETE FROM torrents"}}); err != nil {
			t.Fatal(err)
		}
		if got := scalar(t, db, "SELECT count(*) FROM torrents_fts_vocab"); got != 0 {
			t.Fatalf("the index holds %d words of removed torrents", got)
		}
	})
}

// BenchmarkFileWords is fileWords over the file lists it meets: a season pack whose 25 names repeat
// the folder's words in mixed case (most words seen before), a list of 2,000 files whose words are
// all new (the table grows, and the text reaches its bound: nil), and non-ASCII names.
func BenchmarkFileWords(b *testing.B) {
	var pack, fresh, nonASCII []domain.File
	for e := 1; e <= 24; e++ {
		pack = append(pack, domain.File{Path: fmt.Sprintf("The.Show.Name.S02.1080p.WEB-DL.DDP5.1.H.264-GRP/The.Show.Name.S02E%02d.1080p.WEB-DL.DDP5.1.H.264-GRP.mkv", e), Size: 1})
		nonASCII = append(nonASCII, domain.File{Path: fmt.Sprintf("Сериал.Название.С02/Сериал.Название.С02Э%02d.Озвучка.Субтитры.Русские.mkv", e), Size: 1})
	}
	pack = append(pack, domain.File{Path: "The.Show.Name.S02.1080p.WEB-DL.DDP5.1.H.264-GRP/Subs/English.SDH.srt", Size: 1})
	for i := range 2000 {
		fresh = append(fresh, domain.File{Path: fmt.Sprintf("dir%04d/alpha%04d beta%04d gamma%04d.bin", i, i, i, i), Size: 1})
	}
	for _, c := range []struct {
		name  string
		files []domain.File
	}{{"season pack", pack}, {"every word new", fresh}, {"non-ASCII", nonASCII}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fileWords("", c.files)
			}
		})
	}
}

// A word set is kept between calls (wordSets): what a list of many words left in it (a grown table,
// the words of a long text) changes nothing of the next list's words.
func TestFileWordsAfterALargeListAreTheSame(t *testing.T) {
	small := []domain.File{{Path: "Show/Show.S01E01.mkv"}, {Path: "Show/extras/Sample.mkv"}}
	want := fileWords("Show", small)
	large := make([]domain.File, 1000)
	for i := range large {
		large[i] = domain.File{Path: fmt.Sprintf("Other/word%d/Show.part%d.mkv", i, i)}
	}
	for range 3 {
		if got := fileWords("Other", large); got == nil {
			t.Fatal("the large list's words are over the bound: the set did not grow")
		}
		if got := fileWords("Show", small); got != want {
			t.Fatalf("after a large list, %q; alone, %q", got, want)
		}
	}
}

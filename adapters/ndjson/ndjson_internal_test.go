package ndjson

import (
	stdjson "encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	json "github.com/segmentio/encoding/json"
)

func TestLineKeyIsTheNumberZeroPadded(t *testing.T) {
	for _, n := range []int64{0, 1, 9, 10, 123456, 999999999999, 1000000000000, 1 << 62} {
		if got, want := lineKey(n), fmt.Sprintf("%012d", n); got != want {
			t.Errorf("lineKey(%d) = %q, want %q", n, got, want)
		}
	}
}

// A line decodes as encoding/json decodes it: the same item, or an error both times (the messages
// may differ). On lines as the writer writes them, on lines in shapes a hand-made file may hold
// (other cases, unknown keys, escapes, nulls, invalid UTF-8, numbers that are no int64), and on
// random mutations of them.
func TestLinesDecodeAsEncodingJSONDoes(t *testing.T) {
	for _, line := range sampleLines(rand.New(rand.NewPCG(7, 8)), 20_000) {
		checkLine(t, line)
	}
}

func FuzzLinesDecodeAsEncodingJSONDoes(f *testing.F) {
	for _, line := range sampleLines(rand.New(rand.NewPCG(1, 1)), 0) {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line []byte) { checkLine(t, line) })
}

func checkLine(t *testing.T, line []byte) {
	t.Helper()
	var got, want item
	gotErr, wantErr := json.Unmarshal(line, &got), stdjson.Unmarshal(line, &want)
	if (gotErr == nil) != (wantErr == nil) {
		t.Fatalf("%q: error %v, encoding/json's %v", line, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: decoded %+v, encoding/json %+v", line, got, want)
	}
}

func sampleLines(r *rand.Rand, mutations int) [][]byte {
	lines := []string{
		`{"infoHash":"dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c","name":"Big.Buck.Bunny.2008.1080p","size":12345,"category":"movies","seeders":3,"leechers":1,"uploadedAt":"2024-05-01T10:00:00Z","files":[{"path":"a/b.mkv","size":12000},{"path":"c.nfo","size":345}],"trackers":["udp://t.example:1337/announce"],"webSeeds":["https://ws.example/x"],"imdbId":"tt0000001","tmdbId":5,"tvdbId":6}`,
		`{"InfoHash":"DD8255ECDC7CA55FB0BBF81323D87062DB1F6D1C","NAME":"x","Size":1}`,
		`{"infoHash":"a","name":"caf\u00e9 \ud83c\udf7f \"q\" \\ \/ \n","unknown":{"deep":[1,2,{"x":null}]},"size":0}`,
		`{"infoHash":"a","name":null,"files":null,"trackers":null,"size":null}`,
		`{"infoHash":"a","name":"x","name":"y"}`,
		"{\"infoHash\":\"a\",\"name\":\"bad \xff utf8 \xe2\x82\"}",
		`{"infoHash":"a","name":"\ud800 lone surrogate"}`,
		`{"infoHash":"a","size":1.0}`, `{"infoHash":"a","size":1e3}`, `{"infoHash":"a","size":-7}`,
		`{"infoHash":"a","size":9223372036854775807}`, `{"infoHash":"a","size":9223372036854775808}`,
		`{"infoHash":"a","size":"12"}`, `{"infoHash":"a","size":012}`, `{"infoHash":"a","seeders":-0}`,
		`{"infoHash":"a","files":[{"path":"p","size":1,"extra":true}]}`, `{"infoHash":"a","files":[{"Path":"p","SIZE":2}]}`,
		`{"infoHash":"a","files":{"path":"p"}}`, `{"infoHash":"a","trackers":"udp://x"}`, `{"infoHash":"a","trackers":[1]}`,
		`{"infoHash":"a"} trailing`, `{"infoHash":"a"}{}`, `[]`, `null`, `"x"`, `{}`, `{"infoHash":}`, `{"infoHash":"a",}`,
		`{"infoHash":"a" "name":"b"}`, `{'infoHash':'a'}`, `{"infoHash":"a\tb"}`, `{"infoHash":"\u0000"}`,
		`{"infoHash":"a","name":"\u00"}`, `{"infoHash":"a","uploadedAt":5}`, `{"infoHash":true}`, `{"tmdbId":1.5}`,
		` {"infoHash":"a"} `, "{\"infoHash\":\"a\"}\n", `{"ınfoHash":"a"}`, `{"infoHaſh":"a"}`, `{"infoHash":"a","K":1}`,
	}
	out := make([][]byte, 0, len(lines)+mutations)
	for _, l := range lines {
		out = append(out, []byte(l))
	}
	pieces := []string{`"`, `\`, `{`, `}`, `[`, `]`, `,`, `:`, `null`, `1`, `-`, `e`, `.`, `\u00e9`, "\xff", ` `, `"name"`, `"files"`}
	for range mutations {
		b := []byte(lines[r.IntN(len(lines))])
		for range 1 + r.IntN(3) {
			at := r.IntN(len(b) + 1)
			switch r.IntN(3) {
			case 0: // insert
				b = append(b[:at:at], append([]byte(pieces[r.IntN(len(pieces))]), b[at:]...)...)
			case 1: // delete a byte
				if at < len(b) {
					b = append(b[:at:at], b[at+1:]...)
				}
			default: // cut
				b = b[:at]
			}
		}
		out = append(out, []byte(strings.Clone(string(b))))
	}
	return out
}

// A line nested deeper than encoding/json's bound of 10,000 is refused as encoding/json refuses it,
// and one nested 2,000,000 deep (4 MiB, a line's bound) is refused too: segmentio's parser
// recursed once a level, and such a line overflowed the stack, a fatal error that killed the import
// after it had taken 1 GB. Regression test: before the fix the 20,000-deep lines were taken (the
// import kept them), and the deepest one crashed the test binary.
func TestALineNestedTooDeepIsRefusedNotACrash(t *testing.T) {
	for _, depth := range []int{maxNesting + 1, 20_000, 2_000_000} {
		for _, field := range []string{"unknown", "files", "trackers"} {
			line := `{"infoHash":"dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c","name":"x","` + field + `":` +
				strings.Repeat("[", depth) + strings.Repeat("]", depth) + `}`
			rec := recordOf("k", []byte(line))
			if rec.Torrent != nil || !strings.Contains(rec.Problem, "exceeded max depth") {
				t.Errorf("%s nested %d deep: problem %.80q, torrent %v; want encoding/json's refusal", field, depth, rec.Problem, rec.Torrent != nil)
			}
		}
	}
	// As deep as encoding/json allows, in a field it ignores: taken by both.
	line := `{"infoHash":"dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c","name":"x","unknown":` +
		strings.Repeat("[", maxNesting-1) + strings.Repeat("]", maxNesting-1) + `}`
	if rec := recordOf("k", []byte(line)); rec.Torrent == nil || rec.Torrent.Name != "x" {
		t.Errorf("nested %d deep: %q; want the torrent", maxNesting-1, rec.Problem)
	}
}

// Read hands recordOf the scanner's own buffer, which the next line overwrites: a record must keep
// copies of what it read, not slices of that buffer.
func TestARecordKeepsNothingOfTheScannersBuffer(t *testing.T) {
	line := []byte(`{"infoHash":"dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c","name":"Big.Buck.Bunny","category":"movies",` +
		`"files":[{"path":"a/b.mkv","size":1}],"trackers":["udp://t.example:1"],"webSeeds":["https://w.example/x"],"imdbId":"tt0000001"}`)
	r := recordOf("k", line)
	for i := range line {
		line[i] = 'X'
	}
	tor := r.Torrent
	if tor == nil || tor.InfoHash != "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c" || tor.Name != "Big.Buck.Bunny" || tor.Category != "movies" ||
		tor.Files[0].Path != "a/b.mkv" || tor.Trackers[0] != "udp://t.example:1" || tor.WebSeeds[0] != "https://w.example/x" ||
		tor.External.IMDb != "tt0000001" {
		t.Fatalf("the record changed with the buffer: %+v", tor)
	}
}

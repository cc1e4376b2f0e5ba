package domain_test

import (
	"bufio"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/torrent-streamer/streamer/domain"
)

type releaseCase struct {
	line    int
	name    string
	want    domain.Release
	known   string // why the parser is known to get this one wrong
	heldOut bool   // written down before the parser first read it
}

func loadReleaseCases(t *testing.T) []releaseCase {
	t.Helper()
	f, err := os.Open("testdata/releases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []releaseCase
	heldOut := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "#held-out" {
			heldOut = true
		}
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "\t")
		if len(parts) < 2 {
			t.Fatalf("releases.txt:%d: no TAB", n)
		}
		c := releaseCase{line: n, name: parts[0], heldOut: heldOut}
		if rest, ok := strings.CutPrefix(c.name, "known:"); ok {
			c.name = rest
			if len(parts) < 3 || parts[2] == "" {
				t.Fatalf("releases.txt:%d: a known case needs its reason", n)
			}
			c.known = parts[2]
		}
		c.want = parseReleaseFields(t, n, parts[1])
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func parseReleaseFields(t *testing.T, line int, fields string) domain.Release {
	t.Helper()
	var r domain.Release
	for _, f := range strings.Split(fields, " | ") {
		key, value, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			t.Fatalf("releases.txt:%d: field %q has no =", line, f)
		}
		switch key {
		case "t":
			r.Title = value
		case "y":
			r.Year = atoiOrFail(t, line, value)
		case "s":
			r.Seasons = numberList(t, line, value)
		case "e":
			r.Episodes = numberList(t, line, value)
		case "d":
			r.AirDate = value
		case "r":
			r.Resolution = value
		case "src":
			r.Source = value
		case "c":
			r.Codec = value
		case "hdr":
			r.HDR = value
		case "a":
			r.Audio = value
		case "g":
			r.Group = value
		case "cs":
			r.CompleteSeason = value == "true"
		default:
			t.Fatalf("releases.txt:%d: unknown key %q", line, key)
		}
	}
	return r
}

func numberList(t *testing.T, line int, s string) []int {
	if a, b, ok := strings.Cut(s, "-"); ok {
		var out []int
		for i := atoiOrFail(t, line, a); i <= atoiOrFail(t, line, b); i++ {
			out = append(out, i)
		}
		return out
	}
	var out []int
	for _, p := range strings.Split(s, ",") {
		out = append(out, atoiOrFail(t, line, p))
	}
	return out
}

func atoiOrFail(t *testing.T, line int, s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("releases.txt:%d: %q is not a number", line, s)
	}
	return n
}

func describeRelease(r domain.Release) string {
	return fmt.Sprintf("%+v", r)
}

// TestParseReleaseTable reads every real-world name shape in testdata/releases.txt and compares
// every field. Shapes marked known are counted in the accuracy but do not fail the test; a known
// shape that starts passing must lose its mark.
func TestParseReleaseTable(t *testing.T) {
	cases := loadReleaseCases(t)
	if len(cases) < 200 {
		t.Fatalf("the table holds %d names; it must hold at least 200", len(cases))
	}
	right, heldOut, heldOutRight := 0, 0, 0
	for _, c := range cases {
		got := domain.ParseRelease(c.name)
		ok := reflect.DeepEqual(normalizeRelease(got), normalizeRelease(c.want))
		if ok {
			right++
		}
		if c.heldOut {
			heldOut++
			if ok {
				heldOutRight++
			}
		}
		switch {
		case c.known == "" && !ok:
			t.Errorf("releases.txt:%d: %q\n got  %s\n want %s", c.line, c.name, describeRelease(got), describeRelease(c.want))
		case c.known != "" && ok:
			t.Errorf("releases.txt:%d: %q is marked known (%s) but parses right: drop the mark", c.line, c.name, c.known)
		}
	}
	t.Logf("release-name parser: %d of %d names read right in every field (%.1f%%); held out: %d of %d (%.1f%%)",
		right, len(cases), 100*float64(right)/float64(len(cases)),
		heldOutRight, heldOut, 100*float64(heldOutRight)/float64(max(heldOut, 1)))
}

func normalizeRelease(r domain.Release) domain.Release {
	if len(r.Seasons) == 0 {
		r.Seasons = nil
	}
	if len(r.Episodes) == 0 {
		r.Episodes = nil
	}
	return r
}

func FuzzParseRelease(f *testing.F) {
	for _, seed := range []string{
		"The.Matrix.1999.1080p.BluRay.x264-SPARKS", "[SubsPlease] Jujutsu Kaisen - 24 (1080p) [ABCD1234].mkv",
		"Show.S01E01-E999.720p", "Show 2024.05.01", "S01-S99", "[a][b][c]", "- - -", "x264-", "\xff\xfe",
		"Show.S01E01E02E03E04E05E06E07E08E09E10",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		r := domain.ParseRelease(name)
		if len(r.Episodes) > 400 || len(r.Seasons) > 400 {
			t.Fatalf("%q: %d episodes, %d seasons", name, len(r.Episodes), len(r.Seasons))
		}
		for i := 1; i < len(r.Episodes); i++ {
			if r.Episodes[i] <= r.Episodes[i-1] {
				t.Fatalf("%q: episodes not ascending: %v", name, r.Episodes)
			}
		}
		for i := 1; i < len(r.Seasons); i++ {
			if r.Seasons[i] <= r.Seasons[i-1] {
				t.Fatalf("%q: seasons not ascending: %v", name, r.Seasons)
			}
		}
		if r.Year != 0 && (r.Year < 1890 || r.Year > 2099) {
			t.Fatalf("%q: year %d", name, r.Year)
		}
		if len(r.Title) > len(name)+1 {
			t.Fatalf("%q: title %q longer than the name", name, r.Title)
		}
		if r2 := domain.ParseRelease(name); !reflect.DeepEqual(r, r2) {
			t.Fatalf("%q: two parses differ", name)
		}
	})
}

func BenchmarkParseRelease(b *testing.B) {
	names := []string{
		"Dune.Part.Two.2024.2160p.UHD.BluRay.REMUX.DV.HDR10.HEVC.TrueHD.Atmos.7.1-FGT",
		"[SubsPlease] Jujutsu Kaisen - 24 (1080p) [ABCD1234].mkv",
		"The.Walking.Dead.S05E03.1080p.WEB-DL.DD5.1.H.264-Cyphanix[rartv]",
		"Pink Floyd - The Dark Side of the Moon (1973) [FLAC]",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		domain.ParseRelease(names[i%len(names)])
	}
}

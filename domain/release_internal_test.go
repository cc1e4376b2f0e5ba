package domain

import (
	"bufio"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
)

// Every screen is a necessary condition of its pattern: whenever the expression matches a name,
// the screen passes it, so screening changes no parse. Checked on the release names of the test
// data, on random names made of the characters the patterns look for, and by fuzzing.
func TestScreensPassEveryMatch(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch, and 36 s of a fresh CI run under it (2 s without); make test runs it without the detector")
	}
	names := releaseNames(t)
	const alphabet = "sSeEpPxXkK0123456789012345 ._-~[]()&toisdeasonhHuUqQ\u017f\u212a"
	names = append(names, randomRuneStrings(rand.New(rand.NewPCG(1, 2)), alphabet, 200_000, 24)...)
	for _, name := range names {
		checkScreens(t, name)
	}
}

func FuzzScreensPassEveryMatch(f *testing.F) {
	for _, s := range []string{"S01E02", "Show.1x05.HDTV", "Episode 12", "2024.03.15", "1920x1080", "ſ01", "Epiſode 5", "4K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) { checkScreens(t, name) })
}

func checkScreens(t *testing.T, name string) {
	t.Helper()
	lower := newText(name).lower
	for _, p := range []struct {
		name string
		p    pattern
	}{
		{"SxxEyy", reSxxEyy}, {"NxNN", reNxNN}, {"SeasonRange", reSeasonRange}, {"SeasonOnly", reSeasonOnly},
		{"EpisodeOnly", reEpisodeOnly}, {"Absolute", reAbsolute}, {"Daily", reDaily}, {"Resolution", reResolution},
	} {
		if p.p.re.MatchString(name) && !p.p.screen(lower) {
			t.Fatalf("%s matches %q, but its screen turns the name away", p.name, name)
		}
	}
	checkHints(t, name)
}

// hintedPatterns are the patterns with hints, by name.
var hintedPatterns = map[string]pattern{
	"SeasonWord": reSeasonWord, "SeasonOrd": reSeasonOrd, "AbsBatch": reAbsBatch,
	"Complete": reComplete, "CompleteSer": reCompleteSer, "Remux": reRemux, "BluRay": reBluRay, "WebDL": reWebDL,
	"WebRip": reWebRip, "HDTV": reHDTV, "DVD": reDVD, "HDRip": reHDRip, "Cam": reCam, "TS": reTS, "H264": reH264,
	"H265": reH265, "AV1": reAV1, "XviD": reXviD, "DivX": reDivX, "VP9": reVP9, "MPEG2": reMPEG2, "DV": reDV,
	"HDR10P": reHDR10P, "HDR10": reHDR10, "HDR": reHDR, "HLG": reHLG, "Audio": reAudio, "Atmos": reAtmos,
	"Marker": reMarker,
}

// checkHints: a hint, like a screen, passes every name its expression matches.
func checkHints(t *testing.T, name string) {
	t.Helper()
	txt := newText(name)
	for n, p := range hintedPatterns {
		if p.re.MatchString(name) && !p.possible(txt) {
			t.Fatalf("%s matches %q, but its hints turn the name away", n, name)
		}
	}
}

// Under (?i) the long s (U+017F) is an 's' to every expression, so a name spelled with one parses
// as with an 's': "Seaſon 2" had no season (its hint "season" was looked for in a lowercase form
// that kept the long s), "Season 2" had season 2. Regression test; fails before newText folds it.
// (A long s at a word's edge is another matter: Go's \b is ASCII's, so "ſ01E02" is no S01E02 to
// the expression itself; not the hints' doing, and left as the expressions read it.)
func TestALongSParsesAsAnS(t *testing.T) {
	for _, c := range []struct{ long, plain string }{
		{"Show.Seaſon.2.1080p.WEB-DL.x264-GRP", "Show.Season.2.1080p.WEB-DL.x264-GRP"},
		{"Show 3rd Seaſon [720p]", "Show 3rd Season [720p]"},
		{"Show.Seaſons.1-3.Complete.720p", "Show.Seasons.1-3.Complete.720p"},
		{"Film.2019.TELEſYNC.x264", "Film.2019.TELESYNC.x264"},
		{"Film.2019.1080p.BluRay.DTſ-HD.MA.5.1.x264", "Film.2019.1080p.BluRay.DTS-HD.MA.5.1.x264"},
		{"Show.Seaſon.01.Epiſode.02.720p", "Show.Season.01.Episode.02.720p"},
		{"Show.Epiſode.5.720p", "Show.Episode.5.720p"},
	} {
		long, plain := ParseRelease(c.long), ParseRelease(c.plain)
		long.Title, plain.Title = "", "" // the title keeps its letters as written
		if !reflect.DeepEqual(long, plain) {
			t.Errorf("%q parses as %+v,\n%q as %+v", c.long, long, c.plain, plain)
		}
	}
	// Every name of the test data with its s's long: the hints pass what the expressions match.
	for _, name := range releaseNames(t) {
		checkHints(t, strings.NewReplacer("s", "ſ", "S", "ſ").Replace(name))
	}
}

func releaseNames(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/releases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		name, _, _ := strings.Cut(line, "\t")
		names = append(names, strings.TrimPrefix(name, "known:"))
	}
	return names
}

// BenchmarkParseReleaseNames parses every name of the test data, the shapes users send.
func BenchmarkParseReleaseNames(b *testing.B) {
	f, err := os.Open("testdata/releases.txt")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); !strings.HasPrefix(line, "#") && strings.TrimSpace(line) != "" {
			name, _, _ := strings.Cut(line, "\t")
			names = append(names, strings.TrimPrefix(name, "known:"))
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ParseRelease(names[i%len(names)])
	}
}

// randomRuneStrings is n strings of 1 to maxLen runes drawn from alphabet by r: the short random
// inputs the equivalence tests sweep beside their tables.
func randomRuneStrings(r *rand.Rand, alphabet string, n, maxLen int) []string {
	runes := []rune(alphabet)
	out := make([]string, n)
	for k := range out {
		b := make([]rune, 1+r.IntN(maxLen))
		for i := range b {
			b[i] = runes[r.IntN(len(runes))]
		}
		out[k] = string(b)
	}
	return out
}

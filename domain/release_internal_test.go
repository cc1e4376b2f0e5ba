package domain

import (
	"bufio"
	"math/rand/v2"
	"os"
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
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "sSeEpPxXkK0123456789012345 ._-~[]()&toisdeasonhHuUqQ\u017f\u212a"
	runes := []rune(alphabet)
	for range 200_000 {
		b := make([]rune, 1+r.IntN(24))
		for i := range b {
			b[i] = runes[r.IntN(len(runes))]
		}
		names = append(names, string(b))
	}
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
	lower := strings.ToLower(name)
	for _, p := range []struct {
		name string
		p    pattern
	}{
		{"SxxEyy", reSxxEyy}, {"NxNN", reNxNN}, {"SeasonRange", reSeasonRange}, {"SeasonOnly", reSeasonOnly},
		{"EpisodeOnly", reEpisodeOnly}, {"Daily", reDaily}, {"Year", reYear}, {"Resolution", reResolution},
	} {
		if p.p.re.MatchString(name) && !p.p.screen(lower) {
			t.Fatalf("%s matches %q, but its screen turns the name away", p.name, name)
		}
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

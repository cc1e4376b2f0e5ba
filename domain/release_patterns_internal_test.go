package domain

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// reversed is a copy of s, last first.
func reversed(s [][]int) [][]int {
	s = slices.Clone(s)
	slices.Reverse(s)
	return s
}

// namedPatterns are every pattern of the release parser.
var namedPatterns = []struct {
	name string
	p    pattern
}{
	{"TrailingGroup", reTrailingGroup}, {"SxxEyy", reSxxEyy}, {"NxNN", reNxNN}, {"SeasonRange", reSeasonRange},
	{"SeasonWord", reSeasonWord}, {"SeasonOrd", reSeasonOrd}, {"SeasonOnly", reSeasonOnly}, {"EpisodeOnly", reEpisodeOnly},
	{"Absolute", reAbsolute}, {"AbsBatch", reAbsBatch}, {"Daily", reDaily}, {"Complete", reComplete},
	{"CompleteSer", reCompleteSer}, {"Resolution", reResolution}, {"Remux", reRemux}, {"BluRay", reBluRay},
	{"WebDL", reWebDL}, {"WebRip", reWebRip}, {"HDTV", reHDTV}, {"DVD", reDVD}, {"HDRip", reHDRip}, {"Cam", reCam},
	{"TS", reTS}, {"H264", reH264}, {"H265", reH265}, {"AV1", reAV1}, {"XviD", reXviD}, {"DivX", reDivX},
	{"VP9", reVP9}, {"MPEG2", reMPEG2}, {"DV", reDV}, {"HDR10P", reHDR10P}, {"HDR10", reHDR10}, {"HDR", reHDR},
	{"HLG", reHLG}, {"Audio", reAudio}, {"Atmos", reAtmos}, {"Marker", reMarker},
}

// The expressions that findYears, trimTrailingCRC, findChannels and cleanTitle spell out.
var (
	reYear        = regexp.MustCompile(`(?:^|[\s.\-_\[(,])((?:18|19|20)\d{2})`)
	reTrailingCRC = regexp.MustCompile(`\s*\[[0-9A-Fa-f]{8}\]\s*$`)
	reChannels    = regexp.MustCompile(`(?:^|[^0-9])([2-9])\.([01])(?:ch)?(?:$|[^0-9.])`)
	reAnySep      = regexp.MustCompile(`[\s_]+`)
)

// cleanTitleAsWritten is cleanTitle as it was first written, with reAnySep.
func cleanTitleAsWritten(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			prevDigit := i > 0 && s[i-1] >= '0' && s[i-1] <= '9'
			nextDigit := i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9'
			if !(prevDigit && nextDigit) && !strings.Contains(s, " ") {
				c = ' '
			}
		}
		b.WriteByte(c)
	}
	t := reAnySep.ReplaceAllString(b.String(), " ")
	t = strings.TrimLeft(t, " -–:;,.([{+~/|&")
	t = strings.TrimRight(t, " -–:;,([{+~/|&")
	if !strings.Contains(s, " ") {
		t = strings.TrimRight(t, " .")
	}
	for _, open := range []string{" (", " [", " {"} {
		if i := strings.LastIndex(t, open); i >= 0 && !strings.ContainsAny(t[i:], ")]}") {
			t = strings.TrimRight(t[:i], " -–:")
		}
	}
	return strings.TrimSpace(t)
}

// Each pattern answers as its expression does, wherever it runs from (the places its matches can
// begin, anchored there, on an ASCII name; the expression on any other): on the test data's names
// and on random names made of the tokens release names hold, with and without characters beyond
// ASCII. findYears answers as reYear.
func TestPatternsAnswerAsTheirExpressions(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch; make test runs it without the detector")
	}
	names := append(releaseNames(t), randomReleaseNames(rand.New(rand.NewPCG(5, 6)), 20_000)...)
	names = append(names, "", " [0123abcd]", "\t [0123ABCD] ", "[0123abcd]", "a[0123abcd]", "5.1", "x5.1", "15.1", "5.1.",
		"5.1ch", "5.1c", "2019", " 2019", "a.mkv", ".mkv", "a.MKV", "a.mkſ", "a.ap\u212ak", "1080p", "S01", "uHd", "4\u212a", "UH")
	for _, name := range names {
		checkPatterns(t, name)
	}
}

func FuzzPatternsAnswerAsTheirExpressions(f *testing.F) {
	for _, s := range []string{"Show.S01E02.1080p.WEB-DL.DDP5.1.H.264-GRP", "[Grp] Title - 05 (720p) [ABCDEF12].mkv",
		"Movie 1999 2160p UHD BluRay REMUX HDR10+ DV TrueHD Atmos 7.1-FGT", "S01-S03 Complete Series", "1x05 DVDRip XviD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) { checkPatterns(t, name) })
}

func checkPatterns(t *testing.T, name string) {
	t.Helper()
	tx := newText(name)
	for _, np := range namedPatterns {
		p := np.p
		// What the pattern answered before it knew where its matches begin: its hints or screen,
		// then the expression.
		var want []int
		var wantAll [][]int
		if p.possible(tx) {
			want, wantAll = p.re.FindStringSubmatchIndex(name), p.re.FindAllStringSubmatchIndex(name, -1)
		}
		if got := p.FindStringSubmatchIndex(tx); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s on %q: %v, the expression %v", np.name, name, got, want)
		}
		if from, to, ok := p.FindStringIndex(tx); ok != (want != nil) || ok && (from != want[0] || to != want[1]) {
			t.Fatalf("%s on %q: index %d %d %v, the expression %v", np.name, name, from, to, ok, want)
		}
		if got := p.MatchString(tx); got != (want != nil) {
			t.Fatalf("%s on %q: match %v, the expression %v", np.name, name, got, want)
		}
		if got := p.FindAllStringSubmatchIndex(tx, -1); !reflect.DeepEqual(got, wantAll) {
			t.Fatalf("%s on %q: all %v, the expression %v", np.name, name, got, wantAll)
		}
	}
	if got, want := findYears(name), reYear.FindAllStringSubmatchIndex(name, -1); !reflect.DeepEqual(got, want) {
		t.Fatalf("findYears(%q) = %v, the expression %v", name, got, want)
	}
	var backward [][]int
	for start, from := range yearsBackward(name) {
		backward = append(backward, []int{start, from + 4, from, from + 4})
	}
	if want := findYears(name); !reflect.DeepEqual(backward, reversed(want)) {
		t.Fatalf("yearsBackward(%q) = %v, findYears backward %v", name, backward, reversed(want))
	}
	if got, want := trimExtension(name), reExtension.ReplaceAllString(name, ""); got != want {
		t.Fatalf("trimExtension(%q) = %q, the expression %q", name, got, want)
	}
	if got, want := trimTrailingCRC(name), reTrailingCRC.ReplaceAllString(name, ""); got != want {
		t.Fatalf("trimTrailingCRC(%q) = %q, the expression %q", name, got, want)
	}
	if m := reChannels.FindStringSubmatchIndex(name); m == nil && findChannels(name) != -1 || m != nil && findChannels(name) != m[2] {
		t.Fatalf("findChannels(%q) = %d, the expression %v", name, findChannels(name), m)
	}
	if got, want := opensWithBracket(name), reLeadingTag.MatchString(name); want && !got {
		t.Fatalf("reLeadingTag matches %q, but opensWithBracket turns it away", name)
	}
	if got, want := holdsResolution(name), reResolution.re.MatchString(name); got != want {
		t.Fatalf("holdsResolution(%q) = %v, the expression %v", name, got, want)
	}
	if got, want := cleanTitle(name), cleanTitleAsWritten(name); got != want {
		t.Fatalf("cleanTitle(%q) = %q, as written first %q", name, got, want)
	}
}

// randomReleaseNames joins tokens of release names with separators, and every fourth name gets a
// few characters beyond ASCII (among them the long s and the Kelvin sign, which (?i) folds into s
// and k).
func randomReleaseNames(r *rand.Rand, n int) []string {
	tokens := strings.Fields(`S01 E02 s1 S1 s12 - ~ [ ] ( ) 1080p 720p 2160p 480i BD720p HD1080p 4K UHD 1920x1080 x264 H.264
		h265 x.265 HEVC AVC WEB WEB-DL WEBDLMux WEBRip BluRay Blu-Ray BR-Rip BDRip BD25 Remux BDRemux HDTV HDTVRip PDTV DSR
		DVDRip DVD5 DvDScr Dvd-Rip HDRip HD-Rip CAM Cam-Rip HDCAM TS HDTS TELESYNC HD-TS DTS DTS-HD MA DTS:X TrueHD DDP5.1
		DD+ DD2.0 E-AC-3 AC3 AAC2.0 AAC 5.1 7.1ch 2.0 Atmos FLAC ALAC MP3 Opus LPCM HDR10+ HDR10Plus HDR10 HDR DV DoVi
		Dolby.Vision Dolby Digital HLG 2019 1999 1890 2039 2077 2024.03.15 1999-12-31 1x05 10x100-102 Season 2 Seasons
		1-3 2nd 3rd Complete Full.Season Series Episode 5 EP.3 EP12 E05-E07 E01E02 PROPER REPACK iNTERNAL DIRECTORS.CUT
		DUAL-AUDIO 10bit 8bit 3D NF AMZN GROUP Erai-raws SubsPlease [ABCDEF12] .mkv .mp4 Title the of END FINAL Final v2
		-GRP & to 12 05 345 01-12 (01-12) [01~12] MULTi XviD DivX VP9 MPEG-2 MPEG2 AV1 @ grp.com www .MKV .Torrent
		.appimage .7z .tar.gz .epub 5.1ch 2.0ch 12.1 6.1. [0123abcd] [ABCDEF1] [0123ABCDE] 【Tag】 mKv`)
	seps := []string{".", " ", "", "_", "-", " - ", " ~ ", "  ", "\t", " _ "}
	extra := []string{"ſ", "K", "é", "日本", "–", "İ", "\u00a0", "【"}
	names := make([]string, n)
	for k := range names {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(tokens[r.IntN(len(tokens))])
			if k%4 == 0 && r.IntN(5) == 0 {
				b.WriteString(extra[r.IntN(len(extra))])
			}
			b.WriteString(seps[r.IntN(len(seps))])
		}
		names[k] = b.String()
	}
	return names
}

package domain

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// goldenParses pins what ParseRelease reads from many names (the test data's, the same with their
// s's long, and 100,000 random names of release tokens) as parser version 2 first read them, at
// 2803977: a change that makes the parser cheaper must not change a field of any of them. A change
// that means to read a name differently bumps ReleaseParserVersion and this digest with it.
const goldenParses = "ba74db27abad0a2a903de431e525cee737fe9263754773f6c69892ad8d101512"

func TestParsesAreTheOnesOfParserVersion2(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch; make test runs it without the detector")
	}
	if ReleaseParserVersion != 2 {
		t.Fatalf("ReleaseParserVersion %d: pin the parses of the new version here", ReleaseParserVersion)
	}
	names := releaseNames(t)
	for _, name := range releaseNames(t) {
		names = append(names, strings.NewReplacer("s", "ſ", "S", "ſ").Replace(name))
	}
	names = append(names, randomReleaseNames(rand.New(rand.NewPCG(11, 12)), 100_000)...)
	if got := parsesDigest(t, names); got != goldenParses {
		t.Errorf("the parses of %d names changed: digest %s, want %s", len(names), got, goldenParses)
	}
}

// parsesDigest is the SHA-256 of each name and the JSON of its parse.
func parsesDigest(t testing.TB, names []string) string {
	t.Helper()
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, name := range names {
		if err := enc.Encode(name); err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(ParseRelease(name)); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

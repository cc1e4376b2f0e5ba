package domain

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// A walked expression matches as its anchored regexp at every place of a name, not only at the
// places its pattern starts from: on the test data's names, on names each expression writes out
// (every alternative, see namesFromExpression) and on random names of release tokens, ASCII only
// (only ASCII names are walked).
func TestWalkedExpressionsMatchAsTheRegexpAtEveryPlace(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch; make test runs it without the detector")
	}
	names := append(releaseNames(t), randomReleaseNames(rand.New(rand.NewPCG(13, 14)), 2_000)...)
	walked := 0
	for _, np := range namedPatterns {
		if !np.p.walks {
			continue
		}
		walked++
		for _, name := range append(names, namesFromExpression(t, np.p.re.String())...) {
			if !newText(name).ascii {
				continue
			}
			for i := range len(name) + 1 {
				got, want := np.p.walked.anchoredMatch(name[i:]), np.p.anchored.FindStringSubmatchIndex(name[i:])
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s on %q: walked %v, the regexp %v", np.name, name[i:], got, want)
				}
			}
		}
	}
	if walked < len(namedPatterns)/2 {
		t.Fatalf("%d of %d patterns walked: the expressions changed, or what finite reads did", walked, len(namedPatterns))
	}
}

// The walk takes the regexp package's choices where they matter: the first alternative that leads
// to a match, not the longest; a greedy part as much as the rest allows, a lazy one as little; a
// group's last repeat as its submatch; assertions at the walked string's ends.
func TestWalkedChoicesAreTheRegexpPackages(t *testing.T) {
	for _, c := range []struct{ expr, s string }{
		{`a|ab`, "ab"}, {`ab|a`, "ab"}, {`(a|ab)(c|bcd)`, "abcd"}, {`(a?)(ab)?b?`, "ab"}, {`(a??)(ab)?`, "ab"},
		{`(a{1,3})(a{1,2})`, "aaaa"}, {`(a{1,3}?)(a{1,2})`, "aaaa"}, {`(?:(a)|b){1,3}`, "aba"}, {`(?:(a)|(b)){2}`, "ab"},
		{`\bx\b`, "x"}, {`\Bx`, "x"}, {`x$`, "x"}, {`x$`, "xy"}, {`^x`, "x"}, {`(?i)ABC`, "aBc"}, {`[^a-z]`, "A"},
		{`(?i)[^a-z]`, "A"}, {`[x-]`, "-"}, {`.`, "\n"}, {`(?s).`, "\n"}, {`(?i)k`, "K"}, {`ſ`, "s"}, {`[–]`, "-"},
		{`(?:)`, ""}, {`a{0}b`, "b"}, {`(a)?`, ""},
	} {
		f, ok := newFinite(c.expr)
		if !ok {
			t.Fatalf("%s: not walked", c.expr)
		}
		want := regexp.MustCompile(`^(?:` + c.expr + `)`).FindStringSubmatchIndex(c.s)
		if got := f.anchoredMatch(c.s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s on %q: walked %v, the regexp %v", c.expr, c.s, got, want)
		}
	}
	for _, expr := range []string{`a*`, `a+`, `a{2,}`, `(?m)^a`, `(?m)a$`} {
		if _, ok := newFinite(expr); ok {
			t.Errorf("%s is walked, though its matches have no bound or it reads lines", expr)
		}
	}
}

// indexOfAnyByte answers as strings.IndexAny for the sets of bytes it serves.
func TestIndexOfAnyByteIsIndexAny(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	const alphabet = "ab -~[(\t"
	for range 50_000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		for _, set := range []string{"-~", "[(", "-", ""} {
			if got, want := indexOfAnyByte(string(b), set), strings.IndexAny(string(b), set); got != want {
				t.Fatalf("indexOfAnyByte(%q, %q) = %d, IndexAny %d", b, set, got, want)
			}
		}
	}
}

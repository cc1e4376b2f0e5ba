package domain

import (
	"math/rand/v2"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// Every pattern's hints or screen pass every name its expression matches, checked on names its own
// expression writes: each alternative of the expression spelled out (literals as written, a few
// characters of each class, each optional part with and without, each repeat at its bounds), in
// several casings, alone and between words with each separator a release name uses. The hints were
// once written by hand beside the expression and missed one of its alternatives: reDV's "DoVi" held
// neither "dv" nor "dolby", so a name that said only "DoVi" never had DV. This test reads the
// alternatives from the expression itself, so a hint list that forgets one fails here whether or not
// the test data holds such a name. The same names go through checkPatterns, which holds the places
// a pattern's matches begin (at) to the expression too.
func TestHintsPassEveryAlternative(t *testing.T) {
	if raceEnabled {
		t.Skip("one goroutine, so nothing for the race detector to watch; make test runs it without the detector")
	}
	names := releaseNames(t)
	names = append(names, randomReleaseNames(rand.New(rand.NewPCG(7, 8)), 5_000)...)
	for _, np := range namedPatterns {
		names = append(names, namesFromExpression(t, np.p.re.String())...)
	}
	var missed []string
	for _, name := range names {
		tx := newText(name)
		for _, np := range namedPatterns {
			if np.p.re.MatchString(name) && !np.p.possible(tx) {
				missed = append(missed, np.name+" matches "+strconv.Quote(name))
			}
		}
	}
	if len(missed) > 0 {
		slices.Sort(missed)
		missed = slices.Compact(missed)
		t.Fatalf("%d names the expression matches but the hints or screen turn away, among them:\n%s",
			len(missed), strings.Join(missed[:min(len(missed), 20)], "\n"))
	}
	for _, name := range names {
		checkPatterns(t, name)
	}
}

// namesFromExpression writes out what expr matches (alternativesOf) in four casings, alone and
// between words joined by each separator.
func namesFromExpression(t *testing.T, expr string) []string {
	t.Helper()
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, alt := range alternativesOf(re) {
		if alt == "" {
			continue
		}
		for _, c := range []string{alt, strings.ToLower(alt), strings.ToUpper(alt), alternateCase(alt)} {
			names = append(names, c)
			for _, sep := range []string{".", "_", " ", "-"} {
				names = append(names,
					"Title"+sep+"2023"+sep+c+sep+"1080p"+sep+"x264-GRP",
					"Show"+sep+c,
					c+sep+"GRP",
				)
			}
		}
	}
	return names
}

// maxAlternatives bounds what one part of an expression writes out (the product of a long
// concatenation would be millions): past it, a concatenation keeps every alternative of each of its
// parts at least once, paired in turn, rather than every pair.
const maxAlternatives = 50

// alternativesOf writes out strings the expression matches, or would but for its assertions (\b, ^,
// $ write nothing; the names around them supply what they need): every alternative of an
// alternation, a few characters of a class (its ranges' ends and middles), a repeat at its least and
// at one more (and at its most when that is small), an optional part with and without.
func alternativesOf(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		return classSamples(re.Rune)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"x", "."}
	case syntax.OpCapture:
		return alternativesOf(re.Sub[0])
	case syntax.OpStar:
		return append([]string{""}, alternativesOf(re.Sub[0])...)
	case syntax.OpPlus:
		one := alternativesOf(re.Sub[0])
		return append(one, concatAlternatives(one, one)...)
	case syntax.OpQuest:
		return append([]string{""}, alternativesOf(re.Sub[0])...)
	case syntax.OpRepeat:
		one := alternativesOf(re.Sub[0])
		counts := []int{re.Min, re.Min + 1}
		if re.Max >= 0 && re.Max <= 4 {
			counts = append(counts, re.Max)
		}
		var out []string
		for _, n := range counts {
			if re.Max >= 0 && n > re.Max {
				continue
			}
			part := []string{""}
			for range n {
				part = concatAlternatives(part, one)
			}
			out = append(out, part...)
		}
		return dedupe(out)
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			out = concatAlternatives(out, alternativesOf(sub))
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			out = append(out, alternativesOf(sub)...)
		}
		return dedupe(out)
	default: // the assertions and the empty match
		return []string{""}
	}
}

// concatAlternatives is every a+b, or, past maxAlternatives, each of a and each of b at least once.
func concatAlternatives(a, b []string) []string {
	if len(a)*len(b) <= maxAlternatives {
		out := make([]string, 0, len(a)*len(b))
		for _, x := range a {
			for _, y := range b {
				out = append(out, x+y)
			}
		}
		return dedupe(out)
	}
	n := max(len(a), len(b), maxAlternatives)
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, a[i%len(a)]+b[(i/len(a)+i)%len(b)])
	}
	return dedupe(out)
}

// classSamples picks the printable or space ends and middle of each range of a class, at most a dozen runes.
func classSamples(ranges []rune) []string {
	var out []string
	for i := 0; i+1 < len(ranges) && len(out) < 12; i += 2 {
		lo, hi := ranges[i], ranges[i+1]
		for _, r := range []rune{lo, hi, lo + (hi-lo)/2} {
			if unicode.IsPrint(r) || unicode.IsSpace(r) {
				out = append(out, string(r))
			}
		}
	}
	if len(out) == 0 {
		out = append(out, string(ranges[0]))
	}
	return dedupe(out)
}

// alternateCase writes letters in turn upper and lower ("DoVi" becomes "DoVi", "dolby" "DoLbY").
func alternateCase(s string) string {
	b := []rune(s)
	for i, r := range b {
		if i%2 == 0 {
			b[i] = unicode.ToUpper(r)
		} else {
			b[i] = unicode.ToLower(r)
		}
	}
	return string(b)
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

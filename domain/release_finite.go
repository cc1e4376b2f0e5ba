package domain

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// finite runs an expression whose matches are of bounded length (no *, + or unbounded repeat) on an
// ASCII name by walking its syntax tree, trying its choices in the order a backtracking engine
// tries them (alternatives left to right, a greedy ? or {n,m} taking more first) and keeping the first
// way through: the leftmost-first match the regexp package gives, with the same submatches
// (TestPatternsAnswerAsTheirExpressions holds every pattern to its expression). A release name's
// token matched so costs a fraction of a regexp run, whose set-up (its machine, its visited states)
// dwarfs a match of a few bytes. Without * or +, the ways through are finitely many whatever the
// name, so the walk is bounded as a regexp run is.
type finite struct {
	root *node
	ncap int // the expression's capturing groups
}

// node is a part of the expression, made ready for ASCII bytes.
type node struct {
	op       syntax.Op
	lit      string  // OpLiteral: its bytes, lowercase when fold
	fold     bool    // OpLiteral: under (?i)
	bytes    byteSet // OpCharClass: its ASCII bytes
	first    byteSet // the bytes a match of the node can begin with (all when it can be empty)
	subs     []*node // OpConcat, OpAlternate; the one sub of OpCapture, OpQuest, OpRepeat
	min, max int     // OpRepeat
	greedy   bool    // OpQuest, OpRepeat
	cap      int     // OpCapture
}

// byteSet is a set of bytes.
type byteSet [4]uint64

func (b *byteSet) add(c byte)      { b[c>>6] |= 1 << (c & 63) }
func (b *byteSet) has(c byte) bool { return b[c>>6]&(1<<(c&63)) != 0 }
func (b *byteSet) union(d *byteSet) {
	b[0], b[1], b[2], b[3] = b[0]|d[0], b[1]|d[1], b[2]|d[2], b[3]|d[3]
}
func allBytes() byteSet { return byteSet{^uint64(0), ^uint64(0), ^uint64(0), ^uint64(0)} }

// newFinite parses expr as regexp.MustCompile does; ok is false when a match can be of any length or
// the expression uses what finite does not read (then the regexp runs).
func newFinite(expr string) (f finite, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return finite{}, false
	}
	root, ok := compileNode(re)
	if !ok || re.MaxCap()+1 > maxWalkedCaps {
		return finite{}, false
	}
	return finite{root: root, ncap: re.MaxCap()}, true
}

func compileNode(re *syntax.Regexp) (*node, bool) {
	n := &node{op: re.Op, greedy: re.Flags&syntax.NonGreedy == 0, min: re.Min, max: re.Max, cap: re.Cap}
	for _, sub := range re.Sub {
		s, ok := compileNode(sub)
		if !ok {
			return nil, false
		}
		n.subs = append(n.subs, s)
	}
	n.first = allBytes()
	switch re.Op {
	case syntax.OpLiteral:
		var b strings.Builder
		n.fold = re.Flags&syntax.FoldCase != 0
		for _, r := range re.Rune {
			if r >= utf8.RuneSelf {
				// Never met in an ASCII name: a literal that holds one matches none.
				n.op = syntax.OpNoMatch
				n.first = byteSet{}
				return n, true
			}
			c := byte(r)
			if n.fold {
				c = lowerASCII(c)
			}
			b.WriteByte(c)
		}
		n.lit = b.String()
		if n.lit != "" {
			n.first = byteSet{}
			n.first.add(n.lit[0])
			if n.fold {
				n.first.add(upperASCII(n.lit[0]))
			}
		}
	case syntax.OpCharClass:
		for k := 0; k+1 < len(re.Rune); k += 2 {
			for r := re.Rune[k]; r <= re.Rune[k+1] && r < utf8.RuneSelf; r++ {
				n.bytes.add(byte(r))
			}
		}
		n.first = n.bytes
	case syntax.OpAlternate:
		n.first = byteSet{}
		for _, s := range n.subs {
			n.first.union(&s.first)
		}
	case syntax.OpConcat:
		n.first = concatFirst(n.subs)
	case syntax.OpCapture:
		n.first = n.subs[0].first
	case syntax.OpRepeat:
		if re.Max < 0 {
			return nil, false
		}
		if re.Min > 0 {
			n.first = n.subs[0].first
		}
	case syntax.OpEmptyMatch, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpQuest:
	default: // *, +, the line anchors
		return nil, false
	}
	return n, true
}

// concatFirst: the bytes a concatenation can begin with, known from its first part that cannot be
// empty (all bytes when the parts before it are assertions or may be empty, which this does not
// try to see through).
func concatFirst(subs []*node) byteSet {
	if len(subs) > 0 {
		switch subs[0].op {
		case syntax.OpLiteral, syntax.OpCharClass, syntax.OpAlternate, syntax.OpCapture, syntax.OpConcat:
			return subs[0].first
		}
	}
	return allBytes()
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// anchoredMatch is what ^(?:expr) gives on the ASCII string s with FindStringSubmatchIndex: the
// match's span then each group's, -1 for a group that took no part; nil when there is none.
func (f finite) anchoredMatch(s string) []int {
	var buf [2 * maxWalkedCaps]int
	caps := buf[:2*(f.ncap+1)]
	if f.walkFrom(s, caps) < 0 {
		return nil
	}
	return append([]int(nil), caps...)
}

// anchoredEnd is where the match of ^(?:expr) on the ASCII string s ends, -1 when there is none:
// anchoredMatch without its submatches, and without allocating.
func (f finite) anchoredEnd(s string) int {
	var buf [2 * maxWalkedCaps]int
	return f.walkFrom(s, buf[:2*(f.ncap+1)])
}

// maxWalkedCaps bounds the groups (the whole match included) of a walked expression, so that a walk
// keeps its submatches on the stack.
const maxWalkedCaps = 8

// walkFrom walks the expression from the start of s, fills caps with the match's submatches and
// tells where it ends (-1: no match).
func (f finite) walkFrom(s string, caps []int) int {
	w := walk{s: s, caps: caps}
	for k := range w.caps {
		w.caps[k] = -1
	}
	end := -1
	if !w.match(f.root, 0, func(i int) bool { end = i; return true }) {
		return -1
	}
	w.caps[0], w.caps[1] = 0, end
	return end
}

// walk is one try of an expression on s, with the submatches of the way through being tried.
type walk struct {
	s    string
	caps []int
}

// match tries n at i, each way through in turn, handing where it ends to then; it tells whether
// then accepted one (the first it accepts is the match).
func (w *walk) match(n *node, i int, then func(int) bool) bool {
	if i < len(w.s) && !n.first.has(w.s[i]) || i == len(w.s) && n.op == syntax.OpLiteral {
		return false
	}
	switch n.op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch:
		return then(i)
	case syntax.OpLiteral:
		if len(w.s)-i < len(n.lit) {
			return false
		}
		for k := 0; k < len(n.lit); k++ {
			c := w.s[i+k]
			if n.fold {
				c = lowerASCII(c)
			}
			if c != n.lit[k] {
				return false
			}
		}
		return then(i + len(n.lit))
	case syntax.OpCharClass:
		return i < len(w.s) && n.bytes.has(w.s[i]) && then(i+1)
	case syntax.OpAnyCharNotNL:
		return i < len(w.s) && w.s[i] != '\n' && then(i+1)
	case syntax.OpAnyChar:
		return i < len(w.s) && then(i+1)
	case syntax.OpBeginText:
		return i == 0 && then(i)
	case syntax.OpEndText:
		return i == len(w.s) && then(i)
	case syntax.OpWordBoundary:
		return w.atWordBoundary(i) && then(i)
	case syntax.OpNoWordBoundary:
		return !w.atWordBoundary(i) && then(i)
	case syntax.OpCapture:
		return w.capture(n, i, then)
	case syntax.OpConcat:
		return w.concat(n.subs, i, then)
	case syntax.OpAlternate:
		for _, sub := range n.subs {
			if w.match(sub, i, then) {
				return true
			}
		}
		return false
	case syntax.OpQuest:
		if !n.greedy {
			return then(i) || w.match(n.subs[0], i, then)
		}
		return w.match(n.subs[0], i, then) || then(i)
	case syntax.OpRepeat:
		return w.repeat(n, 0, i, then)
	}
	panic("finite: " + n.op.String()) // compileNode let in only what is read here
}

func (w *walk) concat(subs []*node, i int, then func(int) bool) bool {
	if len(subs) == 1 {
		return w.match(subs[0], i, then)
	}
	return w.match(subs[0], i, func(j int) bool { return w.concat(subs[1:], j, then) })
}

// repeat tries n's sub again after done times, more first when greedy, down to n.min.
func (w *walk) repeat(n *node, done, i int, then func(int) bool) bool {
	more := func() bool {
		return done < n.max && w.match(n.subs[0], i, func(j int) bool { return w.repeat(n, done+1, j, then) })
	}
	enough := func() bool { return done >= n.min && then(i) }
	if !n.greedy {
		return enough() || more()
	}
	return more() || enough()
}

// capture records the group's span while the rest of the way is tried, and takes it back if that
// fails.
func (w *walk) capture(n *node, i int, then func(int) bool) bool {
	k := 2 * n.cap
	oldStart, oldEnd := w.caps[k], w.caps[k+1]
	return w.match(n.subs[0], i, func(j int) bool {
		w.caps[k], w.caps[k+1] = i, j
		if then(j) {
			return true
		}
		w.caps[k], w.caps[k+1] = oldStart, oldEnd
		return false
	})
}

// atWordBoundary is \b at i: a word byte on one side of i and not on the other.
func (w *walk) atWordBoundary(i int) bool {
	before := i > 0 && isWordByte(w.s[i-1])
	after := i < len(w.s) && isWordByte(w.s[i])
	return before != after
}

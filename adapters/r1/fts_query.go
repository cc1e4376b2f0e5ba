package r1

import "strings"

// ftsQuery turns search terms into an FTS5 MATCH expression in which no character of the input has
// a meaning: each term is an FTS5 string ("..." with " doubled), the strings are ANDed by
// juxtaposition, and the last one is a prefix ("term" *) so results follow the user's typing.
// Operators, column filters, NEAR, ^ and * typed by a user are inside quotes, hence plain text.
//
// The terms come from domain.Tokenize and are letters and digits already; the builder does not rely
// on it. NUL ends an FTS5 string early (a syntax error), so it is dropped, as is invalid UTF-8, and
// so is facetMark, which would let the text reach the filters' tokens (search_facets.go). It returns
// "" when no term is left: nothing can match, and the caller must not run the search.
func ftsQuery(terms []string) string {
	var b strings.Builder
	n := 0
	for _, term := range terms {
		term = cleanTerm(term)
		if strings.TrimSpace(term) == "" {
			continue
		}
		if n > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(term, `"`, `""`))
		b.WriteByte('"')
		n++
	}
	if n == 0 {
		return ""
	}
	b.WriteString(" *")
	return b.String()
}

// ftsExpanded is ftsQuery with the last term's prefix written out as the words it begins: "a" AND
// "b" AND ("bee" OR "beer"). FTS5 answers a prefix longer than its prefix index by merging the
// complete lists of every word it begins before the first match comes out; an OR of those words
// is walked lazily instead, so a search stops reading as soon as its page is full. The words come
// from the index's own vocabulary (torrents_fts_vocab), so the two expressions match the same
// torrents. With no word at all it returns "", as ftsQuery does without terms.
func ftsExpanded(terms, words []string) string {
	if len(terms) == 0 || len(words) == 0 {
		return ""
	}
	var b strings.Builder
	for _, term := range terms[:len(terms)-1] {
		term = cleanTerm(term)
		if strings.TrimSpace(term) == "" {
			continue
		}
		b.WriteString(ftsString(term))
		b.WriteString(" AND ")
	}
	b.WriteByte('(')
	for i, w := range words {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteString(ftsString(w))
	}
	b.WriteByte(')')
	return b.String()
}

// cleanTerm is term without what ftsQuery drops (see there).
func cleanTerm(term string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(strings.ReplaceAll(term, "\x00", ""), ""), facetMark, "")
}

func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// expandable says whether the vocabulary can stand for a term as a prefix: the term is longer than
// the prefix index (shorter ones are cheap as they are) and plain ASCII letters and digits, which
// the tokenizer keeps as they are (lower case), so the vocabulary's words that begin with it are
// exactly the words its prefix matches. Accented letters are folded by the tokenizer, and this
// package does not repeat its folding.
func expandable(term string) bool {
	if len(term) <= prefixIndexLength {
		return false
	}
	for i := 0; i < len(term); i++ {
		c := term[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

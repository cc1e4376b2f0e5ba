package r1

import "strings"

// ftsQuery turns search terms into an FTS5 MATCH expression in which no character of the input has
// a meaning: each term is an FTS5 string ("..." with " doubled), the strings are ANDed by
// juxtaposition, and the last one is a prefix ("term" *) so results follow the user's typing.
// Operators, column filters, NEAR, ^ and * typed by a user are inside quotes, hence plain text.
//
// The terms come from domain.Tokenize and are letters and digits already; the builder does not rely
// on it. NUL ends an FTS5 string early (a syntax error), so it is dropped, as is invalid UTF-8. It
// returns "" when no term is left: nothing can match, and the caller must not run the search.
func ftsQuery(terms []string) string {
	var b strings.Builder
	n := 0
	for _, term := range terms {
		term = strings.ToValidUTF8(strings.ReplaceAll(term, "\x00", ""), "")
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

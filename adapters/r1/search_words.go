package r1

import (
	"context"
	"fmt"
)

// The last word of a search: a prefix, written out as the words of the index it begins when that
// pays (see expandLastTerm and ftsExpanded).

// prefixIndexLength is the longest prefix the full-text index keeps its own entries for (see
// migration 0003). The last word of a search is a prefix; one up to this length reads one list of
// the index, a longer one merges the lists of every word it begins, which makes checking a single
// torrent against it dear.
const prefixIndexLength = 4

// maxExpansion is how many words a long last word may begin and still be written out as an OR of
// them (see ftsExpanded); past it the prefix stays a prefix. A prefix costs a merge of all their
// lists up front (a tenth of a microsecond a torrent they hold), after which the walk is as cheap
// as one word's; an OR costs nothing up front but merges its words' lists at every step of the
// walk, a few tenths of a microsecond a word. A few words written out cost a walk little more than
// one word, and make checking one torrent against them one list each.
const maxExpansion = 6

// expandLastTerm writes a long last word out as the words of the index it begins (see ftsExpanded),
// when there are at most maxExpansion of them; with none, q.match becomes "". It asks the index for
// the words only, one seek each (termsStatement).
func (r *TorrentRepository) expandLastTerm(ctx context.Context, q *searchQuery) error {
	last := q.c.Terms[len(q.c.Terms)-1]
	if !r.expandLast || !expandable(last) || !q.costs.expansionPays() {
		return nil
	}
	res, err := r.db.query(ctx, termsStatement(last, maxExpansion+1))
	if err != nil {
		return err
	}
	if len(res.Rows) > maxExpansion {
		return nil
	}
	words := make([]string, 0, len(res.Rows))
	for _, row := range res.Rows {
		rr := rowReader{row: row}
		words = append(words, rr.text("term"))
		if rr.err != nil {
			return rr.err
		}
	}
	q.text, q.words = ftsExpanded(q.c.Terms, words), max(1, len(words))
	q.match = q.withFacets(q.text)
	if len(q.terms) > 0 {
		q.terms[len(q.terms)-1] = ftsExpanded(q.c.Terms[len(q.c.Terms)-1:], words)
	}
	q.cheapCheck = true
	return nil
}

// termsStatement lists the first n words of the index that begin with prefix, in order, from the
// occurrences table (migration 0019): each word is the first occurrence at or after the one before
// it followed by "0", the least character a word holds after it (words are letters and digits, so
// a longer word beginning with the one before sorts at or after that), which the table's cursor
// seeks to without counting the word's torrents (the 'row' table's cursor counts them all). Every
// word that begins with prefix sorts from prefix (included) to prefix with its final byte one
// higher (excluded).
func termsStatement(prefix string, n int) Statement {
	upper := prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
	const next = "(SELECT term FROM torrents_fts_terms WHERE term >= %s AND term < ? LIMIT 1)"
	return Statement{
		SQL: "WITH RECURSIVE w(term, n) AS (SELECT " + fmt.Sprintf(next, "?") + ", 1" +
			" UNION ALL SELECT " + fmt.Sprintf(next, "w.term || '0'") + ", n + 1 FROM w WHERE w.term IS NOT NULL AND n < CAST(? AS INTEGER))" +
			" SELECT term FROM w WHERE term IS NOT NULL",
		Params: []any{prefix, upper, upper, n},
	}
}

package r1

import (
	"encoding/hex"
	"slices"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// The filters the full-text index carries (migration 0014): each torrent's category and resolution
// are tokens of its facets column, so a text search filtered by them asks FTS5 for the intersection
// of the words' lists and the filter's, instead of walking every match of the words and reading
// each one's category or resolution from its row (at 1,000,000 torrents, a common word in a small
// category: tens of milliseconds, against one or two).

// facetMark begins every facet token: a private-use character, which unicode61 keeps in a token,
// domain.Tokenize never keeps in a term, and ftsQuery drops from one, so no text a user types reaches
// a facet token. A torrent's name may hold it; the search names the facets column, so such a name
// never passes for a category.
const facetMark = "\ue000"

// Facet kinds: the letter after facetMark.
const (
	categoryFacet   = 'c'
	resolutionFacet = 'r'
)

// facetValuesMax is how many values of one filter the match carries. FTS5 steps every list of an
// OR to each candidate, so a long list (a filter that keeps most of the catalog, often every
// category) costs more than reading each match's row, which the probe may also see as passed by
// every torrent (search_filters.go).
const facetValuesMax = 3

// facetToken is the token the index holds for the value of a facet (migration 0014 writes the
// same: the value's bytes in lower-case hex, which a slug of any characters survives the tokenizer
// as; the unknown resolution is the empty value).
func facetToken(kind byte, value string) string {
	return facetMark + string(kind) + hex.EncodeToString([]byte(value))
}

// carriedFacets are the filters of a text search the match carries.
type carriedFacets struct {
	categories, resolutions bool
}

// facetsOf is the FTS5 expression of the filters of c the index's facets column carries ("" for
// none), and which ones.
func facetsOf(c domain.SearchCriteria) (string, carriedFacets) {
	var parts []string
	var carried carriedFacets
	either := func(kind byte, values []string) string {
		tokens := make([]string, len(values))
		for i, v := range values {
			tokens[i] = ftsString(facetToken(kind, v))
		}
		return "{facets} : (" + strings.Join(tokens, " OR ") + ")"
	}
	if n := len(c.Categories); n > 0 && n <= facetValuesMax {
		slugs := make([]string, n)
		for i, s := range c.Categories {
			slugs[i] = anySlug(s)
		}
		parts, carried.categories = append(parts, either(categoryFacet, slugs)), true
	}
	if n := len(c.Resolutions); n > 0 && n <= facetValuesMax {
		values := slices.Clone(c.Resolutions)
		for i, r := range values {
			if r == domain.UnknownResolution {
				values[i] = ""
			}
		}
		parts, carried.resolutions = append(parts, either(resolutionFacet, values)), true
	}
	return strings.Join(parts, " AND "), carried
}

// withFacets is the text expression text restricted to the torrents passing the carried filters.
func (q *searchQuery) withFacets(text string) string {
	if q.facetMatch == "" || text == "" {
		return text
	}
	return "(" + text + ") AND " + q.facetMatch
}

// inName is the text expression matched in the name alone (the name tier of relevance).
func (q *searchQuery) inName() string { return "{name} : (" + q.text + ")" }

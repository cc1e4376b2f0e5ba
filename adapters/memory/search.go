package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/torrent-streamer/streamer/domain"
)

// Relevance weights: a word of the name says more about a torrent than a word buried in a file
// path, the same weighting the SQL adapter gives its full-text columns.
const (
	nameWeight = 10
	pathWeight = 1
)

type hit struct {
	rec *record
	pos domain.Position
}

// Search finds the torrents matching c, which has been normalized (see domain.SearchCriteria).
func (r *TorrentRepository) Search(ctx context.Context, c domain.SearchCriteria) (domain.SearchPage, error) {
	if err := ctx.Err(); err != nil {
		return domain.SearchPage{}, err
	}
	if c.MatchesNothing() {
		// Text made only of separators names nothing; it must not list the whole catalog.
		return domain.SearchPage{Items: []domain.TorrentSummary{}, TotalExact: true}, nil
	}
	// Normalize has chosen these already; the same defaults here keep a caller that skipped it in
	// step with the SQL adapter.
	if c.Sort == "" || (c.Sort == domain.SortRelevance && len(c.Terms) == 0) {
		c.Sort = domain.SortDate
	}
	if c.Order == "" {
		c.Order = domain.Descending
		if c.Sort == domain.SortName {
			c.Order = domain.Ascending
		}
	}
	cat := r.c
	cat.mu.RLock()
	defer cat.mu.RUnlock()

	terms := make([]string, len(c.Terms))
	for i, term := range c.Terms {
		terms[i] = fold(term)
	}
	var hits []hit
	for _, rec := range cat.torrents {
		if rec == nil || !passesFilters(rec, &c) {
			continue
		}
		score, ok := relevance(rec, terms)
		if !ok {
			continue
		}
		hits = append(hits, hit{rec: rec, pos: positionOf(rec, c.Sort, score)})
	}
	page := domain.SearchPage{Items: []domain.TorrentSummary{}, Total: len(hits), TotalExact: true}
	if page.Total > domain.SearchCountLimit {
		page.Total, page.TotalExact = domain.SearchCountLimit, false
	}

	order := func(a, b domain.Position) int {
		n := comparePositions(a, b, c.Sort)
		if c.Order == domain.Descending {
			return -n
		}
		return n
	}
	slices.SortFunc(hits, func(a, b hit) int { return order(a.pos, b.pos) })

	start := c.Offset
	if c.Cursor != nil {
		cursor := *c.Cursor
		cursor.Text = strings.ToLower(cursor.Text) // a cursor made elsewhere may carry the name as written
		start, _ = slices.BinarySearchFunc(hits, cursor, func(h hit, p domain.Position) int {
			if order(h.pos, p) <= 0 {
				return -1 // at or before the cursor: not on this page
			}
			return 1
		})
	}
	start = min(max(start, 0), len(hits))
	end := min(start+pageSize(c.Limit), len(hits))
	for _, h := range hits[start:end] {
		page.Items = append(page.Items, cat.summaryLocked(h.rec))
	}
	if end < len(hits) && end > start {
		next := hits[end-1].pos
		page.Next = &next
	}
	return page, nil
}

func passesFilters(rec *record, c *domain.SearchCriteria) bool {
	t := &rec.t
	switch {
	case len(c.Categories) > 0 && !slices.Contains(c.Categories, t.Category.Slug),
		c.MinSize != nil && t.Size < *c.MinSize,
		c.MaxSize != nil && t.Size > *c.MaxSize,
		c.MinSeeders != nil && t.Seeders < *c.MinSeeders,
		!c.After.IsZero() && t.UploadedAt.Before(c.After),
		!c.Before.IsZero() && !t.UploadedAt.Before(c.Before),
		!c.MatchesRelease(t.Release, t.External):
		return false
	}
	return true
}

// pageSize brings a limit inside 1..domain.MaxPageSize, 0 meaning the default, as the SQL adapter does.
func pageSize(limit int) int {
	if limit == 0 {
		return domain.DefaultPageSize
	}
	return min(max(limit, 1), domain.MaxPageSize)
}

// relevance tells whether every (folded) term occurs in the torrent, the last one as a prefix (it
// may be a word still being typed), and how well the torrent matches.
func relevance(rec *record, terms []string) (float64, bool) {
	score := 0
	for i, term := range terms {
		prefix := i == len(terms)-1
		inName := hasToken(rec.nameTokens, term, prefix)
		inPath := hasToken(rec.pathTokens, term, prefix)
		if !inName && !inPath {
			return 0, false
		}
		if inName {
			score += nameWeight
		}
		if inPath {
			score += pathWeight
		}
	}
	return float64(score), true
}

func hasToken(sorted []string, term string, prefix bool) bool {
	i, found := slices.BinarySearch(sorted, term)
	if found {
		return true
	}
	return prefix && i < len(sorted) && strings.HasPrefix(sorted[i], term)
}

func positionOf(rec *record, sort domain.SortField, score float64) domain.Position {
	t := &rec.t
	p := domain.Position{ID: t.ID}
	switch sort {
	case domain.SortRelevance:
		p.Float = score
	case domain.SortSeeders:
		p.Int = t.Seeders
	case domain.SortLeechers:
		p.Int = t.Leechers
	case domain.SortSize:
		p.Int = t.Size
	case domain.SortName:
		p.Text = rec.lowerName
	default:
		p.Int = t.UploadedAt.Unix()
	}
	return p
}

// comparePositions orders two positions ascending by the sort's key, then by id.
func comparePositions(a, b domain.Position, sort domain.SortField) int {
	var n int
	switch sort {
	case domain.SortRelevance:
		n = cmp.Compare(a.Float, b.Float)
	case domain.SortName:
		n = strings.Compare(a.Text, b.Text)
	default:
		n = cmp.Compare(a.Int, b.Int)
	}
	if n != 0 {
		return n
	}
	return cmp.Compare(a.ID, b.ID)
}

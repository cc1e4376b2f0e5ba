package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// SearchRequest is a search as a client asks it. Typed fields are already parsed by the caller;
// Sort and Order are the API's words, Cursor is a nextCursor from an earlier page.
type SearchRequest struct {
	Text       string
	Categories []string
	MinSize    *int64
	MaxSize    *int64
	MinSeeders *int64
	After      time.Time
	Before     time.Time
	Sort       string
	Order      string
	Limit      int
	Page       int
	Cursor     string
	// Offset skips that many matches (Torznab's paging), instead of Page.
	Offset int
	// Release filters (see domain.SearchCriteria).
	Season      *int
	Episode     *int
	Year        *int
	Resolutions []string
	AirDate     string
	External    domain.ExternalIDs
}

// SearchResult is one page of a search.
type SearchResult struct {
	Items      []domain.TorrentSummary
	Total      int
	TotalExact bool
	Page       int
	Limit      int
	NextCursor string
}

// Search finds torrents. With no text it lists the catalog with the filters applied.
func (s *Service) Search(ctx context.Context, req SearchRequest) (SearchResult, error) {
	c, page, err := criteriaOf(req)
	if err != nil {
		return SearchResult{}, err
	}
	if err := s.checkCategories(ctx, "category", c.Categories); err != nil {
		return SearchResult{}, err
	}
	fingerprint := c.fingerprint()
	if req.Cursor != "" {
		cur, err := s.cursors.decode(req.Cursor, fingerprint)
		if err != nil {
			return SearchResult{}, err
		}
		c.Cursor = &cur.Position
		page = cur.Page
	}
	found, err := s.torrents.Search(ctx, c.SearchCriteria)
	if err != nil {
		return SearchResult{}, err
	}
	if s.activity != nil && strings.TrimSpace(c.Text) != "" {
		s.activity.RecordSearch(ctx, c.Text)
	}
	result := SearchResult{Items: found.Items, Total: found.Total, TotalExact: found.TotalExact, Page: page, Limit: c.Limit}
	if found.Next != nil {
		result.NextCursor = s.cursors.encode(cursor{Fingerprint: fingerprint, Page: page + 1, Position: *found.Next})
	}
	return result, nil
}

// criteria is a normalized search, with what identifies it apart from the page.
type criteria struct{ domain.SearchCriteria }

func criteriaOf(req SearchRequest) (criteria, int, error) {
	var problems domain.ValidationError
	c := domain.SearchCriteria{
		Text: req.Text, MinSize: req.MinSize, MaxSize: req.MaxSize, MinSeeders: req.MinSeeders,
		After: req.After, Before: req.Before, Limit: req.Limit,
		Season: req.Season, Episode: req.Episode, Year: req.Year, External: req.External,
	}
	c.Resolutions, c.AirDate = req.Resolutions, req.AirDate
	c.Categories = normalizeSlugs(req.Categories)
	if req.Sort != "" {
		f, ok := domain.ParseSortField(req.Sort)
		if !ok {
			problems.Add("sort", "must be one of relevance, date, seeders, leechers, size, name")
		}
		c.Sort = f
	}
	if req.Order != "" {
		o, ok := domain.ParseSortOrder(req.Order)
		if !ok {
			problems.Add("order", "must be asc or desc")
		}
		c.Order = o
	}
	page := req.Page
	if page == 0 {
		page = 1
	}
	if page < 1 {
		problems.Add("page", "must be 1 or more")
		page = 1
	}
	if req.Page > 0 && req.Cursor != "" {
		problems.Add("cursor", "cannot be combined with page")
	}
	if err := problems.Err(); err != nil {
		return criteria{}, 0, err
	}
	limit := req.Limit
	if limit == 0 {
		limit = domain.DefaultPageSize
	}
	if limit >= 1 && limit <= domain.MaxPageSize {
		c.Offset = (page - 1) * limit
	}
	if req.Offset != 0 {
		if req.Page > 0 || req.Cursor != "" {
			return criteria{}, 0, domain.Invalid("offset", "cannot be combined with page or cursor")
		}
		c.Offset = req.Offset
	}
	if err := c.Normalize(); err != nil {
		return criteria{}, 0, err
	}
	return criteria{c}, page, nil
}

func normalizeSlugs(in []string) []string {
	var out []string
	seen := make(map[string]bool)
	for _, item := range in {
		for _, part := range strings.Split(item, ",") {
			slug := strings.ToLower(strings.TrimSpace(part))
			if slug == "" || seen[slug] {
				continue
			}
			seen[slug] = true
			out = append(out, slug)
		}
	}
	return out
}

// fingerprint identifies the search apart from its page: a cursor is only valid for the search that
// made it.
func (c criteria) fingerprint() string {
	sum := sha256.Sum256([]byte(c.QueryKey()))
	return hex.EncodeToString(sum[:12])
}

package domain

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Search limits.
const (
	MaxSearchTextLength = 200
	MaxSearchTerms      = 16
	MaxSearchTermLength = 64
	DefaultPageSize     = 20
	MaxPageSize         = 100
	// MaxSearchOffset bounds page-based paging; deeper pages use a cursor, which costs the same at
	// any depth.
	MaxSearchOffset = 10000
	// SearchCountLimit is where counting stops: above it, a page's total is a lower bound.
	SearchCountLimit  = 10000
	MaxCategoryFilter = 16
)

// SortField is what a search is ordered by. Every order ends with the torrent id, so it is total.
type SortField string

// The sort fields of the search API.
const (
	SortRelevance SortField = "relevance"
	SortDate      SortField = "date"
	SortSeeders   SortField = "seeders"
	SortLeechers  SortField = "leechers"
	SortSize      SortField = "size"
	SortName      SortField = "name"
)

// ParseSortField accepts the API's sort names.
func ParseSortField(s string) (SortField, bool) {
	switch f := SortField(s); f {
	case SortRelevance, SortDate, SortSeeders, SortLeechers, SortSize, SortName:
		return f, true
	}
	return "", false
}

// SortOrder is ascending or descending.
type SortOrder string

// The two orders.
const (
	Ascending  SortOrder = "asc"
	Descending SortOrder = "desc"
)

// ParseSortOrder accepts "asc" and "desc".
func ParseSortOrder(s string) (SortOrder, bool) {
	switch o := SortOrder(s); o {
	case Ascending, Descending:
		return o, true
	}
	return "", false
}

// SearchCriteria is one search of the catalog. Zero values mean "no filter".
type SearchCriteria struct {
	Text       string
	Terms      []string // derived from Text by Normalize
	Categories []string // slugs
	MinSize    *int64
	MaxSize    *int64
	MinSeeders *int64
	After      time.Time // uploadedAt >= After
	Before     time.Time // uploadedAt < Before
	// Release filters: what the name says (see Release). A torrent matches Season when its release
	// covers that season (Release.HasSeason), Episode when it holds that episode, Resolutions when
	// its resolution is one of them (UnknownResolution: when its name says none), AirDate when its
	// air date begins with it (a day 2024-05-01, a month 2024-05 or a year 2024).
	Season      *int
	Episode     *int
	Year        *int
	Resolutions []string
	AirDate     string
	External    ExternalIDs // each known id must match
	Sort        SortField
	Order       SortOrder
	Limit       int
	Offset      int       // page-based paging
	Cursor      *Position // keyset paging; excludes Offset
}

// Position is where a page ended in a given order: the sort key of the last item and its id. Only
// the field that matches Sort is meaningful.
type Position struct {
	Int   int64   // date (Unix seconds), seeders, leechers, size
	Float float64 // relevance (higher is better)
	Text  string  // name
	ID    int64
}

// SearchPage is one page of results.
type SearchPage struct {
	Items []TorrentSummary
	// Total counts every match when TotalExact; otherwise it is a lower bound (SearchCountLimit).
	Total      int
	TotalExact bool
	// Next is where the next page starts; nil on the last page.
	Next *Position
}

// Normalize checks c and fills its defaults: terms from the text, the sort (relevance with text,
// date without), the order (name ascending, everything else descending) and the page size.
func (c *SearchCriteria) Normalize() error {
	var problems ValidationError
	if !utf8.ValidString(c.Text) {
		problems.Add("q", "must be valid UTF-8")
	} else if utf8.RuneCountInString(c.Text) > MaxSearchTextLength {
		problems.Add("q", "must be at most 200 characters")
	}
	c.Terms = Tokenize(c.Text)
	// uploadedAt is whole seconds, so ">= 10:00:00.5" selects what ">= 10:00:01" does: rounded up
	// here, once, the filters mean one thing to every store and to the cache's key.
	c.After, c.Before = ceilSecond(c.After), ceilSecond(c.Before)
	if len(c.Categories) > MaxCategoryFilter {
		problems.Add("category", "must name at most 16 categories")
	}
	c.Categories = slices.Compact(slices.Sorted(slices.Values(c.Categories)))
	c.Resolutions = slices.Compact(slices.Sorted(slices.Values(c.Resolutions)))
	if c.MinSize != nil && *c.MinSize < 0 {
		problems.Add("minSize", "must not be negative")
	}
	if c.MaxSize != nil && *c.MaxSize < 0 {
		problems.Add("maxSize", "must not be negative")
	}
	if c.MinSize != nil && c.MaxSize != nil && *c.MinSize > *c.MaxSize {
		problems.Add("maxSize", "must not be below minSize")
	}
	if c.MinSeeders != nil && *c.MinSeeders < 0 {
		problems.Add("minSeeders", "must not be negative")
	}
	if !c.After.IsZero() && !c.Before.IsZero() && !c.After.Before(c.Before) {
		problems.Add("before", "must be later than after")
	}
	if c.Season != nil && (*c.Season < 0 || *c.Season > 9999) {
		problems.Add("season", "must be between 0 and 9999")
	}
	if c.Episode != nil && (*c.Episode < 0 || *c.Episode > 99999) {
		problems.Add("episode", "must be between 0 and 99999")
	}
	if c.Year != nil && (*c.Year < minReleaseYear || *c.Year > maxReleaseYear) {
		problems.Add("year", "must be a year between 1890 and 2039")
	}
	if len(c.Resolutions) > len(Resolutions)+1 {
		problems.Add("resolution", "must name at most 9 resolutions")
	}
	for _, r := range c.Resolutions {
		if !IsResolution(r) && r != UnknownResolution {
			problems.Add("resolution", "must be one of 360p, 480p, 540p, 576p, 720p, 1080p, 2160p, 4320p, unknown")
			break
		}
	}
	if c.AirDate != "" && !validAirDatePrefix(c.AirDate) {
		problems.Add("airDate", "must be a day (2024-05-01), a month (2024-05) or a year (2024)")
	}
	c.External.normalize(&problems)
	if c.Sort == "" || (c.Sort == SortRelevance && len(c.Terms) == 0) {
		// Relevance needs words to rank by; without them the newest come first.
		c.Sort = SortDate
		if len(c.Terms) > 0 {
			c.Sort = SortRelevance
		}
	}
	if c.Order == "" {
		c.Order = Descending
		if c.Sort == SortName {
			c.Order = Ascending
		}
	}
	switch {
	case c.Limit == 0:
		c.Limit = DefaultPageSize
	case c.Limit < 1 || c.Limit > MaxPageSize:
		problems.Add("limit", "must be between 1 and 100")
	}
	if c.Offset < 0 || c.Offset > MaxSearchOffset {
		problems.Add("page", "is too deep for page numbers: follow nextCursor instead")
	}
	if c.Cursor != nil && c.Offset > 0 {
		problems.Add("cursor", "cannot be combined with page")
	}
	return problems.Err()
}

// Resolutions are the resolutions a release name can say, lowest first.
var Resolutions = []string{"360p", "480p", "540p", "576p", "720p", "1080p", "2160p", "4320p"}

// IsResolution tells whether s is one of Resolutions.
func IsResolution(s string) bool { return slices.Contains(Resolutions, s) }

// UnknownResolution is the resolution filter's value for the names that say no resolution.
const UnknownResolution = "unknown"

// validAirDatePrefix tells whether s is a day, a month or a year as an air date begins with it:
// YYYY, YYYY-MM or YYYY-MM-DD, in the years a release name can say.
func validAirDatePrefix(s string) bool {
	layout := map[int]string{4: "2006", 7: "2006-01", 10: "2006-01-02"}[len(s)]
	if layout == "" {
		return false
	}
	t, err := time.Parse(layout, s)
	return err == nil && t.Year() >= minReleaseYear && t.Year() <= maxReleaseYear
}

// AirDateSpan is the half-open range of stored air dates (YYYY-MM-DD) that begin with a valid
// AirDate prefix: from the prefix itself to the prefix followed by "~", which sorts after "-" and
// every digit. Stores compare text with it.
func AirDateSpan(prefix string) (from, before string) { return prefix, prefix + "~" }

// MatchesRelease tells whether the release filters of c keep a torrent (the other filters are the
// stores'): the in-memory store uses it, and R1's SQL says the same.
func (c SearchCriteria) MatchesRelease(r Release, ids ExternalIDs) bool {
	if c.Season != nil && !r.HasSeason(*c.Season) {
		return false
	}
	if c.Episode != nil && !r.HasEpisode(*c.Episode) {
		return false
	}
	if c.Year != nil && r.Year != *c.Year {
		return false
	}
	if len(c.Resolutions) > 0 && !c.matchesResolution(r.Resolution) {
		return false
	}
	if c.AirDate != "" && !strings.HasPrefix(r.AirDate, c.AirDate) {
		return false
	}
	if c.External.IMDb != "" && ids.IMDb != c.External.IMDb {
		return false
	}
	if c.External.TMDb != 0 && ids.TMDb != c.External.TMDb {
		return false
	}
	if c.External.TVDb != 0 && ids.TVDb != c.External.TVDb {
		return false
	}
	return true
}

func (c SearchCriteria) matchesResolution(res string) bool {
	if res == "" {
		return slices.Contains(c.Resolutions, UnknownResolution)
	}
	return slices.Contains(c.Resolutions, res)
}

// MatchesNothing reports whether the text names nothing: not empty, but without a single term
// (only punctuation, say). Such a search answers an empty page; it is not the plain listing.
func (c SearchCriteria) MatchesNothing() bool {
	return len(c.Terms) == 0 && strings.TrimSpace(c.Text) != ""
}

// QueryKey is the canonical text of a normalized search apart from its page: two searches with
// the same QueryKey select the same torrents in the same order. It is every field of the criteria
// (so a field added later cannot be left out) but the text as typed, which the stores read only
// through Terms and MatchesNothing.
func (c SearchCriteria) QueryKey() string {
	c.Offset, c.Cursor = 0, nil
	return c.Key()
}

// Key is the canonical text of a normalized search with its page: its QueryKey, and the offset or
// the cursor's position.
func (c SearchCriteria) Key() string {
	nothing := c.MatchesNothing()
	c.Text = ""
	raw, err := json.Marshal(struct {
		SearchCriteria
		Nothing bool
	}{c, nothing})
	if err != nil {
		panic("domain: a search criteria that JSON cannot encode: " + err.Error())
	}
	return string(raw)
}

func ceilSecond(t time.Time) time.Time {
	if t.IsZero() || t.Nanosecond() == 0 {
		return t
	}
	return t.Truncate(time.Second).Add(time.Second)
}

// Tokenize splits free text into search terms: lowercase runs of letters and digits. Everything
// else separates terms, so no character of the input has a meaning of its own. At most
// MaxSearchTerms terms are kept, each cut to MaxSearchTermLength bytes.
func Tokenize(text string) []string {
	var terms []string
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		term := strings.ToLower(text[start:end])
		start = -1
		if len(terms) >= MaxSearchTerms {
			return
		}
		terms = append(terms, truncateUTF8(term, MaxSearchTermLength))
	}
	for i, r := range text {
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(text))
	return terms
}

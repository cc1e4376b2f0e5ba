package rest

import (
	"errors"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
)

// Query strings are read by hand rather than bound by reflection: a repeated key (category=a&
// category=b) must accumulate, a malformed value must be reported under its parameter's name, and
// the read routes are the hot ones. Unknown parameters are ignored; an empty value counts as absent.
// Values are copied out of Fiber's buffers, which are reused once the response is written, because a
// use case may keep them (a cache fill can outlive its request).

// searchQuery is the query string of GET /api/torrents/search. The parser checks form (an
// integer, a date); the validate tags check ranges and words; the use case checks the rest.
type searchQuery struct {
	Q          string    `query:"q" validate:"max=200"`
	Categories []string  `query:"category"`
	MinSize    *int64    `query:"minSize"`
	MaxSize    *int64    `query:"maxSize"`
	MinSeeders *int64    `query:"minSeeders"`
	After      time.Time `query:"after"`
	Before     time.Time `query:"before"`
	Sort       string    `query:"sort" validate:"omitempty,oneof=relevance date seeders leechers size name"`
	Order      string    `query:"order" validate:"omitempty,oneof=asc desc"`
	Limit      int       `query:"limit" validate:"min=1,max=100"`
	Page       *int      `query:"page" validate:"omitempty,min=1"`
	Cursor     string    `query:"cursor" validate:"max=2048"`
	// Release filters: what the release name says, and the external ids.
	Season      *int     `query:"season"`
	Episode     *int     `query:"episode"`
	Year        *int     `query:"year"`
	Resolutions []string `query:"resolution"`
	AirDate     string   `query:"airDate"`
	IMDbID      string   `query:"imdbId"`
	TMDbID      int64    `query:"tmdbId"`
	TVDbID      int64    `query:"tvdbId"`
}

// latestQuery is the query string of GET /api/torrents/latest.
type latestQuery struct {
	Category string `query:"category" validate:"max=100"`
	Limit    int    `query:"limit" validate:"min=1,max=100"`
}

// What a malformed value is told. Ranges are the validator's; these are about form.
const (
	msgCount    = "must be a non-negative integer"
	msgBytes    = "must be a non-negative integer number of bytes"
	msgLimit    = "must be an integer from 1 to 100"
	msgPage     = "must be a positive integer"
	msgTime     = "must be an RFC 3339 timestamp (2026-11-26T17:00:00Z) or a date (2026-11-26)"
	msgRepeated = "must be given at most once"
)

// queryReader collects the problems of one query string and remembers which single-valued
// parameters it has seen.
type queryReader struct {
	problems domain.ValidationError
	seen     uint32
}

// once reports whether a single-valued parameter appears for the first time; a second occurrence is
// a problem, since silently taking either value would answer a question the client did not ask.
func (r *queryReader) once(bit uint32, name string) bool {
	if r.seen&bit != 0 {
		r.problems.Add(name, msgRepeated)
		return false
	}
	r.seen |= bit
	return true
}

// finish joins the validator's verdict to the parser's, so one answer names every bad parameter. A
// parameter the parser already refused is not reported again for the zero value it left behind.
func (r *queryReader) finish(checked error) error {
	var v *domain.ValidationError
	if !errors.As(checked, &v) {
		if checked != nil {
			return checked
		}
		return r.problems.Err()
	}
	for _, p := range v.Problems {
		if !r.reported(p.Field) {
			r.problems.Add(p.Field, p.Message)
		}
	}
	return r.problems.Err()
}

func (r *queryReader) reported(field string) bool {
	for _, p := range r.problems.Problems {
		if p.Field == field {
			return true
		}
	}
	return false
}

func (r *queryReader) uint(name string, value []byte, max int64, message string) (int64, bool) {
	n, ok := parseUint(value, max)
	if !ok {
		r.problems.Add(name, message)
	}
	return n, ok
}

func (r *queryReader) time(name string, value []byte) time.Time {
	t, ok := parseQueryTime(string(value))
	if !ok {
		r.problems.Add(name, msgTime)
	}
	return t
}

const (
	bitQ = 1 << iota
	bitMinSize
	bitMaxSize
	bitMinSeeders
	bitAfter
	bitBefore
	bitSort
	bitOrder
	bitLimit
	bitPage
	bitCursor
	bitCategory
	bitSeason
	bitEpisode
	bitYear
	bitIMDb
	bitTMDb
	bitTVDb
	bitAirDate
)

// maxPageNumber keeps (page-1)*limit far from overflow; the use case refuses pages past
// domain.MaxSearchOffset anyway.
const maxPageNumber = 1 << 30

func parseSearchQuery(args *fasthttp.Args) (searchQuery, error) {
	q := searchQuery{Limit: domain.DefaultPageSize}
	var r queryReader
	args.VisitAll(func(key, value []byte) {
		if len(value) == 0 {
			return
		}
		switch string(key) {
		case "q":
			if r.once(bitQ, "q") {
				q.Q = string(value)
			}
		case "category":
			q.Categories = append(q.Categories, string(value))
		case "minSize":
			if r.once(bitMinSize, "minSize") {
				q.MinSize = int64Ptr(r.uint("minSize", value, domain.MaxSize, msgBytes))
			}
		case "maxSize":
			if r.once(bitMaxSize, "maxSize") {
				q.MaxSize = int64Ptr(r.uint("maxSize", value, domain.MaxSize, msgBytes))
			}
		case "minSeeders":
			if r.once(bitMinSeeders, "minSeeders") {
				q.MinSeeders = int64Ptr(r.uint("minSeeders", value, domain.MaxPeers, msgCount))
			}
		case "after":
			if r.once(bitAfter, "after") {
				q.After = r.time("after", value)
			}
		case "before":
			if r.once(bitBefore, "before") {
				q.Before = r.time("before", value)
			}
		case "sort":
			if r.once(bitSort, "sort") {
				q.Sort = string(value)
			}
		case "order":
			if r.once(bitOrder, "order") {
				q.Order = string(value)
			}
		case "limit":
			if r.once(bitLimit, "limit") {
				n, _ := r.uint("limit", value, maxPageNumber, msgLimit)
				q.Limit = int(n)
			}
		case "page":
			if r.once(bitPage, "page") {
				if n, ok := r.uint("page", value, maxPageNumber, msgPage); ok {
					page := int(n)
					q.Page = &page
				}
			}
		case "cursor":
			if r.once(bitCursor, "cursor") {
				q.Cursor = string(value)
			}
		default:
			r.releaseFilter(&q, string(key), value)
		}
	})
	return q, r.finish(check(&q))
}

// releaseFilter reads the search's release and external-id filters; other keys are ignored.
func (r *queryReader) releaseFilter(q *searchQuery, key string, value []byte) {
	small := func(bit uint32, name string, max int64, into **int) {
		if r.once(bit, name) {
			if n, ok := r.uint(name, value, max, msgCount); ok {
				v := int(n)
				*into = &v
			}
		}
	}
	switch key {
	case "season":
		small(bitSeason, "season", 9999, &q.Season)
	case "episode":
		small(bitEpisode, "episode", 99999, &q.Episode)
	case "year":
		small(bitYear, "year", 9999, &q.Year)
	case "resolution":
		for _, part := range strings.Split(string(value), ",") {
			if part = strings.ToLower(strings.TrimSpace(part)); part != "" {
				q.Resolutions = append(q.Resolutions, part)
			}
		}
	case "airDate":
		if r.once(bitAirDate, "airDate") {
			q.AirDate = string(value)
		}
	case "imdbId":
		if r.once(bitIMDb, "imdbId") {
			q.IMDbID = string(value)
		}
	case "tmdbId":
		if r.once(bitTMDb, "tmdbId") {
			q.TMDbID, _ = r.uint("tmdbId", value, domain.MaxExternalID, "must be a positive TMDb id")
		}
	case "tvdbId":
		if r.once(bitTVDb, "tvdbId") {
			q.TVDbID, _ = r.uint("tvdbId", value, domain.MaxExternalID, "must be a positive TVDb id")
		}
	}
}

// request is the use case's view of the query. The categories go as given: the use case splits
// commas, so category=a,b and category=a&category=b mean the same.
func (q *searchQuery) request() catalog.SearchRequest {
	req := catalog.SearchRequest{
		Text: q.Q, Categories: q.Categories, MinSize: q.MinSize, MaxSize: q.MaxSize, MinSeeders: q.MinSeeders,
		After: q.After, Before: q.Before, Sort: q.Sort, Order: q.Order, Limit: q.Limit, Cursor: q.Cursor,
	}
	if q.Page != nil {
		req.Page = *q.Page
	}
	req.Season, req.Episode, req.Year, req.Resolutions, req.AirDate = q.Season, q.Episode, q.Year, q.Resolutions, q.AirDate
	req.External = domain.ExternalIDs{IMDb: q.IMDbID, TMDb: q.TMDbID, TVDb: q.TVDbID}
	return req
}

func parseLatestQuery(args *fasthttp.Args) (latestQuery, error) {
	q := latestQuery{Limit: domain.DefaultPageSize}
	var r queryReader
	args.VisitAll(func(key, value []byte) {
		if len(value) == 0 {
			return
		}
		switch string(key) {
		case "category":
			if r.once(bitCategory, "category") {
				q.Category = string(value)
			}
		case "limit":
			if r.once(bitLimit, "limit") {
				n, _ := r.uint("limit", value, maxPageNumber, msgLimit)
				q.Limit = int(n)
			}
		}
	})
	return q, r.finish(check(&q))
}

// parseUint reads decimal digits only: no sign, no spaces, no exponent, at most max.
func parseUint(b []byte, max int64) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= max
}

func int64Ptr(n int64, ok bool) *int64 {
	if !ok {
		return nil
	}
	return &n
}

// parseQueryTime reads a time parameter as parseTimestamp does. A "+" of an unescaped offset
// arrives as a space in a query string, so a space is read as "+".
func parseQueryTime(s string) (time.Time, bool) {
	t, ok := parseTimestamp(s)
	if !ok && strings.Contains(s, " ") {
		t, ok = parseTimestamp(strings.ReplaceAll(s, " ", "+"))
	}
	return t, ok
}

// parseTimestamp accepts RFC 3339 (any offset, read as the instant it names) and a bare date, which
// means midnight UTC: after=2026-11-26 includes that day, before=2026-11-27 ends with it.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) == len(time.DateOnly) {
		t, err := time.Parse(time.DateOnly, s)
		return t, err == nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

package torznab

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
)

// search answers t=search, tvsearch, movie, music and book. With no words and no id it lists the
// newest torrents of the asked categories: the apps' RSS sync and connection tests.
func (ix *Indexer) search(c *fiber.Ctx, function string) error {
	if err := ix.authenticate(c, true); err != nil {
		return err
	}
	args := c.Context().QueryArgs()
	key := answerKey(args, c.BaseURL())
	now := time.Now()
	// Every search's answer may be sent compressed, so each says it depends on Accept-Encoding.
	gzipped.Vary(c)
	if body, ok := ix.answers.get(key, now); ok {
		return ix.sendKept(c, key, body)
	}
	cats, err := ix.categories(c.UserContext())
	if err != nil {
		return err
	}
	req, attrs, empty, err := searchRequest(args, function, cats)
	if err != nil {
		return err
	}
	base := c.BaseURL()
	var found catalog.SearchResult
	if !empty {
		if found, err = ix.catalog.Search(c.UserContext(), req); err != nil {
			return err
		}
	}
	written := identityOf(found.Items, found.Total)
	if body, ok := ix.answers.written(key, written); ok {
		return ix.sendKept(c, key, body)
	}
	b := make([]byte, 0, 1024+2048*len(found.Items))
	b = appendFeedHead(b, ix.opts.Title, base, req.Offset, req.Offset+found.Total)
	// Items are kept for feeds without words (the apps' RSS syncs, whose pages share the newest
	// torrents from one sync to the next and between categories); a text search's items seldom
	// come again, and keeping them (a fingerprint and a copy each) cost more than writing them.
	frags := ix.fragments
	if req.Text != "" {
		frags = nil
	}
	b = appendItems(b, frags, found.Items, base, attrs, cats)
	b = append(b, feedTail...)
	c.Status(http.StatusOK)
	c.Response().Header.SetContentType(ContentType)
	if ix.answers.keeps(key) {
		// Compressed once, as it is kept; a client that accepts gzip gets those bytes now too.
		kept := gzipped.Compress(b)
		ix.answers.put(key, kept, written, now)
		if gzipped.SendCompressed(c, kept) {
			return nil
		}
	}
	c.Response().SetBodyRaw(b)
	return nil
}

// sendKept answers with the answer kept under key: compressed to a client that accepts gzip, plain
// otherwise (inflated once in the answer's life, not once a request).
func (ix *Indexer) sendKept(c *fiber.Ctx, key string, body *gzipped.Kept) error {
	c.Status(http.StatusOK)
	c.Response().Header.SetContentType(ContentType)
	if gzipped.SendCompressed(c, body.Body) {
		return nil
	}
	plain, err := ix.answers.plain(key, body)
	if err != nil {
		return err
	}
	c.Response().SetBodyRaw(plain) // kept bytes are never written again
	return nil
}

// attrsKey is the attrs parameter's selection as a key: its names sorted, "" for every attribute.
func attrsKey(attrs map[string]bool) string {
	if attrs == nil {
		return ""
	}
	names := make([]string, 0, len(attrs))
	for name := range attrs {
		names = append(names, name)
	}
	slices.Sort(names)
	return "attrs:" + strings.Join(names, ",")
}

// searchRequest reads the parameters of a search function into the catalog's request. empty is set
// when the answer is known to be empty without asking (categories of nothing, an offset past the
// deepest page).
func searchRequest(args *fasthttp.Args, function string, cats *categoryMap) (req catalog.SearchRequest, attrs map[string]bool, empty bool, err error) {
	get := func(name string) string { return strings.TrimSpace(string(args.Peek(name))) }
	words := []string{get("q")}
	switch function {
	case "music":
		words = append(words, get("artist"), get("album"))
	case "book":
		words = append(words, get("author"), get("title"))
	}
	req.Limit = domain.MaxPageSize
	if v := get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 0 {
			return req, nil, false, incorrect("limit", "must be a non-negative integer.")
		}
		// Capped at the maximum caps announce; 0 is the default.
		req.Limit = min(max(n, 1), domain.MaxPageSize)
		if n == 0 {
			req.Limit = domain.MaxPageSize
		}
	}
	if v := get("offset"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 0 {
			return req, nil, false, incorrect("offset", "must be a non-negative integer.")
		}
		if n > domain.MaxSearchOffset {
			empty = true
		}
		req.Offset = n
	}
	if v := get("cat"); v != "" {
		ids, ok := parseCategoryIDs(v)
		if !ok {
			return req, nil, false, incorrect("cat", "must be category ids separated by commas.")
		}
		if len(ids) > 0 {
			slugs, resolutions, none := cats.filter(ids)
			if none {
				empty = true
			}
			req.Categories, req.Resolutions = slugs, resolutions
		}
	}
	if function == "tvsearch" {
		season, ep := strings.TrimPrefix(strings.ToUpper(get("season")), "S"), strings.TrimPrefix(strings.ToUpper(get("ep")), "E")
		if season != "" {
			n, convErr := strconv.Atoi(season)
			if convErr != nil || n < 0 {
				return req, nil, false, incorrect("season", "must be a season number.")
			}
			if strings.Contains(ep, "/") {
				// A daily show: Sonarr asks season=2024&ep=05/01, the episode that aired that day.
				day, ok := airDate(n, ep)
				if !ok {
					return req, nil, false, incorrect("ep", "must be an episode number, or with a year as season a day as MM/DD.")
				}
				req.AirDate = day
				ep = ""
			} else {
				// A year as season (Sonarr's search of a daily show's season=2024) also matches
				// the episodes that aired that year (domain.Release.HasSeason).
				req.Season = &n
			}
		}
		if ep != "" {
			n, convErr := strconv.Atoi(ep)
			if convErr != nil || n < 0 {
				return req, nil, false, incorrect("ep", "must be an episode number.")
			}
			req.Episode = &n
		}
	}
	if function == "tvsearch" || function == "movie" {
		if v := get("imdbid"); v != "" {
			id, ok := domain.ParseIMDbID(v)
			if !ok {
				return req, nil, false, incorrect("imdbid", "must be an IMDb id such as tt0133093 or 0133093.")
			}
			req.External.IMDb = id
		}
		if v := get("tmdbid"); v != "" {
			n, convErr := strconv.ParseInt(v, 10, 64)
			if convErr != nil || n <= 0 || n > domain.MaxExternalID {
				return req, nil, false, incorrect("tmdbid", "must be a TMDb id.")
			}
			req.External.TMDb = n
		}
	}
	if function == "tvsearch" {
		if v := get("tvdbid"); v != "" {
			n, convErr := strconv.ParseInt(v, 10, 64)
			if convErr != nil || n <= 0 || n > domain.MaxExternalID {
				return req, nil, false, incorrect("tvdbid", "must be a TVDb id.")
			}
			req.External.TVDb = n
		}
	}
	if function == "movie" || function == "music" {
		if v := get("year"); v != "" {
			n, convErr := strconv.Atoi(v)
			if convErr != nil {
				return req, nil, false, incorrect("year", "must be a year.")
			}
			req.Year = &n
		}
	}
	var text []string
	for _, w := range words {
		if w != "" {
			text = append(text, w)
		}
	}
	req.Text = strings.Join(text, " ")
	if v := get("attrs"); v != "" {
		attrs = map[string]bool{}
		for _, a := range strings.Split(v, ",") {
			attrs[strings.ToLower(strings.TrimSpace(a))] = true
		}
	}
	return req, attrs, empty, nil
}

// airDate reads a daily show's episode as Sonarr asks it (season=2024, ep=05/01) as the day it
// aired, YYYY-MM-DD.
func airDate(year int, ep string) (string, bool) {
	month, day, _ := strings.Cut(ep, "/")
	t, err := time.Parse("2006-1-2", strconv.Itoa(year)+"-"+month+"-"+day)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

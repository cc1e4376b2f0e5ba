package torznab

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

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
	if body, ok := ix.answers.get(key, now); ok {
		// The kept bytes are never written again, so the response can send them without a copy.
		c.Status(http.StatusOK)
		c.Response().Header.SetContentType(ContentType)
		c.Response().SetBodyRaw(body)
		return nil
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
	doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", TorznabNS: torznabNS}
	doc.Channel = rssChannel{
		AtomLink:    atomLink{Href: base + Path, Rel: "self", Type: "application/rss+xml"},
		Title:       ix.opts.Title,
		Description: ix.opts.Title + ": a torrent catalog",
		Link:        base + "/",
		Response:    rssResponse{Offset: req.Offset},
		Items:       []rssItem{},
	}
	if !empty {
		found, err := ix.catalog.Search(c.UserContext(), req)
		if err != nil {
			return err
		}
		doc.Channel.Response.Total = req.Offset + found.Total
		for _, t := range found.Items {
			doc.Channel.Items = append(doc.Channel.Items, itemOf(t, base, cats, attrs))
		}
	}
	var b bytes.Buffer
	b.Grow(1024 + 1500*len(doc.Channel.Items))
	writeFeed(&b, &doc)
	ix.answers.put(key, b.Bytes(), now)
	c.Status(http.StatusOK)
	c.Response().Header.SetContentType(ContentType)
	c.Response().SetBodyRaw(b.Bytes())
	return nil
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

// itemOf is one torrent as an RSS item with its Torznab attributes.
func itemOf(t domain.TorrentSummary, base string, cats *categoryMap, only map[string]bool) rssItem {
	magnet := t.Magnet().String()
	ids := cats.itemIDs(t.Category.Slug, t.Release.Resolution)
	item := rssItem{
		Title:     t.Name,
		GUID:      rssGUID{IsPermaLink: "false", Value: t.InfoHash.String()},
		Link:      magnet,
		Comments:  base + "/api/torrents/" + strconv.FormatInt(t.ID, 10),
		PubDate:   t.UploadedAt.UTC().Format(time.RFC1123Z),
		Size:      t.Size,
		Category:  ids,
		Enclosure: rssEnclosure{URL: magnet, Length: t.Size, Type: enclosureType},
		Attrs:     make([]torznabAttr, 0, 24),
	}
	add := func(name, value string) {
		if only == nil || only[name] || name == "category" {
			item.Attrs = append(item.Attrs, torznabAttr{Name: name, Value: value})
		}
	}
	for _, id := range ids {
		add("category", strconv.Itoa(id))
	}
	add("size", strconv.FormatInt(t.Size, 10))
	add("seeders", strconv.FormatInt(t.Seeders, 10))
	add("leechers", strconv.FormatInt(t.Leechers, 10))
	add("peers", strconv.FormatInt(t.Seeders+t.Leechers, 10))
	add("infohash", t.InfoHash.String())
	add("magneturl", magnet)
	add("files", strconv.Itoa(t.FileCount))
	r := t.Release
	if r.Year > 0 {
		add("year", strconv.Itoa(r.Year))
	}
	if len(r.Seasons) > 0 {
		add("season", strconv.Itoa(r.Seasons[0]))
	}
	if len(r.Episodes) > 0 {
		add("episode", strconv.Itoa(r.Episodes[0]))
	}
	if r.Resolution != "" {
		add("resolution", r.Resolution)
	}
	if t.External.IMDb != "" {
		add("imdb", t.External.IMDbDigits())
		add("imdbid", t.External.IMDb)
	}
	if t.External.TMDb > 0 {
		add("tmdbid", strconv.FormatInt(t.External.TMDb, 10))
	}
	if t.External.TVDb > 0 {
		add("tvdbid", strconv.FormatInt(t.External.TVDb, 10))
	}
	// A public catalog: downloads do not count against a ratio.
	add("downloadvolumefactor", "0")
	add("uploadvolumefactor", "1")
	return item
}

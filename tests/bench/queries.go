package main

import (
	"context"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/ports"
)

// The kinds of search the benchmark times, in the table's order.
const (
	kindOneWord  = "one word"
	kindTwoWords = "two words"
	kindPrefix   = "prefix"
	kindKeepsAll = "one word, a filter that keeps all"
	kindFiltered = "one word, a filter that keeps some"
	kindKeepsFew = "one word, a filter that keeps almost none"
	kindSeeders  = "one word by seeders"
	kindSize     = "one word by size"
	kindName     = "one word by name"
	kindDate     = "one word by date"
	kindDeep     = "deep cursor page"
)

var searchKinds = []string{kindOneWord, kindTwoWords, kindPrefix, kindKeepsAll, kindFiltered, kindKeepsFew,
	kindSeeders, kindSize, kindName, kindDate, kindDeep}

// searchQuery is one search in the two forms the benchmark sends it: to the repository (uncached)
// and to the catalog use case or the API (cached).
type searchQuery struct {
	kind     string
	criteria domain.SearchCriteria // normalized, cursor included
	request  catalog.SearchRequest // without the cursor: see pagesBefore
	// pagesBefore is how many pages the catalog must walk to reach the page criteria names; the
	// cached run follows nextCursor that many times, untimed.
	pagesBefore int
}

// queries are every timed read, built from the corpus so their words are as common in the queries
// as in the names (a query is words of a random torrent's name).
type queries struct {
	search map[string][]searchQuery
	latest []string // category slugs, "" for all
	// compare are distinct one-word searches (the one-word kind's, then more drawn alike): what
	// REST and Torznab are compared on over HTTP. Distinct, so that no search of the comparison's
	// uncached round is answered from a cache the same word filled before.
	compare []string
	details []string // ids and info hashes
	n       int
}

// nameWords are the searchable words of torrent i: its title words (the corpus's vocabulary) and
// everything else in its name (years, resolutions, codecs, groups).
func nameWords(corpus *Corpus, vocab map[string]bool, i int) (title, other []string) {
	for _, w := range domain.Tokenize(corpus.Item(i).Name) {
		if vocab[w] {
			title = append(title, w)
		} else {
			other = append(other, w)
		}
	}
	return title, other
}

func buildQueries(ctx context.Context, corpus *Corpus, repo ports.TorrentRepository, n, samples, compare int, seed uint64) *queries {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	vocab := make(map[string]bool, len(corpus.words))
	for _, w := range corpus.words {
		vocab[w] = true
	}
	qs := &queries{search: make(map[string][]searchQuery), n: n}
	// titleWord draws a random torrent's title word, and the rest of that name. The word a search
	// is built on is never one of the function words: nobody searches for "of" alone, and they stay
	// in the names (and in the rest, which the second word of a search may be).
	titleWord := func() (string, []string, int) {
		for {
			i := r.IntN(n)
			title, other := nameWords(corpus, vocab, i)
			if len(title) == 0 {
				continue
			}
			k := r.IntN(len(title))
			if functionWords[title[k]] {
				continue
			}
			rest := append(append([]string{}, title[:k]...), title[k+1:]...)
			return title[k], append(rest, other...), i
		}
	}
	add := func(kind string, req catalog.SearchRequest, pos *domain.Position, pagesBefore int) {
		c := criteriaOf(req)
		c.Cursor = pos
		qs.search[kind] = append(qs.search[kind], searchQuery{kind: kind, criteria: c, request: req, pagesBefore: pagesBefore})
	}
	categorySlugs := []string{"movies", "tv", "music", "games", "software", "anime", "books", "other"}
	// tag is one of the tags every name of the tags corpus carries, as a user types it.
	tags := slices.Concat(tagResolutions, tagCodecs, tagSources)
	tag := func() string { return domain.Tokenize(tags[r.IntN(len(tags))])[0] }
	for s := range samples {
		word, rest, _ := titleWord()
		if corpus.shape == ShapeTags && s%2 == 1 {
			word = tag()
		}
		add(kindOneWord, catalog.SearchRequest{Text: word}, nil, 0)

		word, rest, _ = titleWord()
		second := word
		if len(rest) > 0 {
			second = rest[r.IntN(len(rest))]
		}
		add(kindTwoWords, catalog.SearchRequest{Text: word + " " + second}, nil, 0)

		// A prefix is what a user has typed so far: 3 letters or more of a word, alone or after
		// another word of the same name.
		word, rest, _ = titleWord()
		prefix := word[:min(len(word), 3+r.IntN(3))]
		if s%2 == 1 && len(rest) > 0 {
			prefix = rest[r.IntN(len(rest))] + " " + prefix
		}
		add(kindPrefix, catalog.SearchRequest{Text: prefix}, nil, 0)

		word, _, i := titleWord()
		req := catalog.SearchRequest{Text: word}
		switch s % 4 {
		case 0:
			req.Categories = []string{corpus.Item(i).Category}
		case 1:
			req.MinSeeders = ptr(int64(10))
		case 2:
			req.MinSize, req.MaxSize = ptr(int64(1<<30)), ptr(int64(8<<30))
		default:
			req.After = corpusEnd.AddDate(-2, 0, 0)
			req.Categories = []string{categorySlugs[r.IntN(len(categorySlugs))]}
		}
		add(kindFiltered, req, nil, 0)

		// Filters that keep every match, and filters that keep almost none (a handful of the
		// catalog's torrents pass them).
		word, _, _ = titleWord()
		req = catalog.SearchRequest{Text: word}
		switch s % 3 {
		case 0:
			req.MinSize = ptr(int64(1))
		case 1:
			req.After = corpusStart
		default:
			req.Categories = categorySlugs
		}
		add(kindKeepsAll, req, nil, 0)
		word, _, _ = titleWord()
		req = catalog.SearchRequest{Text: word}
		switch s % 3 {
		case 0:
			req.MinSeeders = ptr(int64(5000))
		case 1:
			req.Before = corpusStart.AddDate(0, 0, 20)
		default:
			req.Categories, req.MinSize = []string{"books"}, ptr(int64(150<<20))
		}
		add(kindKeepsFew, req, nil, 0)

		for _, ks := range [][2]string{{kindSeeders, "seeders"}, {kindSize, "size"}, {kindName, "name"}, {kindDate, "date"}} {
			kind, sort := ks[0], ks[1]
			word, _, _ = titleWord()
			if corpus.shape == ShapeTags && s%2 == 1 {
				word = tag()
			}
			add(kind, catalog.SearchRequest{Text: word, Sort: sort}, nil, 0)
		}

		// Deep pages: a listing continued from any torrent (a cursor is a position, so depth costs
		// nothing), or a text search continued after five pages.
		switch s % 4 {
		case 0, 1:
			sort := []string{"date", "seeders", "size", "name"}[r.IntN(4)]
			j := r.IntN(n)
			t, err := repo.Get(ctx, domain.TorrentRef{ID: int64(j + 1)})
			if err != nil {
				continue
			}
			pos := &domain.Position{ID: t.ID}
			switch sort {
			case "date":
				pos.Int = t.UploadedAt.Unix()
			case "seeders":
				pos.Int = t.Seeders
			case "size":
				pos.Int = t.Size
			case "name":
				pos.Text = strings.ToLower(t.Name)
			}
			add(kindDeep, catalog.SearchRequest{Sort: sort}, pos, -1)
		default:
			word, _, _ = titleWord()
			req := catalog.SearchRequest{Text: word}
			if s%4 == 3 {
				req.Sort = "date"
			}
			c := criteriaOf(req)
			var pos *domain.Position
			pages := 0
			for ; pages < 5; pages++ {
				c.Cursor = pos
				page, err := repo.Search(ctx, c)
				if err != nil || page.Next == nil {
					break
				}
				pos = page.Next
			}
			if pages == 5 {
				add(kindDeep, req, pos, 5)
			}
		}
	}
	for range samples {
		qs.latest = append(qs.latest, []string{"", "", "", "movies", "tv", "music", "games", "software", "anime", "books", "other"}[r.IntN(11)])
		id := 1 + r.IntN(n)
		if r.IntN(2) == 0 {
			qs.details = append(qs.details, strconv.Itoa(id))
		} else {
			qs.details = append(qs.details, corpus.infoHash(id-1))
		}
	}
	// Drawn last, so every query above is the same whatever compare is.
	seen := map[string]bool{}
	for _, q := range qs.search[kindOneWord] {
		if w := q.request.Text; len(qs.compare) < compare && !seen[w] {
			seen[w] = true
			qs.compare = append(qs.compare, w)
		}
	}
	for tries := 0; len(qs.compare) < compare && tries < 100*compare; tries++ {
		word, _, _ := titleWord()
		if corpus.shape == ShapeTags && tries%2 == 1 {
			word = tag()
		}
		if !seen[word] {
			seen[word] = true
			qs.compare = append(qs.compare, word)
		}
	}
	return qs
}

func ptr[T any](v T) *T { return &v }

// functionWords are the commonest words of the vocabulary that carry no meaning on their own.
var functionWords = map[string]bool{"the": true, "of": true, "and": true, "a": true, "in": true, "to": true}

// criteriaOf is what the catalog use case makes of a request (its own translation is unexported).
func criteriaOf(req catalog.SearchRequest) domain.SearchCriteria {
	c := domain.SearchCriteria{
		Text: req.Text, Categories: req.Categories, MinSize: req.MinSize, MaxSize: req.MaxSize,
		MinSeeders: req.MinSeeders, After: req.After, Before: req.Before, Limit: req.Limit,
		Sort: domain.SortField(req.Sort), Order: domain.SortOrder(req.Order),
	}
	if err := c.Normalize(); err != nil {
		panic("bench: a query the benchmark made is invalid: " + err.Error())
	}
	return c
}

// urlOf is the API's URL of a request.
func urlOf(req catalog.SearchRequest) string {
	v := url.Values{}
	if req.Text != "" {
		v.Set("q", req.Text)
	}
	for _, c := range req.Categories {
		v.Add("category", c)
	}
	for name, p := range map[string]*int64{"minSize": req.MinSize, "maxSize": req.MaxSize, "minSeeders": req.MinSeeders} {
		if p != nil {
			v.Set(name, strconv.FormatInt(*p, 10))
		}
	}
	if !req.After.IsZero() {
		v.Set("after", req.After.UTC().Format(time.RFC3339))
	}
	if !req.Before.IsZero() {
		v.Set("before", req.Before.UTC().Format(time.RFC3339))
	}
	if req.Sort != "" {
		v.Set("sort", req.Sort)
	}
	if req.Cursor != "" {
		v.Set("cursor", req.Cursor)
	}
	return "/api/torrents/search?" + v.Encode()
}

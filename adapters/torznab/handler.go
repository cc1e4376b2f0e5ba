package torznab

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/torrent-streamer/streamer/application/accounts"
	"github.com/torrent-streamer/streamer/application/catalog"
	"github.com/torrent-streamer/streamer/domain"
)

// Path is where the apps reach the indexer: they append /api to the URL they are given.
const Path = "/torznab/api"

// The Torznab error codes the server answers with.
const (
	codeBadKey         = 100
	codeMissingParam   = 200
	codeBadParam       = 201
	codeNoSuchFunction = 202
	codeNotAvailable   = 203
	codeUnavailable    = 900
)

// ContentType is the media type of every answer, errors included, so every app parses the body
// (Sonarr reads an error document only when the answer says XML).
const ContentType = "application/xml; charset=utf-8"

// enclosureType tells the apps that the enclosure is a magnet link, not a .torrent file.
const enclosureType = "application/x-bittorrent;x-scheme-handler/magnet"

// Options tune the indexer. The zero value of each field is a sane default.
type Options struct {
	Title  string
	Logger *slog.Logger
	// NoAnswerCache keeps no answer and no item's bytes (CACHE_ENABLED=false): every search reaches
	// the catalog and is written whole.
	NoAnswerCache bool
}

// Indexer serves /torznab/api.
type Indexer struct {
	catalog  *catalog.Service
	accounts *accounts.Service
	opts     Options
	answers  *answerCache
	// fragments are the items' encoded bytes (fragments.go).
	fragments *fragmentCache
}

// New returns the indexer over the catalog's use cases; accounts authenticates its API keys (nil:
// every search answers error 100, as no key can be valid).
func New(cat *catalog.Service, acc *accounts.Service, opts Options) *Indexer {
	if opts.Title == "" {
		opts.Title = "streamer"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	fragments := int64(fragmentBytes)
	if opts.NoAnswerCache {
		fragments = 0
	}
	return &Indexer{catalog: cat, accounts: acc, opts: opts, answers: newAnswerCache(opts.NoAnswerCache), fragments: newFragmentCache(fragments)}
}

// Handlers are the route's chain: at most max requests per window for one client (clientKey names
// it: the server's view of the address, proxies considered; max < 0 turns the limit off), past which
// the answer is error 900 with Retry-After; then the indexer.
func (ix *Indexer) Handlers(clientKey func(*fiber.Ctx) string, max int, window time.Duration) []fiber.Handler {
	var chain []fiber.Handler
	if max > 0 {
		chain = append(chain, limiter.New(limiter.Config{
			Max:               max,
			Expiration:        window,
			KeyGenerator:      func(c *fiber.Ctx) string { return "torznab:" + clientKey(c) },
			LimiterMiddleware: limiter.SlidingWindow{},
			LimitReached: func(c *fiber.Ctx) error {
				return writeError(c, http.StatusTooManyRequests, codeUnavailable,
					"Too many requests: the limit is "+strconv.Itoa(max)+" per "+window.String()+"; retry after the time Retry-After gives.")
			},
		}))
	}
	return append(chain, ix.serve)
}

// problem is a Torznab error on its way out.
type problem struct {
	code        int
	description string
}

func (p *problem) Error() string { return p.description }

func missing(name string) *problem {
	return &problem{codeMissingParam, "Missing parameter (" + name + ")."}
}

func incorrect(name, why string) *problem {
	return &problem{codeBadParam, "Incorrect parameter (" + name + "): " + why}
}

func (ix *Indexer) serve(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	args := c.Context().QueryArgs()
	function := string(args.Peek("t"))
	var err error
	switch function {
	case "":
		err = missing("t")
	case "caps":
		err = ix.caps(c)
	case "search", "tvsearch", "movie", "music", "book":
		err = ix.search(c, function)
	case "details", "getnfo", "get", "register", "cart-add", "cart-del", "comments", "comments-add", "user":
		err = &problem{codeNotAvailable, "Function not available: t=" + function + " is not served here."}
	default:
		err = &problem{codeNoSuchFunction, "No such function (t=" + sanitize(function) + "): use caps, search, tvsearch, movie, music or book."}
	}
	if err == nil {
		return nil
	}
	return ix.answerError(c, err)
}

// answerError is the one place an error becomes a Torznab answer: the specification's codes, with
// HTTP 200 for the client's mistakes (every app shows the sentence) and 503 with Retry-After for
// what a retry can cure; 500 only for a true bug.
func (ix *Indexer) answerError(c *fiber.Ctx, err error) error {
	var p *problem
	switch {
	case errors.As(err, &p):
		return writeError(c, http.StatusOK, p.code, p.description)
	case errors.Is(err, domain.ErrOverBudget):
		c.Set(fiber.HeaderRetryAfter, "30")
		return writeError(c, http.StatusServiceUnavailable, codeUnavailable,
			"The search needed more than its time budget: narrow it (more words, a category, a season) or retry later.")
	case errors.Is(err, domain.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		c.Set(fiber.HeaderRetryAfter, "30")
		return writeError(c, http.StatusServiceUnavailable, codeUnavailable, "The catalog is unavailable for a moment; retry in 30 seconds.")
	}
	var v *domain.ValidationError
	if errors.As(err, &v) && len(v.Problems) > 0 {
		return writeError(c, http.StatusOK, codeBadParam, "Incorrect parameter ("+torznabName(v.Problems[0].Field)+"): "+v.Problems[0].Message+".")
	}
	ix.opts.Logger.Error("torznab request failed", "err", err)
	return writeError(c, http.StatusInternalServerError, codeUnavailable, "The server failed to answer; it has been logged.")
}

// torznabName is the Torznab parameter behind a field of the catalog's criteria.
func torznabName(field string) string {
	switch field {
	case "episode":
		return "ep"
	case "imdbId":
		return "imdbid"
	case "tmdbId":
		return "tmdbid"
	case "tvdbId":
		return "tvdbid"
	case "category":
		return "cat"
	}
	return field
}

// sanitize keeps a client's text printable and short before it goes back in a description.
func sanitize(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}

func writeError(c *fiber.Ctx, status, code int, description string) error {
	return writeXML(c, status, errorDoc{Code: code, Description: description})
}

func writeXML(c *fiber.Ctx, status int, doc any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	if err := xml.NewEncoder(&b).Encode(doc); err != nil {
		return err
	}
	c.Status(status)
	c.Response().Header.SetContentType(ContentType)
	c.Response().SetBody(b.Bytes())
	return nil
}

// authenticate checks apikey. A search needs a valid key; caps needs none, but a wrong one is
// reported there too, so a user sees the mistake in the app's connection test.
func (ix *Indexer) authenticate(c *fiber.Ctx, required bool) error {
	key := string(c.Context().QueryArgs().Peek("apikey"))
	if key == "" {
		if !required {
			return nil
		}
		return &problem{codeBadKey, "Incorrect user credentials: an API key is required (apikey=); make one with POST /api/auth/api-keys."}
	}
	if ix.accounts == nil {
		return &problem{codeBadKey, "Incorrect user credentials: this server has no accounts, so no API key is valid."}
	}
	if _, err := ix.accounts.AuthenticateAPIKey(c.UserContext(), key); err != nil {
		if errors.Is(err, domain.ErrUnauthenticated) {
			return &problem{codeBadKey, "Incorrect user credentials: the API key is wrong or revoked."}
		}
		return err
	}
	return nil
}

func (ix *Indexer) caps(c *fiber.Ctx) error {
	if err := ix.authenticate(c, false); err != nil {
		return err
	}
	cats, err := ix.categories(c.UserContext())
	if err != nil {
		return err
	}
	yes := func(params string) capsSearch { return capsSearch{Available: "yes", SupportedParams: params} }
	doc := capsDoc{
		Server:       capsServer{Version: "1.0", Title: ix.opts.Title, Strapline: "A torrent catalog", URL: c.BaseURL() + "/"},
		Limits:       capsLimits{Default: domain.MaxPageSize, Max: domain.MaxPageSize},
		Registration: capsAvailable{Available: "no", Open: "no"},
		Searching: capsSearching{
			Search:      yes("q"),
			TVSearch:    yes("q,season,ep,imdbid,tvdbid,tmdbid"),
			MovieSearch: yes("q,imdbid,tmdbid,year"),
			MusicSearch: yes("q,artist,album,year"),
			AudioSearch: yes("q,artist,album,year"),
			BookSearch:  yes("q,author,title"),
		},
	}
	for _, top := range cats.top {
		cc := capsCategory{ID: top.ID, Name: top.Name}
		for _, sub := range top.Subcats {
			cc.Subcats = append(cc.Subcats, capsSubcat{ID: sub.ID, Name: sub.Name})
		}
		doc.Categories.Categories = append(doc.Categories.Categories, cc)
	}
	return writeXML(c, http.StatusOK, doc)
}

func (ix *Indexer) categories(ctx context.Context) (*categoryMap, error) {
	stored, err := ix.catalog.Categories(ctx)
	if err != nil {
		return nil, err
	}
	return newCategoryMap(stored), nil
}

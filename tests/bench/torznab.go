package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/valyala/fasthttp"
)

// SearchOverHTTP compares the same searches through REST (JSON) and Torznab (XML), each request
// timed from the client on 127.0.0.1. Uncached: each search's first time through either route
// (REST asks limit=100, Torznab limit=99, so neither answers from the other's cache entry), after
// its pages were read once by an untimed REST request at limit=98 (ReadFirst), so neither route
// pays for the other's reading. Cached: the last round's searches again, now from the process
// cache, so what differs is the encoding.
type SearchOverHTTP struct {
	RESTUncached    Latency `json:"restUncached"`
	TorznabUncached Latency `json:"torznabUncached"`
	// RESTUncachedBest and TorznabUncachedBest are, search by search, the faster of the route's two
	// uncached answers (at its two limits): a hiccup of the shared machine that slowed one answer
	// is set aside, equally for both routes.
	RESTUncachedBest    Latency `json:"restUncachedBest"`
	TorznabUncachedBest Latency `json:"torznabUncachedBest"`
	RESTCached          Latency `json:"restCached"`
	TorznabCached       Latency `json:"torznabCached"`
	// RESTAgain and TorznabAgain are each search asked again at once after its uncached time
	// (againTimes times), within its answer's second: each route's kept encoded answer (REST's anonymous one, Torznab's
	// checked against the key first). The cached round above comes after the whole uncached round:
	// at a million torrents that is more than a second later, so both answers have expired and
	// both routes write their page again from the catalog's cache.
	RESTAgain    Latency `json:"restAgain"`
	TorznabAgain Latency `json:"torznabAgain"`
	// RESTKeyCached is REST asked with the same API key as a bearer token: authenticated as Torznab
	// is, so REST's shared encoded answers for anonymous reads do not apply.
	RESTKeyCached Latency `json:"restKeyCached"`
	// RSS is Torznab without words (the apps' RSS sync), cached, beside REST's listing.
	RESTListing Latency `json:"restListing"`
	TorznabRSS  Latency `json:"torznabRss"`
	Queries     int     `json:"queries"`
	// TorznabBytes and RESTBytes are the largest page as the client reads it (inflated);
	// TorznabWire and RESTWire the largest as it crossed the wire (gzip where the answer was kept).
	TorznabBytes int `json:"torznabBytes"`
	RESTBytes    int `json:"restBytes"`
	TorznabWire  int `json:"torznabWire"`
	RESTWire     int `json:"restWire"`
	// Refused counts the answers over the search's time budget (503, error 900), REST's then
	// Torznab's, in the two rounds of searches: not timed. FirstRefusal is the first one's text.
	Refused      [2]int `json:"refused"`
	FirstRefusal string `json:"firstRefusal,omitempty"`
	// RESTInflate and TorznabInflate are the client's share of the again rounds: inflating the
	// compressed answers (included in RESTAgain and TorznabAgain).
	RESTInflate    Latency `json:"restInflate"`
	TorznabInflate Latency `json:"torznabInflate"`
	// BareTorznab and BareREST are the bare Fiber handler sending a plain body of the size each
	// route's answer had on the wire, timed right after it (the cached round and the RSS round): what
	// moving that many bytes over 127.0.0.1 costs, without the client's inflate. A Torznab page is
	// about three times REST's plain (the magnet is in link, enclosure and magneturl; XML's tags),
	// about 1.4 times gzipped, so the raw ratio is partly the format's size.
	BareTorznab Latency `json:"bareTorznab"`
	BareREST    Latency `json:"bareRest"`
	BareRSS     Latency `json:"bareRss"`
	BareListing Latency `json:"bareListing"`
	// AgainReceived, CachedReceived and RSSReceived are the again, cached and RSS rounds' answers
	// ([REST, Torznab]; REST's listing beside Torznab's RSS) timed to their last byte, without the
	// client's inflate: what the server and the wire took. The bare handler sends plain bytes that
	// the client does not inflate, so these, not the whole times, are what is set against it; a
	// Torznab page inflates to about 2.8 times REST's bytes, a cost of the format on the client.
	// BareAgain is the bare handler sending each again answer's wire bytes, right after it.
	AgainReceived  [2]Latency `json:"againReceived"`
	CachedReceived [2]Latency `json:"cachedReceived"`
	RSSReceived    [2]Latency `json:"rssReceived"`
	BareAgain      [2]Latency `json:"bareAgain"`
	// UncachedRounds are the uncached ratios round by round (compareRounds rounds of a share of the
	// searches each, in the order asked): the spread of the pooled figure on a shared machine.
	UncachedRounds []RoundRatio `json:"uncachedRounds"`
	// UncachedPaired is the median, over the searches both routes answered, of Torznab's faster
	// answer over REST's faster answer to that same search.
	UncachedPaired float64 `json:"uncachedPaired"`
	// UncachedFirst and UncachedSecond are REST's and Torznab's uncached answers asked first of the
	// search's four (ABBA or BAAB), and the others, all after the search's pages were read once
	// (ReadFirst): what is left of the order's effect.
	UncachedFirst  [2]Latency `json:"uncachedFirst"`
	UncachedSecond [2]Latency `json:"uncachedSecond"`
	// ReadFirst is the untimed first reading of each uncached search (REST at another limit), before
	// the two timed ones: a search's first time through the service, pages read from the OS.
	ReadFirst Latency `json:"readFirst"`
	// AppFeeds are the apps' RSS syncs and connection tests as they ask them (no words, their
	// default categories, pages of 100 by offset), each page the first time: uncached.
	AppFeeds []AppFeed `json:"appFeeds"`
}

// AppFeed is one app's feed request, timed over its first pages.
type AppFeed struct {
	Name   string `json:"name"`
	Params string `json:"params"`
	// FirstRead is the pages' first reading (limit 99), FirstFailed the pages of it that failed.
	FirstRead   Latency `json:"firstRead"`
	FirstFailed int     `json:"firstFailed"`
	// Latency is the same pages asked again (limit 100) right after: the service's caches missed
	// still, their pages in SQLite's cache.
	Latency Latency `json:"latency"` // of the pages answered
	// Failed counts the pages answered with an error (a search over its time budget is error 900
	// with 503), and Error is the first one's of either reading.
	Failed      int     `json:"failed"`
	Error       string  `json:"error,omitempty"`
	FailedAfter Latency `json:"failedAfter"` // how long the failed pages of either reading took to fail
}

// RoundRatio is one round of the uncached comparison: Torznab's p50 and p99 over REST's.
type RoundRatio struct {
	N   int     `json:"n"` // answers of each route in the round
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// compareRounds is how many rounds the uncached comparison is cut into, in the order asked: each
// round's ratios are reported beside the pooled ones, so a stretch of load on the shared machine
// that favoured one route shows as spread instead of moving the figure unseen.
const compareRounds = 3

// appFeeds are what the apps ask with no words: Sonarr's default categories (5030,5040), its
// anime category, Radarr's defaults, subcategories alone (UHD TV, UHD movies, SD TV: on the bench's
// corpora few torrents say UHD, and TV names all say a resolution, so SD TV is only those under
// 720p), and Sonarr with UHD ticked too.
var appFeeds = []struct{ name, params string }{
	{"Sonarr (tvsearch, 5030,5040)", "t=tvsearch&cat=5030,5040&extended=1"},
	{"Sonarr anime (tvsearch, 5070)", "t=tvsearch&cat=5070&extended=1"},
	{"Radarr (movie, 2000,2010,...,2060)", "t=movie&cat=2000,2010,2020,2030,2040,2045,2050,2060&extended=1"},
	{"TV UHD only (tvsearch, 5045)", "t=tvsearch&cat=5045&extended=1"},
	{"Sonarr with UHD ticked (tvsearch, 5030,5040,5045)", "t=tvsearch&cat=5030,5040,5045&extended=1"},
	{"Radarr UHD only (movie, 2045)", "t=movie&cat=2045&extended=1"},
	{"TV SD only (tvsearch, 5030)", "t=tvsearch&cat=5030&extended=1"},
}

// againTimes is how often each search is asked again at once (RESTAgain, TorznabAgain): answers of
// a few hundred microseconds, whose 99th percentile over 200 is the machine's hiccups.
const againTimes = 3

// cachedRoundSearches is how many of the last searches of the uncached round are asked again from
// the catalog's cache: their pages must all still be in it.
const cachedRoundSearches = 80

// appFeedPages is how many pages of each feed are timed (offset 0, 100, ...).
const appFeedPages = 10

// OverBare is a route's p50 over the bare handler's p50 for the same bytes: how much slower than
// sending its body the route is.
func OverBare(route, bare Latency) float64 {
	if bare.P50 <= 0 {
		return 0
	}
	return float64(route.P50) / float64(bare.P50)
}

// Ratio is Torznab's p50 over REST's.
func ratio(torznab, rest Latency) float64 {
	if rest.P50 <= 0 {
		return 0
	}
	return float64(torznab.P50) / float64(rest.P50)
}

// ratio99 is Torznab's p99 over REST's.
func ratio99(torznab, rest Latency) float64 {
	if rest.P99 <= 0 {
		return 0
	}
	return float64(torznab.P99) / float64(rest.P99)
}

// apiKey signs a user up on the child and makes a personal API key for Torznab.
func apiKey(client *fasthttp.Client, base string) (string, error) {
	post := func(path, body, bearer string, want int) ([]byte, error) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(base + path)
		req.Header.SetMethod(fasthttp.MethodPost)
		req.Header.SetContentType("application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		req.SetBodyString(body)
		if err := client.DoTimeout(req, resp, 30*time.Second); err != nil {
			return nil, err
		}
		if resp.StatusCode() != want {
			return nil, fmt.Errorf("POST %s: %d %s", path, resp.StatusCode(), resp.Body())
		}
		return append([]byte(nil), resp.Body()...), nil
	}
	body, err := post("/api/auth/sign-up", `{"email":"bench@example.com","password":"benchmark password","name":"Bench"}`, "", fasthttp.StatusCreated)
	if err != nil {
		// A kept database (BENCH_DB) measured before has the user: sign in.
		var again error
		if body, again = post("/api/auth/sign-in", `{"email":"bench@example.com","password":"benchmark password"}`, "", fasthttp.StatusOK); again != nil {
			return "", err
		}
	}
	token := jsonField(body, `"token":"`)
	body, err = post("/api/auth/api-keys", `{"name":"bench"}`, token, fasthttp.StatusCreated)
	if err != nil {
		return "", err
	}
	return jsonField(body, `"key":"`), nil
}

// jsonField reads a string value after its key (the answers are the service's own, flat enough).
func jsonField(body []byte, key string) string {
	s := string(body)
	for i := 0; i+len(key) <= len(s); i++ {
		if s[i:i+len(key)] == key {
			rest := s[i+len(key):]
			for j := 0; j < len(rest); j++ {
				if rest[j] == '"' {
					return rest[:j]
				}
			}
		}
	}
	return ""
}

// appAcceptEncoding is what Sonarr, Radarr and Prowlarr send: .NET's HttpClient with automatic
// decompression of gzip, deflate and Brotli. Browsers send these and zstd. Both routes are asked
// with it, and their answers inflated, as the apps and browsers do.
const appAcceptEncoding = "gzip, deflate, br"

// inflater is a gzip reader and a buffer kept from one answer to the next, as a client that
// streams its answers through one decompressor does (.NET's HttpClient into the app's reader).
// fasthttp's Response.BodyUncompressed allocates and grows a new buffer for every answer: 2.5
// times the CPU of this for a 189 KB page (0.87-0.93 ms against 0.32-0.41 ms, 0.31-0.44 ms
// against 0.23-0.25 ms for REST's 69 KB), which weighed on the larger page more than the bytes did.
type inflater struct {
	r   *gzip.Reader
	buf bytes.Buffer
}

var inflaters = sync.Pool{New: func() any { return &inflater{} }}

// inflated is the answer's body as the client reads it: gzip inflated, any other coding by
// fasthttp (the server sends only gzip), a plain body as it is.
func inflated(resp *fasthttp.Response) ([]byte, error) {
	if string(resp.Header.ContentEncoding()) != "gzip" {
		return resp.BodyUncompressed()
	}
	in := inflaters.Get().(*inflater)
	defer inflaters.Put(in)
	var err error
	if in.r == nil {
		in.r, err = gzip.NewReader(bytes.NewReader(resp.Body()))
	} else {
		err = in.r.Reset(bytes.NewReader(resp.Body()))
	}
	if err != nil {
		return nil, err
	}
	in.buf.Reset()
	if _, err := in.buf.ReadFrom(in.r); err != nil {
		return nil, err
	}
	return in.buf.Bytes(), nil // read before the next answer: the buffer is reused
}

// statusError is an answer other than 200.
type statusError struct {
	status int
	text   string
}

func (e *statusError) Error() string { return e.text }

// refused reports an answer of 503 or 429 (over the search's time budget, error 900): what a
// loaded machine gives, counted rather than ending the run.
func refused(err error) bool {
	var s *statusError
	return errors.As(err, &s) && (s.status == fasthttp.StatusServiceUnavailable || s.status == fasthttp.StatusTooManyRequests)
}

// fetched is one timed GET as an app makes it.
type fetched struct {
	took    time.Duration // from the request to the body inflated
	inflate time.Duration // the client's inflate, part of took
	wire    int           // the body's bytes on the wire
	plain   int           // and inflated
}

// timedGet asks u as an app does (Accept-Encoding, Authorization: Bearer when token is set) and
// reads the body whole, inflated.
func timedGet(client *fasthttp.Client, u, token string) (fetched, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(u)
	req.Header.Set(fasthttp.HeaderAcceptEncoding, appAcceptEncoding)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	if err := client.DoTimeout(req, resp, 30*time.Second); err != nil {
		return fetched{}, err
	}
	received := time.Now()
	body, err := inflated(resp)
	done := time.Now()
	if err != nil {
		return fetched{}, fmt.Errorf("GET %s: %w", u, err)
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return fetched{}, &statusError{resp.StatusCode(), fmt.Sprintf("GET %s: status %d: %.300s", u, resp.StatusCode(), body)}
	}
	return fetched{took: done.Sub(start), inflate: done.Sub(received), wire: len(resp.Body()), plain: len(body)}, nil
}

// measureSearchOverHTTP runs texts through both routes, interleaved (the order alternating), so
// drift on the machine touches both alike.
func measureSearchOverHTTP(ctx context.Context, client *fasthttp.Client, base, bare string, texts []string) (SearchOverHTTP, error) {
	var out SearchOverHTTP
	key, err := apiKey(client, base)
	if err != nil {
		return out, err
	}
	restURL := func(text string, limit int) string {
		return base + "/api/torrents/search?limit=" + strconv.Itoa(limit) + "&q=" + url.QueryEscape(text)
	}
	torznabURL := func(text string, limit int) string {
		// As Sonarr, Radarr and Prowlarr ask: they always send extended=1 (every attribute).
		u := base + "/torznab/api?t=search&extended=1&apikey=" + url.QueryEscape(key) + "&limit=" + strconv.Itoa(limit)
		if text != "" {
			u += "&q=" + url.QueryEscape(text)
		}
		return u
	}
	var restCold, tzCold, restWarm, tzWarm, bareRest, bareTz, restAgain, tzAgain, restInflate, tzInflate []time.Duration
	// sameBytes times the bare handler sending n bytes into *into (nil: not measured).
	sameBytes := func(n int, into *[]time.Duration) error {
		if into == nil {
			return nil
		}
		f, err := timedGet(client, bare+"/bytes/"+strconv.Itoa(n), "")
		if err == nil && f.wire != n {
			err = fmt.Errorf("bare handler: %d bytes, want %d", f.wire, n)
		}
		*into = append(*into, f.took)
		return err
	}
	var againRecv, cachedRecv, rssRecv, bareAgain [2][]time.Duration
	var colds []coldAnswer
	var readFirst []time.Duration
	// answered is one timed answer of a route's: its bytes counted, then asked again at once
	// (againTimes, into again) when again is set.
	answered := func(k int, u string, f fetched, again bool) error {
		if k == 0 {
			out.RESTBytes, out.RESTWire = max(out.RESTBytes, f.plain), max(out.RESTWire, f.wire)
		} else {
			out.TorznabBytes, out.TorznabWire = max(out.TorznabBytes, f.plain), max(out.TorznabWire, f.wire)
		}
		if !again {
			return nil
		}
		into, inflateInto := [2]*[]time.Duration{&restAgain, &tzAgain}[k], [2]*[]time.Duration{&restInflate, &tzInflate}[k]
		for range againTimes {
			f, err := timedGet(client, u, "")
			if refused(err) {
				out.Refused[k]++
				continue
			}
			if err != nil {
				return err
			}
			*into = append(*into, f.took)
			*inflateInto = append(*inflateInto, f.inflate)
			againRecv[k] = append(againRecv[k], f.took-f.inflate)
			if err := sameBytes(f.wire, &bareAgain[k]); err != nil {
				return err
			}
		}
		return nil
	}
	refusal := func(k int, err error) {
		// Over the search's time budget (a loaded machine): counted, not timed, and not asked
		// again; the other route's answers are still timed.
		out.Refused[k]++
		if out.FirstRefusal == "" {
			out.FirstRefusal = strings.ReplaceAll(err.Error(), url.QueryEscape(key), "<key>")
		}
	}
	// The uncached round. Each search's pages are read once, untimed, by REST at a limit no timed
	// request asks (so no cache a timed one reads is filled): whichever route asked a search first
	// read its pages from the OS into SQLite's cache and took about twice the second's time (12.9
	// and 13.6 ms against 6.10 and 5.74 ms at p50 at 1M), and with the order alternating each
	// route's median fell between those two modes and moved by a tenth from one round to the
	// next. Then each route is timed twice on it, at two limits (REST 100 and 97, Torznab 99 and
	// 96: four keys, so every timed answer is written from the catalog's page), in the order ABBA
	// or BAAB, alternating from one search to the next: both routes get the same positions, and
	// a hiccup of the shared machine hits one answer of a route's two.
	limits := [2][2]int{{100, 97}, {99, 96}}
	orders := [2][4][2]int{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, {{1, 0}, {0, 0}, {0, 1}, {1, 1}}}
	var restBest, tzBest []time.Duration
	cold := [2]*[]time.Duration{&restCold, &tzCold}
	for i, text := range texts {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		f, err := timedGet(client, restURL(text, 98), "")
		if err != nil && !refused(err) {
			return out, err
		}
		if err == nil {
			readFirst = append(readFirst, f.took)
		}
		var best [2]time.Duration
		for pos, step := range orders[i%2] {
			k, which := step[0], step[1]
			u := [2]func(string, int) string{restURL, torznabURL}[k](text, limits[k][which])
			f, err := timedGet(client, u, "")
			if refused(err) {
				refusal(k, err)
				continue
			}
			if err != nil {
				return out, err
			}
			*cold[k] = append(*cold[k], f.took)
			if best[k] == 0 || f.took < best[k] {
				best[k] = f.took
			}
			colds = append(colds, coldAnswer{text: i, route: k, first: pos == 0, took: f.took})
			if err := answered(k, u, f, which == 0); err != nil {
				return out, err
			}
		}
		if best[0] > 0 && best[1] > 0 {
			restBest, tzBest = append(restBest, best[0]), append(tzBest, best[1])
		}
	}
	out.RESTUncachedBest, out.TorznabUncachedBest = latencyOf(restBest), latencyOf(tzBest)
	// round times the searches once more through each route, order alternating, with the bare
	// handler after each answer.
	round := func(texts []string, restLimit, tzLimit int, rest, tz, restBare, tzBare *[]time.Duration) error {
		for i, text := range texts {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			urls := [2]string{restURL(text, restLimit), torznabURL(text, tzLimit)}
			into := [2]*[]time.Duration{rest, tz}
			intoBare := [2]*[]time.Duration{restBare, tzBare}
			order := [2]int{0, 1}
			if i%2 == 1 {
				order = [2]int{1, 0}
			}
			for _, k := range order {
				f, err := timedGet(client, urls[k], "")
				if refused(err) {
					refusal(k, err)
					continue
				}
				if err != nil {
					return err
				}
				*into[k] = append(*into[k], f.took)
				cachedRecv[k] = append(cachedRecv[k], f.took-f.inflate)
				if err := answered(k, urls[k], f, false); err != nil {
					return err
				}
				if err := sameBytes(f.wire, intoBare[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// Cached: the same limit on both, each route warmed by the round before (REST's entries at
	// 100 and Torznab's at 99 are both in the process cache; these rounds ask those). The last
	// cachedRoundSearches searches only: the catalog's process cache (64 MiB) holds about 500
	// pages of 100, and the uncached round left five a search (the first reading and four timed).
	recent := texts[len(texts)-min(len(texts), cachedRoundSearches):]
	if err := round(recent, 100, 99, &restWarm, &tzWarm, &bareRest, &bareTz); err != nil {
		return out, err
	}
	var restKey []time.Duration
	for _, text := range recent {
		f, err := timedGet(client, restURL(text, 100), key)
		if err != nil {
			return out, err
		}
		restKey = append(restKey, f.took)
	}
	out.RESTKeyCached = latencyOf(restKey)
	var restList, rss, bareList, bareRSS []time.Duration
	for range 200 {
		for _, k := range []int{0, 1} {
			u := base + "/api/torrents/search?limit=100"
			into, intoBare := &restList, &bareList
			if k == 1 {
				u, into, intoBare = torznabURL("", 100), &rss, &bareRSS
			}
			f, err := timedGet(client, u, "")
			if err != nil {
				return out, err
			}
			*into = append(*into, f.took)
			rssRecv[k] = append(rssRecv[k], f.took-f.inflate)
			if err := sameBytes(f.wire, intoBare); err != nil {
				return out, err
			}
		}
	}
	// pass times a feed's pages at limit (offsets 0, 100, ...), each the first time the service
	// answers it, into latency; the failed pages are counted.
	var failedAfter []time.Duration // the feed's, over both readings
	pass := func(params string, limit int, feed *AppFeed) (latency Latency, failed int) {
		var pages []time.Duration
		failedBefore := len(failedAfter)
		for p := range appFeedPages {
			start := time.Now()
			page, err := timedGet(client, base+"/torznab/api?"+params+"&apikey="+url.QueryEscape(key)+"&limit="+strconv.Itoa(limit)+"&offset="+strconv.Itoa(p*100), "")
			if err != nil {
				failedAfter = append(failedAfter, time.Since(start))
				if feed.Error == "" {
					feed.Error = strings.ReplaceAll(err.Error(), url.QueryEscape(key), "<key>")
				}
				continue
			}
			pages = append(pages, page.took)
		}
		if len(failedAfter) > 0 {
			feed.FailedAfter = latencyOf(failedAfter)
		}
		return latencyOf(pages), len(failedAfter) - failedBefore
	}
	for _, f := range appFeeds {
		feed := AppFeed{Name: f.name, Params: f.params}
		failedAfter = nil
		// First at limit 99: the pages' first reading, from the OS's cache or the disk into
		// SQLite's (after a restart, or a large import that took the OS's cache, it is the disk).
		// Then at 100: the service's caches missed still (other keys), the same pages now in
		// SQLite's cache.
		feed.FirstRead, feed.FirstFailed = pass(f.params, 99, &feed)
		feed.Latency, feed.Failed = pass(f.params, 100, &feed)
		out.AppFeeds = append(out.AppFeeds, feed)
	}
	out.Queries = len(texts)
	out.UncachedRounds, out.UncachedPaired, out.UncachedFirst, out.UncachedSecond = coldFigures(colds, len(texts))
	out.ReadFirst = latencyOf(readFirst)
	out.RESTUncached, out.TorznabUncached = latencyOf(restCold), latencyOf(tzCold)
	out.RESTCached, out.TorznabCached = latencyOf(restWarm), latencyOf(tzWarm)
	out.RESTAgain, out.TorznabAgain = latencyOf(restAgain), latencyOf(tzAgain)
	out.RESTInflate, out.TorznabInflate = latencyOf(restInflate), latencyOf(tzInflate)
	out.RESTListing, out.TorznabRSS = latencyOf(restList), latencyOf(rss)
	out.BareREST, out.BareTorznab = latencyOf(bareRest), latencyOf(bareTz)
	out.BareListing, out.BareRSS = latencyOf(bareList), latencyOf(bareRSS)
	for k := range 2 {
		out.AgainReceived[k], out.CachedReceived[k], out.RSSReceived[k] = latencyOf(againRecv[k]), latencyOf(cachedRecv[k]), latencyOf(rssRecv[k])
		out.BareAgain[k] = latencyOf(bareAgain[k])
	}
	return out, nil
}

// coldAnswer is one uncached answer: the search's index, the route (0 REST, 1 Torznab), whether it
// was the first of the search's four, and how long it took.
type coldAnswer struct {
	text, route int
	first       bool
	took        time.Duration
}

// coldFigures are the uncached comparison's spread: each round's ratios (the searches cut into
// compareRounds rounds in the order asked), the median over the searches of Torznab's faster
// answer over REST's faster answer, and each route's answers when asked first of the search's
// four and the others.
func coldFigures(colds []coldAnswer, texts int) (rounds []RoundRatio, paired float64, first, second [2]Latency) {
	per := max(1, (texts+compareRounds-1)/compareRounds)
	byRound := make([][2][]time.Duration, (texts+per-1)/per)
	var firsts, seconds [2][]time.Duration
	took := make([][2]time.Duration, texts)
	for _, c := range colds {
		r := c.text / per
		byRound[r][c.route] = append(byRound[r][c.route], c.took)
		if c.first {
			firsts[c.route] = append(firsts[c.route], c.took)
		} else {
			seconds[c.route] = append(seconds[c.route], c.took)
		}
		if t := &took[c.text][c.route]; *t == 0 || c.took < *t {
			*t = c.took // the faster of the route's answers to the search
		}
	}
	for _, r := range byRound {
		rest, tz := latencyOf(r[0]), latencyOf(r[1])
		if rest.N > 0 && tz.N > 0 {
			rounds = append(rounds, RoundRatio{N: min(rest.N, tz.N), P50: ratio(tz, rest), P99: ratio99(tz, rest)})
		}
	}
	var ratios []float64
	for _, t := range took {
		if t[0] > 0 && t[1] > 0 {
			ratios = append(ratios, float64(t[1])/float64(t[0]))
		}
	}
	if len(ratios) > 0 {
		slices.Sort(ratios)
		paired = ratios[len(ratios)/2]
	}
	for k := range 2 {
		first[k], second[k] = latencyOf(firsts[k]), latencyOf(seconds[k])
	}
	return rounds, paired, first, second
}

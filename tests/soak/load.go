package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// ingestKey is the soak's INGEST_API_KEY.
const ingestKey = "soak-ingest-key-0123456789abcdef"

// serviceEnv is the environment every test of the package gives the service, plus extra: the ingest
// key, the soak as a trusted proxy (each simulated client sends its own X-Forwarded-For, so the
// per-address limits see many addresses), a fixed AUTH_SECRET (Cloudflare mode needs one), and the
// per-address limits of anonymous reads off: 64 clients without a pause are not 64 people, and
// the limits have tests of their own. The sign-in limits (per account and per address) are off too:
// a soak account signs out and in again in a loop, faster still when a fault answers everything else
// at once, and the final check signs each in once more, so a designed 429 was counted as a lost write.
func serviceEnv(extra ...string) []string {
	return append([]string{"INGEST_API_KEY=" + ingestKey, "TRUSTED_PROXIES=127.0.0.1",
		"AUTH_SECRET=soak-auth-secret-0123456789abcdef0123456789",
		"RATE_LIMIT_CATALOG_MISSES_PER_IP=off", "RATE_LIMIT_TORZNAB_PER_IP=off",
		"RATE_LIMIT_SIGN_IN_PER_EMAIL=off", "RATE_LIMIT_SIGN_IN_PER_IP=off"}, extra...)
}

// load is one soak run against one service: the clients, the ingester and what they were told.
type load struct {
	base    string
	http    *http.Client
	texts   []string
	filters []filter
	ledger  *ledger
	totals  totals
	seed    uint64
	torznab string // the Torznab API key when the route exists on this build, "" otherwise
	// tolerate503 accepts 503 (with Retry-After) from any route: an upstream fault is on.
	tolerate503 atomic.Bool

	next atomic.Int64 // numbers new torrents, accounts and client addresses
}

type filter struct {
	query string
	valid bool
}

func newLoad(base string, seed uint64) *load {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: 30 * time.Second}
	l := &load{
		base: base, seed: seed, ledger: newLedger(), texts: searchTexts(),
		http: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		filters: []filter{{"", true}, {"&category=movies", true}, {"&sort=seeders", true}, {"&category=tv,anime", true},
			{"&minSeeders=100", true}, {"&sort=date&order=asc", true}, {"&limit=50", true}, {"&page=2", true},
			{"&minSize=1000000&maxSize=5000000000", true}, {"&after=2026-03-01T00:00:00Z", true}, {"&sort=name", true},
			{"&category=music&sort=size&order=desc&limit=5", true}, {"&limit=0", false}, {"&minSeeders=lots", false},
			{"&sort=sideways", false}, {"&page=0", false}},
	}
	return l
}

// answer is one request's outcome.
type answer struct {
	status int
	body   []byte
	header http.Header
}

// call sends one request and records it under route; expect lists the statuses the operation
// accepts (anything else, and no answer, is an error).
func (l *load) call(rec recorder, route, method, path string, body any, hdr map[string]string, expect ...int) answer {
	var reader io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		reader = bytes.NewReader(raw)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, l.base+path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	began := time.Now()
	resp, err := l.http.Do(req)
	var a answer
	if err == nil {
		a.body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		a.status, a.header = resp.StatusCode, resp.Header
	}
	took := time.Since(began)
	if err != nil {
		rec.add(route, 0, took, false, fmt.Sprintf("%s %s: %v", method, path, err))
		return answer{}
	}
	ok := slices.Contains(expect, a.status) || (a.status == http.StatusServiceUnavailable && l.tolerate503.Load()) ||
		// A search past its time budget is refused by design (SEARCH_BUDGET), with Retry-After.
		(a.status == http.StatusServiceUnavailable && bytes.Contains(a.body, []byte("time budget")))
	why := ""
	if !ok {
		why = fmt.Sprintf("%s %s: %d %s", method, truncate(path, 120), a.status, truncate(string(a.body), 200))
	}
	if (a.status == http.StatusServiceUnavailable || a.status == http.StatusTooManyRequests ||
		a.status == http.StatusInsufficientStorage) && a.header.Get("Retry-After") == "" && path != "/api/health" {
		ok, why = false, fmt.Sprintf("%s %s: %d without Retry-After", method, truncate(path, 120), a.status)
	}
	if a.status == http.StatusServiceUnavailable && bytes.Contains(a.body, []byte("time budget")) {
		rec.refused(route, fmt.Sprintf("%s (answered in %v)", truncate(path, 160), took.Round(time.Millisecond)))
	}
	rec.add(route, a.status, took, ok, why)
	return a
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// client is one simulated user: anonymous, or signed in to an account it alone uses.
type client struct {
	l    *load
	rng  *rand.Rand
	rec  recorder
	addr string // X-Forwarded-For: the service trusts the soak as its proxy
	acc  *account
	text *rand.Zipf
	filt *rand.Zipf
}

func (l *load) newClient(i int) *client {
	rng := rand.New(rand.NewPCG(l.seed, uint64(i)))
	return &client{l: l, rng: rng, rec: recorder{}, addr: clientAddr(uint64(i)),
		text: rand.NewZipf(rng, 1.1, 2, uint64(len(l.texts)-1)),
		filt: rand.NewZipf(rng, 1.3, 1, uint64(len(l.filters)-1))}
}

// clientAddr is a distinct address of 10.0.0.0/8 for n.
func clientAddr(n uint64) string {
	return fmt.Sprintf("10.%d.%d.%d", (n>>16)&0xff, (n>>8)&0xff, n&0xff)
}

func (c *client) headers() map[string]string {
	h := map[string]string{"X-Forwarded-For": c.addr}
	if c.acc != nil {
		h["Authorization"] = "Bearer " + c.acc.token
	}
	return h
}

// run loops until ctx ends, each round one request of the mix.
func (c *client) run(ctx context.Context) {
	for ctx.Err() == nil {
		c.step()
	}
	if c.acc != nil {
		c.l.ledger.release(c.acc)
	}
	c.l.totals.merge(c.rec)
}

func (c *client) step() {
	p := c.rng.Float64() * 100
	if c.acc == nil {
		switch {
		case p < 40:
			c.search()
		case p < 54:
			c.latest()
		case p < 73:
			c.details()
		case p < 78:
			c.categories()
		case p < 83 && c.l.torznab != "":
			c.torznabSearch()
		case p < 99.2:
			c.search()
		case p < 99.5:
			c.signUp()
		default:
			c.signIn()
		}
		return
	}
	switch {
	case p < 30:
		c.search()
	case p < 50:
		c.details()
	case p < 60:
		c.latest()
	case p < 72:
		c.me()
	case p < 80:
		c.activity()
	case p < 83:
		c.categories()
	case p < 85.5:
		c.updateProfile()
	case p < 86.5:
		c.logout()
	default:
		c.details()
	}
}

func (c *client) who(route string) string {
	if c.acc != nil {
		return route + " (signed in)"
	}
	return route
}

func (c *client) search() {
	text := c.l.texts[c.text.Uint64()]
	f := c.l.filters[c.filt.Uint64()]
	expect := http.StatusOK
	if !f.valid || utf8.RuneCountInString(text) > 200 {
		expect = http.StatusBadRequest
	}
	path := "/api/torrents/search?q=" + url.QueryEscape(text) + f.query
	c.l.call(c.rec, c.who("GET /api/torrents/search"), http.MethodGet, path, nil, c.headers(), expect)
}

func (c *client) latest() {
	path := "/api/torrents/latest"
	switch c.rng.IntN(4) {
	case 0:
		path += "?category=" + categories[c.rng.IntN(len(categories))]
	case 1:
		path += "?limit=" + strconv.Itoa(1+c.rng.IntN(100))
	}
	c.l.call(c.rec, c.who("GET /api/torrents/latest"), http.MethodGet, path, nil, c.headers(), http.StatusOK)
}

func (c *client) details() {
	route := c.who("GET /api/torrents/{id}")
	switch n := c.rng.IntN(50); {
	case n == 0: // a well-formed hash nobody ingested
		c.l.call(c.rec, route, http.MethodGet, fmt.Sprintf("/api/torrents/%040x", c.rng.Uint64()), nil, c.headers(), http.StatusNotFound)
		return
	case n == 1:
		c.l.call(c.rec, route, http.MethodGet, "/api/torrents/not-an-id", nil, c.headers(), http.StatusBadRequest)
		return
	}
	hash, ok := c.l.ledger.pick(c.rng)
	if !ok {
		c.latest()
		return
	}
	c.l.call(c.rec, route, http.MethodGet, "/api/torrents/"+hash, nil, c.headers(), http.StatusOK)
}

func (c *client) categories() {
	c.l.call(c.rec, c.who("GET /api/categories"), http.MethodGet, "/api/categories", nil, c.headers(), http.StatusOK)
}

func (c *client) torznabSearch() {
	text := c.l.texts[c.text.Uint64()]
	if utf8.RuneCountInString(text) > 200 {
		text = text[:100]
	}
	c.l.call(c.rec, "GET /torznab/api", http.MethodGet, "/torznab/api?t=search&q="+url.QueryEscape(text)+"&apikey="+c.l.torznab,
		nil, c.headers(), http.StatusOK)
}

func (c *client) me() {
	a := c.l.call(c.rec, "GET /api/auth/me", http.MethodGet, "/api/auth/me", nil, c.headers(), http.StatusOK)
	if a.status == http.StatusOK {
		var got struct{ User userDoc }
		if json.Unmarshal(a.body, &got) == nil && (got.User.Email != c.acc.email || !c.acc.nameMatches(got.User.Name)) {
			c.rec.add("GET /api/auth/me (wrong user)", a.status, 0, false,
				fmt.Sprintf("me answered %s/%q, expected %s/%q", got.User.Email, got.User.Name, c.acc.email, c.acc.name))
		}
	}
}

func (c *client) activity() {
	c.l.call(c.rec, "GET /api/auth/me/activity", http.MethodGet, "/api/auth/me/activity?limit=20", nil, c.headers(), http.StatusOK)
}

type userDoc struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

type authDoc struct {
	User    userDoc `json:"user"`
	Session struct {
		Token string `json:"token"`
	} `json:"session"`
}

func (c *client) signUp() {
	n := c.l.next.Add(1)
	acc := &account{email: fmt.Sprintf("soak-%d-%d@example.com", c.l.seed, n), password: fmt.Sprintf("pass-%d-%x", n, c.rng.Uint64()),
		name: fmt.Sprintf("Soak User %d", n), addr: clientAddr(1<<20 + uint64(n))}
	body := map[string]string{"email": acc.email, "password": acc.password, "name": acc.name}
	a := c.l.call(c.rec, "POST /api/auth/sign-up", http.MethodPost, "/api/auth/sign-up", body,
		map[string]string{"X-Forwarded-For": acc.addr}, http.StatusCreated)
	var doc authDoc
	if a.status != http.StatusCreated || json.Unmarshal(a.body, &doc) != nil || doc.Session.Token == "" {
		return
	}
	acc.id, acc.token = doc.User.ID, doc.Session.Token
	c.l.ledger.addAccount(acc)
	c.acc, c.addr = acc, acc.addr
}

func (c *client) signIn() {
	acc := c.l.ledger.take(c.rng)
	if acc == nil {
		c.search()
		return
	}
	body := map[string]string{"email": acc.email, "password": acc.password}
	a := c.l.call(c.rec, "POST /api/auth/sign-in", http.MethodPost, "/api/auth/sign-in", body,
		map[string]string{"X-Forwarded-For": acc.addr}, http.StatusOK)
	var doc authDoc
	if a.status != http.StatusOK || json.Unmarshal(a.body, &doc) != nil || doc.Session.Token == "" {
		c.l.ledger.release(acc)
		return
	}
	acc.token = doc.Session.Token
	c.acc, c.addr = acc, acc.addr
}

func (c *client) updateProfile() {
	name := fmt.Sprintf("Soak Name %x", c.rng.Uint32())
	acc := c.acc
	acc.pending = name // until the answer says, either name is right
	a := c.l.call(c.rec, "PUT /api/auth/me", http.MethodPut, "/api/auth/me", map[string]string{"name": name}, c.headers(), http.StatusOK)
	if a.status == http.StatusOK {
		acc.name, acc.pending = name, ""
	} else if a.status != 0 && a.status < 500 {
		acc.pending = "" // refused: not written
	}
}

func (c *client) logout() {
	acc := c.acc
	a := c.l.call(c.rec, "POST /api/auth/logout", http.MethodPost, "/api/auth/logout", nil, c.headers(), http.StatusNoContent)
	if a.status != http.StatusNoContent {
		return
	}
	c.l.ledger.loggedOut(acc.token)
	acc.token = ""
	c.l.ledger.release(acc)
	c.acc = nil
	c.addr = clientAddr(uint64(c.l.next.Add(1)))
}

// ingester posts batches of new torrents and updates of acknowledged ones, one batch at a time,
// every interval (the ingest key's rate limit is 60 a minute).
type ingester struct {
	l         *load
	rng       *rand.Rand
	zipf      *rand.Zipf
	rec       recorder
	batch     int
	count     int
	uncertain int
}

func (l *load) newIngester(batch int) *ingester {
	rng := rand.New(rand.NewPCG(l.seed, 1<<40))
	return &ingester{l: l, rng: rng, zipf: rand.NewZipf(rng, 1.2, 3, uint64(len(words)-1)), rec: recorder{}, batch: batch}
}

// post sends one batch: batch new torrents, batch/2 updates of acknowledged ones, and one item
// that must fail (its size disagrees with its files). It returns whether the batch was answered 200.
func (in *ingester) post(size int, updates bool) bool {
	var items []torrent
	for range size {
		in.count++
		items = append(items, newTorrent(in.l.seed, in.count, in.rng, in.zipf))
	}
	if updates {
		for _, t := range in.l.ledger.sample(in.rng, size/2) {
			retouch(&t, in.rng)
			items = append(items, t)
		}
	}
	bad := newTorrent(in.l.seed, -in.count, in.rng, in.zipf)
	bad.Size++
	body := map[string]any{"torrents": append(slices.Clone(items), bad)}
	a := in.l.call(in.rec, "POST /api/ingest", http.MethodPost, "/api/ingest", body,
		map[string]string{"X-API-Key": ingestKey}, http.StatusOK, http.StatusTooManyRequests)
	if a.status != http.StatusOK {
		if a.status != http.StatusTooManyRequests {
			in.l.ledger.uncertainTorrents(items)
			in.uncertain += len(items)
		}
		return false
	}
	var report struct {
		Results []struct {
			Index  int    `json:"index"`
			Status string `json:"status"`
		} `json:"results"`
	}
	if err := json.Unmarshal(a.body, &report); err != nil {
		in.rec.add("POST /api/ingest (report)", a.status, 0, false, "report: "+err.Error())
		return false
	}
	for _, r := range report.Results {
		switch {
		case r.Index == len(items):
			if r.Status != "failed" {
				in.rec.add("POST /api/ingest (bad item)", a.status, 0, false, "an item whose size disagrees with its files was "+r.Status)
			}
		case r.Index < len(items) && (r.Status == "created" || r.Status == "updated"):
			in.l.ledger.ingested(items[r.Index])
		default:
			in.rec.add("POST /api/ingest (item)", a.status, 0, false, fmt.Sprintf("item %d: %s", r.Index, r.Status))
		}
	}
	return true
}

// run posts a batch every interval until ctx ends. A batch is never started once ctx has ended: when
// a post outlasts the interval (an upstream fault holds it up to the service's 30 s deadline), the
// tick and the end are both ready, and select picks either, so the run went on posting, each post
// as long, after its phase had ended (TestUpstreamFaults' silence ran 30 to 150 s past its end).
func (in *ingester) run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	defer in.l.totals.merge(in.rec)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if ctx.Err() != nil {
				return
			}
			in.post(in.batch, true)
		}
	}
}

// runClients runs n clients and the ingester until ctx ends.
func (l *load) runClients(ctx context.Context, n int, in *ingester, ingestEvery time.Duration) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); l.newClient(i).run(ctx) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); in.run(ctx, ingestEvery) }()
	wg.Wait()
}

func jsonUnmarshal(raw []byte, into any) error { return json.Unmarshal(raw, into) }

package soak

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// account is one account the service acknowledged (201 to its sign-up). One client at a time uses
// it, so its fields need no lock while a client holds it.
type account struct {
	id, email, password, name, addr string
	// pending is a name sent in an update that got no clear answer: either name may be stored.
	pending string
	// token is the live session ("" when signed out).
	token string
}

func (a *account) nameMatches(name string) bool {
	return name == a.name || (a.pending != "" && name == a.pending)
}

// ledger is everything the service acknowledged, to be found again at the end.
type ledger struct {
	mu        sync.Mutex
	torrents  map[string]torrent // the last acknowledged version, by info hash
	hashes    []string
	uncertain map[string]bool // sent in a batch that got no 200: its fields may be either version
	accounts  []*account
	free      []*account // signed out, waiting for a sign-in
	logouts   []string   // tokens whose logout was acknowledged
	// held are torrents no update may touch for now: the fault test reads their details from the
	// process cache during a fault, and a failed ingest rightly forgets the details of every hash
	// it sent (caching.cachedTorrents.Upsert).
	held map[string]bool
}

func newLedger() *ledger {
	return &ledger{torrents: map[string]torrent{}, uncertain: map[string]bool{}}
}

func (l *ledger) ingested(t torrent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.torrents[t.InfoHash]; !ok {
		l.hashes = append(l.hashes, t.InfoHash)
	}
	l.torrents[t.InfoHash] = t
	delete(l.uncertain, t.InfoHash)
}

func (l *ledger) uncertainTorrents(ts []torrent) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, t := range ts {
		l.uncertain[t.InfoHash] = true
	}
}

// pick is an acknowledged info hash, recent ones more often (what people open is what is new).
func (l *ledger) pick(rng *rand.Rand) (string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hashes) == 0 {
		return "", false
	}
	n := len(l.hashes)
	if rng.IntN(2) == 0 {
		return l.hashes[n-1-rng.IntN(min(n, 200))], true
	}
	return l.hashes[rng.IntN(n)], true
}

// sample is up to n acknowledged torrents, to be updated.
func (l *ledger) sample(rng *rand.Rand, n int) []torrent {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []torrent
	seen := map[string]bool{}
	for range n {
		if len(l.hashes) == 0 {
			break
		}
		h := l.hashes[rng.IntN(len(l.hashes))]
		if !seen[h] && !l.held[h] {
			seen[h] = true
			out = append(out, l.torrents[h])
		}
	}
	return out
}

// hold keeps the hashes out of sample's updates until the next hold (none: none held).
func (l *ledger) hold(hashes ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held = map[string]bool{}
	for _, h := range hashes {
		l.held[h] = true
	}
}

func (l *ledger) addAccount(a *account) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts = append(l.accounts, a)
}

// take hands a signed-out account to a client that will sign in with it.
func (l *ledger) take(rng *rand.Rand) *account {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.free) == 0 {
		return nil
	}
	i := rng.IntN(len(l.free))
	a := l.free[i]
	l.free = slices.Delete(l.free, i, i+1)
	return a
}

func (l *ledger) release(a *account) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a.token == "" {
		l.free = append(l.free, a)
	}
}

// merge adds what other acknowledged to l: other's versions of torrents are the later ones.
func (l *ledger) merge(other *ledger) {
	for _, h := range other.hashes {
		l.ingested(other.torrents[h])
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for h := range other.uncertain {
		l.uncertain[h] = true
	}
	l.accounts = append(l.accounts, other.accounts...)
	l.logouts = append(l.logouts, other.logouts...)
}

func (l *ledger) loggedOut(token string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.logouts = append(l.logouts, token)
}

// verdict is what the check at the end found.
type verdict struct {
	Torrents, TorrentsUncertain, TorrentsWrong int
	Accounts, AccountsChecked, AccountsWrong   int
	SignIns, SignInsWrong                      int
	Logouts, LogoutsWrong                      int
	Problems                                   []string
}

func (v *verdict) problem(format string, args ...any) {
	if len(v.Problems) < 20 {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	}
}

// Lost is the number of acknowledged writes the service did not serve as acknowledged.
func (v verdict) Lost() int {
	return v.TorrentsWrong + v.AccountsWrong + v.SignInsWrong + v.LogoutsWrong
}

// verify reads back every acknowledged write through the API: each torrent's
// details, each account's /me with its live session, a sign-in with the password of up to
// maxSignIns accounts (each costs an Argon2id hash), and each logged-out token (must be refused).
// Sixteen workers: on the emulator each details read is a D1 request.
func (l *load) verify(maxSignIns int) verdict { return l.verifyLedger(l.ledger, maxSignIns) }

// verifyLedger is verify for the writes led holds.
func (l *load) verifyLedger(led *ledger, maxSignIns int) verdict {
	var v verdict
	var mu sync.Mutex
	jobs := make(chan func(), 64)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	get := func(path string, hdr map[string]string) answer {
		return l.verifyCall(http.MethodGet, path, nil, hdr, http.StatusOK)
	}
	for hash, want := range led.torrents {
		uncertain := led.uncertain[hash]
		v.Torrents++
		jobs <- func() {
			a := get("/api/torrents/"+hash, nil)
			bad := ""
			if a.status != http.StatusOK {
				bad = fmt.Sprintf("status %d", a.status)
			} else if !uncertain {
				bad = compareTorrent(want, a.body)
			}
			mu.Lock()
			defer mu.Unlock()
			if uncertain {
				v.TorrentsUncertain++
			}
			if bad != "" {
				v.TorrentsWrong++
				v.problem("torrent %s: %s", hash, bad)
			}
		}
	}
	signIns := 0
	for i, acc := range led.accounts {
		v.Accounts++
		if acc.token != "" {
			jobs <- func() {
				a := get("/api/auth/me", map[string]string{"Authorization": "Bearer " + acc.token})
				var doc struct{ User userDoc }
				_ = json.Unmarshal(a.body, &doc)
				mu.Lock()
				defer mu.Unlock()
				v.AccountsChecked++
				if a.status != http.StatusOK || doc.User.Email != acc.email || !acc.nameMatches(doc.User.Name) {
					v.AccountsWrong++
					v.problem("account %s: /me %d %q", acc.email, a.status, doc.User.Name)
				}
			}
		}
		if signIns < maxSignIns && (i%max(1, len(led.accounts)/maxSignIns) == 0) {
			signIns++
			jobs <- func() {
				a := l.verifyCall(http.MethodPost, "/api/auth/sign-in",
					map[string]string{"email": acc.email, "password": acc.password},
					map[string]string{"X-Forwarded-For": clientAddr(2<<20 + uint64(i))}, http.StatusOK)
				var doc authDoc
				_ = json.Unmarshal(a.body, &doc)
				mu.Lock()
				defer mu.Unlock()
				v.SignIns++
				if a.status != http.StatusOK || doc.User.ID != acc.id || !acc.nameMatches(doc.User.Name) {
					v.SignInsWrong++
					v.problem("sign-in %s: %d %q", acc.email, a.status, doc.User.Name)
				}
			}
		}
	}
	for _, token := range led.logouts {
		v.Logouts++
		jobs <- func() {
			a := l.verifyCall(http.MethodGet, "/api/auth/me", nil, map[string]string{"Authorization": "Bearer " + token}, http.StatusUnauthorized)
			if a.status != http.StatusUnauthorized {
				mu.Lock()
				v.LogoutsWrong++
				v.problem("a logged-out session answered %d", a.status)
				mu.Unlock()
			}
		}
	}
	close(jobs)
	wg.Wait()
	return v
}

// verifyCall is one read of the check, asked again as a client would while the service answers 503
// or 429 with Retry-After (up to verifyTries times, waiting what it says, at most 10 s): "not now"
// shows nothing lost. On a starved emulator the check's own 16 readers met the cache's fill-wait
// bound, and 16 acknowledged torrents were counted lost for a 503.
func (l *load) verifyCall(method, path string, body any, hdr map[string]string, expect ...int) answer {
	var a answer
	for try := 1; ; try++ {
		a = l.call(recorder{}, "verify", method, path, body, hdr, expect...)
		if (a.status != http.StatusServiceUnavailable && a.status != http.StatusTooManyRequests) || try == verifyTries {
			return a
		}
		wait, err := strconv.Atoi(a.header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(min(wait, 10)) * time.Second)
	}
}

const verifyTries = 5

// compareTorrent says how the served details differ from what was acknowledged, "" if they agree.
func compareTorrent(want torrent, body []byte) string {
	var got struct {
		InfoHash    string `json:"infoHash"`
		Name        string `json:"name"`
		Size        int64  `json:"size"`
		Category    struct{ Slug string }
		Seeders     int64    `json:"seeders"`
		Leechers    int64    `json:"leechers"`
		UploadedAt  string   `json:"uploadedAt"`
		Description string   `json:"description"`
		Files       []file   `json:"files"`
		FileCount   int      `json:"fileCount"`
		Trackers    []string `json:"trackers"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return "details: " + err.Error()
	}
	switch {
	case got.InfoHash != want.InfoHash:
		return "infoHash " + got.InfoHash
	case got.Name != want.Name:
		return fmt.Sprintf("name %q, acknowledged %q", got.Name, want.Name)
	case got.Size != want.Size:
		return fmt.Sprintf("size %d, acknowledged %d", got.Size, want.Size)
	case got.Category.Slug != want.Category:
		return fmt.Sprintf("category %q, acknowledged %q", got.Category.Slug, want.Category)
	case got.Seeders != want.Seeders || got.Leechers != want.Leechers:
		return fmt.Sprintf("seeders/leechers %d/%d, acknowledged %d/%d", got.Seeders, got.Leechers, want.Seeders, want.Leechers)
	case got.UploadedAt != want.UploadedAt:
		return fmt.Sprintf("uploadedAt %s, acknowledged %s", got.UploadedAt, want.UploadedAt)
	case got.Description != want.Description:
		return "description " + got.Description
	case got.FileCount != len(want.Files) || !slices.Equal(got.Files, want.Files):
		return fmt.Sprintf("files %d %v, acknowledged %d", got.FileCount, truncate(fmt.Sprint(got.Files), 200), len(want.Files))
	case !slices.Equal(got.Trackers, want.Trackers):
		return fmt.Sprintf("trackers %v", got.Trackers)
	}
	return ""
}

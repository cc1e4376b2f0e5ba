package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/application/caching"
	"github.com/torrent-streamer/streamer/tests/binary"
	"github.com/torrent-streamer/streamer/tests/emulator"
	"github.com/torrent-streamer/streamer/tests/faultproxy"
)

// faultRow is what one upstream fault did to the soak's clients.
type faultRow struct {
	name                   string
	requests, ok, refused  int // refused: 503 with Retry-After
	serverErrors, errors   int // serverErrors: 5xx other than 503
	cachedOK, cached       int // details read just before the fault, read again during it
	listsOK                int // of the two lists (categories, latest) read just before, read during it
	upstreamCalls          uint64
	clientWrites, writesOK int
	recovery               time.Duration
}

// TestUpstreamFaults puts a fault-injecting proxy between the service (Cloudflare mode) and the
// emulator and runs the soak's mix through each fault in turn: added latency, a 429 storm with
// Retry-After, 5xx, connection resets, silence. Clients must see 200 or 503 with Retry-After (never
// a 500, never a hang past their timeout); retries stay within the policy (at most 4 attempts a
// call); after the fault ends the service recovers by itself; and every acknowledged write is
// there at the end.
func TestUpstreamFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("drives the built binary and the emulator")
	}
	phase := 4 * time.Second
	if v := os.Getenv("FAULT_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("FAULT_DURATION=%q", v)
		}
		phase = d
	}
	clients := 8
	setUp := time.Now()
	bin := binary.Build(t)
	emu := emulator.Start(t)
	up, _ := url.Parse(emu.BaseURL())
	proxy := faultproxy.Start(t, "http://"+up.Host)
	dir := t.TempDir()
	proc := binary.Start(t, bin, dir, serviceEnv(emu.Env(proxy.URL+up.Path)...)...)
	l := newLoad(proc.Base, 23)
	l.http.Timeout = 40 * time.Second // longer than any deadline of the service: a hang shows as no answer
	in := l.newIngester(10)
	if !in.post(300, false) {
		t.Fatalf("seeding failed; logs:\n%s", tail(proc.Logs()))
	}
	t.Logf("the binary, the emulator, the service and 300 torrents seeded in %v", time.Since(setUp).Round(time.Millisecond))
	run := func(name string, f faultproxy.Fault) faultRow {
		l.totals, in.rec = totals{}, recorder{}
		began := time.Now()
		// What the process cache holds: read just before the fault, read again during it. The last
		// phase's ingests bump the lists' generation up to 5 s later (caching.ListsGeneration
		// coalesces bumps), which rightly empties those keys: warm after it.
		time.Sleep(caching.ListsGeneration.Coalesce + time.Second)
		warm := []string{"/api/categories", "/api/torrents/latest"}
		var held []string
		for range 3 {
			if h, ok := l.ledger.pick(in.rng); ok {
				warm = append(warm, "/api/torrents/"+h)
				held = append(held, h)
			}
		}
		// The phase's ingests update none of them: a failed one forgets what it sent.
		l.ledger.hold(held...)
		defer l.ledger.hold()
		for _, p := range warm {
			if a := l.call(recorder{}, "warm", http.MethodGet, p, nil, nil, http.StatusOK); a.status != http.StatusOK {
				t.Fatalf("%s: warming %s: %d %s", name, p, a.status, a.body)
			}
		}
		before := proxy.Requests()
		proxy.Set(f)
		l.tolerate503.Store(f.Kind != faultproxy.None)
		ctx, cancel := context.WithTimeout(context.Background(), phase)
		cachedOK := make(chan [2]int, 1)
		go func() {
			time.Sleep(phase / 2)
			var n [2]int // lists, details
			for i, p := range warm {
				// A different query string passes the one-second response cache: the process cache answers.
				if a := l.call(recorder{}, "cached", http.MethodGet, p+"?during=fault", nil, nil, http.StatusOK); a.status == http.StatusOK {
					n[min(i/2, 1)]++
				} else {
					t.Logf("%s: a read the process cache held, %s, answered %d %s", name, p, a.status, truncate(string(a.body), 100))
				}
			}
			cachedOK <- n
		}()
		faultAt := time.Now()
		l.runClients(ctx, clients, in, 1500*time.Millisecond)
		cancel()
		drained := time.Now()
		ok := <-cachedOK
		row := faultRow{name: name, upstreamCalls: proxy.Requests() - before, cached: len(warm) - 2, cachedOK: ok[1], listsOK: ok[0]}
		proxy.Set(faultproxy.Fault{})
		cleared := time.Now()
		row.recovery = waitRecovery(t, l)
		t.Logf("%s: warming %v, the fault %v, its last requests %v, the cached reads %v, recovery %v",
			name, faultAt.Sub(began).Round(time.Millisecond), phase, drained.Sub(faultAt.Add(phase)).Round(time.Millisecond),
			cleared.Sub(drained).Round(time.Millisecond), row.recovery.Round(time.Millisecond))
		l.tolerate503.Store(false)
		for route, s := range l.totals.routes {
			for status, n := range s.statuses {
				row.requests += n
				switch {
				case status >= 200 && status < 300:
					row.ok += n
				case status == http.StatusServiceUnavailable:
					row.refused += n
				case status >= 500 || status == 0:
					row.serverErrors += n
				}
				if strings.HasPrefix(route, "POST") || strings.HasPrefix(route, "PUT") {
					row.clientWrites += n
					if status >= 200 && status < 300 {
						row.writesOK += n
					}
				}
			}
			row.errors += s.errors
			for _, u := range s.unexpected {
				t.Errorf("%s, %s: %s", name, route, u)
			}
		}
		return row
	}
	rows := []faultRow{run("none (baseline)", faultproxy.Fault{})}
	for _, f := range []struct {
		name  string
		fault faultproxy.Fault
	}{
		{"latency 300 ms", faultproxy.Fault{Kind: faultproxy.Latency, Latency: 300 * time.Millisecond}},
		{"429 storm, Retry-After 5 s", faultproxy.Fault{Kind: faultproxy.TooManyRequests, RetryAfter: 5}},
		{"5xx (503)", faultproxy.Fault{Kind: faultproxy.ServerErrors}},
		{"connection resets", faultproxy.Fault{Kind: faultproxy.Reset}},
		{"silence", faultproxy.Fault{Kind: faultproxy.Silence}},
	} {
		rows = append(rows, run(f.name, f.fault))
	}
	md := faultsMarkdown(rows, phase, clients)
	t.Log("\n" + md)
	for _, r := range rows {
		if r.serverErrors > 0 {
			t.Errorf("%s: %d answers were a 5xx other than 503, or none", r.name, r.serverErrors)
		}
		if r.cachedOK != r.cached {
			t.Errorf("%s: %d of %d details the process cache held answered 200", r.name, r.cachedOK, r.cached)
		}
		if r.listsOK != 2 {
			t.Errorf("%s: %d of the 2 lists the process cache held answered 200", r.name, r.listsOK)
		}
	}
	verifying := time.Now()
	v := l.verify(10)
	t.Logf("the acknowledged writes read back in %v", time.Since(verifying).Round(time.Millisecond))
	if v.Lost() > 0 {
		t.Fatalf("after the faults, %d acknowledged writes are not served as acknowledged: %v", v.Lost(), v.Problems)
	}
	if os.Getenv("SOAK_WRITE") == "1" {
		writeNamed(t, "faults", md)
	}
}

// waitRecovery waits until the service serves again what needs the upstream: health ok, an uncached
// search and an ingest; it returns how long that took.
func waitRecovery(t *testing.T, l *load) time.Duration {
	began := time.Now()
	for n := 0; ; n++ {
		ok := true
		a := l.call(recorder{}, "recover", http.MethodGet, "/api/health", nil, nil, http.StatusOK)
		var h struct{ Status string }
		if a.status != http.StatusOK || json.Unmarshal(a.body, &h) != nil || h.Status != "ok" {
			ok = false
		}
		if ok {
			q := fmt.Sprintf("/api/torrents/search?q=recovery%d%d", time.Now().UnixNano(), n)
			ok = l.call(recorder{}, "recover", http.MethodGet, q, nil, nil, http.StatusOK).status == http.StatusOK
		}
		if ok {
			return time.Since(began)
		}
		if time.Since(began) > 90*time.Second {
			t.Fatalf("the service did not recover within 90 s of the fault's end: health %d %s", a.status, a.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func faultsMarkdown(rows []faultRow, phase time.Duration, clients int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Upstream faults (Cloudflare mode, emulator behind a fault proxy)\n\n%d clients of the soak's mix for %v per fault; upstream calls are the requests that reached the proxy. "+
		"Cached lists: a failed ingest still invalidates the lists (a failed D1 batch may have committed chunks), and they answer what they held before it while the store fails (caching.ListsGeneration's Grace).\n\n", clients, phase)
	fmt.Fprintf(&b, "| Fault | Requests | 2xx | 503 + Retry-After | error rate (503s) | other 5xx or no answer | cached details 200 | cached lists 200 | writes 2xx | upstream calls | calls per request | recovery after the fault |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f%% | %d | %d of %d | %d of 2 | %d of %d | %d | %.2f | %v |\n", r.name, r.requests, r.ok, r.refused,
			100*float64(r.refused)/float64(max(1, r.requests)), r.serverErrors, r.cachedOK, r.cached, r.listsOK, r.writesOK, r.clientWrites,
			r.upstreamCalls, float64(r.upstreamCalls)/float64(max(1, r.requests)), r.recovery.Round(time.Millisecond))
	}
	return b.String()
}

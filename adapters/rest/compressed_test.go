package rest_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/torrent-streamer/streamer/ports"
)

// The kept answers of both search routes (REST's anonymous search, Torznab's) are kept once,
// gzip-compressed, and sent so to a client that accepts gzip (Sonarr's .NET client: "gzip, deflate,
// br"), with Vary: Accept-Encoding; plain to one that does not (no header, gzip;q=0, only br);
// HEAD answers the same headers with no body. The answer that fills the entry is sent the same way,
// and one kept answer serves every encoding: the repository is read once for all the requests.
func TestKeptAnswersAreSentCompressedToClientsThatAcceptGzip(t *testing.T) {
	counting := &countingTorrents{}
	h := newHarness(t, withAccounts(false), withStoreCacheOff(), withTorrents(func(r ports.TorrentRepository) ports.TorrentRepository {
		counting.TorrentRepository = r
		return counting
	}))
	for i := 1; i <= 40; i++ {
		h.seed(torrent(i, fmt.Sprintf("Pioneer One S01E%02d 1080p WEB-DL x264", i), "tv", day.Add(-time.Duration(i)*time.Hour)))
	}
	_, key := h.createKey(h.signUp("sonarr@example.com", "correct horse battery", "Sonarr").token, "Sonarr")
	for _, route := range []struct{ name, target, start string }{
		{"rest", "/api/torrents/search?q=pioneer&limit=40", "{"},
		{"torznab", "/torznab/api?t=search&q=pioneer&limit=40&apikey=" + url.QueryEscape(key), "<?xml"},
	} {
		t.Run(route.name, func(t *testing.T) {
			before := counting.searches.Load()
			ask := func(method, accept string) response {
				req := httptest.NewRequest(method, route.target, nil)
				if accept != "" {
					req.Header.Set("Accept-Encoding", accept)
				}
				return h.do(req)
			}
			var plain []byte
			for i, c := range []struct{ accept string }{
				{"gzip, deflate, br"}, // fills the entry: sent compressed too
				{""}, {"gzip, deflate, br"}, {"gzip;q=0, *"}, {"br"}, {"deflate, gzip;q=0.5"}, {"identity"},
			} {
				r := ask(http.MethodGet, c.accept)
				if r.status != 200 || !strings.Contains(r.header.Get("Vary"), "Accept-Encoding") {
					t.Fatalf("%d %q: %d, Vary %q", i, c.accept, r.status, r.header.Get("Vary"))
				}
				body := r.body
				wantGzip := strings.Contains(c.accept, "gzip") && !strings.Contains(c.accept, "q=0,")
				if got := r.header.Get("Content-Encoding"); (got == "gzip") != wantGzip || (got != "" && got != "gzip") {
					t.Fatalf("%d %q: Content-Encoding %q", i, c.accept, got)
				}
				if wantGzip {
					// One gzip layer: inflated once, it is the document itself.
					zr, err := gzip.NewReader(bytes.NewReader(r.body))
					if err != nil {
						t.Fatalf("%d %q: not gzip: %v", i, c.accept, err)
					}
					if body, err = io.ReadAll(zr); err != nil {
						t.Fatal(err)
					}
					if len(r.body)*3 > len(body) {
						t.Errorf("%d %q: %d bytes sent for %d", i, c.accept, len(r.body), len(body))
					}
				}
				if !bytes.HasPrefix(body, []byte(route.start)) || !bytes.Contains(body, []byte("Pioneer One S01E40")) {
					t.Fatalf("%d %q: the body is not the answer: %.80q", i, c.accept, body)
				}
				if plain == nil {
					plain = body
				} else if !bytes.Equal(body, plain) {
					t.Fatalf("%d %q: another answer than the first", i, c.accept)
				}
				if r.header.Get("Content-Length") != strconv.Itoa(len(r.body)) {
					t.Errorf("%d %q: Content-Length %q for %d bytes", i, c.accept, r.header.Get("Content-Length"), len(r.body))
				}
				head := ask(http.MethodHead, c.accept)
				if head.status != 200 || len(head.body) != 0 || head.header.Get("Content-Length") != r.header.Get("Content-Length") ||
					head.header.Get("Content-Encoding") != r.header.Get("Content-Encoding") || head.header.Get("Vary") != r.header.Get("Vary") {
					t.Errorf("HEAD %q: %d, %d bytes, headers %v; GET's %v", c.accept, head.status, len(head.body), head.header, r.header)
				}
			}
			if n := counting.searches.Load() - before; n != 1 {
				t.Errorf("the repository was searched %d times for one answer kept", n)
			}
		})
	}
}

// A small answer (under a KiB: an empty page, a problem) is kept and sent as it is, never gzipped.
func TestSmallAnswersAreSentPlain(t *testing.T) {
	h := newHarness(t)
	for range 2 {
		req := httptest.NewRequest(http.MethodGet, "/api/torrents/search?q=nothing", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		r := h.do(req)
		if r.status != 200 || r.header.Get("Content-Encoding") != "" || !bytes.HasPrefix(r.body, []byte("{")) {
			t.Fatalf("%d %q %s", r.status, r.header.Get("Content-Encoding"), r.body)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/api/torrents/search?limit=9999", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	if r := h.do(req); r.status != 400 || r.header.Get("Content-Encoding") != "" {
		t.Fatalf("a problem: %d %q", r.status, r.header.Get("Content-Encoding"))
	}
}

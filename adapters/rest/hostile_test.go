package rest_test

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Bodies that encoding/json accepts, or chokes on, in ways a client should hear about at once: each
// is a 400 problem document. (Regression: duplicate keys and NUL characters were accepted, the last
// duplicate winning silently.)
func TestHostileBodiesAreClear400s(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	item := `{"infoHash":"` + strings.Repeat("ab", 20) + `","name":"x","size":1}`
	cases := []struct {
		name, path, body, code string
	}{
		{"nested far too deep", "/api/auth/sign-up", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), "invalid_json"},
		{"nested deeper than any request", "/api/auth/sign-in", `{"email":"a@b.c","password":"12345678","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "invalid_json"},
		{"a number past int64", "/api/ingest", `{"torrents":[{"infoHash":"` + strings.Repeat("ab", 20) + `","name":"x","size":123456789012345678901234567890}]}`, ""},
		{"a number past float64", "/api/ingest", `{"torrents":[{"infoHash":"` + strings.Repeat("ab", 20) + `","name":"x","size":1e400}]}`, ""},
		{"a raw NUL byte", "/api/auth/sign-up", "{\"email\":\"a@b.c\x00\",\"password\":\"correct horse\",\"name\":\"n\"}", "invalid_json"},
		{"an escaped NUL", "/api/auth/sign-up", `{"email":"nul@example.com","password":"correct horse","name":"a\u0000b"}`, "invalid_json"},
		{"a NUL in an ingest item", "/api/ingest", `{"torrents":[{"infoHash":"` + strings.Repeat("ab", 20) + `","name":"x\u0000","size":1}]}`, "invalid_json"},
		{"a duplicate key", "/api/auth/sign-up", `{"email":"dup@example.com","password":"correct horse","name":"a","email":"other@example.com"}`, "invalid_json"},
		{"a duplicate key in an item", "/api/ingest", `{"torrents":[` + item[:len(item)-1] + `,"name":"y"}]}`, "invalid_json"},
		{"a duplicate top-level array", "/api/ingest", `{"torrents":[` + item + `],"torrents":[]}`, "invalid_json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, c.path, strings.NewReader(c.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-API-Key", testKey)
			began := time.Now()
			r := h.do(req)
			took := time.Since(began)
			if c.path == "/api/ingest" && r.status == http.StatusOK {
				// One bad item never fails the batch: then the item must have failed, naming a field.
				doc := r.json(t)
				if doc["failed"] != 1.0 {
					t.Fatalf("200 with the item not failed: %s", r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d (%v): %s", r.status, took, r.body)
			}
			if c.code != "" {
				expectProblem(t, r, http.StatusBadRequest, c.code)
			}
		})
	}
	// Not refused: the same value twice in different objects, and keys that only look alike.
	for _, body := range []string{
		`{"torrents":[` + item + `,` + strings.Replace(item, "abab", "cdcd", 1) + `]}`,
		`{"torrents":[{"infoHash":"` + strings.Repeat("ef", 20) + `","name":"x","Name":"y","size":1}]}`,
	} {
		if r := h.ingest(body); r.status != http.StatusOK {
			t.Fatalf("a valid body was refused: %d %s", r.status, r.body)
		}
	}
}

// Two different Content-Length values leave the body's end ambiguous (RFC 9112, 6.3). Regression:
// the request was held until the read timeout (30 s), then answered 408; now it is a 400 at once,
// and the connection is closed.
func TestConflictingContentLengthsAreRefusedAtOnce(t *testing.T) {
	h := newHarness(t, withAccounts(true))
	addr := strings.TrimPrefix(h.serve(), "http://")
	for _, headers := range []string{
		"Content-Length: 2\r\nContent-Length: 100\r\n",
		"Content-Length: 2, 100\r\n",
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Write([]byte("POST /api/auth/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers + "\r\n{}"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%q: no answer within 5 s: %v", headers, err)
		}
		resp.Body.Close()
		conn.Close()
		if resp.StatusCode != http.StatusBadRequest || !resp.Close {
			t.Fatalf("%q: status %d, close %v", headers, resp.StatusCode, resp.Close)
		}
	}
	// The same value twice is one length: served as usual.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = conn.Write([]byte("POST /api/auth/sign-in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}"))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || resp.Close {
		t.Fatalf("repeated identical Content-Length: status %d close %v (want the usual validation 400, connection kept)", resp.StatusCode, resp.Close)
	}
}

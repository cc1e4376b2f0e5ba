package gzipped_test

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"

	"github.com/torrent-streamer/streamer/adapters/gzipped"
)

func TestAccepts(t *testing.T) {
	for header, want := range map[string]bool{
		"gzip, deflate, br":              true, // .NET HttpClient with automatic decompression (Sonarr, Radarr, Prowlarr)
		"gzip, deflate, br, zstd":        true, // browsers
		"gzip":                           true,
		"GZIP":                           true,
		"x-gzip":                         true,
		"deflate, gzip;q=1.0, *;q=0.5":   true,
		"gzip;q=0.001":                   true,
		" gzip ; q=0.5 ":                 true,
		"gzip;Q=0.5":                     true,
		"*":                              true,
		"br;q=1, *;q=0.1":                true,
		"":                               false, // says nothing: plain
		"identity":                       false,
		"deflate, br":                    false,
		"gzip;q=0":                       false,
		"gzip;q=0.000":                   false,
		"gzip;q=0, *":                    false, // named with zero refuses, whatever * says
		"*;q=0":                          false,
		"*;q=0, identity":                false,
		"gzip;q=2":                       false, // malformed weights refuse
		"gzip;q=1.5":                     false,
		"gzip;q=0.0001":                  false,
		"gzip;q=":                        false,
		"gzip;q=abc":                     false,
		"gzipx, deflate":                 false,
		"xgzip":                          false,
		"gzip;q=0, gzip;q=0.5":           true, // named twice: any weight above zero
		"identity;q=1, gzip;level=9":     true, // other parameters are not weights
		",,gzip,,":                       true,
		"compress, gzip;q=0, x-gzip;q=0": false,
	} {
		if got := gzipped.Accepts([]byte(header)); got != want {
			t.Errorf("Accepts(%q) = %v, want %v", header, got, want)
		}
	}
}

func FuzzAccepts(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br", "gzip;q=0, *", "*;q=0.5", "x-gzip;q=1.000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := gzipped.Accepts([]byte(header))
		// Adding an explicit refusal of gzip always refuses; adding an explicit gzip always accepts.
		if gzipped.Accepts([]byte(header+",gzip;q=0")) && !strings.Contains(strings.ToLower(header), "gzip") {
			t.Errorf("%q with gzip;q=0 appended accepts gzip", header)
		}
		if !gzipped.Accepts([]byte(header+",gzip")) && !strings.Contains(strings.ToLower(header), "gzip") {
			t.Errorf("%q with gzip appended refuses gzip", header)
		}
		_ = got
	})
}

func TestCompressRoundTrips(t *testing.T) {
	random := make([]byte, 64<<10)
	_, _ = rand.Read(random)
	for name, plain := range map[string][]byte{
		"a page":           []byte(strings.Repeat(`{"name":"Some.Show.S01E01.1080p","magnet":"magnet:?xt=urn:btih:0123456789abcdef"},`, 800)),
		"small":            []byte(`{"items":[]}`),
		"empty":            nil,
		"incompressible":   random,
		"just at the size": bytes.Repeat([]byte("a"), 1024),
	} {
		b := gzipped.Compress(plain)
		got, err := b.Plain()
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%s: round trip failed: %v", name, err)
		}
		switch name {
		case "a page", "just at the size":
			if !b.Gzipped() || b.Size() >= len(plain)/4 {
				t.Errorf("%s: kept %d bytes of %d, gzipped %v", name, b.Size(), len(plain), b.Gzipped())
			}
			// One gzip member of the standard format: any client's inflater reads it.
			r, err := gzip.NewReader(bytes.NewReader(compressedBytes(t, b)))
			if err != nil {
				t.Fatal(err)
			}
			if std, err := io.ReadAll(r); err != nil || !bytes.Equal(std, plain) {
				t.Fatalf("%s: compress/gzip reads another body: %v", name, err)
			}
		default: // small or incompressible: kept as it is
			if b.Gzipped() || b.Size() != len(plain) {
				t.Errorf("%s: kept %d bytes of %d, gzipped %v", name, b.Size(), len(plain), b.Gzipped())
			}
		}
	}
}

// Compress does not keep the caller's buffer: fasthttp reuses its response bodies.
func TestCompressCopies(t *testing.T) {
	plain := []byte("small body")
	b := gzipped.Compress(plain)
	copy(plain, "XXXXXXXXXX")
	if got, _ := b.Plain(); string(got) != "small body" {
		t.Fatalf("the kept body changed with the caller's buffer: %q", got)
	}
}

// compressedBytes reads what Send sends a client that accepts gzip.
func compressedBytes(t *testing.T, b gzipped.Body) []byte {
	t.Helper()
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return gzipped.Send(c, b) })
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	return body
}

func TestSendNegotiates(t *testing.T) {
	plain := []byte(strings.Repeat("<item>Some.Show.S01E01</item>", 200))
	kept := gzipped.Compress(plain)
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error { return gzipped.Send(c, kept) })
	for _, tc := range []struct {
		accept string
		gzip   bool
	}{{"gzip, deflate, br", true}, {"", false}, {"gzip;q=0", false}, {"br", false}} {
		for _, method := range []string{"GET", "HEAD"} {
			req := httptest.NewRequest(method, "/", nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("%s %q: Vary %q", method, tc.accept, resp.Header.Get("Vary"))
			}
			want, enc := plain, ""
			if tc.gzip {
				want, enc = compressedBytes(t, kept), "gzip"
			}
			if resp.Header.Get("Content-Encoding") != enc || resp.ContentLength != int64(len(want)) {
				t.Errorf("%s %q: Content-Encoding %q, length %d; want %q, %d", method, tc.accept,
					resp.Header.Get("Content-Encoding"), resp.ContentLength, enc, len(want))
			}
			if method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD %q: a body of %d bytes", tc.accept, len(body))
			}
			if method == "GET" && !bytes.Equal(body, want) {
				t.Errorf("GET %q: another body", tc.accept)
			}
		}
	}
}

// The service does not use Fiber's compress middleware; were it added in front of a route, it would
// not compress a kept answer again (fasthttp leaves a body that has a Content-Encoding alone): one
// inflate gives the answer.
func TestFibersCompressMiddlewareDoesNotCompressAgain(t *testing.T) {
	plain := []byte(strings.Repeat("<item>Some.Show.S01E01</item>", 200))
	kept := gzipped.Compress(plain)
	app := fiber.New()
	app.Use(compress.New(compress.Config{Level: compress.LevelBestSpeed}))
	app.Get("/", func(c *fiber.Ctx) error {
		c.Type("xml")
		return gzipped.Send(c, kept)
	})
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q: %v", resp.Header.Get("Content-Encoding"), err)
	}
	if once, err := io.ReadAll(zr); err != nil || !bytes.Equal(once, plain) {
		t.Fatalf("one inflate does not give the answer (compressed twice?): %v %.40q", err, once)
	}
}

// Vary names Accept-Encoding once, beside what another layer put there (CORS's Origin).
func TestVaryJoinsWhatIsThere(t *testing.T) {
	for before, want := range map[string]string{"": "Accept-Encoding", "Origin": "Origin, Accept-Encoding", "Accept-Encoding": "Accept-Encoding"} {
		app := fiber.New()
		app.Get("/", func(c *fiber.Ctx) error {
			if before != "" {
				c.Set("Vary", before)
			}
			gzipped.Vary(c)
			gzipped.Vary(c)
			return nil
		})
		resp, err := app.Test(httptest.NewRequest("GET", "/", nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != want {
			t.Errorf("Vary after %q: %q, want %q", before, got, want)
		}
	}
}

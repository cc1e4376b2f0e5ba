package torznab_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/torrent-streamer/streamer/application/ingest"
	"github.com/torrent-streamer/streamer/bootstrap"
	"github.com/torrent-streamer/streamer/domain"
	"github.com/torrent-streamer/streamer/tests/apispec"
)

// The documents as the apps read them (Sonarr's and Prowlarr's capability readers, Sonarr's
// TorznabRssParser): only what they look at.

type caps struct {
	Server struct {
		Title string `xml:"title,attr"`
	} `xml:"server"`
	Limits struct {
		Default string `xml:"default,attr"`
		Max     string `xml:"max,attr"`
	} `xml:"limits"`
	Searching struct {
		Search      capsSearch `xml:"search"`
		TVSearch    capsSearch `xml:"tv-search"`
		MovieSearch capsSearch `xml:"movie-search"`
		MusicSearch capsSearch `xml:"music-search"`
		AudioSearch capsSearch `xml:"audio-search"`
		BookSearch  capsSearch `xml:"book-search"`
	} `xml:"searching"`
	Categories []struct {
		ID      string `xml:"id,attr"`
		Name    string `xml:"name,attr"`
		Subcats []struct {
			ID   string `xml:"id,attr"`
			Name string `xml:"name,attr"`
		} `xml:"subcat"`
	} `xml:"categories>category"`
}

type capsSearch struct {
	Available       string `xml:"available,attr"`
	SupportedParams string `xml:"supportedParams,attr"`
}

type feed struct {
	XMLName xml.Name `xml:"rss"`
	Items   []item   `xml:"channel>item"`
}

type item struct {
	Title     string `xml:"title"`
	GUID      string `xml:"guid"`
	Link      string `xml:"link"`
	Comments  string `xml:"comments"`
	PubDate   string `xml:"pubDate"`
	Size      string `xml:"size"`
	Enclosure struct {
		URL    string `xml:"url,attr"`
		Length string `xml:"length,attr"`
		Type   string `xml:"type,attr"`
	} `xml:"enclosure"`
	Attrs []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"http://torznab.com/schemas/2015/feed attr"`
}

func (it item) attr(name string) []string {
	var out []string
	for _, a := range it.Attrs {
		if a.Name == name {
			out = append(out, a.Value)
		}
	}
	return out
}

type errorDoc struct {
	XMLName     xml.Name `xml:"error"`
	Code        string   `xml:"code,attr"`
	Description string   `xml:"description,attr"`
}

type fixture struct {
	t   *testing.T
	app *fiber.App
	svc *bootstrap.Service
	key string
	// session is the key owner's session token.
	session string
	keyID   string
}

// eachEngine runs test on the in-memory adapters and on R1 over a local SQLite file, wired as the
// service wires them.
func eachEngine(t *testing.T, test func(t *testing.T, f *fixture)) {
	eachEngineWith(t, newFixture, test)
}

// eachEngineWith is eachEngine on the catalog build makes.
func eachEngineWith(t *testing.T, build func(t *testing.T, engine string) *fixture, test func(t *testing.T, f *fixture)) {
	for _, engine := range []string{"memory", "r1"} {
		t.Run(engine, func(t *testing.T) { test(t, build(t, engine)) })
	}
}

func newFixture(t *testing.T, engine string) *fixture {
	t.Helper()
	now := time.Now().UTC().Add(-time.Hour)
	return newFixtureWith(t, engine, []ingest.Item{
		{InfoHash: hash(1), Name: "Pioneer.One.S01E01.720p.HDTV.x264-GRP", Category: "tv", Size: 700 << 20, Seeders: 12, Leechers: 3, UploadedAt: now.Add(-9 * time.Hour), External: domain.ExternalIDs{TVDb: 81189}},
		{InfoHash: hash(2), Name: "Pioneer.One.S01E02.1080p.WEB-DL.x264-GRP", Category: "tv", Size: 1400 << 20, Seeders: 8, UploadedAt: now.Add(-8 * time.Hour), External: domain.ExternalIDs{TVDb: 81189}},
		{InfoHash: hash(3), Name: "Pioneer.One.S01.Complete.480p.DVDRip", Category: "tv", Size: 4 << 30, Seeders: 2, UploadedAt: now.Add(-7 * time.Hour)},
		{InfoHash: hash(4), Name: "Other.Show.S01E12.720p.HDTV", Category: "tv", Size: 300 << 20, UploadedAt: now.Add(-6 * time.Hour)},
		{InfoHash: hash(5), Name: "Sintel.2010.2160p.BluRay.x265-OPEN", Category: "movies", Size: 8 << 30, Seeders: 99, UploadedAt: now.Add(-5 * time.Hour), External: domain.ExternalIDs{IMDb: "tt1727587", TMDb: 45745},
			Files: []domain.File{{Path: "Sintel/sintel.mp4", Size: 8<<30 - 100}, {Path: "Sintel/sintel.srt", Size: 100}}},
		{InfoHash: hash(6), Name: "Big.Buck.Bunny.2008.1080p.BluRay.x264-OPEN", Category: "movies", Size: 2 << 30, Seeders: 40, UploadedAt: now.Add(-4 * time.Hour)},
		{InfoHash: hash(7), Name: "[SubsPlease] Pepper and Carrot - 05 (1080p) [ABCDEF12].mkv", Category: "anime", Size: 1 << 30, UploadedAt: now.Add(-3 * time.Hour)},
		{InfoHash: hash(8), Name: "Nine Inch Nails - Ghosts I-IV (2008) [FLAC]", Category: "music", Size: 500 << 20, UploadedAt: now.Add(-2 * time.Hour)},
		{InfoHash: hash(9), Name: "Cory Doctorow - Little Brother (2008) (epub)", Category: "books", Size: 1 << 20, UploadedAt: now.Add(-time.Hour)},
		{InfoHash: hash(10), Name: "SuperTuxKart 1.4", Category: "games", Size: 600 << 20, UploadedAt: now.Add(-50 * time.Minute)},
		{InfoHash: hash(11), Name: "Ubuntu 24.04 Desktop amd64", Category: "software", Size: 6 << 30, UploadedAt: now.Add(-40 * time.Minute)},
		{InfoHash: hash(12), Name: "Open Source Stories", Category: "Documentaries", Size: 100 << 20, UploadedAt: now.Add(-30 * time.Minute)},
	})
}

// newFixtureWith is the service on engine with items ingested, a user, and the user's API key.
func newFixtureWith(t *testing.T, engine string, items []ingest.Item) *fixture {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var svc *bootstrap.Service
	var err error
	if engine == "memory" {
		svc, err = bootstrap.NewInMemory(bootstrap.Config{}, log)
	} else {
		svc, err = bootstrap.New(context.Background(), bootstrap.Config{
			R1Database: filepath.Join(t.TempDir(), "torznab.db"), AuthSecret: strings.Repeat("s", 32),
		}, log)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = svc.Close() })
	apispec.Hook(t, svc.App) // every answer is held to the served OpenAPI document
	f := &fixture{t: t, app: svc.App, svc: svc}
	report, err := svc.Ingest.Ingest(context.Background(), items)
	if err != nil || report.Created != len(items) {
		t.Fatalf("ingest: %+v %v", report, err)
	}
	r := f.do(http.MethodPost, "/api/auth/sign-up", `{"email":"sonarr@example.com","password":"correct horse battery","name":"Owner"}`, "")
	var signed struct {
		Session struct{ Token string } `json:"session"`
	}
	decodeJSON(t, r, &signed)
	f.session = signed.Session.Token
	r = f.do(http.MethodPost, "/api/auth/api-keys", `{"name":"Sonarr"}`, f.session)
	var created struct{ ID, Key string }
	decodeJSON(t, r, &created)
	f.key, f.keyID = created.Key, created.ID
	return f
}

func hash(n int) string { return strings.Repeat("0", 38) + strconv.Itoa(10+n) }

func decodeJSON(t *testing.T, r *http.Response, into any) {
	t.Helper()
	body, _ := io.ReadAll(r.Body)
	if r.StatusCode >= 300 {
		t.Fatalf("%d %s", r.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) do(method, target, body, bearer string) *http.Response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	r, err := f.app.Test(req, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// get asks /torznab/api with the parameters and the fixture's key (unless apikey is among them).
func (f *fixture) get(params string) (int, http.Header, []byte) {
	f.t.Helper()
	if !strings.Contains(params, "apikey=") {
		params += "&apikey=" + url.QueryEscape(f.key)
	}
	// As the apps' .NET HttpClient asks (automatic decompression), and inflates.
	req := httptest.NewRequest(http.MethodGet, "/torznab/api?"+params, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	r, err := f.app.Test(req, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	switch r.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			f.t.Fatalf("%s: Content-Encoding gzip, but: %v", params, err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			f.t.Fatalf("%s: %v", params, err)
		}
	case "":
	default:
		f.t.Fatalf("%s: Content-Encoding %q", params, r.Header.Get("Content-Encoding"))
	}
	return r.StatusCode, r.Header, body
}

func (f *fixture) caps() caps {
	f.t.Helper()
	status, header, body := f.get("t=caps")
	if status != 200 || !strings.Contains(header.Get("Content-Type"), "xml") {
		f.t.Fatalf("caps: %d %s %s", status, header.Get("Content-Type"), body)
	}
	var c caps
	if err := xml.Unmarshal(body, &c); err != nil {
		f.t.Fatalf("caps: %v\n%s", err, body)
	}
	return c
}

// search runs a search the way the apps' RSS parser reads it, and checks every item as they do.
func (f *fixture) search(params string) []item {
	f.t.Helper()
	status, header, body := f.get(params)
	if status != 200 || !strings.Contains(header.Get("Content-Type"), "xml") {
		f.t.Fatalf("%s: %d %s %s", params, status, header.Get("Content-Type"), body)
	}
	if strings.Contains(string(body), "<error") {
		f.t.Fatalf("%s: an error: %s", params, body)
	}
	var fd feed
	if err := xml.Unmarshal(body, &fd); err != nil {
		f.t.Fatalf("%s: %v\n%s", params, err, body)
	}
	known := f.capsCategoryIDs()
	for _, it := range fd.Items {
		if _, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil {
			f.t.Errorf("%s: %q: pubDate %q: %v", params, it.Title, it.PubDate, err)
		}
		size, err := strconv.ParseInt(it.Size, 10, 64)
		if err != nil || size <= 0 || it.Enclosure.Length != it.Size {
			f.t.Errorf("%s: %q: size %q, enclosure length %q", params, it.Title, it.Size, it.Enclosure.Length)
		}
		if it.Enclosure.Type != "application/x-bittorrent;x-scheme-handler/magnet" || !strings.HasPrefix(it.Enclosure.URL, "magnet:?xt=urn:btih:") || it.Link != it.Enclosure.URL {
			f.t.Errorf("%s: %q: enclosure %+v, link %q", params, it.Title, it.Enclosure, it.Link)
		}
		if it.GUID == "" || !strings.Contains(it.Comments, "/api/torrents/") {
			f.t.Errorf("%s: %q: guid %q comments %q", params, it.Title, it.GUID, it.Comments)
		}
		cats := it.attr("category")
		if len(cats) == 0 {
			f.t.Errorf("%s: %q has no category", params, it.Title)
		}
		for _, c := range cats {
			if !known[c] {
				f.t.Errorf("%s: %q: category %s is not in caps", params, it.Title, c)
			}
		}
		for _, name := range []string{"size", "seeders", "leechers", "peers", "infohash", "magneturl", "files", "downloadvolumefactor", "uploadvolumefactor"} {
			if len(it.attr(name)) != 1 && !strings.Contains(params, "attrs=") {
				f.t.Errorf("%s: %q: attribute %s %v", params, it.Title, name, it.attr(name))
			}
		}
	}
	return fd.Items
}

func (f *fixture) capsCategoryIDs() map[string]bool {
	known := map[string]bool{}
	for _, c := range f.caps().Categories {
		known[c.ID] = true
		for _, s := range c.Subcats {
			known[s.ID] = true
		}
	}
	return known
}

func titles(items []item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) expectError(params string, wantStatus int, code string) errorDoc {
	f.t.Helper()
	status, header, body := f.get(params)
	if status != wantStatus || !strings.Contains(header.Get("Content-Type"), "xml") {
		f.t.Fatalf("%s: %d %s %s, want %d and XML", params, status, header.Get("Content-Type"), body, wantStatus)
	}
	var e errorDoc
	if err := xml.Unmarshal(body, &e); err != nil || e.Code != code || e.Description == "" {
		f.t.Fatalf("%s: %s (%v), want error %s with a description", params, body, err, code)
	}
	return e
}

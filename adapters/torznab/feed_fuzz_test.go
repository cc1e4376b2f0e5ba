package torznab

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/torrent-streamer/streamer/domain"
)

// decodedItem is an item as encoding/xml reads it, by the Torznab namespace.
type decodedItem struct {
	Title     string `xml:"title"`
	GUID      string `xml:"guid"`
	Link      string `xml:"link"`
	Comments  string `xml:"comments"`
	PubDate   string `xml:"pubDate"`
	Size      int64  `xml:"size"`
	Category  []int  `xml:"category"`
	Enclosure struct {
		URL    string `xml:"url,attr"`
		Length int64  `xml:"length,attr"`
		Type   string `xml:"type,attr"`
	} `xml:"enclosure"`
	Attrs []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"http://torznab.com/schemas/2015/feed attr"`
}

type decodedFeed struct {
	XMLName xml.Name `xml:"rss"`
	Channel struct {
		Response struct {
			Offset int `xml:"offset,attr"`
			Total  int `xml:"total,attr"`
		} `xml:"http://torznab.com/schemas/2015/feed response"`
		Items []decodedItem `xml:"item"`
	} `xml:"channel"`
}

// xmlText is s as an XML reader gives it back: control characters XML cannot carry are U+FFFD.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
}

// FuzzFeed writes a feed of one fuzzed torrent (twice, the second time from the kept bytes) and
// checks it against encoding/xml's reading of it and against the server's former writer
// (feed_reference_test.go), byte for byte.
func FuzzFeed(f *testing.F) {
	f.Add("Some.Show.S01E02.1080p.WEB-DL.x264-GRP", "udp://tracker.example.org:1337/announce", "https://seed.example/f", "tt0133093", "http://127.0.0.1:8080", int64(1<<30), int64(12), "")
	f.Add(`a&b<c>d"e'f`+"\t\n\r\x07\x7f é ★", "http://t/?a=1&b=<2>", "", "", "https://x.example:8443", int64(1), int64(0), "seeders,magneturl")
	f.Add("Film (2019) [2160p] {HDR}", "", "", "", "http://[::1]:80", int64(0), int64(-1), "category")
	f.Fuzz(func(t *testing.T, name, tracker, webSeed, imdb, base string, size, seeders int64, attrsParam string) {
		if !utf8Valid(name, tracker, webSeed, base, attrsParam) {
			t.Skip() // the domain refuses text that is not UTF-8
		}
		s := domain.TorrentSummary{ID: 42, InfoHash: domain.InfoHash{1, 2, 3}, Name: name, Size: size,
			Category: domain.CategoryRef{Slug: "tv"}, Seeders: seeders, Leechers: 3,
			UploadedAt: time.Unix(1_700_000_000, 0), FileCount: 2, Release: domain.ParseRelease(name)}
		if tracker != "" {
			s.Trackers = []string{tracker}
		}
		if webSeed != "" {
			s.WebSeeds = []string{webSeed}
		}
		if id, ok := domain.ParseIMDbID(imdb); ok {
			s.External.IMDb = id
		}
		var only map[string]bool
		if attrsParam != "" {
			only = map[string]bool{}
			for _, a := range strings.Split(attrsParam, ",") {
				only[strings.ToLower(strings.TrimSpace(a))] = true
			}
		}
		cats := newCategoryMap(nil)
		ids := cats.itemIDs(s.Category.Slug, s.Release.Resolution)
		frags := newFragmentCache(1 << 20)
		var pages [2][]byte
		for i := range pages {
			b := appendFeedHead(nil, "streamer", base, 7, 8)
			b = frags.appendItem(b, &s, base, attrsKey(only), ids, only)
			pages[i] = append(b, feedTail...)
		}
		if !bytes.Equal(pages[0], pages[1]) {
			t.Fatalf("the kept item differs from the written one:\n%s\n%s", pages[0], pages[1])
		}
		// The former writer, byte for byte.
		doc := rssDoc{Version: "2.0", AtomNS: "http://www.w3.org/2005/Atom", TorznabNS: torznabNS}
		doc.Channel = rssChannel{
			AtomLink: atomLink{Href: base + Path, Rel: "self", Type: "application/rss+xml"}, Title: "streamer",
			Description: "streamer: a torrent catalog", Link: base + "/", Response: rssResponse{Offset: 7, Total: 8},
			Items: []rssItem{itemOf(s, base, cats, only)},
		}
		var ref bytes.Buffer
		writeFeed(&ref, &doc)
		if !bytes.Equal(ref.Bytes(), pages[0]) {
			t.Fatalf("differs from the former writer:\n got %s\nwant %s", pages[0], ref.Bytes())
		}
		// encoding/xml's reading.
		var got decodedFeed
		if err := xml.Unmarshal(pages[0], &got); err != nil {
			t.Fatalf("encoding/xml cannot read the feed: %v\n%s", err, pages[0])
		}
		if ch := got.Channel; ch.Response.Offset != 7 || ch.Response.Total != 8 || len(ch.Items) != 1 {
			t.Fatalf("response %+v, %d items", ch.Response, len(ch.Items))
		}
		it := got.Channel.Items[0]
		magnet := xmlText(s.Magnet().String())
		want := decodedItem{Title: xmlText(name), GUID: s.InfoHash.String(), Link: magnet, Comments: xmlText(base) + "/api/torrents/42",
			PubDate: s.UploadedAt.UTC().Format(time.RFC1123Z), Size: size, Category: ids}
		want.Enclosure.URL, want.Enclosure.Length, want.Enclosure.Type = magnet, size, enclosureType
		values := map[string][]string{}
		for _, a := range it.Attrs {
			values[a.Name] = append(values[a.Name], a.Value)
		}
		it.Attrs = nil
		if !reflect.DeepEqual(it, want) {
			t.Fatalf("read back\n %+v\nwant\n %+v", it, want)
		}
		var cat []string
		for _, id := range ids {
			cat = append(cat, strconv.Itoa(id))
		}
		if !slices.Equal(values["category"], cat) {
			t.Fatalf("category attributes %v, want %v", values["category"], cat)
		}
		for name, v := range map[string]string{"size": strconv.FormatInt(size, 10), "seeders": strconv.FormatInt(seeders, 10),
			"infohash": s.InfoHash.String(), "magneturl": magnet, "files": "2"} {
			if only != nil && !only[name] {
				if values[name] != nil {
					t.Fatalf("attribute %s written though attrs=%q", name, attrsParam)
				}
				continue
			}
			if len(values[name]) != 1 || values[name][0] != v {
				t.Fatalf("attribute %s = %q, want %q", name, values[name], v)
			}
		}
	})
}

func utf8Valid(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// A kept item is written again when anything it is written from changes: every field of the
// summary is changed in turn, and whenever the item written from scratch differs, the kept one
// must not be served.
func TestKeptItemsFollowTheirTorrent(t *testing.T) {
	base := domain.TorrentSummary{ID: 7, InfoHash: domain.InfoHash{9}, Name: "Show.S01E02.1080p.WEB-DL-GRP", Size: 100,
		Category: domain.CategoryRef{Slug: "tv", Name: "TV"}, Seeders: 5, Leechers: 1, UploadedAt: time.Unix(1_700_000_000, 0),
		Trackers: []string{"udp://a/announce"}, WebSeeds: []string{"https://w/"}, FileCount: 3,
		External: domain.ExternalIDs{IMDb: "tt0000001", TMDb: 2, TVDb: 3}, Release: domain.ParseRelease("Show.S01E02.1080p.WEB-DL-GRP")}
	base.Release.Year = 2001
	cats := newCategoryMap(nil)
	write := func(s domain.TorrentSummary) []byte {
		return appendItem(nil, &s, "http://h", cats.itemIDs(s.Category.Slug, s.Release.Resolution), nil)
	}
	changed := 0
	s := base
	frags := newFragmentCache(1 << 20)
	ids := func(s domain.TorrentSummary) []int { return cats.itemIDs(s.Category.Slug, s.Release.Resolution) }
	check := func(path string) {
		fresh := write(s)
		kept := frags.appendItem(nil, &s, "http://h", "", ids(s), nil)
		if !bytes.Equal(fresh, kept) {
			t.Errorf("after changing %s the kept item was served:\n kept  %s\n fresh %s", path, kept, fresh)
		}
		if !bytes.Equal(fresh, write(base)) {
			changed++
		}
	}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Struct:
			if v.Type() == reflect.TypeOf(time.Time{}) {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour)))
				return
			}
			for i := range v.NumField() {
				f := v.Field(i)
				if !f.CanSet() {
					continue
				}
				before := reflect.New(f.Type()).Elem()
				before.Set(f)
				walk(f, path+"."+v.Type().Field(i).Name)
				check(path + "." + v.Type().Field(i).Name)
				f.Set(before)
			}
			return
		case reflect.String:
			v.SetString(v.String() + "x")
		case reflect.Int, reflect.Int64:
			v.SetInt(v.Int() + 1)
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Slice:
			switch v.Type().Elem().Kind() {
			case reflect.String:
				v.Set(reflect.Append(v, reflect.ValueOf("udp://more/announce")))
			case reflect.Int:
				v.Set(reflect.Append(reflect.MakeSlice(v.Type(), 0, 1), reflect.ValueOf(99)))
			}
		case reflect.Array:
			v.Index(0).Set(reflect.ValueOf(v.Index(0).Interface().(byte) + 1))
		}
	}
	// Each field from the same kept state: the base item is kept first.
	frags.appendItem(nil, &base, "http://h", "", ids(base), nil)
	walk(reflect.ValueOf(&s).Elem(), "TorrentSummary")
	if changed < 15 {
		t.Fatalf("only %d changes showed in the item: the walk does not reach the fields", changed)
	}
}

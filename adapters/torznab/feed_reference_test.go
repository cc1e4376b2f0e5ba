package torznab

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"time"

	"github.com/torrent-streamer/streamer/domain"
)

// The feed as the server wrote it before items were written straight from the summaries and kept
// (feed.go): the reference the writer is fuzzed against, beside encoding/xml's reading.

// writeFeed writes the RSS document by hand: encoding/xml reflects over every field of every item,
// which made a page of 100 items cost milliseconds; this costs a few microseconds an item. Empty
// elements are self-closing (<torznab:attr name="seeders" value="4"/>), as Jackett and Prowlarr
// write them: a page of 100 items is about 9% smaller than with end tags, and the apps' parsers
// read both.
func writeFeed(b *bytes.Buffer, doc *rssDoc) {
	ch := &doc.Channel
	b.WriteString(xml.Header)
	b.WriteString(`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:torznab="` + torznabNS + `"><channel>`)
	b.WriteString(`<atom:link href="`)
	escape(b, ch.AtomLink.Href)
	b.WriteString(`" rel="self" type="application/rss+xml"/><title>`)
	escape(b, ch.Title)
	b.WriteString(`</title><description>`)
	escape(b, ch.Description)
	b.WriteString(`</description><link>`)
	escape(b, ch.Link)
	b.WriteString(`</link><torznab:response offset="`)
	b.WriteString(strconv.Itoa(ch.Response.Offset))
	b.WriteString(`" total="`)
	b.WriteString(strconv.Itoa(ch.Response.Total))
	b.WriteString(`"/>`)
	for i := range ch.Items {
		writeItem(b, &ch.Items[i])
	}
	b.WriteString(`</channel></rss>`)
}

func writeItem(b *bytes.Buffer, it *rssItem) {
	b.WriteString(`<item><title>`)
	escape(b, it.Title)
	b.WriteString(`</title><guid isPermaLink="false">`)
	escape(b, it.GUID.Value)
	b.WriteString(`</guid><link>`)
	escape(b, it.Link)
	b.WriteString(`</link><comments>`)
	escape(b, it.Comments)
	b.WriteString(`</comments><pubDate>`)
	b.WriteString(it.PubDate)
	b.WriteString(`</pubDate><size>`)
	b.WriteString(strconv.FormatInt(it.Size, 10))
	b.WriteString(`</size>`)
	for _, c := range it.Category {
		b.WriteString(`<category>`)
		b.WriteString(strconv.Itoa(c))
		b.WriteString(`</category>`)
	}
	b.WriteString(`<enclosure url="`)
	escape(b, it.Enclosure.URL)
	b.WriteString(`" length="`)
	b.WriteString(strconv.FormatInt(it.Enclosure.Length, 10))
	b.WriteString(`" type="`)
	escape(b, it.Enclosure.Type)
	b.WriteString(`"/>`)
	for _, a := range it.Attrs {
		b.WriteString(`<torznab:attr name="`)
		b.WriteString(a.Name) // the server's own names
		b.WriteString(`" value="`)
		escape(b, a.Value)
		b.WriteString(`"/>`)
	}
	b.WriteString(`</item>`)
}

// escape writes s as XML character data or an attribute value. The text is the catalog's, which is
// valid UTF-8 (the domain refuses anything else), so only markup and control characters need work:
// the five markup characters become entities, tab, newline and carriage return character
// references (so attribute values keep them), and other control characters, which XML 1.0 cannot
// carry at all, U+FFFD.
func escape(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch c := s[i]; {
		case c == '&':
			rep = "&amp;"
		case c == '<':
			rep = "&lt;"
		case c == '>':
			rep = "&gt;"
		case c == '"':
			rep = "&#34;"
		case c == '\'':
			rep = "&#39;"
		case c == '\t':
			rep = "&#x9;"
		case c == '\n':
			rep = "&#xA;"
		case c == '\r':
			rep = "&#xD;"
		case c < 0x20 || c == 0x7f:
			rep = "\uFFFD"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// itemOf is one torrent as an RSS item with its Torznab attributes.
func itemOf(t domain.TorrentSummary, base string, cats *categoryMap, only map[string]bool) rssItem {
	magnet := t.Magnet().String()
	ids := cats.itemIDs(t.Category.Slug, t.Release.Resolution)
	item := rssItem{
		Title:     t.Name,
		GUID:      rssGUID{IsPermaLink: "false", Value: t.InfoHash.String()},
		Link:      magnet,
		Comments:  base + "/api/torrents/" + strconv.FormatInt(t.ID, 10),
		PubDate:   t.UploadedAt.UTC().Format(time.RFC1123Z),
		Size:      t.Size,
		Category:  ids,
		Enclosure: rssEnclosure{URL: magnet, Length: t.Size, Type: enclosureType},
		Attrs:     make([]torznabAttr, 0, 24),
	}
	add := func(name, value string) {
		if only == nil || only[name] || name == "category" {
			item.Attrs = append(item.Attrs, torznabAttr{Name: name, Value: value})
		}
	}
	for _, id := range ids {
		add("category", strconv.Itoa(id))
	}
	add("size", strconv.FormatInt(t.Size, 10))
	add("seeders", strconv.FormatInt(t.Seeders, 10))
	add("leechers", strconv.FormatInt(t.Leechers, 10))
	add("peers", strconv.FormatInt(t.Seeders+t.Leechers, 10))
	add("infohash", t.InfoHash.String())
	add("magneturl", magnet)
	add("files", strconv.Itoa(t.FileCount))
	r := t.Release
	if r.Year > 0 {
		add("year", strconv.Itoa(r.Year))
	}
	if len(r.Seasons) > 0 {
		add("season", strconv.Itoa(r.Seasons[0]))
	}
	if len(r.Episodes) > 0 {
		add("episode", strconv.Itoa(r.Episodes[0]))
	}
	if r.Resolution != "" {
		add("resolution", r.Resolution)
	}
	if t.External.IMDb != "" {
		add("imdb", t.External.IMDbDigits())
		add("imdbid", t.External.IMDb)
	}
	if t.External.TMDb > 0 {
		add("tmdbid", strconv.FormatInt(t.External.TMDb, 10))
	}
	if t.External.TVDb > 0 {
		add("tvdbid", strconv.FormatInt(t.External.TVDb, 10))
	}
	// A public catalog: downloads do not count against a ratio.
	add("downloadvolumefactor", "0")
	add("uploadvolumefactor", "1")
	return item
}

type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	AtomNS    string     `xml:"xmlns:atom,attr"`
	TorznabNS string     `xml:"xmlns:torznab,attr"`
	Channel   rssChannel `xml:"channel"`
}

type rssChannel struct {
	AtomLink    atomLink    `xml:"atom:link"`
	Title       string      `xml:"title"`
	Description string      `xml:"description"`
	Link        string      `xml:"link"`
	Response    rssResponse `xml:"torznab:response"`
	Items       []rssItem   `xml:"item"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssResponse struct {
	Offset int `xml:"offset,attr"`
	Total  int `xml:"total,attr"`
}

type rssItem struct {
	Title     string        `xml:"title"`
	GUID      rssGUID       `xml:"guid"`
	Link      string        `xml:"link"`
	Comments  string        `xml:"comments"`
	PubDate   string        `xml:"pubDate"`
	Size      int64         `xml:"size"`
	Category  []int         `xml:"category"`
	Enclosure rssEnclosure  `xml:"enclosure"`
	Attrs     []torznabAttr `xml:"torznab:attr"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length int64  `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

type torznabAttr struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}
